//! Who is calling: the authenticated user and how they authenticated.

use std::net::IpAddr;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthVia {
    /// A JWT access token of a login session.
    AccessToken {
        /// The login session (refresh-token family), when the token names one.
        session: Option<String>,
    },
    /// The system itself (scheduler, background jobs) acting on behalf of a user.
    System,
    /// A personal access token, bound to one organization.
    PersonalToken {
        /// The token's id (`pat_…`).
        token_id: String,
        /// The organization the token is bound to.
        org_id: String,
    },
    /// An OAuth access token (`stint_oat_…`) of a grant a user gave a client, bound to one
    /// organization exactly as a personal access token is.
    OAuthGrant {
        /// The grant's id (`oag_…`).
        grant_id: String,
        /// The organization the grant is bound to.
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
    /// The organization a personal access token or an OAuth grant is bound to, if the caller
    /// used one. Every session or ticket derived from the credential keeps the binding.
    pub fn bound_org(&self) -> Option<&str> {
        match &self.via {
            AuthVia::PersonalToken { org_id, .. } | AuthVia::OAuthGrant { org_id, .. } => {
                Some(org_id)
            }
            AuthVia::AccessToken { .. } | AuthVia::System => None,
        }
    }

    /// Whether the credential may act on the account as a whole: create organizations, mint
    /// personal access tokens, manage OAuth grants. A personal access token or an OAuth grant
    /// may not; a login session may.
    pub fn acts_for_account(&self) -> bool {
        self.bound_org().is_none()
    }

    /// The personal access token used, if any.
    pub fn token_id(&self) -> Option<&str> {
        match &self.via {
            AuthVia::PersonalToken { token_id, .. } => Some(token_id),
            AuthVia::AccessToken { .. } | AuthVia::OAuthGrant { .. } | AuthVia::System => None,
        }
    }

    /// The OAuth grant whose access token was used, if any.
    pub fn grant_id(&self) -> Option<&str> {
        match &self.via {
            AuthVia::OAuthGrant { grant_id, .. } => Some(grant_id),
            AuthVia::AccessToken { .. } | AuthVia::PersonalToken { .. } | AuthVia::System => None,
        }
    }

    /// The login session of an access token, if any.
    pub fn session(&self) -> Option<&str> {
        match &self.via {
            AuthVia::AccessToken { session } => session.as_deref(),
            AuthVia::PersonalToken { .. } | AuthVia::OAuthGrant { .. } | AuthVia::System => None,
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
