//! An organization's task statuses.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A task status.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct TaskStatus {
    /// `sts_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Stable code stored on tasks, e.g. `in_progress`.
    pub code: String,
    /// Display label.
    pub label: String,
    /// Display colour.
    pub color: String,
    /// Sort order.
    pub position: i64,
    /// Whether tasks in this status count as done.
    pub is_done: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
