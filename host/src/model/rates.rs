//! Effective-dated billing and cost rates.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// One rate row: a member's rates from a date on, organization-wide or on one project.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Rate {
    /// `rt_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// The member.
    pub user_id: String,
    /// The project it applies to; `null` for the organization-wide rate.
    pub project_id: Option<String>,
    /// Cost rate, minor units per hour; `null` falls through to the next level.
    pub worker_rate: Option<i64>,
    /// Billed rate, minor units per hour; `null` falls through to the next level.
    pub client_rate: Option<i64>,
    /// First day (organization time zone) the rates apply.
    pub effective_from: NaiveDate,
    /// Who set it.
    pub created_by: String,
    /// When it was set.
    pub created_at: DateTime<Utc>,
}
