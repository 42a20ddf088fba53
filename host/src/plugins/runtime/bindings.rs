//! The only place that touches the generated bindings: one `bindgen!` per world and per
//! supported contract version (`v0_3`, the current one, and `v0_2`, `v0_1`), the host side of
//! the `log` import, and conversions to and from the plain types of `contract`.
//!
//! Component types are structural, so every version shares the current version's `types`
//! (`with:` in each `bindgen!`); what differs per version is the interface names, and for
//! `invoicing` since 0.3 the shape of its input and output.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday as ChronoWeekday};
use wasmtime::component::{Component, HasSelf, Linker};

use super::engine::State;
use super::{LoadError, LoadErrorKind, PluginKind};
use crate::plugins::contract::{BillableTime, InvoiceContext, InvoiceResult, OccurrenceQuery};

/// `invoicing.invoice-context` of one version, from the host's; its shape is the same in every
/// version. Expanded inside each version's `convert` module, where `wit_invoicing` names that
/// version's generated interface.
macro_rules! invoicing_context_conversion {
    () => {
        pub(in crate::plugins::runtime) fn context_to_wit(
            c: &crate::plugins::contract::InvoiceContext,
        ) -> wit_invoicing::InvoiceContext {
            use crate::plugins::runtime::bindings::date_to_wit;
            wit_invoicing::InvoiceContext {
                org_id: c.org_id.clone(),
                invoice_id: c.invoice_id.clone(),
                client_id: c.client_id.clone(),
                client_name: c.client_name.clone(),
                currency: c.currency.clone(),
                tax_rate_bp: c.tax_rate_bp,
                period_from: date_to_wit(c.period_from),
                period_to: date_to_wit(c.period_to),
                time_zone: c.time_zone.clone(),
                // The WIT contract promises a JSON object.
                config: if c.config.is_null() {
                    "{}".into()
                } else {
                    c.config.to_string()
                },
            }
        }
    };
}

/// The host's `InvoiceResult` from one version's `invoicing.invoice-result` `$r`, with its lines
/// already converted (`$lines`): everything but the lines has the same shape in every version.
macro_rules! invoice_result_from_wit {
    ($r:expr, $lines:expr) => {{
        let r = $r;
        crate::plugins::contract::InvoiceResult {
            lines: $lines,
            discount: r.discount,
            subtotal: r.subtotal,
            taxes: r
                .taxes
                .into_iter()
                .map(|t| crate::plugins::contract::TaxLine {
                    description: t.description,
                    rate_bp: t.rate_bp,
                    base: t.base,
                    amount: t.amount,
                })
                .collect(),
            tax: r.tax,
            total: r.total,
        }
    }};
}

/// Conversions for the `invoicing` interface of 0.1 and 0.2, whose entries spell out every name
/// and whose lines name entries by id: entries are expanded from the indexed [`BillableTime`],
/// and the ids a plugin returns are mapped back to positions.
macro_rules! flat_invoicing_conversions {
    () => {
        use crate::plugins::contract::{BillableTime, InvoiceResult, LineItem};
        use crate::plugins::runtime::bindings::{date_to_wit, weekday_to_wit};

        invoicing_context_conversion!();

        pub(in crate::plugins::runtime) fn entries_to_wit(
            time: &BillableTime,
        ) -> Vec<wit_invoicing::TimeEntry> {
            (0..time.len())
                .map(|i| {
                    let e = time.flat(i);
                    wit_invoicing::TimeEntry {
                        id: e.id,
                        user_id: e.user_id,
                        user_name: e.user_name,
                        project_id: e.project_id,
                        project_name: e.project_name,
                        task_id: e.task_id,
                        task_title: e.task_title,
                        description: e.description,
                        started_at: e.started_at.timestamp(),
                        duration_secs: e.duration_secs,
                        local_date: date_to_wit(e.local_date),
                        local_weekday: weekday_to_wit(e.local_date),
                        client_rate: e.client_rate,
                        worker_rate: e.worker_rate,
                    }
                })
                .collect()
        }

        /// `Err` names an entry id that was not offered (a contract breach).
        pub(in crate::plugins::runtime) fn result_from_wit(
            mut r: wit_invoicing::InvoiceResult,
            time: &BillableTime,
        ) -> Result<InvoiceResult, String> {
            let position: std::collections::HashMap<&str, u32> = time
                .entry_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i as u32))
                .collect();
            let mut lines = Vec::with_capacity(r.lines.len());
            for (n, l) in std::mem::take(&mut r.lines).into_iter().enumerate() {
                let entries = l
                    .entry_ids
                    .iter()
                    .map(|id| {
                        position
                            .get(id.as_str())
                            .copied()
                            .ok_or_else(|| format!("line {}: unknown entry id `{id}`", n + 1))
                    })
                    .collect::<Result<_, _>>()?;
                lines.push(LineItem {
                    description: l.description,
                    quantity_milli: l.quantity_milli,
                    unit_price: l.unit_price,
                    amount: l.amount,
                    entries,
                });
            }
            Ok(invoice_result_from_wit!(r, lines))
        }
    };
}

mod report;
mod v0_1;
mod v0_2;
mod v0_3;
mod webhook;

use v0_3::{log as wit_log, types as wit_types};

/// Log messages longer than this are cut (at a character boundary) before they reach tracing.
pub(super) const MAX_LOG_BYTES: usize = 4 * 1024;

/// Links the host imports every plugin kind gets (`stint:plugins/log`).
pub(super) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    wit_log::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    v0_2::log::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    v0_1::log::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    report::add_to_linker(linker)?;
    Ok(())
}

impl wit_types::Host for State {}

impl wit_log::Host for State {
    fn log(&mut self, level: wit_types::LogLevel, message: String) {
        let message = truncate(message, MAX_LOG_BYTES);
        let plugin = &*self.plugin;
        match level {
            wit_types::LogLevel::Trace => tracing::trace!(plugin, "{message}"),
            wit_types::LogLevel::Debug => tracing::debug!(plugin, "{message}"),
            wit_types::LogLevel::Info => tracing::info!(plugin, "{message}"),
            wit_types::LogLevel::Warn => tracing::warn!(plugin, "{message}"),
            wit_types::LogLevel::Error => tracing::error!(plugin, "{message}"),
        }
        if let Some(logs) = &mut self.logs
            && logs.len() < super::call::MAX_CAPTURED_LOGS
        {
            logs.push(super::call::LogRecord {
                level: level_str(level),
                message,
            });
        }
    }
}

impl v0_2::log::Host for State {
    fn log(&mut self, level: wit_types::LogLevel, message: String) {
        wit_log::Host::log(self, level, message);
    }
}

impl v0_1::log::Host for State {
    fn log(&mut self, level: wit_types::LogLevel, message: String) {
        wit_log::Host::log(self, level, message);
    }
}

fn level_str(level: wit_types::LogLevel) -> &'static str {
    match level {
        wit_types::LogLevel::Trace => "trace",
        wit_types::LogLevel::Debug => "debug",
        wit_types::LogLevel::Info => "info",
        wit_types::LogLevel::Warn => "warn",
        wit_types::LogLevel::Error => "error",
    }
}

/// Cuts `s` to at most `max` bytes at a character boundary, marking the cut.
pub(super) fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// A type-checked, linked component of one kind and contract version, ready to instantiate.
pub(super) enum Pre {
    InvoicingV0_1(v0_1::invoicing_world::InvoicingRulePre<State>),
    InvoicingV0_2(v0_2::invoicing_world::InvoicingRulePre<State>),
    Invoicing(v0_3::invoicing_world::InvoicingRulePre<State>),
    RecurrenceV0_1(v0_1::recurrence_world::RecurrencePre<State>),
    RecurrenceV0_2(v0_2::recurrence_world::RecurrencePre<State>),
    Recurrence(v0_3::recurrence_world::RecurrencePre<State>),
    ReportV0_2(report::v0_2::ReportPre<State>),
    Report(report::v0_3::ReportPre<State>),
    WebhookV0_2(webhook::v0_2::world::WebhookPre<State>),
    Webhook(webhook::v0_3::world::WebhookPre<State>),
}

/// An instantiated component.
pub(super) enum Instance {
    InvoicingV0_1(v0_1::invoicing_world::InvoicingRule),
    InvoicingV0_2(v0_2::invoicing_world::InvoicingRule),
    Invoicing(v0_3::invoicing_world::InvoicingRule),
    RecurrenceV0_1(v0_1::recurrence_world::Recurrence),
    RecurrenceV0_2(v0_2::recurrence_world::Recurrence),
    Recurrence(v0_3::recurrence_world::Recurrence),
    ReportV0_2(report::v0_2::Report),
    Report(report::v0_3::Report),
    WebhookV0_2(webhook::v0_2::world::Webhook),
    Webhook(webhook::v0_3::world::Webhook),
}

impl Pre {
    /// Links `component`, which exports `kind`'s interface at contract minor version `minor`
    /// (as `check::component` found).
    pub(super) fn new(
        linker: &Linker<State>,
        kind: PluginKind,
        minor: u64,
        component: &Component,
    ) -> Result<Pre, LoadError> {
        let wrong = |e: wasmtime::Error| wrong_world(kind, minor, &e);
        let pre = linker.instantiate_pre(component).map_err(wrong)?;
        Ok(match (kind, minor) {
            (PluginKind::InvoicingRule, 1) => Pre::InvoicingV0_1(
                v0_1::invoicing_world::InvoicingRulePre::new(pre).map_err(wrong)?,
            ),
            (PluginKind::InvoicingRule, 2) => Pre::InvoicingV0_2(
                v0_2::invoicing_world::InvoicingRulePre::new(pre).map_err(wrong)?,
            ),
            (PluginKind::InvoicingRule, 3) => {
                Pre::Invoicing(v0_3::invoicing_world::InvoicingRulePre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Recurrence, 1) => {
                Pre::RecurrenceV0_1(v0_1::recurrence_world::RecurrencePre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Recurrence, 2) => {
                Pre::RecurrenceV0_2(v0_2::recurrence_world::RecurrencePre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Recurrence, 3) => {
                Pre::Recurrence(v0_3::recurrence_world::RecurrencePre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Report, 2) => {
                Pre::ReportV0_2(report::v0_2::ReportPre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Report, 3) => {
                Pre::Report(report::v0_3::ReportPre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Webhook, 2) => {
                Pre::WebhookV0_2(webhook::v0_2::world::WebhookPre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Webhook, 3) => {
                Pre::Webhook(webhook::v0_3::world::WebhookPre::new(pre).map_err(wrong)?)
            }
            (kind, minor) => {
                return Err(LoadError::new(
                    LoadErrorKind::WrongWorld,
                    format!("this server has no `{kind}` bindings for stint:plugins@0.{minor}"),
                ));
            }
        })
    }

    pub(super) async fn instantiate(
        &self,
        store: &mut wasmtime::Store<State>,
    ) -> wasmtime::Result<Instance> {
        Ok(match self {
            Pre::InvoicingV0_1(pre) => Instance::InvoicingV0_1(pre.instantiate_async(store).await?),
            Pre::InvoicingV0_2(pre) => Instance::InvoicingV0_2(pre.instantiate_async(store).await?),
            Pre::Invoicing(pre) => Instance::Invoicing(pre.instantiate_async(store).await?),
            Pre::RecurrenceV0_1(pre) => {
                Instance::RecurrenceV0_1(pre.instantiate_async(store).await?)
            }
            Pre::RecurrenceV0_2(pre) => {
                Instance::RecurrenceV0_2(pre.instantiate_async(store).await?)
            }
            Pre::Recurrence(pre) => Instance::Recurrence(pre.instantiate_async(store).await?),
            Pre::ReportV0_2(pre) => Instance::ReportV0_2(pre.instantiate_async(store).await?),
            Pre::Report(pre) => Instance::Report(pre.instantiate_async(store).await?),
            Pre::WebhookV0_2(pre) => Instance::WebhookV0_2(pre.instantiate_async(store).await?),
            Pre::Webhook(pre) => Instance::Webhook(pre.instantiate_async(store).await?),
        })
    }
}

fn wrong_world(kind: PluginKind, minor: u64, e: &wasmtime::Error) -> LoadError {
    LoadError::new(
        LoadErrorKind::WrongWorld,
        format!(
            "the component does not match the `{kind}` world of stint:plugins@0.{minor}: {}",
            super::failure::chain(e)
        ),
    )
}

/// What `invoicing.compute` answered: the plugin's own error as `Ok(Err(message))`, or a result
/// that could not be converted (an entry id that was not offered: a contract breach) as `Err`.
pub(super) type ComputeOutcome = Result<Result<InvoiceResult, String>, String>;

impl Instance {
    pub(super) async fn compute(
        &self,
        store: &mut wasmtime::Store<State>,
        ctx: &InvoiceContext,
        time: &BillableTime,
    ) -> wasmtime::Result<ComputeOutcome> {
        macro_rules! compute_flat {
            ($instance:expr, $convert:path) => {{
                use $convert as convert;
                let out = $instance
                    .stint_plugins_invoicing()
                    .call_compute(
                        store,
                        &convert::context_to_wit(ctx),
                        &convert::entries_to_wit(time),
                    )
                    .await?;
                Ok(match out {
                    Ok(r) => convert::result_from_wit(r, time).map(Ok),
                    Err(e) => Ok(Err(e)),
                })
            }};
        }
        match self {
            Instance::Invoicing(i) => {
                let out = i
                    .stint_plugins_invoicing()
                    .call_compute(
                        store,
                        &v0_3::convert::context_to_wit(ctx),
                        &v0_3::convert::time_to_wit(time),
                    )
                    .await?;
                Ok(Ok(out.map(v0_3::convert::result_from_wit)))
            }
            Instance::InvoicingV0_2(i) => compute_flat!(i, v0_2::convert),
            Instance::InvoicingV0_1(i) => compute_flat!(i, v0_1::convert),
            _ => wasmtime::bail!("not an invoicing-rule plugin"),
        }
    }

    pub(super) async fn validate(
        &self,
        store: &mut wasmtime::Store<State>,
        pattern: &str,
    ) -> wasmtime::Result<Result<String, String>> {
        macro_rules! validate {
            ($i:expr) => {
                $i.stint_plugins_schedule()
                    .call_validate(store, pattern)
                    .await
            };
        }
        match self {
            Instance::Recurrence(i) => validate!(i),
            Instance::RecurrenceV0_2(i) => validate!(i),
            Instance::RecurrenceV0_1(i) => validate!(i),
            _ => wasmtime::bail!("not a recurrence plugin"),
        }
    }

    pub(super) async fn format_webhook(
        &self,
        store: &mut wasmtime::Store<State>,
        event: &crate::plugins::contract::WebhookEvent,
        target: &crate::plugins::contract::WebhookTarget,
    ) -> wasmtime::Result<Result<Vec<crate::plugins::contract::WebhookRequest>, String>> {
        match self {
            Instance::Webhook(i) => webhook::v0_3::format(i, store, event, target).await,
            Instance::WebhookV0_2(i) => webhook::v0_2::format(i, store, event, target).await,
            _ => wasmtime::bail!("not a webhook plugin"),
        }
    }

    /// `reports.describe`, converted.
    pub(super) async fn describe_reports(
        &self,
        store: &mut wasmtime::Store<State>,
    ) -> wasmtime::Result<Vec<crate::plugins::contract::report::ReportInfo>> {
        match self {
            Instance::Report(i) => report::v0_3::describe(i, store).await,
            Instance::ReportV0_2(i) => report::v0_2::describe(i, store).await,
            _ => wasmtime::bail!("not a report plugin"),
        }
    }

    /// `reports.run`, converted; `Err(message)` in the outer `Ok` is a contract breach.
    #[allow(clippy::type_complexity)]
    pub(super) async fn run_report(
        &self,
        store: &mut wasmtime::Store<State>,
        name: &str,
        args: &[crate::plugins::contract::report::Argument],
    ) -> wasmtime::Result<
        Result<
            Result<
                crate::plugins::contract::report::Table,
                crate::plugins::contract::report::ReportError,
            >,
            String,
        >,
    > {
        match self {
            Instance::Report(i) => report::v0_3::run(i, store, name, args).await,
            Instance::ReportV0_2(i) => report::v0_2::run(i, store, name, args).await,
            _ => wasmtime::bail!("not a report plugin"),
        }
    }

    /// The raw timestamps; the caller checks and converts them.
    pub(super) async fn next(
        &self,
        store: &mut wasmtime::Store<State>,
        q: &OccurrenceQuery,
    ) -> wasmtime::Result<Result<Vec<i64>, String>> {
        let (anchor, after) = (q.anchor.timestamp(), q.after.timestamp());
        macro_rules! next {
            ($i:expr) => {
                $i.stint_plugins_schedule()
                    .call_next(store, &q.pattern, &q.time_zone, anchor, after, q.count)
                    .await
            };
        }
        match self {
            Instance::Recurrence(i) => next!(i),
            Instance::RecurrenceV0_2(i) => next!(i),
            Instance::RecurrenceV0_1(i) => next!(i),
            _ => wasmtime::bail!("not a recurrence plugin"),
        }
    }
}

/// A calendar date in the shape every version shares.
pub(super) fn date_to_wit(d: NaiveDate) -> wit_types::Date {
    wit_types::Date {
        year: d.year(),
        // chrono guarantees 1..=12 and 1..=31.
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

/// A weekday in the shape every version shares.
pub(super) fn weekday_to_wit(d: NaiveDate) -> wit_types::Weekday {
    match d.weekday() {
        ChronoWeekday::Mon => wit_types::Weekday::Monday,
        ChronoWeekday::Tue => wit_types::Weekday::Tuesday,
        ChronoWeekday::Wed => wit_types::Weekday::Wednesday,
        ChronoWeekday::Thu => wit_types::Weekday::Thursday,
        ChronoWeekday::Fri => wit_types::Weekday::Friday,
        ChronoWeekday::Sat => wit_types::Weekday::Saturday,
        ChronoWeekday::Sun => wit_types::Weekday::Sunday,
    }
}

/// A WIT timestamp as an instant, if chrono can represent it.
pub(super) fn timestamp_from_wit(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_comes_from_the_local_date() {
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert!(matches!(weekday_to_wit(sunday), wit_types::Weekday::Sunday));
        let d = date_to_wit(sunday);
        assert_eq!((d.year, d.month, d.day), (2026, 11, 22));
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        assert_eq!(truncate("héllo".into(), 2), "h…");
        assert_eq!(truncate("short".into(), 10), "short");
    }
}
