//! Dependencies between tasks.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A dependency link.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Dependency {
    /// `dep_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// The task that must finish first.
    pub blocker_id: String,
    /// The task that waits.
    pub blocked_id: String,
    /// Creator.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
}
