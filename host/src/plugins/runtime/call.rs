//! One call: wait for a pool slot, make a fresh store and instance, run the export under the
//! deadline and memory cap, classify a failure, check the output.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use wasmtime::{Store, UpdateDeadline};

use super::bindings::{Instance, Pre};
use super::engine::{Shared, State};
use super::failure::{FailureReason, PluginFailure, classify};
use super::{Limits, PluginKind, contract_check};
use crate::plugins::contract::report::ReportData;
use crate::plugins::contract::{
    BillableTime, InvoiceContext, InvoiceResult, OccurrenceQuery, WebhookEvent, WebhookRequest,
    WebhookTarget,
};

/// Log records kept per call when capturing (`stint plugin test`).
pub(super) const MAX_CAPTURED_LOGS: usize = 1_000;

/// Plugin error messages (the inner `Err(String)`) are cut to this many bytes.
const MAX_ERROR_BYTES: usize = 4 * 1024;

/// Slack on top of the deadline for the `tokio::time::timeout` backstop: the epoch trap
/// should always win; the backstop covers a guest stuck where epochs are not checked.
const BACKSTOP_SLACK: Duration = Duration::from_millis(500);

/// A log record a plugin wrote during a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogRecord {
    /// `trace`, `debug`, `info`, `warn` or `error`.
    pub level: &'static str,
    /// The message (truncated to 4 KiB).
    pub message: String,
}

/// What a call cost, for `stint plugin test` and benchmarks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallReport {
    /// Wall time from taking a pool slot to the answer, instantiation included.
    pub wall: Duration,
    /// The largest linear memory size the guest reached, in bytes.
    pub peak_memory_bytes: u64,
    /// The plugin's log records (only when capturing was asked for).
    pub logs: Vec<LogRecord>,
}

/// A loaded plugin (the inside of `LoadedPlugin`).
pub(crate) struct Plugin {
    pub(super) name: Arc<str>,
    pub(super) kind: PluginKind,
    pub(super) contract: semver::Version,
    pub(super) limits: Limits,
    pub(super) pre: Pre,
    pub(super) shared: Arc<Shared>,
}

impl Plugin {
    /// Runs `f` against a fresh instance under this plugin's limits.
    async fn run<R>(
        &self,
        capture_logs: bool,
        f: impl AsyncFnOnce(&Instance, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginFailure>, CallReport) {
        let (value, report, _) = self.run_lending(capture_logs, None, f).await;
        (value, report)
    }

    /// [`Plugin::run`] with data lent to the guest (report calls); also returns the host-side
    /// lending failure, if one happened (then the call's failure is the host's, not the plugin's).
    pub(super) async fn run_lending<R>(
        &self,
        capture_logs: bool,
        report_data: Option<Arc<dyn ReportData>>,
        f: impl AsyncFnOnce(&Instance, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginFailure>, CallReport, Option<String>) {
        // Waiting for a slot is not part of the plugin's time.
        let Ok(_slot) = self.shared.slots.clone().acquire_owned().await else {
            let failure =
                PluginFailure::new(&self.name, FailureReason::Trap, "runtime shut down".into());
            return (Err(failure), CallReport::default(), None);
        };
        let _ticking = self.shared.ticking();
        let started = Instant::now();
        let deadline = self.limits.deadline;
        let memory = usize::try_from(self.limits.memory_bytes).unwrap_or(usize::MAX);
        let mut store = Store::new(
            &self.shared.engine,
            State::new(self.name.clone(), memory, started + deadline, capture_logs),
        );
        store.data_mut().report_data = report_data;
        store.limiter(|s| &mut s.limiter);
        // Check the clock at every tick: yield to tokio in between (so one long call does not
        // hold a worker) and interrupt once the deadline has passed.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            Ok(if Instant::now() >= ctx.data().deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });

        let outcome = tokio::time::timeout(deadline + BACKSTOP_SLACK, async {
            let instance = self.pre.instantiate(&mut store).await?;
            f(&instance, &mut store).await
        })
        .await;
        let wall = started.elapsed();
        let value = match outcome {
            Err(_elapsed) => Err(PluginFailure::timeout(&self.name, deadline)),
            Ok(Err(e)) => Err(classify(&self.name, deadline, &e, store.data())),
            Ok(Ok(value)) => Ok(value),
        };
        let state = store.data_mut();
        let report = CallReport {
            wall,
            peak_memory_bytes: state.limiter.peak as u64,
            logs: state.logs.take().unwrap_or_default(),
        };
        (value, report, state.data_error.take())
    }

    pub(super) fn contract(&self, message: String) -> PluginFailure {
        PluginFailure::new(&self.name, FailureReason::Contract, message)
    }

    pub(super) async fn compute_invoice(
        &self,
        ctx: &InvoiceContext,
        time: &BillableTime,
        capture_logs: bool,
    ) -> (
        Result<Result<InvoiceResult, String>, PluginFailure>,
        CallReport,
    ) {
        let (out, report) = self
            .run(capture_logs, async |i: &Instance, s: &mut Store<State>| {
                i.compute(s, ctx, time).await
            })
            .await;
        let out = match out {
            Ok(Ok(Ok(result))) => contract_check::invoice(&result, time.len())
                .map(|()| Ok(result))
                .map_err(|m| self.contract(m)),
            Ok(Ok(Err(e))) => Ok(Err(plugin_error(e))),
            Ok(Err(breach)) => Err(self.contract(breach)),
            Err(f) => Err(f),
        };
        (out, report)
    }

    pub(super) async fn validate_recurrence(
        &self,
        pattern: &str,
        capture_logs: bool,
    ) -> (Result<Result<String, String>, PluginFailure>, CallReport) {
        let (out, report) = self
            .run(capture_logs, async |i: &Instance, s: &mut Store<State>| {
                i.validate(s, pattern).await
            })
            .await;
        let out = match out {
            Ok(Ok(canonical)) => contract_check::canonical_pattern(&canonical)
                .map(|()| Ok(canonical))
                .map_err(|m| self.contract(m)),
            other => other.map(|r| r.map_err(plugin_error)),
        };
        (out, report)
    }

    pub(super) async fn next_occurrences(
        &self,
        q: &OccurrenceQuery,
        capture_logs: bool,
    ) -> (
        Result<Result<Vec<DateTime<Utc>>, String>, PluginFailure>,
        CallReport,
    ) {
        let (out, report) = self
            .run(capture_logs, async |i: &Instance, s: &mut Store<State>| {
                i.next(s, q).await
            })
            .await;
        let out = match out {
            Ok(Ok(raw)) => contract_check::occurrences(&raw, q)
                .map(Ok)
                .map_err(|m| self.contract(m)),
            Ok(Err(e)) => Ok(Err(plugin_error(e))),
            Err(f) => Err(f),
        };
        (out, report)
    }

    pub(super) async fn format_webhook(
        &self,
        event: &WebhookEvent,
        target: &WebhookTarget,
        capture_logs: bool,
    ) -> (
        Result<Result<Vec<WebhookRequest>, String>, PluginFailure>,
        CallReport,
    ) {
        let (out, report) = self
            .run(capture_logs, async |i: &Instance, s: &mut Store<State>| {
                i.format_webhook(s, event, target).await
            })
            .await;
        let out = match out {
            Ok(Ok(requests)) => contract_check::webhook_requests(&requests)
                .map(|()| Ok(requests))
                .map_err(|m| self.contract(m)),
            other => other.map(|r| r.map_err(plugin_error)),
        };
        (out, report)
    }
}

pub(super) fn plugin_error(e: String) -> String {
    super::bindings::truncate(e, MAX_ERROR_BYTES)
}
