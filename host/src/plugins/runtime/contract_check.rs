//! The host's checks on plugin output. A plugin is untrusted code: its answer is accepted only
//! when it is internally consistent and refers to nothing the host did not give it.

use chrono::{DateTime, Utc};

use crate::plugins::contract::{InvoiceResult, OccurrenceQuery};

/// Lines one invoice may have beyond one per entry (fees, surcharges, discounts shown as lines).
const EXTRA_LINES: usize = 1_000;
/// Tax lines one invoice may have.
const MAX_TAXES: usize = 64;
/// Longest description of a line or tax, in bytes.
const MAX_DESCRIPTION_BYTES: usize = 4 * 1024;
/// Longest canonical recurrence pattern, in bytes.
const MAX_PATTERN_BYTES: usize = 4 * 1024;

/// Checks a computed invoice against the number of entries it was computed from.
pub(super) fn invoice(r: &InvoiceResult, entries: usize) -> Result<(), String> {
    let max_lines = entries + EXTRA_LINES;
    if r.lines.len() > max_lines {
        return Err(format!(
            "{} lines for {entries} entries (at most {max_lines})",
            r.lines.len(),
        ));
    }
    if r.taxes.len() > MAX_TAXES {
        return Err(format!("{} tax lines (at most {MAX_TAXES})", r.taxes.len()));
    }
    let mut billed = vec![false; entries];
    let mut lines_sum: i64 = 0;
    for (n, line) in r.lines.iter().enumerate() {
        let n = n + 1;
        if line.description.len() > MAX_DESCRIPTION_BYTES {
            return Err(format!(
                "line {n}: description longer than {MAX_DESCRIPTION_BYTES} bytes"
            ));
        }
        if line.quantity_milli < 0 {
            return Err(format!(
                "line {n}: negative quantity {}",
                line.quantity_milli
            ));
        }
        for &at in &line.entries {
            let Some(seen) = billed.get_mut(at as usize) else {
                return Err(format!(
                    "line {n}: entry position {at} is out of range ({entries} entries)"
                ));
            };
            if std::mem::replace(seen, true) {
                return Err(format!("line {n}: entry {at} is billed twice"));
            }
        }
        lines_sum = lines_sum
            .checked_add(line.amount)
            .ok_or("the sum of line amounts overflows")?;
    }
    let subtotal = lines_sum
        .checked_sub(r.discount)
        .ok_or("the subtotal overflows")?;
    if subtotal != r.subtotal {
        return Err(format!(
            "subtotal {} is not the sum of line amounts {lines_sum} minus the discount {}",
            r.subtotal, r.discount
        ));
    }
    let mut tax_sum: i64 = 0;
    for (n, tax) in r.taxes.iter().enumerate() {
        if tax.description.len() > MAX_DESCRIPTION_BYTES {
            return Err(format!(
                "tax {}: description longer than {MAX_DESCRIPTION_BYTES} bytes",
                n + 1
            ));
        }
        tax_sum = tax_sum
            .checked_add(tax.amount)
            .ok_or("the sum of tax amounts overflows")?;
    }
    if tax_sum != r.tax {
        return Err(format!(
            "tax {} is not the sum of the tax lines {tax_sum}",
            r.tax
        ));
    }
    let total = r.subtotal.checked_add(r.tax).ok_or("the total overflows")?;
    if total != r.total {
        return Err(format!(
            "total {} is not subtotal {} plus tax {}",
            r.total, r.subtotal, r.tax
        ));
    }
    Ok(())
}

/// Checks the canonical form `validate` returned.
pub(super) fn canonical_pattern(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("the canonical pattern is empty".into());
    }
    if p.len() > MAX_PATTERN_BYTES {
        return Err(format!(
            "the canonical pattern is longer than {MAX_PATTERN_BYTES} bytes"
        ));
    }
    Ok(())
}

/// Checks and converts `next`'s timestamps: at most `count`, strictly after `after`, strictly
/// ascending.
pub(super) fn occurrences(raw: &[i64], q: &OccurrenceQuery) -> Result<Vec<DateTime<Utc>>, String> {
    if raw.len() > q.count as usize {
        return Err(format!(
            "{} occurrences returned, {} asked for",
            raw.len(),
            q.count
        ));
    }
    let mut previous = q.after.timestamp();
    let mut out = Vec::with_capacity(raw.len());
    for (n, &t) in raw.iter().enumerate() {
        if t <= previous {
            return Err(if n == 0 {
                format!("occurrence {t} is not after {previous}")
            } else {
                format!("occurrences are not strictly ascending ({previous}, then {t})")
            });
        }
        out.push(
            super::bindings::timestamp_from_wit(t)
                .ok_or_else(|| format!("occurrence {t} is out of range"))?,
        );
        previous = t;
    }
    Ok(out)
}

/// Requests one `webhooks.format` call may return.
pub const MAX_WEBHOOK_REQUESTS: usize = 16;
/// Largest body of one webhook request, in bytes.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 1 << 20;
/// Headers one webhook request may set.
const MAX_WEBHOOK_HEADERS: usize = 32;

/// Whether a plugin may set the header `name` (lowercase): not hop-by-hop, not one the host
/// computes (length, host), not one of the host's own `stint-*` headers.
pub fn webhook_header_allowed(name: &str) -> bool {
    !matches!(
        name,
        "host"
            | "content-length"
            | "transfer-encoding"
            | "connection"
            | "keep-alive"
            | "upgrade"
            | "te"
            | "trailer"
            | "expect"
            | "cookie"
    ) && !name.starts_with("proxy-")
        && !name.starts_with("stint-")
}

/// Checks what a webhook plugin returned: a bounded number of requests, bodies within the cap,
/// valid header names and values the host lets plugins set.
pub(super) fn webhook_requests(
    requests: &[crate::plugins::contract::WebhookRequest],
) -> Result<(), String> {
    if requests.len() > MAX_WEBHOOK_REQUESTS {
        return Err(format!(
            "{} requests for one event (at most {MAX_WEBHOOK_REQUESTS})",
            requests.len()
        ));
    }
    for (i, r) in requests.iter().enumerate() {
        if r.body.len() > MAX_WEBHOOK_BODY_BYTES {
            return Err(format!(
                "request {i}: body of {} bytes (at most {MAX_WEBHOOK_BODY_BYTES})",
                r.body.len()
            ));
        }
        if r.headers.len() > MAX_WEBHOOK_HEADERS {
            return Err(format!(
                "request {i}: more than {MAX_WEBHOOK_HEADERS} headers"
            ));
        }
        for (name, value) in &r.headers {
            let lower = name.to_ascii_lowercase();
            let token = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(format!("request {i}: `{name}` is not a header name"));
            }
            if !webhook_header_allowed(&lower) {
                return Err(format!(
                    "request {i}: header `{name}` is set by the host and may not be set by a plugin"
                ));
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) || value.len() > 8192 {
                return Err(format!("request {i}: header `{name}` has an invalid value"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::contract::{LineItem, TaxLine};
    use chrono::TimeZone;

    fn good() -> InvoiceResult {
        InvoiceResult {
            lines: vec![LineItem {
                description: "Work".into(),
                quantity_milli: 2000,
                unit_price: 10_000,
                amount: 20_000,
                entries: vec![0, 1],
            }],
            discount: 1_000,
            subtotal: 19_000,
            taxes: vec![TaxLine {
                description: "VAT".into(),
                rate_bp: 1900,
                base: 19_000,
                amount: 3_610,
            }],
            tax: 3_610,
            total: 22_610,
        }
    }

    #[test]
    fn invoice_rules() {
        let entries = 2;
        assert_eq!(invoice(&good(), entries), Ok(()));

        let mut r = good();
        r.subtotal += 1;
        assert!(invoice(&r, entries).unwrap_err().contains("subtotal"));
        let mut r = good();
        r.tax = 0;
        assert!(invoice(&r, entries).unwrap_err().contains("tax"));
        let mut r = good();
        r.total -= 1;
        assert!(invoice(&r, entries).unwrap_err().contains("total"));
        let mut r = good();
        r.lines[0].entries.push(2);
        assert!(invoice(&r, entries).unwrap_err().contains("out of range"));
        let mut r = good();
        r.lines.push(r.lines[0].clone());
        r.lines[1].amount = 0;
        assert!(invoice(&r, entries).unwrap_err().contains("twice"));
        let mut r = good();
        r.lines[0].quantity_milli = -1;
        assert!(invoice(&r, entries).unwrap_err().contains("negative"));
        let mut r = good();
        r.lines[0].amount = i64::MAX;
        r.lines.push(r.lines[0].clone());
        r.lines[1].entries.clear();
        assert!(invoice(&r, entries).unwrap_err().contains("overflow"));
    }

    #[test]
    fn occurrence_rules() {
        let after = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let q = OccurrenceQuery {
            pattern: "daily".into(),
            time_zone: "UTC".into(),
            anchor: after,
            after,
            count: 2,
        };
        let t = after.timestamp();
        assert_eq!(occurrences(&[t + 1, t + 2], &q).unwrap().len(), 2);
        assert!(occurrences(&[t, t + 2], &q).is_err());
        assert!(occurrences(&[t + 2, t + 1], &q).is_err());
        assert!(occurrences(&[t + 1, t + 1], &q).is_err());
        assert!(occurrences(&[t + 1, t + 2, t + 3], &q).is_err());
        assert!(occurrences(&[i64::MAX], &q).is_err());
    }
}
