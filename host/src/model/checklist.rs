//! Checklist items of a task.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A checklist item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct ChecklistItem {
    /// `chk_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Task.
    pub task_id: String,
    /// Text.
    pub title: String,
    /// Ticked.
    pub completed: bool,
    /// Order within the checklist.
    pub position: i64,
    /// Who ticked it.
    pub completed_by: Option<String>,
    /// When.
    pub completed_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
