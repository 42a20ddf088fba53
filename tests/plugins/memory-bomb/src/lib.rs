//! Hostile test plugin: an `invoicing-rule` whose `compute` allocates until memory runs out.
//!
//! The runtime's memory limit must stop it and report `out_of_memory`.

use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule};

struct MemoryBomb;

impl InvoicingRule for MemoryBomb {
    fn compute(_ctx: &InvoiceContext, _time: &BillableTime) -> Result<InvoiceResult, String> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            // 1 MiB chunks, touched so the pages are really used.
            let chunk = vec![0xA5_u8; 1 << 20];
            hoard.push(std::hint::black_box(chunk));
            if hoard.len() == usize::MAX {
                // Never true; keeps `hoard` observable.
                return Ok(InvoiceResult::default());
            }
        }
    }
}

stint_plugin::export_invoicing_rule!(MemoryBomb);
