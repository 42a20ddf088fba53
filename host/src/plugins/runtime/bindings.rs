//! The only place that touches the generated bindings: one `bindgen!` per world and per
//! supported contract version (`v0_2`, the current one, and `v0_1`), the host side of the
//! `log` import, and conversions to and from the plain types of `contract`.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday as ChronoWeekday};
use wasmtime::component::{Component, HasSelf, Linker};

use super::engine::State;
use super::{LoadError, LoadErrorKind, PluginKind};
use crate::plugins::contract::{BillableEntry, InvoiceContext, InvoiceResult, OccurrenceQuery};

/// Conversions between the host's contract types and one version's `invoicing` records, whose
/// shapes are equal in every supported version. Expanded inside each version's `convert`
/// module, where `wit_invoicing` names that version's generated interface.
macro_rules! invoicing_conversions {
    () => {
        use crate::plugins::contract::{
            BillableEntry, InvoiceContext, InvoiceResult, LineItem, TaxLine,
        };
        use crate::plugins::runtime::bindings::{date_to_wit, weekday_to_wit};

        pub(in crate::plugins::runtime) fn context_to_wit(
            c: &InvoiceContext,
        ) -> wit_invoicing::InvoiceContext {
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

        pub(in crate::plugins::runtime) fn entry_to_wit(
            e: &BillableEntry,
        ) -> wit_invoicing::TimeEntry {
            wit_invoicing::TimeEntry {
                id: e.id.clone(),
                user_id: e.user_id.clone(),
                user_name: e.user_name.clone(),
                project_id: e.project_id.clone(),
                project_name: e.project_name.clone(),
                task_id: e.task_id.clone(),
                task_title: e.task_title.clone(),
                description: e.description.clone(),
                started_at: e.started_at.timestamp(),
                duration_secs: e.duration_secs,
                local_date: date_to_wit(e.local_date),
                local_weekday: weekday_to_wit(e.local_date),
                client_rate: e.client_rate,
                worker_rate: e.worker_rate,
            }
        }

        pub(in crate::plugins::runtime) fn result_from_wit(
            r: wit_invoicing::InvoiceResult,
        ) -> InvoiceResult {
            InvoiceResult {
                lines: r
                    .lines
                    .into_iter()
                    .map(|l| LineItem {
                        description: l.description,
                        quantity_milli: l.quantity_milli,
                        unit_price: l.unit_price,
                        amount: l.amount,
                        entry_ids: l.entry_ids,
                    })
                    .collect(),
                discount: r.discount,
                subtotal: r.subtotal,
                taxes: r
                    .taxes
                    .into_iter()
                    .map(|t| TaxLine {
                        description: t.description,
                        rate_bp: t.rate_bp,
                        base: t.base,
                        amount: t.amount,
                    })
                    .collect(),
                tax: r.tax,
                total: r.total,
            }
        }
    };
}

mod report;
mod v0_1;
mod v0_2;
mod webhook;

pub(super) use report::{describe as describe_reports, run as run_report};

use v0_2::{log as wit_log, types as wit_types};

/// Log messages longer than this are cut (at a character boundary) before they reach tracing.
pub(super) const MAX_LOG_BYTES: usize = 4 * 1024;

/// Links the host imports every plugin kind gets (`stint:plugins/log`).
pub(super) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    wit_log::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
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
    Invoicing(v0_2::invoicing_world::InvoicingRulePre<State>),
    Recurrence(v0_2::recurrence_world::RecurrencePre<State>),
    InvoicingV0_1(v0_1::invoicing_world::InvoicingRulePre<State>),
    RecurrenceV0_1(v0_1::recurrence_world::RecurrencePre<State>),
    Report(report::ReportPre<State>),
    Webhook(webhook::world::WebhookPre<State>),
}

/// An instantiated component.
pub(super) enum Instance {
    Invoicing(v0_2::invoicing_world::InvoicingRule),
    Recurrence(v0_2::recurrence_world::Recurrence),
    InvoicingV0_1(v0_1::invoicing_world::InvoicingRule),
    RecurrenceV0_1(v0_1::recurrence_world::Recurrence),
    Report(report::Report),
    Webhook(webhook::world::Webhook),
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
            (PluginKind::Report, 2) => Pre::Report(report::ReportPre::new(pre).map_err(wrong)?),
            (PluginKind::Webhook, 2) => {
                Pre::Webhook(webhook::world::WebhookPre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Recurrence, 1) => {
                Pre::RecurrenceV0_1(v0_1::recurrence_world::RecurrencePre::new(pre).map_err(wrong)?)
            }
            (PluginKind::InvoicingRule, 2) => {
                Pre::Invoicing(v0_2::invoicing_world::InvoicingRulePre::new(pre).map_err(wrong)?)
            }
            (PluginKind::Recurrence, 2) => {
                Pre::Recurrence(v0_2::recurrence_world::RecurrencePre::new(pre).map_err(wrong)?)
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
            Pre::Invoicing(pre) => Instance::Invoicing(pre.instantiate_async(store).await?),
            Pre::Recurrence(pre) => Instance::Recurrence(pre.instantiate_async(store).await?),
            Pre::InvoicingV0_1(pre) => Instance::InvoicingV0_1(pre.instantiate_async(store).await?),
            Pre::RecurrenceV0_1(pre) => {
                Instance::RecurrenceV0_1(pre.instantiate_async(store).await?)
            }
            Pre::Report(pre) => Instance::Report(pre.instantiate_async(store).await?),
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

impl Instance {
    pub(super) async fn compute(
        &self,
        store: &mut wasmtime::Store<State>,
        ctx: &InvoiceContext,
        entries: &[BillableEntry],
    ) -> wasmtime::Result<Result<InvoiceResult, String>> {
        // The same call through each version's bindings and conversions.
        macro_rules! compute_with {
            ($instance:expr, $convert:path) => {{
                use $convert as convert;
                let entries: Vec<_> = entries.iter().map(convert::entry_to_wit).collect();
                let out = $instance
                    .stint_plugins_invoicing()
                    .call_compute(store, &convert::context_to_wit(ctx), &entries)
                    .await?;
                Ok(out.map(convert::result_from_wit))
            }};
        }
        match self {
            Instance::Invoicing(i) => compute_with!(i, v0_2::convert),
            Instance::InvoicingV0_1(i) => compute_with!(i, v0_1::convert),
            _ => wasmtime::bail!("not an invoicing-rule plugin"),
        }
    }

    pub(super) async fn validate(
        &self,
        store: &mut wasmtime::Store<State>,
        pattern: &str,
    ) -> wasmtime::Result<Result<String, String>> {
        match self {
            Instance::Recurrence(i) => {
                i.stint_plugins_schedule()
                    .call_validate(store, pattern)
                    .await
            }
            Instance::RecurrenceV0_1(i) => {
                i.stint_plugins_schedule()
                    .call_validate(store, pattern)
                    .await
            }
            _ => wasmtime::bail!("not a recurrence plugin"),
        }
    }

    pub(super) async fn format_webhook(
        &self,
        store: &mut wasmtime::Store<State>,
        event: &crate::plugins::contract::WebhookEvent,
        target: &crate::plugins::contract::WebhookTarget,
    ) -> wasmtime::Result<Result<Vec<crate::plugins::contract::WebhookRequest>, String>> {
        let Instance::Webhook(i) = self else {
            wasmtime::bail!("not a webhook plugin");
        };
        webhook::format(i, store, event, target).await
    }

    /// The raw timestamps; the caller checks and converts them.
    pub(super) async fn next(
        &self,
        store: &mut wasmtime::Store<State>,
        q: &OccurrenceQuery,
    ) -> wasmtime::Result<Result<Vec<i64>, String>> {
        let (anchor, after) = (q.anchor.timestamp(), q.after.timestamp());
        match self {
            Instance::Recurrence(i) => {
                i.stint_plugins_schedule()
                    .call_next(store, &q.pattern, &q.time_zone, anchor, after, q.count)
                    .await
            }
            Instance::RecurrenceV0_1(i) => {
                i.stint_plugins_schedule()
                    .call_next(store, &q.pattern, &q.time_zone, anchor, after, q.count)
                    .await
            }
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
