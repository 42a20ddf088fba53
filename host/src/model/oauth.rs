//! OAuth clients and the grants users gave them (see `docs/oauth.md`).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A dynamically registered public client (RFC 7591).
#[derive(Debug, Clone, Serialize)]
pub struct OAuthClient {
    /// `oac_…`, the `client_id`.
    pub id: String,
    /// The name it registered with, shown on the consent page.
    pub name: String,
    /// Where authorization responses may be sent: exact strings.
    pub redirect_uris: Vec<String>,
    /// Registered.
    pub created_at: DateTime<Utc>,
}

/// A user's authorization of a client, bound to one organization, as listed (never with a
/// token).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OAuthGrant {
    /// `oag_…`
    pub id: String,
    /// The client (`oac_…`).
    pub client_id: String,
    /// The client's registered name.
    pub client_name: String,
    /// The organization the grant is bound to.
    pub org_id: String,
    /// Space-separated scopes (`mcp`).
    pub scope: String,
    /// Approved.
    pub created_at: DateTime<Utc>,
    /// Last use of one of its access tokens (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}
