//! Organizations.

use crate::model::permissions::Role;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// An organization, with the caller's role in it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Organization {
    /// `org_…`
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique URL-friendly name.
    pub slug: String,
    /// Settings.
    #[sqlx(flatten)]
    pub settings: Settings,
    /// The caller's role.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Organization-wide settings.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Settings {
    /// IANA time zone, e.g. `Europe/Berlin`; used for dates, recurrences and reports.
    pub timezone: String,
    /// ISO 4217 default currency.
    pub currency: String,
}
