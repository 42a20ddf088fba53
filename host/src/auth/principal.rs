//! Who is calling: the authenticated user and how they authenticated.

use std::net::IpAddr;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthVia {
    /// A JWT access token.
    AccessToken,
    /// A personal access token, bound to one organization.
    PersonalToken {
        /// The token's id (`pat_…`).
        token_id: String,
        /// The organization the token is bound to.
        org_id: String,
    },
}

/// An authenticated user.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user's id.
    pub user_id: String,
    /// The credential used.
    pub via: AuthVia,
}

impl Principal {
    /// The organization a personal access token is bound to, if the caller used one.
    pub fn bound_org(&self) -> Option<&str> {
        match &self.via {
            AuthVia::PersonalToken { org_id, .. } => Some(org_id),
            AuthVia::AccessToken => None,
        }
    }
}

/// A principal plus where the request came from (for the audit log).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The authenticated user.
    pub principal: Principal,
    /// The client address, when known.
    pub ip: Option<IpAddr>,
}
