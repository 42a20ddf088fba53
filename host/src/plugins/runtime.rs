//! The sandbox plugins run in: one wasmtime engine per process, a fresh store and instance per
//! call, CPU and memory bounded, no ambient capabilities, outputs checked against the contract.
//!
//! ```no_run
//! # async fn demo(wasm: &[u8]) -> anyhow::Result<()> {
//! use stint_host::plugins::runtime::{Limits, PluginKind, Runtime, RuntimeConfig};
//! let runtime = Runtime::new(RuntimeConfig::new("/var/lib/stint/plugin-cache".into()))?;
//! let plugin = runtime
//!     .load("recurrence-standard", PluginKind::Recurrence, wasm, Limits::default())
//!     .await?;
//! let canonical = plugin.validate_recurrence("daily").await?;
//! # let _ = canonical;
//! # Ok(()) }
//! ```
//!
//! Layout: `engine` (wasmtime config, epoch ticker, per-call store state), `bindings` (the
//! generated WIT bindings and their conversions, private), `check` (what a component may import
//! and must export), `cache` (precompiled artifacts), `call` (running one call and classifying
//! how it failed), `contract_check` (output checks), `failure`, `fixture` (`stint plugin test`).

mod bindings;
mod cache;
mod call;
mod check;
mod contract_check;
mod engine;
mod failure;
pub mod fixture;
mod report;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::contract::{
    BillableTime, InvoiceContext, InvoiceResult, OccurrenceQuery, WebhookEvent, WebhookRequest,
    WebhookTarget,
};
pub use call::{CallReport, LogRecord};
pub use contract_check::{MAX_WEBHOOK_BODY_BYTES, MAX_WEBHOOK_REQUESTS, webhook_header_allowed};
pub use failure::{FailureReason, PluginFailure};
pub use report::{MAX_COLUMNS, MAX_ROWS, ReportCallError};

/// The kinds of plugin, one WIT world each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    /// World `invoicing-rule`: computes invoices.
    InvoicingRule,
    /// World `recurrence`: evaluates recurrence patterns.
    Recurrence,
    /// World `report`: reports over data the host lends (since 0.2.0).
    Report,
    /// World `webhook`: turns events into outgoing HTTP requests (the host sends them).
    Webhook,
}

impl PluginKind {
    /// The WIT world name, which is also the serde and CLI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::InvoicingRule => "invoicing-rule",
            PluginKind::Recurrence => "recurrence",
            PluginKind::Report => "report",
            PluginKind::Webhook => "webhook",
        }
    }

    /// The `stint:plugins` version that introduced the kind: plugins built against any version
    /// from this one to the server's run.
    pub fn since(self) -> semver::Version {
        match self {
            PluginKind::InvoicingRule | PluginKind::Recurrence => semver::Version::new(0, 1, 0),
            PluginKind::Report => semver::Version::new(0, 2, 0),
            PluginKind::Webhook => semver::Version::new(0, 2, 0),
        }
    }

    /// Parses the WIT world name.
    pub fn parse(s: &str) -> Option<PluginKind> {
        match s {
            "invoicing-rule" => Some(PluginKind::InvoicingRule),
            "recurrence" => Some(PluginKind::Recurrence),
            "report" => Some(PluginKind::Report),
            "webhook" => Some(PluginKind::Webhook),
            _ => None,
        }
    }
}

impl std::fmt::Display for PluginKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one call of a plugin may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall time for one call, instantiation included; the guest is interrupted after it.
    pub deadline: Duration,
    /// Linear memory one call may grow to, in bytes (at most
    /// [`RuntimeConfig::max_memory_bytes`]).
    pub memory_bytes: u64,
}

impl Default for Limits {
    /// One second and 64 MiB: generous for rules over a month of time entries.
    fn default() -> Limits {
        Limits {
            deadline: Duration::from_secs(1),
            memory_bytes: 64 << 20,
        }
    }
}

/// How the runtime is set up; one per process.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where precompiled components (`<sha256>-<engine hash>.cwasm`) are kept. Only the host
    /// writes here: the files are loaded as trusted machine code.
    pub cache_dir: PathBuf,
    /// Plugin calls that may run at once (the pooling allocator's size); further callers wait.
    pub max_concurrent_calls: u32,
    /// The largest [`Limits::memory_bytes`] a plugin may be given (each pool slot's size).
    pub max_memory_bytes: u64,
    /// How often the engine's epoch advances: the granularity of deadlines.
    pub epoch_tick: Duration,
}

impl RuntimeConfig {
    /// Defaults: 16 concurrent calls, up to 256 MiB per call, a 10 ms tick.
    pub fn new(cache_dir: PathBuf) -> RuntimeConfig {
        RuntimeConfig {
            cache_dir,
            max_concurrent_calls: 16,
            max_memory_bytes: 256 << 20,
            epoch_tick: Duration::from_millis(10),
        }
    }
}

/// The plugin runtime: cheap to clone, shared by every plugin of the process.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<engine::Shared>,
}

impl Runtime {
    /// Builds the engine (pooling allocator sized by `cfg`), links WASI and the host imports,
    /// and starts the epoch ticker (a thread that stops when the last clone is dropped).
    pub fn new(cfg: RuntimeConfig) -> anyhow::Result<Runtime> {
        Ok(Runtime {
            inner: Arc::new(engine::Shared::new(cfg)?),
        })
    }

    /// Checks the bytes are a component of `kind`'s world whose imports the kind allows,
    /// precompiles (off the async threads), caches; errors say what is wrong.
    pub async fn load(
        &self,
        name: &str,
        kind: PluginKind,
        wasm: &[u8],
        limits: Limits,
    ) -> Result<LoadedPlugin, LoadError> {
        if limits.memory_bytes > self.inner.cfg.max_memory_bytes {
            return Err(LoadError::new(
                LoadErrorKind::Limits,
                format!(
                    "memory limit {} bytes exceeds the runtime's maximum of {} bytes",
                    limits.memory_bytes, self.inner.cfg.max_memory_bytes
                ),
            ));
        }
        if limits.deadline.is_zero() {
            return Err(LoadError::new(
                LoadErrorKind::Limits,
                "the deadline must be positive".into(),
            ));
        }
        check::header(wasm)?;
        let component = cache::compile(&self.inner.engine, &self.inner.cfg.cache_dir, wasm).await?;
        let minor = check::component(&self.inner.engine, kind, &component)?;
        let pre = bindings::Pre::new(&self.inner.linker, kind, minor, &component)?;
        Ok(LoadedPlugin {
            inner: Arc::new(call::Plugin {
                name: name.into(),
                kind,
                contract: semver::Version::new(0, minor, 0),
                limits,
                pre,
                shared: self.inner.clone(),
            }),
        })
    }
}

/// A plugin ready to be called: compiled and type-checked once, instantiated fresh per call.
#[derive(Clone)]
pub struct LoadedPlugin {
    inner: Arc<call::Plugin>,
}

impl LoadedPlugin {
    /// The name it was loaded under (used in logs and failures).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its kind.
    pub fn kind(&self) -> PluginKind {
        self.inner.kind
    }

    /// The contract version it was built against (`0.<minor>.0`; patch versions are not told
    /// apart: they change only comments).
    pub fn contract(&self) -> &semver::Version {
        &self.inner.contract
    }

    /// Its limits.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Runs `invoicing.compute`. The `Ok(Ok(_))` result has passed the contract checks; the
    /// inner `Err` is the plugin's own explanation of why it cannot compute the invoice.
    pub async fn compute_invoice(
        &self,
        ctx: &InvoiceContext,
        time: &BillableTime,
    ) -> Result<Result<InvoiceResult, String>, PluginFailure> {
        self.inner.compute_invoice(ctx, time, false).await.0
    }

    /// Runs `reports.describe`: the reports the plugin offers (checked: unique slugs, unique
    /// parameter and column names).
    pub async fn describe_reports(
        &self,
    ) -> Result<Vec<crate::plugins::contract::report::ReportInfo>, PluginFailure> {
        self.inner.describe_reports(false).await.0
    }

    /// Runs `reports.run` with `data` lent for the call. The table has passed the contract
    /// checks; the inner `Err` is the plugin's own refusal.
    pub async fn run_report(
        &self,
        data: Arc<dyn crate::plugins::contract::report::ReportData>,
        name: &str,
        args: &[crate::plugins::contract::report::Argument],
    ) -> Result<
        Result<
            crate::plugins::contract::report::Table,
            crate::plugins::contract::report::ReportError,
        >,
        ReportCallError,
    > {
        self.inner.run_report(false, data, name, args).await.0
    }

    /// Runs `schedule.validate`: the canonical form of `pattern`, or the plugin's explanation.
    pub async fn validate_recurrence(
        &self,
        pattern: &str,
    ) -> Result<Result<String, String>, PluginFailure> {
        self.inner.validate_recurrence(pattern, false).await.0
    }

    /// Runs `schedule.next`; the result is checked (ascending, strictly after `q.after`, at most
    /// `q.count`).
    pub async fn next_occurrences(
        &self,
        q: &OccurrenceQuery,
    ) -> Result<Result<Vec<DateTime<Utc>>, String>, PluginFailure> {
        self.inner.next_occurrences(q, false).await.0
    }

    /// Runs `webhooks.format`: the requests to send for `event` (checked: at most
    /// [`MAX_WEBHOOK_REQUESTS`], bodies within the size cap, no hop-by-hop or
    /// host-owned headers), or the plugin's explanation.
    pub async fn format_webhook(
        &self,
        event: &WebhookEvent,
        target: &WebhookTarget,
    ) -> Result<Result<Vec<WebhookRequest>, String>, PluginFailure> {
        self.inner.format_webhook(event, target, false).await.0
    }
}

/// Why a component cannot be loaded; `Display` is the message for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    kind: LoadErrorKind,
    message: String,
}

/// What kind of problem a [`LoadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// Not a WebAssembly binary, or a core module rather than a component.
    NotAComponent,
    /// The component does not export the kind's interface, or its types do not match.
    WrongWorld,
    /// The component imports something the kind does not allow.
    ForbiddenImport,
    /// The limits asked for are beyond what the runtime allows.
    Limits,
    /// The component does not compile (invalid, or unsupported features).
    Compile,
}

impl LoadError {
    pub(crate) fn new(kind: LoadErrorKind, message: String) -> LoadError {
        LoadError { kind, message }
    }

    /// What kind of problem it is.
    pub fn kind(&self) -> LoadErrorKind {
        self.kind
    }
}
