//! Credentials: password hashing, JWT access tokens, and who is calling.
//!
//! Refresh tokens, personal access tokens, WebSocket tickets and reset links are opaque random
//! secrets stored only as SHA-256 hashes (see [`crate::ids::hash_secret`]); their rules live in
//! [`crate::domain::accounts`].

pub mod jwt;
pub mod password;
mod principal;

pub use principal::{AuthVia, Caller, Principal};
