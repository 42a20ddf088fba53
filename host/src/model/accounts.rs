//! Users and their personal access tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A personal access token as listed (never with its secret).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PersonalToken {
    /// `pat_…`
    pub id: String,
    /// Owner.
    #[serde(skip)]
    pub user_id: String,
    /// The organization the token is bound to.
    pub org_id: String,
    /// A label chosen by the user.
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub token_prefix: String,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A user account as clients see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    /// `usr_…`
    pub id: String,
    /// Lower-cased e-mail address.
    pub email: String,
    /// Full name.
    pub name: String,
    /// `super_admin`, `admin` or `user`.
    pub instance_role: String,
    /// The organization used when a request names none.
    pub current_org_id: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// When the address was proven by a mailed link; `null` while unverified.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
