//! `stint-plugin`: write Stint plugins in plain Rust.
//!
//! Stint plugins are WebAssembly components built for `wasm32-wasip2` against the WIT package
//! `stint:plugins@0.3.0` (the repository's `wit/` folder). This crate hides the generated
//! bindings: an author implements one trait per plugin kind with the plain types below and
//! exports it with one macro.
//!
//! | kind | feature | trait | export macro | WIT world |
//! |---|---|---|---|---|
//! | invoicing rule | `invoicing` | [`InvoicingRule`] | [`export_invoicing_rule!`] | `stint:plugins/invoicing-rule@0.3.0` |
//! | recurrence | `recurrence` | [`Recurrence`] | [`export_recurrence!`] | `stint:plugins/recurrence@0.3.0` |
//! | report | `report` | `report::Report` | `export_report!` | `stint:plugins/report@0.3.0` |
//! | webhook | `webhook` | [`Webhook`] | [`export_webhook!`] | `stint:plugins/webhook@0.3.0` |
//!
//! Enable exactly the feature of the kind your crate exports: each feature embeds its world's
//! type information into the component, and a component exports one world.
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib", "rlib"]
//!
//! [dependencies]
//! stint-plugin = { path = "…/plugins/sdk", features = ["invoicing"] }
//! ```
//!
//! ```ignore
//! use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule};
//!
//! struct MyRule;
//!
//! impl InvoicingRule for MyRule {
//!     fn compute(ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String> {
//!         stint_plugin::log::info(&format!("{} entries for {}", time.entries.len(), ctx.client_name));
//!         // An empty invoice; see examples/weekend-surcharge for lines, taxes and totals.
//!         Ok(InvoiceResult::default())
//!     }
//! }
//!
//! stint_plugin::export_invoicing_rule!(MyRule);
//! ```
//!
//! Build with `cargo build --release --target wasm32-wasip2`; the `.cdylib` output
//! (`target/wasm32-wasip2/release/<crate>.wasm`) is the component to install.
//!
//! Outside WebAssembly (native unit tests, benchmarks) the traits are ordinary Rust and
//! [`log`] writes to standard error, so plugin logic can be tested with `cargo test`.

// The export macros name items through `::stint_plugin::…`; this makes those paths resolve
// inside this crate too.
extern crate self as stint_plugin;

pub mod log;
pub mod money;
mod types;

#[cfg(feature = "invoicing")]
mod invoicing;
#[cfg(feature = "recurrence")]
mod recurrence;
#[cfg(feature = "report")]
pub mod report;
#[cfg(feature = "webhook")]
mod webhook;

pub use types::{
    BillableTime, Date, HttpMethod, InvoiceContext, InvoiceResult, LineItem, LogLevel, Named,
    NamedEntry, TaxLine, TimeEntry, Timestamp, WebhookEvent, WebhookRequest, WebhookSubscription,
    Weekday,
};

#[cfg(feature = "invoicing")]
pub use invoicing::InvoicingRule;
#[cfg(feature = "recurrence")]
pub use recurrence::Recurrence;
#[cfg(feature = "webhook")]
pub use webhook::Webhook;

/// Implementation details the export macros need. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    #[cfg(feature = "invoicing")]
    pub use crate::invoicing::{InvoicingAdapter, bindings as invoicing_bindings};
    #[cfg(feature = "recurrence")]
    pub use crate::recurrence::{RecurrenceAdapter, bindings as recurrence_bindings};
    #[cfg(feature = "report")]
    pub use crate::report::{ReportAdapter, bindings as report_bindings};
    #[cfg(feature = "webhook")]
    pub use crate::webhook::{WebhookAdapter, bindings as webhook_bindings};
}
