//! Clients, the parties invoices go to.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// A client.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Client {
    /// `cli_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Name.
    pub name: String,
    /// Billing e-mail address.
    pub email: Option<String>,
    /// ISO 4217 currency of the client's invoices.
    pub currency: String,
    /// Default tax rate in basis points (`1900` = 19 %).
    pub tax_rate_bp: i64,
    /// Client rate, minor units per hour.
    pub hourly_rate: Option<i64>,
    /// Free-form notes.
    pub notes: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
