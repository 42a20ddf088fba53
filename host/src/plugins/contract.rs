//! The host-side shapes of what crosses the plugin boundary, free of wasmtime types.
//!
//! They mirror the records of `wit/` one to one; the runtime converts between these and the
//! generated bindings. Domain code (invoices, recurrences) speaks only these types.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod report;

/// What an invoice is for (`invoicing.invoice-context`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceContext {
    /// The organization.
    pub org_id: String,
    /// The invoice being generated.
    pub invoice_id: String,
    /// The invoice's client.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The client's default tax rate, basis points.
    pub tax_rate_bp: u32,
    /// First billed day, inclusive, in the organization's time zone.
    pub period_from: NaiveDate,
    /// Last billed day, inclusive.
    pub period_to: NaiveDate,
    /// The organization's IANA time zone.
    pub time_zone: String,
    /// The plugin's configuration for the organization (a JSON object; `{}` when absent).
    #[serde(default)]
    pub config: serde_json::Value,
}

/// A billable time entry with resolved rates (`invoicing.time-entry`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BillableEntry {
    /// The entry id.
    pub id: String,
    /// Who worked.
    pub user_id: String,
    /// Their display name.
    pub user_name: String,
    /// The project, if any.
    pub project_id: Option<String>,
    /// The project's name.
    pub project_name: Option<String>,
    /// The task, if any.
    pub task_id: Option<String>,
    /// The task's title.
    pub task_title: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// When the work started.
    pub started_at: DateTime<Utc>,
    /// How long, in seconds.
    pub duration_secs: i64,
    /// The start date in the organization's time zone.
    pub local_date: NaiveDate,
    /// Billed rate, minor units per hour.
    pub client_rate: i64,
    /// Cost rate, minor units per hour.
    pub worker_rate: i64,
}

/// An invoice line (`invoicing.line-item`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LineItem {
    /// What the line bills.
    pub description: String,
    /// Quantity in thousandths.
    pub quantity_milli: i64,
    /// Price per unit, minor units.
    pub unit_price: i64,
    /// The line's amount, minor units.
    pub amount: i64,
    /// The time entries the line bills.
    pub entry_ids: Vec<String>,
}

/// A tax applied to the invoice (`invoicing.tax-line`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TaxLine {
    /// Name of the tax.
    pub description: String,
    /// Rate in basis points.
    pub rate_bp: u32,
    /// What the rate applies to, minor units.
    pub base: i64,
    /// The tax, minor units.
    pub amount: i64,
}

/// A computed invoice (`invoicing.invoice-result`), already checked against the contract by
/// the runtime: sums add up and every entry id was in the input, at most once.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InvoiceResult {
    /// The lines.
    pub lines: Vec<LineItem>,
    /// Discount subtracted from the sum of the lines.
    pub discount: i64,
    /// Sum of line amounts minus the discount.
    pub subtotal: i64,
    /// The taxes.
    pub taxes: Vec<TaxLine>,
    /// Sum of the taxes.
    pub tax: i64,
    /// Subtotal plus tax.
    pub total: i64,
}

/// A request for the next occurrences of a pattern (`schedule.next`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OccurrenceQuery {
    /// The pattern as the user gave it (JSON text when it was an object).
    pub pattern: String,
    /// IANA time zone the pattern is evaluated in.
    pub time_zone: String,
    /// The series' first instant.
    pub anchor: DateTime<Utc>,
    /// Occurrences strictly after this instant are returned.
    pub after: DateTime<Utc>,
    /// How many at most.
    pub count: u32,
}

/// An event as a `webhook` plugin receives it (`stint:plugins/webhooks.event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The outbox id.
    pub id: u64,
    /// `EntityChanged`, `ChatMessage`, …
    pub kind: String,
    /// For `EntityChanged`: the entity type.
    pub entity_type: Option<String>,
    /// For `EntityChanged`: `created`, `updated` or `deleted`.
    pub action: Option<String>,
    /// The organization.
    pub organization_id: String,
    /// Who caused it.
    pub user_id: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The frame WebSocket clients receive, as JSON text.
    pub payload: String,
}

/// The subscription an event is formatted for (`stint:plugins/webhooks.subscription`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTarget {
    /// `whk_…`
    pub id: String,
    /// The subscription's URL.
    pub url: String,
    /// The plugin's configuration for the organization (a JSON object).
    pub config: Value,
}

/// HTTP methods a webhook request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WebhookMethod {
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
}

impl WebhookMethod {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookMethod::Post => "POST",
            WebhookMethod::Put => "PUT",
            WebhookMethod::Patch => "PATCH",
        }
    }

    /// Parses `POST`, `PUT` or `PATCH`.
    pub fn parse(s: &str) -> Option<WebhookMethod> {
        match s {
            "POST" => Some(WebhookMethod::Post),
            "PUT" => Some(WebhookMethod::Put),
            "PATCH" => Some(WebhookMethod::Patch),
            _ => None,
        }
    }
}

/// A request a `webhook` plugin asks the host to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// The method.
    pub method: WebhookMethod,
    /// `None`: the subscription's URL.
    pub url: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}
