//! `invoicing-standard`: Stint's built-in `invoicing-rule` plugin.
//!
//! The rules live in [`rules`] as plain Rust, so the host (tests, benchmarks) can run them
//! natively in-process; this crate's `cdylib` output for `wasm32-wasip2` is the same code
//! exported as a component of world `stint:plugins/invoicing-rule@0.3.0`.
//!
//! # Configuration
//!
//! `context.config` is a JSON object (schema: `config.schema.json` beside this crate); every
//! key is optional and unknown keys are refused:
//!
//! ```json
//! {
//!   "rounding": {"mode": "up", "minutes": 15},
//!   "minimum_minutes": 0,
//!   "group_by": "project",
//!   "discount_bp": 0,
//!   "discount_amount": 0,
//!   "tax_rate_bp": null,
//!   "tax_label": "Tax",
//!   "extra_taxes": [{"description": "City tax", "rate_bp": 100}]
//! }
//! ```
//!
//! # Arithmetic (exact, integers only)
//!
//! All money is in minor units (`i64`), rates are minor units per hour, products are computed in
//! `i128`. `round_half_up(n / d)` for `n, d ≥ 0` is `(n + d / 2) / d` (integer division, so
//! halves round up: 2.5 → 3).
//!
//! 1. **Billed seconds per entry.** `d = duration_secs` (negative → error). With rounding
//!    `{mode, minutes: m}` and `q = 60·m`: `none` → `d`; `up` → `⌈d / q⌉·q`; `down` →
//!    `⌊d / q⌋·q`; `nearest` → `⌊(d + q/2) / q⌋·q` (a half rounds up). Then, if
//!    `minimum_minutes > 0` and `d > 0`, billed = `max(billed, 60·minimum_minutes)`. Entries
//!    of zero duration bill zero seconds (they still go on a line and get invoiced).
//! 2. **Lines.** Entries are grouped by `group_by` (`project` — the default —, `task`, `user`
//!    or `day` = the entry's local date) and, inside a group, by `client_rate`: one line per
//!    (group, rate), so `unit_price` × `quantity` is meaningful.
//!    For a line with billed seconds `S` (sum over its entries) and rate `r`:
//!    `amount = round_half_up(S·r / 3600)` (computed **per line**, not per entry),
//!    `quantity_milli = round_half_up(S·1000 / 3600)` (billed hours in thousandths; display
//!    only — the amount comes from the exact seconds), `unit_price = r`.
//!    Lines are sorted by (group label, group key, rate descending); a line's entries keep the
//!    input order (start, then id).
//! 3. **Discount.** `lines_total = Σ amount`;
//!    `discount = min(lines_total, round_half_up(lines_total·discount_bp / 10000) + discount_amount)`.
//! 4. **Subtotal** `= lines_total − discount`.
//! 5. **Taxes.** One tax line at `tax_rate_bp` (config) or else the context's `tax_rate_bp`,
//!    labelled `tax_label` (default "Tax"), then one per `extra_taxes` entry; each has
//!    `base = subtotal` and `amount = round_half_up(subtotal·rate_bp / 10000)`. Tax lines with a
//!    rate of 0 are left out. `tax = Σ amounts`.
//! 6. **Total** `= subtotal + tax`.

pub mod rules;

use stint_plugin::{BillableTime, InvoiceContext, InvoiceResult, InvoicingRule};

/// The component's export: [`rules::compute`].
pub struct StandardInvoicing;

impl InvoicingRule for StandardInvoicing {
    fn compute(ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String> {
        rules::compute(ctx, time)
    }
}

stint_plugin::export_invoicing_rule!(StandardInvoicing);
