//! The `invoicing-rule` world: [`InvoicingRule`] and its export adapter.

use std::marker::PhantomData;

use crate::{BillableTime, Date, InvoiceContext, InvoiceResult, Named, TimeEntry, Weekday};

/// Generated bindings of the `invoicing-rule` world (private; authors use the plain types).
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "invoicing-rule",
        pub_export_macro: true,
        export_macro_name: "__export_invoicing_rule_world",
        default_bindings_module: "::stint_plugin::__private::invoicing_bindings",
        runtime_path: "::stint_plugin::__private::wit_bindgen::rt",
    });
}

use bindings::exports::stint::plugins::invoicing as wit;
use bindings::stint::plugins::types as wit_types;

/// A plugin of kind `invoicing-rule`: turns billable time into invoice lines, taxes and totals.
///
/// Export it with [`export_invoicing_rule!`](crate::export_invoicing_rule).
pub trait InvoicingRule {
    /// Computes the invoice for `ctx` from the entries of `time`, or explains why it cannot
    /// (the message reaches the caller).
    fn compute(ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String>;
}

/// Bridges an [`InvoicingRule`] to the generated `Guest` trait.
#[doc(hidden)]
pub struct InvoicingAdapter<T>(PhantomData<T>);

impl<T: InvoicingRule> wit::Guest for InvoicingAdapter<T> {
    fn compute(
        context: wit::InvoiceContext,
        time: wit::BillableTime,
    ) -> Result<wit::InvoiceResult, String> {
        let ctx = InvoiceContext {
            org_id: context.org_id,
            invoice_id: context.invoice_id,
            client_id: context.client_id,
            client_name: context.client_name,
            currency: context.currency,
            tax_rate_bp: context.tax_rate_bp,
            period_from: date(context.period_from),
            period_to: date(context.period_to),
            time_zone: context.time_zone,
            config: context.config,
        };
        let named = |id, name| Named { id, name };
        let time = BillableTime {
            people: time
                .people
                .into_iter()
                .map(|p| named(p.id, p.name))
                .collect(),
            projects: time
                .projects
                .into_iter()
                .map(|p| named(p.id, p.name))
                .collect(),
            tasks: time
                .tasks
                .into_iter()
                .map(|t| named(t.id, t.title))
                .collect(),
            descriptions: time.descriptions,
            entries: rows(time.entries),
        };
        let r = T::compute(&ctx, &time)?;
        Ok(wit::InvoiceResult {
            lines: r
                .lines
                .into_iter()
                .map(|l| wit::LineItem {
                    description: l.description,
                    quantity_milli: l.quantity_milli,
                    unit_price: l.unit_price,
                    amount: l.amount,
                    entries: l.entries,
                })
                .collect(),
            discount: r.discount,
            subtotal: r.subtotal,
            taxes: r
                .taxes
                .into_iter()
                .map(|t| wit::TaxLine {
                    description: t.description,
                    rate_bp: t.rate_bp,
                    base: t.base,
                    amount: t.amount,
                })
                .collect(),
            tax: r.tax,
            total: r.total,
        })
    }
}

/// `entry-columns`'s "none".
const NONE: u32 = u32::MAX;

/// The host's columns as one [`TimeEntry`] per entry. The host sends columns of equal length;
/// should one be shorter, the entries stop there.
fn rows(c: wit::EntryColumns) -> Vec<TimeEntry> {
    let some = |at: u32| (at != NONE).then_some(at);
    let n = [
        c.person.len(),
        c.project.len(),
        c.task.len(),
        c.description.len(),
        c.started_at.len(),
        c.duration_secs.len(),
        c.local_day.len(),
        c.client_rate.len(),
        c.worker_rate.len(),
    ]
    .into_iter()
    .min()
    .unwrap_or(0);
    (0..n)
        .map(|i| {
            let local_date = Date::from_days_since_epoch(c.local_day[i]);
            TimeEntry {
                person: c.person[i],
                project: some(c.project[i]),
                task: some(c.task[i]),
                description: some(c.description[i]),
                started_at: c.started_at[i],
                duration_secs: c.duration_secs[i],
                local_date,
                local_weekday: Weekday::of_days_since_epoch(c.local_day[i]),
                client_rate: c.client_rate[i],
                worker_rate: c.worker_rate[i],
            }
        })
        .collect()
}

fn date(d: wit_types::Date) -> Date {
    Date {
        year: d.year,
        month: d.month,
        day: d.day,
    }
}

/// Exports a type implementing [`InvoicingRule`] as the component's `stint:plugins/invoicing`
/// interface. Use it once per crate, at module level; needs the `invoicing` feature.
///
/// ```ignore
/// struct MyRule;
/// impl stint_plugin::InvoicingRule for MyRule { /* … */ }
/// stint_plugin::export_invoicing_rule!(MyRule);
/// ```
#[macro_export]
macro_rules! export_invoicing_rule {
    ($ty:ty) => {
        // The component's exports exist only in WebAssembly; natively (unit tests, benchmarks)
        // only the trait bound is checked (export names like `pkg:iface/fn` do not link there).
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            type __StintInvoicingRuleExport = $crate::__private::InvoicingAdapter<$ty>;
            $crate::__private::invoicing_bindings::__export_invoicing_rule_world!(
                __StintInvoicingRuleExport with_types_in $crate::__private::invoicing_bindings
            );
        };
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            fn assert_impl<T: $crate::InvoicingRule>() {}
            let _ = assert_impl::<$ty>;
        };
    };
}
