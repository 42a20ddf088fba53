//! Hostile test plugin: an `invoicing-rule` that returns a result breaking the contract:
//! totals that do not add up, and a line billing an entry id that was not in the input
//! (`unknown-entry`), besides the first real entry billed twice.
//!
//! The runtime's contract checks must refuse it and report `contract`.

use stint_plugin::{InvoiceContext, InvoiceResult, InvoicingRule, LineItem, TaxLine, TimeEntry};

struct BadOutput;

impl InvoicingRule for BadOutput {
    fn compute(ctx: &InvoiceContext, entries: &[TimeEntry]) -> Result<InvoiceResult, String> {
        let mut ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        if let Some(first) = entries.first() {
            ids.push(first.id.clone());
        }
        ids.push("unknown-entry".to_string());
        Ok(InvoiceResult {
            lines: vec![LineItem {
                description: "Everything".into(),
                quantity_milli: 1000,
                unit_price: 10_000,
                amount: 10_000,
                entry_ids: ids,
            }],
            discount: 0,
            // Should be 10_000.
            subtotal: 12_345,
            taxes: vec![TaxLine {
                description: "Tax".into(),
                rate_bp: ctx.tax_rate_bp,
                base: 10_000,
                amount: 1_900,
            }],
            // Should be 1_900.
            tax: 7,
            // Should be subtotal + tax.
            total: 1,
        })
    }
}

stint_plugin::export_invoicing_rule!(BadOutput);
