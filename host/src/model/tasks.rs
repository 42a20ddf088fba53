//! Tasks.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Serialize;

crate::code_enum! {
    /// How urgent a task is.
    pub enum Priority {
        /// Not set.
        None = "none",
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
        /// Urgent.
        Urgent = "urgent",
    }
}

/// A task.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Task {
    /// `tsk_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Per-organization number (`#42`).
    pub number: i64,
    /// Project.
    pub project_id: String,
    /// Group within the project.
    pub group_id: Option<String>,
    /// Milestone.
    pub milestone_id: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Status code.
    pub status: String,
    /// How urgent it is.
    pub priority: Priority,
    /// Assigned users.
    pub assignee_ids: Vec<String>,
    /// Who reported it.
    pub reporter_id: Option<String>,
    /// Labels.
    pub label_ids: Vec<String>,
    /// Start date.
    pub start_date: Option<NaiveDate>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Estimate in minutes.
    pub estimate_minutes: Option<i64>,
    /// Order within its group, from 0.
    pub position: i64,
    /// When it reached a done status.
    pub completed_at: Option<DateTime<Utc>>,
    /// Creator.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The recurrence (`rec_…`) that created this task as one of its instances.
    pub recurrence_id: Option<String>,
    /// The occurrence this instance stands for (with `recurrence_id`).
    pub occurrence_at: Option<DateTime<Utc>>,
    /// The recurrence (`rec_…`) this task is the template of, if it repeats.
    pub template_recurrence_id: Option<String>,
}
