//! Hostile test plugin: an `invoicing-rule` whose `compute` never returns.
//!
//! The runtime must stop it at its deadline (epoch interruption) and report `timeout`.

use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule};

struct LoopForever;

impl InvoicingRule for LoopForever {
    fn compute(_ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String> {
        let mut n: u64 = time.entries.len() as u64;
        loop {
            // Keep the optimizer from proving the loop has no effect.
            n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}

stint_plugin::export_invoicing_rule!(LoopForever);
