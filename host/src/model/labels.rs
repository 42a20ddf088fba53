//! Labels put on tasks.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A label.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Label {
    /// `lbl_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Name, unique in the organization.
    pub name: String,
    /// Colour.
    pub color: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
