//! Sending (numbering, e-mail with the PDF), payment and the PDF itself.

use super::{
    Document, Invoice, InvoicePdf, InvoiceStatus, MarkPaid, SendInvoice, load, require_status,
};
use crate::domain::{Cx, events, validate};
use crate::error::{Error, Result};
use crate::store;

/// Formats minor units of `currency` for people: `EUR 1,234.50` (two decimals except for the
/// zero-decimal currencies).
pub fn format_money(amount: i64, currency: &str) -> String {
    const ZERO_DECIMAL: [&str; 8] = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"];
    let digits = if ZERO_DECIMAL.contains(&currency) {
        0
    } else {
        2
    };
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let scale = 10u64.pow(digits);
    let (major, minor) = (abs / scale, abs % scale);
    let major = major.to_string();
    let mut grouped = String::new();
    for (i, c) in major.chars().enumerate() {
        if i > 0 && (major.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if digits == 0 {
        format!("{currency} {sign}{grouped}")
    } else {
        format!(
            "{currency} {sign}{grouped}.{minor:0width$}",
            width = digits as usize
        )
    }
}

/// Sends a draft: gives it the next number, marks it sent, and e-mails the client with the PDF
/// attached (over SMTP when configured, else the mail is logged); without a client e-mail address the sending is only
/// recorded (`sent_at`, a log line).
pub async fn send(cx: &Cx<'_>, input: SendInvoice) -> Result<Invoice> {
    let message = validate::text("message", input.message.as_deref(), 10_000)?;
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id, true).await?;
    require_status(&before, &[InvoiceStatus::Draft], "sent")?;
    let client = store::clients::get(&mut tx, &before.client_id)
        .await?
        .ok_or_else(|| Error::not_found("client"))?;
    let n = store::invoices::next_number(&mut tx, &before.org_id).await?;
    let mut inv = before.clone();
    let now = crate::clock::now();
    inv.number = Some(format!("INV-{n:04}"));
    inv.status = InvoiceStatus::Sent;
    inv.sent_at = Some(now);
    inv.sent_to = client.email.clone();
    inv.updated_at = now;
    store::invoices::update(&mut tx, &inv).await?;
    events::updated(&mut tx, cx, &before, &inv).await?;
    tx.commit().await?;

    let number = inv.number.as_deref().unwrap_or_default();
    match &client.email {
        Some(to) => {
            let mut body = String::new();
            if let Some(m) = &message {
                body.push_str(m);
                body.push_str("\n\n");
            }
            body.push_str(&format!(
                "Invoice {number}\nIssued: {}\nDue: {}\nTotal: {}\n",
                inv.issue_date,
                inv.due_date,
                format_money(inv.total, &inv.currency)
            ));
            for l in &inv.lines {
                body.push_str(&format!(
                    "- {}: {}\n",
                    l.description,
                    format_money(l.amount, &inv.currency)
                ));
            }
            let org_name = store::invoices::org_name(&mut cx.db(), &inv.org_id)
                .await?
                .unwrap_or_default();
            let pdf = super::pdf::render(&inv, &client.name, &org_name);
            cx.services.mailer.send_with_attachment(
                to,
                &format!("Invoice {number}"),
                body,
                crate::mail::Attachment {
                    filename: format!("{number}.pdf"),
                    content_type: "application/pdf",
                    bytes: pdf,
                },
            );
        }
        None => {
            tracing::info!(
                target: "stint::mail",
                invoice = %inv.id,
                %number,
                client = %client.id,
                "invoice sent (recorded only: the client has no e-mail address)"
            );
        }
    }
    Ok(inv)
}

/// Marks a sent or overdue invoice paid.
pub async fn mark_paid(cx: &Cx<'_>, input: MarkPaid) -> Result<Invoice> {
    let payment_method = validate::text("payment_method", input.payment_method.as_deref(), 200)?;
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id, true).await?;
    require_status(
        &before,
        &[InvoiceStatus::Sent, InvoiceStatus::Overdue],
        "marked paid",
    )?;
    let mut inv = before.clone();
    let now = crate::clock::now();
    inv.status = InvoiceStatus::Paid;
    inv.paid_at = Some(now);
    inv.payment_method = payment_method;
    inv.updated_at = now;
    store::invoices::update(&mut tx, &inv).await?;
    events::updated(&mut tx, cx, &before, &inv).await?;
    tx.commit().await?;
    Ok(inv)
}

/// The invoice as a PDF.
pub async fn pdf(cx: &Cx<'_>, input: InvoicePdf) -> Result<Document> {
    let mut db = cx.db();
    let inv = load(cx, &mut db, &input.id, false).await?;
    let client = store::clients::get(&mut db, &inv.client_id)
        .await?
        .ok_or_else(|| Error::not_found("client"))?;
    let org_name = store::invoices::org_name(&mut db, &inv.org_id)
        .await?
        .unwrap_or_default();
    let bytes = super::pdf::render(&inv, &client.name, &org_name);
    let filename = format!(
        "{}.pdf",
        inv.number
            .clone()
            .unwrap_or_else(|| format!("draft-{}", inv.id))
    );
    Ok(Document {
        content_type: "application/pdf",
        filename,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formatting() {
        assert_eq!(format_money(123450, "EUR"), "EUR 1,234.50");
        assert_eq!(format_money(5, "USD"), "USD 0.05");
        assert_eq!(format_money(-100000000, "USD"), "USD -1,000,000.00");
        assert_eq!(format_money(1500, "JPY"), "JPY 1,500");
    }
}
