//! Invoices: drafts with line items, gap-free numbers, the status machine, generation from time
//! entries through the `invoicing-rule` plugin, sending, payment and PDF output.
//!
//! * **Numbers** are taken when an invoice is sent (`INV-0001`, `INV-0002`, … per organization),
//!   from a counter row incremented in the sending transaction; drafts have none, so deleting a
//!   draft never leaves a gap.
//! * **Statuses**: `draft → sent → paid`; `sent → overdue` (the background job, once the due date
//!   has passed in the organization's time zone); `overdue → paid`; `void` from `draft`, `sent` or
//!   `overdue` (`PATCH {"status":"void"}`). Only drafts are edited or deleted.
//! * **Generate** reads the candidate entries, resolves their rates ([`rates::resolve`]), calls
//!   the plugin with no transaction open, then in one transaction releases the draft's previous
//!   entries, claims the listed ones by inserting them into `invoice_entries` (whose primary key
//!   holds an entry on one invoice at most) and replaces the lines. If fewer rows were claimed
//!   than listed (a concurrent generate got some), the transaction is rolled back and the whole
//!   round is retried on fresh data; likewise when a claimed entry was edited after it was read
//!   (its `updated_at` changed).
//! * An entry on an invoice is locked (see `time_entries`); voiding or deleting the invoice
//!   releases it.
//!
//! Permission: every invoice action needs `manage_invoices`, and their events go only to members
//! holding it ([`AUDIENCE`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::events;
use crate::domain::page::{Page, PageQuery};
use crate::domain::{Cx, clients, money, organizations, rates, validate, wire};
use crate::error::{Error, Result};
use crate::{ids, store};

mod generate;
mod overdue;
pub mod pdf;
mod send;

pub use generate::generate;
pub use overdue::mark_overdue;
pub use send::{format_money, mark_paid, pdf, send};

pub use crate::model::invoices::{Invoice, InvoiceLine, InvoiceStatus, InvoiceTax, Quantity};

/// The event audience of invoice changes: members with `manage_invoices`.
pub const AUDIENCE: &str = "perm:manage_invoices";

/// How often generate re-reads and retries when a concurrent generate claimed some entries first.
const GENERATE_ATTEMPTS: usize = 4;

crate::entity!(Invoice, "invoice", |_i| {
    crate::events::Audience::from_column(Some(AUDIENCE))
});

/// A line as given to `create` or `update`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// What the line bills.
    pub description: String,
    /// Quantity, at most three decimals, as a number or a decimal string (default 1).
    pub quantity: Option<Quantity>,
    /// Price per unit, minor units.
    pub unit_price: i64,
    /// The amount; when given it must equal `quantity × unit_price` rounded half up.
    pub amount: Option<i64>,
}

/// `invoices.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListInvoices {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only this client's.
    pub client_id: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `invoices.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetInvoice {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…`
    pub id: String,
}

/// `invoices.create`: a draft.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The client billed (`cli_…`).
    pub client_id: String,
    /// Payment due, `YYYY-MM-DD`.
    pub due_date: String,
    /// Date of issue (default: today in the organization's time zone).
    pub issue_date: Option<String>,
    /// ISO 4217 currency (default: the client's).
    pub currency: Option<String>,
    /// Tax rate in basis points (default: the client's).
    pub tax_rate_bp: Option<i64>,
    /// Discount, minor units (default 0).
    pub discount: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
    /// Manual lines.
    pub lines: Option<Vec<LineInput>>,
}

/// `invoices.update`: drafts only, except `status: "void"`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInvoice {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…`
    pub id: String,
    /// `void` voids a draft, sent or overdue invoice (and releases its entries); other status
    /// changes have their own actions.
    pub status: Option<String>,
    /// New due date.
    pub due_date: Option<String>,
    /// New issue date.
    pub issue_date: Option<String>,
    /// New currency.
    pub currency: Option<String>,
    /// New tax rate.
    pub tax_rate_bp: Option<i64>,
    /// New discount.
    pub discount: Option<i64>,
    /// New notes.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub notes: Option<Option<String>>,
    /// New lines, replacing all (the entries of generated lines stay on the draft).
    pub lines: Option<Vec<LineInput>>,
}

/// `invoices.delete`: drafts only.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteInvoice {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…`
    pub id: String,
}

/// `invoices.generate`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateInvoice {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…` (a draft).
    pub id: String,
    /// First day, `YYYY-MM-DD` in the organization's time zone (default: no lower bound).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
}

/// `invoices.send`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInvoice {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…` (a draft).
    pub id: String,
    /// A message for the client, put above the invoice summary in the e-mail.
    pub message: Option<String>,
}

/// `invoices.mark_paid`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkPaid {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…` (sent or overdue).
    pub id: String,
    /// How it was paid (free text, e.g. `bank_transfer`).
    pub payment_method: Option<String>,
}

/// `invoices.pdf`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct InvoicePdf {
    /// Organization the invoice must belong to (optional).
    pub org_id: Option<String>,
    /// `inv_…`
    pub id: String,
}

/// A rendered document: REST sends the bytes with their content type; other interfaces get
/// `{content_type, filename, content_base64}`.
#[derive(Debug, Clone, JsonSchema)]
pub struct Document {
    /// MIME type.
    pub content_type: &'static str,
    /// Suggested file name.
    pub filename: String,
    /// The bytes (base64 on the wire outside REST, as `content_base64`).
    #[schemars(rename = "content_base64", with = "String")]
    pub bytes: Vec<u8>,
}

impl Serialize for Document {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use base64::Engine;
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Document", 3)?;
        st.serialize_field("content_type", self.content_type)?;
        st.serialize_field("filename", &self.filename)?;
        st.serialize_field(
            "content_base64",
            &base64::engine::general_purpose::STANDARD.encode(&self.bytes),
        )?;
        st.end()
    }
}

/// `numerator / denominator` rounded half away from zero, without narrowing.
fn div_round_wide(numerator: i128, denominator: i128) -> i128 {
    let q = (numerator.abs() + denominator / 2) / denominator;
    if numerator < 0 { -q } else { q }
}

fn status(value: &str) -> Result<InvoiceStatus> {
    InvoiceStatus::parse(value).ok_or_else(|| {
        Error::invalid_field(
            "status",
            format!("status must be one of {}", InvoiceStatus::codes()),
        )
    })
}

fn tax_rate(value: i64) -> Result<i64> {
    if (0..=10_000).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_field(
            "tax_rate_bp",
            "tax_rate_bp must be between 0 and 10000 basis points",
        ))
    }
}

fn lines_from_input(
    org_id: &str,
    invoice_id: &str,
    input: &[LineInput],
) -> Result<Vec<InvoiceLine>> {
    if input.len() > 1000 {
        return Err(Error::invalid_field("lines", "at most 1000 lines"));
    }
    input
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let field = |f: &str| format!("lines[{i}].{f}");
            let description = validate::name(&field("description"), &l.description, 2000)?;
            let quantity_milli = l.quantity.unwrap_or(Quantity(1000)).milli();
            if quantity_milli.abs() > money::MAX_QUANTITY * 1000 {
                return Err(Error::invalid_field(
                    &field("quantity"),
                    format!(
                        "quantity must be a number of at most {}",
                        money::MAX_QUANTITY
                    ),
                ));
            }
            money::within(&field("unit_price"), l.unit_price, money::MAX_UNIT_PRICE)?;
            let amount = money::total(
                &field("amount"),
                div_round_wide(i128::from(quantity_milli) * i128::from(l.unit_price), 1000),
            )?;
            if let Some(given) = l.amount
                && given != amount
            {
                return Err(Error::rule(
                    &field("amount"),
                    format!("amount must be quantity × unit_price = {amount}"),
                ));
            }
            Ok(InvoiceLine {
                id: ids::new_id("inl"),
                invoice_id: invoice_id.to_owned(),
                org_id: org_id.to_owned(),
                position: i as i64,
                description,
                quantity_milli,
                quantity: Quantity(quantity_milli),
                unit_price: l.unit_price,
                amount,
                entry_ids: Vec::new(),
            })
        })
        .collect()
}

/// Recomputes the totals of manually edited lines: subtotal = Σ amounts − discount, one tax line
/// at `tax_rate_bp` on the subtotal (rounded half up), total = subtotal + tax.
fn manual_totals(inv: &mut Invoice) -> Result<()> {
    let sum: i128 = inv.lines.iter().map(|l| i128::from(l.amount)).sum();
    // Lines may sum below zero (a credit); a discount may not exceed what the lines bill.
    if inv.discount > 0 && i128::from(inv.discount) > sum {
        return Err(Error::rule(
            "discount",
            format!("discount must not exceed the sum of the lines ({sum})"),
        ));
    }
    inv.subtotal = money::total("subtotal", sum - i128::from(inv.discount))?;
    inv.tax = money::total(
        "tax",
        div_round_wide(
            i128::from(inv.subtotal) * i128::from(inv.tax_rate_bp),
            10_000,
        ),
    )?;
    inv.total = money::total("total", i128::from(inv.subtotal) + i128::from(inv.tax))?;
    inv.taxes = if inv.tax_rate_bp > 0 {
        vec![InvoiceTax {
            description: "Tax".into(),
            rate_bp: inv.tax_rate_bp,
            base: inv.subtotal,
            amount: inv.tax,
        }]
    } else {
        Vec::new()
    };
    Ok(())
}

async fn with_lines(ex: &mut impl store::Exec, mut inv: Invoice) -> Result<Invoice> {
    inv.lines = store::invoices::lines(ex, &inv.id).await?;
    Ok(inv)
}

/// Loads an invoice of the scoped organization with its lines.
async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str, lock: bool) -> Result<Invoice> {
    let inv = if lock {
        store::invoices::get_for_update(ex, id).await?
    } else {
        store::invoices::get(ex, id).await?
    }
    .ok_or_else(|| Error::not_found("invoice"))?;
    cx.same_org(&inv.org_id, "invoice")?;
    with_lines(ex, inv).await
}

fn require_status(inv: &Invoice, allowed: &[InvoiceStatus], doing: &str) -> Result<()> {
    if allowed.contains(&inv.status) {
        Ok(())
    } else {
        Err(Error::rule(
            "status",
            format!(
                "invoice {} is {}; only {} invoices can be {doing}",
                inv.id,
                inv.status,
                allowed
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ))
    }
}

async fn org_settings(ex: &mut impl store::Exec, org_id: &str) -> Result<(String, String)> {
    store::rates::org_settings(ex, org_id)
        .await?
        .ok_or_else(|| Error::not_found("organization"))
}

/// Invoices of the organization, newest first.
pub async fn list(cx: &Cx<'_>, input: ListInvoices) -> Result<Page<Invoice>> {
    let request = input.page.resolve()?;
    if let Some(s) = &input.status {
        status(s)?;
    }
    let mut db = cx.db();
    let (headers, total) = store::invoices::list(
        &mut db,
        cx.org_id()?,
        input.client_id.as_deref(),
        input.status.as_deref(),
        request.limit(),
        request.offset(),
    )
    .await?;
    let mut items = Vec::with_capacity(headers.len());
    for h in headers {
        items.push(with_lines(&mut db, h).await?);
    }
    Ok(Page {
        items,
        request,
        total,
    })
}

/// One invoice with its lines.
pub async fn get(cx: &Cx<'_>, input: GetInvoice) -> Result<Invoice> {
    load(cx, &mut cx.db(), &input.id, false).await
}

/// Creates a draft.
pub async fn create(cx: &Cx<'_>, input: CreateInvoice) -> Result<Invoice> {
    let org_id = cx.org_id()?.to_owned();
    let mut tx = cx.db().begin().await?;
    let client = clients::load(cx, &mut tx, &input.client_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::rule(
                "client_id",
                "client_id must name a client of the same organization",
            ),
            other => other,
        })?;
    let (tz, _) = org_settings(&mut tx, &org_id).await?;
    let issue_date = match &input.issue_date {
        Some(d) => validate::date("issue_date", d)?,
        None => rates::local_today(&tz),
    };
    let due_date = validate::date("due_date", &input.due_date)?;
    if due_date < issue_date {
        return Err(Error::rule(
            "due_date",
            "due_date must not be before issue_date",
        ));
    }
    let now = crate::clock::now();
    let id = ids::new_id("inv");
    let lines = lines_from_input(&org_id, &id, input.lines.as_deref().unwrap_or_default())?;
    let mut inv = Invoice {
        id,
        org_id,
        client_id: client.id.clone(),
        number: None,
        status: InvoiceStatus::Draft,
        currency: match &input.currency {
            Some(c) => organizations::currency(c)?,
            None => client.currency.clone(),
        },
        issue_date,
        due_date,
        tax_rate_bp: tax_rate(input.tax_rate_bp.unwrap_or(client.tax_rate_bp))?,
        discount: money::within("discount", input.discount.unwrap_or(0), money::MAX_AMOUNT)?,
        subtotal: 0,
        tax: 0,
        total: 0,
        taxes: Vec::new(),
        notes: validate::text("notes", input.notes.as_deref(), 10_000)?,
        period_from: None,
        period_to: None,
        sent_at: None,
        sent_to: None,
        paid_at: None,
        payment_method: None,
        voided_at: None,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
        lines,
    };
    manual_totals(&mut inv)?;
    store::invoices::insert(&mut tx, &inv).await?;
    store::invoices::replace_lines(&mut tx, &inv.id, &inv.lines).await?;
    events::created(&mut tx, cx, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Updates a draft, or voids an invoice.
pub async fn update(cx: &Cx<'_>, input: UpdateInvoice) -> Result<Invoice> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id, true).await?;
    let mut inv = before.clone();
    let now = crate::clock::now();
    if let Some(s) = &input.status {
        let s = status(s)?;
        if s != inv.status {
            if s != InvoiceStatus::Void {
                return Err(Error::rule(
                    "status",
                    "only void can be set here; use send and mark_paid for the other transitions",
                ));
            }
            require_status(
                &inv,
                &[
                    InvoiceStatus::Draft,
                    InvoiceStatus::Sent,
                    InvoiceStatus::Overdue,
                ],
                "voided",
            )?;
            let edits = input.due_date.is_some()
                || input.issue_date.is_some()
                || input.currency.is_some()
                || input.tax_rate_bp.is_some()
                || input.discount.is_some()
                || input.notes.is_some()
                || input.lines.is_some();
            if edits {
                return Err(Error::rule(
                    "status",
                    "voiding cannot be combined with other changes",
                ));
            }
            inv.status = s;
            inv.voided_at = Some(now);
            inv.updated_at = now;
            store::invoices::release_entries(&mut tx, &inv.id).await?;
            store::invoices::update(&mut tx, &inv).await?;
            events::updated(&mut tx, cx, &before, &inv).await?;
            tx.commit().await?;
            return Ok(inv);
        }
    }
    require_status(&inv, &[InvoiceStatus::Draft], "edited")?;
    if let Some(d) = &input.issue_date {
        inv.issue_date = validate::date("issue_date", d)?;
    }
    if let Some(d) = &input.due_date {
        inv.due_date = validate::date("due_date", d)?;
    }
    if inv.due_date < inv.issue_date {
        return Err(Error::rule(
            "due_date",
            "due_date must not be before issue_date",
        ));
    }
    if let Some(c) = &input.currency {
        inv.currency = organizations::currency(c)?;
    }
    if let Some(t) = input.tax_rate_bp {
        inv.tax_rate_bp = tax_rate(t)?;
    }
    if let Some(d) = input.discount {
        inv.discount = money::within("discount", d, money::MAX_AMOUNT)?;
    }
    if let Some(n) = &input.notes {
        inv.notes = validate::text("notes", n.as_deref(), 10_000)?;
    }
    if let Some(lines) = &input.lines {
        inv.lines = lines_from_input(&inv.org_id, &inv.id, lines)?;
        store::invoices::replace_lines(&mut tx, &inv.id, &inv.lines).await?;
    }
    if input.lines.is_some() || input.tax_rate_bp.is_some() || input.discount.is_some() {
        manual_totals(&mut inv)?;
    }
    inv.updated_at = now;
    store::invoices::update(&mut tx, &inv).await?;
    events::updated(&mut tx, cx, &before, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Deletes a draft and releases its entries.
pub async fn delete(cx: &Cx<'_>, input: DeleteInvoice) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let inv = load(cx, &mut tx, &input.id, true).await?;
    require_status(&inv, &[InvoiceStatus::Draft], "deleted")?;
    store::invoices::release_entries(&mut tx, &inv.id).await?;
    store::invoices::delete(&mut tx, &inv.id).await?;
    events::deleted(&mut tx, cx, &inv).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round_wide(1500 * 333, 1000), 500); // 499.5
        assert_eq!(div_round_wide(-5, 10), -1);
        assert_eq!(div_round_wide(4, 10), 0);
    }
}
