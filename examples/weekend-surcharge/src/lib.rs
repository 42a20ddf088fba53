//! Example Stint plugin (`invoicing-rule`): every entry is rounded up to whole quarter hours,
//! and entries worked on a Saturday or Sunday (in the organization's time zone) cost 50 % more.
//!
//! One line per (project, weekday/weekend, rate). A weekend line's unit price is
//! `round_half_up(rate × 3 / 2)`; every line's amount is
//! `round_half_up(billed_seconds × unit_price / 3600)`; the context's tax rate applies to the
//! subtotal. See README.md for building and installing it.

use std::collections::BTreeMap;

use stint_plugin::money::div_half_up;
use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule, LineItem, TaxLine};

/// Quarter hours, in seconds.
const STEP: i64 = 15 * 60;

/// The plugin.
pub struct WeekendSurcharge;

impl InvoicingRule for WeekendSurcharge {
    fn compute(ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String> {
        // (project name, weekend?, unit price) → (billed seconds, entry positions)
        let mut lines: BTreeMap<(&str, bool, i64), (i128, Vec<u32>)> = BTreeMap::new();
        for (at, e) in time.positioned() {
            if e.duration_secs < 0 || e.client_rate < 0 {
                return Err(format!("entry {at} has a negative duration or rate"));
            }
            let billed = (e.duration_secs + STEP - 1) / STEP * STEP;
            let weekend = e.local_weekday.is_weekend();
            let price = if weekend {
                div_half_up(i128::from(e.client_rate) * 3, 2) as i64
            } else {
                e.client_rate
            };
            let project = time.project(e).map_or("No project", |p| p.name.as_str());
            let line = lines.entry((project, weekend, price)).or_default();
            line.0 += i128::from(billed);
            line.1.push(at);
        }
        stint_plugin::info!("{} entries on {} lines", time.entries.len(), lines.len());

        let mut result = InvoiceResult::default();
        for ((project, weekend, price), (secs, ids)) in lines {
            let amount = div_half_up(secs * i128::from(price), 3600) as i64;
            result.subtotal += amount;
            result.lines.push(LineItem {
                description: if weekend {
                    format!("{project} (weekend +50 %)")
                } else {
                    project.to_owned()
                },
                quantity_milli: div_half_up(secs * 1000, 3600) as i64,
                unit_price: price,
                amount,
                entries: ids,
            });
        }
        if ctx.tax_rate_bp > 0 {
            let amount = div_half_up(
                i128::from(result.subtotal) * i128::from(ctx.tax_rate_bp),
                10_000,
            ) as i64;
            result.taxes.push(TaxLine {
                description: "Tax".into(),
                rate_bp: ctx.tax_rate_bp,
                base: result.subtotal,
                amount,
            });
            result.tax = amount;
        }
        result.total = result.subtotal + result.tax;
        Ok(result)
    }
}

stint_plugin::export_invoicing_rule!(WeekendSurcharge);

#[cfg(test)]
mod tests {
    use stint_plugin::{Date, NamedEntry, Weekday};

    use super::*;

    fn entry(weekday: Weekday, secs: i64) -> NamedEntry {
        NamedEntry {
            person: ("u".into(), "Ada".into()),
            project: Some(("p".into(), "Website".into())),
            task: None,
            description: None,
            started_at: 0,
            duration_secs: secs,
            local_date: Date {
                year: 2026,
                month: 11,
                day: 21,
            },
            local_weekday: weekday,
            client_rate: 8_000,
            worker_rate: 0,
        }
    }

    #[test]
    fn weekend_entries_cost_half_again() {
        let ctx = InvoiceContext {
            org_id: "o".into(),
            invoice_id: "i".into(),
            client_id: "c".into(),
            client_name: "ACME".into(),
            currency: "EUR".into(),
            tax_rate_bp: 1900,
            period_from: Date {
                year: 2026,
                month: 11,
                day: 1,
            },
            period_to: Date {
                year: 2026,
                month: 11,
                day: 30,
            },
            time_zone: "Europe/Berlin".into(),
            config: "{}".into(),
        };
        // Friday 50 min → 1 h at 80.00 = 80.00; Saturday 20 min → 30 min at 120.00 = 60.00.
        let r = WeekendSurcharge::compute(
            &ctx,
            &[entry(Weekday::Friday, 3000), entry(Weekday::Saturday, 1200)]
                .into_iter()
                .collect(),
        )
        .unwrap();
        assert_eq!(r.lines.len(), 2);
        assert_eq!(r.lines[0].description, "Website");
        assert_eq!(
            (r.lines[0].quantity_milli, r.lines[0].amount),
            (1_000, 8_000)
        );
        assert_eq!(r.lines[0].entries, [0]);
        assert_eq!(r.lines[1].description, "Website (weekend +50 %)");
        assert_eq!(r.lines[1].entries, [1]);
        assert_eq!((r.lines[1].unit_price, r.lines[1].amount), (12_000, 6_000));
        assert_eq!(r.subtotal, 14_000);
        assert_eq!(r.tax, 2_660);
        assert_eq!(r.total, 16_660);
    }
}
