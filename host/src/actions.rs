//! The action registry: every operation once, by the name the WebSocket reference uses, with its
//! typed payload (serde + JSON Schema), the permission it needs and the domain function it calls.
//!
//! REST routes call [`dispatch`] for their action's type; the WebSocket looks actions up by name
//! in the [`Registry`]. Scope resolution and the permission check happen here, before the domain
//! function runs, so no interface can forget them.

mod catalog;
#[cfg(test)]
mod coverage;
pub mod effect;
mod registry;

pub use catalog::build_registry;
pub use registry::{
    Action, Entry, IntoReply, Registry, Reply, Scope, decode as decode_payload, dispatch,
    dispatch_typed, membership, run,
};
