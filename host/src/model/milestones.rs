//! Project milestones.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A milestone.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Milestone {
    /// `ms_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Project.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Target date.
    pub target_date: NaiveDate,
    /// Colour.
    pub color: String,
    /// Creator.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
