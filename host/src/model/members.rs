//! Members of an organization and invitations to join one.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::model::permissions::{Overrides, Permission, Role};

/// An invitation to an address. It becomes a membership only when accepted with the link
/// mailed to that address, or by an account whose address is verified.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Invitation {
    /// `ivt_…` (`inv_…` for invitations made before 0016)
    pub id: String,
    /// Invited address.
    pub email: String,
    /// Role on joining.
    pub role: Role,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Until when it can be accepted.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A member of an organization.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Member {
    /// The user.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Grants (`true`) and revocations (`false`) on top of the role.
    pub permission_overrides: Overrides,
    /// The effective permissions.
    pub permissions: Vec<Permission>,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}
