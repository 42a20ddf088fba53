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
    use chrono::{Datelike, NaiveDate};

    use crate::plugins::contract::{BillableTime, IndexedEntry, InvoiceResult, LineItem, Named};

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
            entries: columns(&t.entries),
        }
    }

    /// `entry-columns`'s "none".
    const NONE: u32 = u32::MAX;

    /// The entries column by column (each column is lowered as one block of memory).
    fn columns(entries: &[IndexedEntry]) -> wit_invoicing::EntryColumns {
        let n = entries.len();
        let mut c = wit_invoicing::EntryColumns {
            person: Vec::with_capacity(n),
            project: Vec::with_capacity(n),
            task: Vec::with_capacity(n),
            description: Vec::with_capacity(n),
            started_at: Vec::with_capacity(n),
            duration_secs: Vec::with_capacity(n),
            local_day: Vec::with_capacity(n),
            client_rate: Vec::with_capacity(n),
            worker_rate: Vec::with_capacity(n),
        };
        for e in entries {
            c.person.push(e.person);
            c.project.push(e.project.unwrap_or(NONE));
            c.task.push(e.task.unwrap_or(NONE));
            c.description.push(e.description.unwrap_or(NONE));
            c.started_at.push(e.started_at.timestamp());
            c.duration_secs.push(e.duration_secs);
            c.local_day.push(days_since_epoch(e.local_date));
            c.client_rate.push(e.client_rate);
            c.worker_rate.push(e.worker_rate);
        }
        c
    }

    /// Days from 1970-01-01 to `d` (negative before).
    fn days_since_epoch(d: NaiveDate) -> i32 {
        /// `num_days_from_ce` of 1970-01-01.
        const EPOCH_FROM_CE: i32 = 719_163;
        d.num_days_from_ce() - EPOCH_FROM_CE
    }

    /// Positions are checked with the rest of the contract.
    pub(in crate::plugins::runtime) fn result_from_wit(
        mut r: wit_invoicing::InvoiceResult,
    ) -> InvoiceResult {
        let lines = std::mem::take(&mut r.lines)
            .into_iter()
            .map(|l| LineItem {
                description: l.description,
                quantity_milli: l.quantity_milli,
                unit_price: l.unit_price,
                amount: l.amount,
                entries: l.entries,
            })
            .collect();
        invoice_result_from_wit!(r, lines)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn day_numbers() {
            let day = |y, m, d| {
                super::days_since_epoch(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap())
            };
            assert_eq!(day(1970, 1, 1), 0);
            assert_eq!(day(1969, 12, 31), -1);
            assert_eq!(day(2026, 12, 3), 20_790);
        }
    }
}
