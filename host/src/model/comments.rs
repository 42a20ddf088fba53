//! Comments on tasks.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A comment.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Comment {
    /// `cmt_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Task.
    pub task_id: String,
    /// Author.
    pub user_id: String,
    /// Text.
    pub body: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
