//! `stint:plugins@0.3.0` (the repository's `wit/`): the contract this server implements.

pub(in crate::plugins::runtime) mod invoicing_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "invoicing-rule",
        exports: { default: async },
    });
}

pub(in crate::plugins::runtime) mod recurrence_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "recurrence",
        exports: { default: async },
        // One set of shared interfaces: one `log` implementation, one linker entry.
        with: {
            "stint:plugins/types": super::invoicing_world::stint::plugins::types,
            "stint:plugins/log": super::invoicing_world::stint::plugins::log,
        },
    });
}

pub(in crate::plugins::runtime) use invoicing_world::stint::plugins::{log, types};

/// Conversions between the host's contract types and this version's `invoicing` types: the
/// indexed [`BillableTime`] crosses as it is.
pub(in crate::plugins::runtime) mod convert {
    use super::invoicing_world::exports::stint::plugins::invoicing as wit_invoicing;
    use crate::plugins::contract::{BillableTime, InvoiceResult, LineItem, Named, TaxLine};
    use crate::plugins::runtime::bindings::{date_to_wit, weekday_to_wit};

    invoicing_context_conversion!();

    fn named<T>(rows: &[Named], make: impl Fn(String, String) -> T) -> Vec<T> {
        rows.iter()
            .map(|r| make(r.id.clone(), r.name.clone()))
            .collect()
    }

    pub(in crate::plugins::runtime) fn time_to_wit(
        t: &BillableTime,
    ) -> wit_invoicing::BillableTime {
        wit_invoicing::BillableTime {
            people: named(&t.people, |id, name| wit_invoicing::Person { id, name }),
            projects: named(&t.projects, |id, name| wit_invoicing::Project { id, name }),
            tasks: named(&t.tasks, |id, title| wit_invoicing::Task { id, title }),
            descriptions: t.descriptions.clone(),
            entries: t
                .entries
                .iter()
                .map(|e| wit_invoicing::TimeEntry {
                    person: e.person,
                    project: e.project,
                    task: e.task,
                    description: e.description,
                    started_at: e.started_at.timestamp(),
                    duration_secs: e.duration_secs,
                    local_date: date_to_wit(e.local_date),
                    local_weekday: weekday_to_wit(e.local_date),
                    client_rate: e.client_rate,
                    worker_rate: e.worker_rate,
                })
                .collect(),
        }
    }

    /// Never fails: positions are checked with the rest of the contract.
    pub(in crate::plugins::runtime) fn result_from_wit(
        r: wit_invoicing::InvoiceResult,
        _time: &BillableTime,
    ) -> Result<InvoiceResult, String> {
        Ok(InvoiceResult {
            lines: r
                .lines
                .into_iter()
                .map(|l| LineItem {
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
                .map(|t| TaxLine {
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
