//! Projects.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

crate::code_enum! {
    /// Where a project stands.
    pub enum ProjectStatus {
        /// Being worked on.
        Active = "active",
        /// Paused.
        OnHold = "on_hold",
        /// Finished.
        Completed = "completed",
        /// Put away.
        Archived = "archived",
    }
}

/// A project.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Project {
    /// `prj_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Display colour.
    pub color: Option<String>,
    /// Where the project stands.
    #[sqlx(try_from = "String")]
    pub status: ProjectStatus,
    /// Whether time on it is billable by default.
    pub billable: bool,
    /// Default client rate, minor units per hour.
    pub hourly_rate: Option<i64>,
    /// The client billed for it (`cli_…`).
    pub client_id: Option<String>,
    /// Budget in minutes of tracked time.
    pub budget_minutes: Option<i64>,
    /// Budget in minor units (billed at client rates), in the client's currency.
    pub budget_amount: Option<i64>,
    /// Creator.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
