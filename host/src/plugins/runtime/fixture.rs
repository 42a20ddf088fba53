//! Running a plugin against a JSON fixture with no server (`stint plugin test`).
//!
//! Fixture formats (documented in `docs/plugins.md`, "Testing a plugin without a server"):
//! - `invoicing-rule`: `{"context": InvoiceContext, "entries": [BillableEntry, …]}`
//! - `recurrence`: `{"validate": "<pattern>"}` or
//!   `{"next": {"pattern", "time_zone", "anchor", "after", "count"}}`
//! - `webhook`: `{"event": WebhookEvent, "subscription": WebhookTarget}`
//!
//! Dates are `YYYY-MM-DD`, instants RFC 3339; field names are those of
//! [`crate::plugins::contract`].

use serde::{Deserialize, Serialize};

use super::{CallReport, LoadedPlugin, PluginFailure, PluginKind};
use crate::plugins::contract::{BillableEntry, BillableTime, InvoiceContext, OccurrenceQuery};

/// An `invoicing-rule` fixture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoicingFixture {
    context: InvoiceContext,
    entries: Vec<BillableEntry>,
}

/// A `recurrence` fixture: exactly one of the two calls.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum RecurrenceFixture {
    Validate(String),
    Next(OccurrenceQuery),
}

/// A `webhook` fixture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookFixture {
    event: crate::plugins::contract::WebhookEvent,
    subscription: crate::plugins::contract::WebhookTarget,
}

/// What `stint plugin test` prints.
#[derive(Debug, Serialize)]
pub struct FixtureOutcome {
    /// `{"ok": <output>}` or `{"err": "<the plugin's message>"}`; absent on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// How the call failed (trap, timeout, out_of_memory, panic, contract), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<PluginFailure>,
    /// The plugin's log records.
    pub logs: Vec<super::LogRecord>,
    /// Wall time of the call in milliseconds, instantiation included.
    pub wall_time_ms: f64,
    /// Peak linear memory, bytes.
    pub peak_memory_bytes: u64,
}

/// Parses `fixture` for `plugin`'s kind and runs it, capturing logs.
pub async fn run(plugin: &LoadedPlugin, fixture: &str) -> anyhow::Result<FixtureOutcome> {
    let p = &plugin.inner;
    let (result, report) = match plugin.kind() {
        PluginKind::InvoicingRule => {
            let f: InvoicingFixture = parse(fixture)?;
            let time: BillableTime = f.entries.into_iter().collect();
            let (r, report) = p.compute_invoice(&f.context, &time, true).await;
            (r.map(|r| r.map(|r| r.to_json(&time))), report)
        }
        // A report needs data to run; the fixture checks what it describes.
        PluginKind::Report => {
            let (r, report) = p.describe_reports(true).await;
            (r.map(|infos| Ok(report_infos(&infos))), report)
        }
        PluginKind::Recurrence => match parse(fixture)? {
            RecurrenceFixture::Validate(pattern) => {
                let (r, report) = p.validate_recurrence(&pattern, true).await;
                (r.map(|r| r.map(to_json)), report)
            }
            RecurrenceFixture::Next(q) => {
                let (r, report) = p.next_occurrences(&q, true).await;
                (r.map(|r| r.map(to_json)), report)
            }
        },
        PluginKind::Webhook => {
            let f: WebhookFixture = parse(fixture)?;
            let (r, report) = p.format_webhook(&f.event, &f.subscription, true).await;
            (r.map(|r| r.map(to_json)), report)
        }
    };
    let (result, failure) = match result {
        Ok(Ok(v)) => (Some(serde_json::json!({ "ok": v })), None),
        Ok(Err(e)) => (Some(serde_json::json!({ "err": e })), None),
        Err(f) => (None, Some(f)),
    };
    Ok(FixtureOutcome {
        result,
        failure,
        wall_time_ms: ms(&report),
        peak_memory_bytes: report.peak_memory_bytes,
        logs: report.logs,
    })
}

fn report_infos(infos: &[crate::plugins::contract::report::ReportInfo]) -> serde_json::Value {
    to_json(infos)
}

/// Milliseconds, to the microsecond.
fn ms(report: &CallReport) -> f64 {
    (report.wall.as_secs_f64() * 1e6).round() / 1e3
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de)
        .map_err(|e| anyhow::anyhow!("invalid fixture at `{}`: {}", e.path(), e.inner()))
}

fn to_json<T: Serialize>(v: T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
