//! WebAssembly plugins: the runtime that runs them sandboxed, the installed-plugin registry and
//! the facade domain code calls.
//!
//! Domain code never sees wasmtime: it calls [`PluginHost`] with the plain types of
//! [`contract`], and the host picks the plugin bound for the organization (the built-in one when
//! none is bound), runs it in a fresh sandbox and checks its output.

pub mod builtin;
pub mod contract;
pub mod runtime;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::store::db::Db;
use contract::{BillableEntry, InvoiceContext, InvoiceResult, OccurrenceQuery};

/// The plugins of this process: runtime, installed plugins, per-organization bindings.
///
/// SKELETON — the runtime (`runtime`) and the registry (`registry`) replace these bodies.
#[derive(Clone, Default)]
pub struct PluginHost {}

impl PluginHost {
    /// Computes an invoice with the `invoicing-rule` plugin bound for `ctx.org_id`
    /// (`invoicing-standard` when none is bound). The result has passed the contract checks.
    pub async fn compute_invoice(
        &self,
        _db: &Db,
        _ctx: InvoiceContext,
        _entries: Vec<BillableEntry>,
    ) -> Result<InvoiceResult> {
        Err(not_wired())
    }

    /// Validates a recurrence pattern with the `recurrence` plugin bound for `org_id`; returns
    /// its canonical form, or `VALIDATION_ERROR` (422, field `recurrence_pattern`) with the
    /// plugin's explanation.
    pub async fn validate_recurrence(
        &self,
        _db: &Db,
        _org_id: &str,
        _pattern: &str,
    ) -> Result<String> {
        Err(not_wired())
    }

    /// The next occurrences of a pattern, by the `recurrence` plugin bound for `org_id`.
    pub async fn next_occurrences(
        &self,
        _db: &Db,
        _org_id: &str,
        _query: OccurrenceQuery,
    ) -> Result<Vec<DateTime<Utc>>> {
        Err(not_wired())
    }
}

fn not_wired() -> Error {
    Error::Plugin {
        plugin: "runtime".into(),
        reason: "unavailable".into(),
        message: "the plugin runtime is not wired yet".into(),
    }
}
