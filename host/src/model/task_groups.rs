//! Groups (columns) of a project's tasks.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A task group.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct TaskGroup {
    /// `grp_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Project.
    pub project_id: String,
    /// Name.
    pub name: String,
    /// Order within the project, from 0.
    pub position: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
