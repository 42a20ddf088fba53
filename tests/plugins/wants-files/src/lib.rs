//! Hostile test plugin: an `invoicing-rule` that reads a file with `std::fs`, so its component
//! imports `wasi:filesystem`. Rule plugins get no file system: the runtime must refuse to load
//! it (import check per kind), and if run anyway the read must fail.

use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule};

struct WantsFiles;

impl InvoicingRule for WantsFiles {
    fn compute(_ctx: &InvoiceContext, _time: &BillableTime) -> Result<InvoiceResult, String> {
        let secret = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("read: {e}"))?;
        Err(format!("read {} bytes I should not have", secret.len()))
    }
}

stint_plugin::export_invoicing_rule!(WantsFiles);
