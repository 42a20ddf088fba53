//! Hostile test plugin: an `invoicing-rule` whose `compute` panics with the message
//! `stint-test-panic: boom` (written to stderr by the Rust panic handler, then a trap).
//!
//! The runtime must report `panic` and carry the message.

use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule};

/// The panic message the runtime tests look for.
pub const PANIC_MESSAGE: &str = "stint-test-panic: boom";

struct Panics;

impl InvoicingRule for Panics {
    fn compute(_ctx: &InvoiceContext, _time: &BillableTime) -> Result<InvoiceResult, String> {
        panic!("{PANIC_MESSAGE}");
    }
}

stint_plugin::export_invoicing_rule!(Panics);
