//! Time entries (and running timers).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A time entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct TimeEntry {
    /// `te_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Whose time it is.
    pub user_id: String,
    /// Project worked on.
    pub project_id: Option<String>,
    /// Task worked on (of `project_id`).
    pub task_id: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End; `null` while the timer runs.
    pub stopped_at: Option<DateTime<Utc>>,
    /// `stopped_at − started_at` in whole seconds; `null` while running.
    pub duration_secs: Option<i64>,
    /// Whether the time is billed.
    pub billable: bool,
    /// Client-rate override for this entry, minor units per hour.
    pub hourly_rate: Option<i64>,
    /// The invoice it is on, if any.
    pub invoice_id: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
