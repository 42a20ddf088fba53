//! Hostile test plugin: an `invoicing-rule` that returns a result breaking the contract:
//! totals that do not add up, and a line billing an entry position that was not in the input
//! (one past the last), besides the first real entry billed twice.
//!
//! The runtime's contract checks must refuse it and report `contract`.

use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule, LineItem, TaxLine};

struct BadOutput;

impl InvoicingRule for BadOutput {
    fn compute(ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String> {
        let n = time.entries.len() as u32;
        let mut entries: Vec<u32> = (0..n).collect();
        if n > 0 {
            entries.push(0);
        }
        entries.push(n);
        Ok(InvoiceResult {
            lines: vec![LineItem {
                description: "Everything".into(),
                quantity_milli: 1000,
                unit_price: 10_000,
                amount: 10_000,
                entries,
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
