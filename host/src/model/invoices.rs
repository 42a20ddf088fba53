//! Invoices, their lines and taxes.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

crate::code_enum! {
    /// Where an invoice is in its life: `draft` → `sent` → `paid`, or `overdue` once past due
    /// unpaid; `void` from draft, sent or overdue.
    pub enum InvoiceStatus {
        /// Being prepared; the only status in which it can be edited or deleted.
        Draft = "draft",
        /// Numbered and sent (or recorded as sent).
        Sent = "sent",
        /// Marked paid.
        Paid = "paid",
        /// Sent and past its due date unpaid.
        Overdue = "overdue",
        /// Cancelled; its entries are free to bill again.
        Void = "void",
    }
}

/// An invoice with its lines.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Invoice {
    /// `inv_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// The client billed.
    pub client_id: String,
    /// `INV-0001`…, assigned when sent; `null` for drafts and voided drafts.
    pub number: Option<String>,
    /// Where it is in its life.
    pub status: InvoiceStatus,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// Date of issue.
    pub issue_date: NaiveDate,
    /// Payment due.
    pub due_date: NaiveDate,
    /// Tax rate in basis points (default: the client's).
    pub tax_rate_bp: i64,
    /// Discount subtracted from the sum of the lines, minor units.
    pub discount: i64,
    /// Sum of the lines minus the discount.
    pub subtotal: i64,
    /// Sum of the taxes.
    pub tax: i64,
    /// Subtotal plus tax.
    pub total: i64,
    /// The taxes applied.
    pub taxes: Vec<InvoiceTax>,
    /// Notes printed on the invoice.
    pub notes: Option<String>,
    /// First day of the last generated period.
    pub period_from: Option<NaiveDate>,
    /// Last day of the last generated period.
    pub period_to: Option<NaiveDate>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The address it was sent to (`null` when recorded only).
    pub sent_to: Option<String>,
    /// When it was marked paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// How it was paid.
    pub payment_method: Option<String>,
    /// When it was voided.
    pub voided_at: Option<DateTime<Utc>>,
    /// Creator.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The lines, in order.
    pub lines: Vec<InvoiceLine>,
}

/// An invoice line.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InvoiceLine {
    /// `inl_…`
    pub id: String,
    /// The invoice.
    #[serde(skip)]
    pub invoice_id: String,
    /// The organization.
    #[serde(skip)]
    pub org_id: String,
    /// Order on the invoice, from 0.
    pub position: i64,
    /// What the line bills.
    pub description: String,
    /// Quantity in thousandths (`1500` = 1.5): exact.
    pub quantity_milli: i64,
    /// The same quantity as an exact decimal string (`"1.5"`; hours, for time lines).
    pub quantity: Quantity,
    /// Price per unit, minor units.
    pub unit_price: i64,
    /// The line's amount, minor units.
    pub amount: i64,
    /// The time entries the line bills (empty for manual lines).
    pub entry_ids: Vec<String>,
}

/// A tax applied to an invoice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct InvoiceTax {
    /// Name of the tax.
    pub description: String,
    /// Rate in basis points.
    pub rate_bp: i64,
    /// What the rate applies to, minor units.
    pub base: i64,
    /// The tax, minor units.
    pub amount: i64,
}

/// A quantity with at most three decimals, kept exactly as thousandths (`1500` = 1.5).
///
/// On the wire it is a decimal string (`"1.5"`, `"2"`, `"0.125"`), so no client sees a binary
/// float; as input it is accepted as a JSON number or such a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(pub i64);

impl Quantity {
    /// The thousandths.
    pub fn milli(self) -> i64 {
        self.0
    }

    /// Parses a decimal with at most three decimals (`"1.5"`, `"-2"`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Quantity> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((_, "")) => return None,
            Some(parts) => parts,
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 12
            || fraction.len() > 3
            || !all_digits(whole)
            || !all_digits(fraction)
        {
            return None;
        }
        let padded = format!("{fraction:0<3}");
        let milli = whole.parse::<i64>().ok()? * 1000 + padded.parse::<i64>().ok()?;
        Some(Quantity(if negative { -milli } else { milli }))
    }

    /// From a JSON number: `None` unless it has at most three decimals.
    pub fn from_f64(value: f64) -> Option<Quantity> {
        let scaled = value * 1000.0;
        let rounded = scaled.round();
        (value.is_finite() && rounded.abs() < 1e15 && (scaled - rounded).abs() < 1e-6)
            .then_some(Quantity(rounded as i64))
    }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, fraction) = (self.0.unsigned_abs() / 1000, self.0.unsigned_abs() % 1000);
        if fraction == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let decimals = format!("{fraction:03}");
            write!(f, "{sign}{whole}.{}", decimals.trim_end_matches('0'))
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Number(f64),
            Text(String),
        }
        let invalid =
            || serde::de::Error::custom("a quantity is a number with at most three decimals");
        match Given::deserialize(d)? {
            Given::Number(n) => Quantity::from_f64(n).ok_or_else(invalid),
            Given::Text(t) => Quantity::parse(&t).ok_or_else(invalid),
        }
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A decimal with at most three decimals: a string on output (\"1.5\"), a number or such a string on input.",
            "type": ["string", "number"],
            "pattern": "^-?[0-9]{1,12}(\\.[0-9]{1,3})?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    #[test]
    fn quantities_round_trip_exactly() {
        for (text, milli) in [
            ("1.5", 1500),
            ("2", 2000),
            ("0.125", 125),
            ("-3.25", -3250),
            ("0", 0),
        ] {
            assert_eq!(Quantity::parse(text), Some(Quantity(milli)), "{text}");
            assert_eq!(Quantity(milli).to_string(), text);
        }
        for bad in ["", "1.2345", "1e3", "abc", "1.", ".5", "--1"] {
            assert_eq!(Quantity::parse(bad), None, "{bad}");
        }
        assert_eq!(Quantity::from_f64(1.1), Some(Quantity(1100)));
        assert_eq!(Quantity::from_f64(1.0005), None);
        assert_eq!(Quantity::from_f64(f64::NAN), None);
    }
}
