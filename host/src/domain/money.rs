//! Money limits. Amounts are `i64` minor units; the caps below keep every product and sum Stint
//! computes — an entry's amount, an invoice's lines, subtotal, tax and total, a report's sums over
//! millions of entries — far inside `i64`, so nothing can wrap. Input above a cap is refused with
//! `VALIDATION_ERROR` (400) naming the field; a total that would still exceed [`MAX_AMOUNT`] is
//! refused the same way.
//!
//! Why these numbers: a rate of [`MAX_RATE`] (10,000,000.00 per hour in a two-decimal currency)
//! times the longest entry (7 days) is 1.7 × 10¹¹ minor units, so 10 million entries at that
//! rate still sum to less than 2 × 10¹⁸ < `i64::MAX` (9.2 × 10¹⁸).

use crate::error::{Error, Result};

/// Highest rate, minor units per hour (entry, project, client and member rates).
pub const MAX_RATE: i64 = 1_000_000_000;
/// Highest unit price of an invoice line, minor units.
pub const MAX_UNIT_PRICE: i64 = 1_000_000_000_000;
/// Highest quantity of an invoice line.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// Highest amount of a line, discount, subtotal, tax or total, minor units.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// Checks an optional rate: `0..=MAX_RATE`.
pub fn rate(field: &str, value: Option<i64>) -> Result<Option<i64>> {
    match value {
        Some(r) if r < 0 => Err(Error::invalid_field(
            field,
            format!("{field} must not be negative"),
        )),
        Some(r) if r > MAX_RATE => Err(Error::invalid_field(
            field,
            format!("{field} must be at most {MAX_RATE} (minor units per hour)"),
        )),
        other => Ok(other),
    }
}

/// Checks an amount: `0..=max`.
pub fn within(field: &str, value: i64, max: i64) -> Result<i64> {
    if value < 0 {
        Err(Error::invalid_field(
            field,
            format!("{field} must not be negative"),
        ))
    } else if value > max {
        Err(Error::invalid_field(
            field,
            format!("{field} must be at most {max}"),
        ))
    } else {
        Ok(value)
    }
}

/// Narrows a total computed in `i128` to an amount, refusing one beyond [`MAX_AMOUNT`] (either
/// sign) instead of wrapping.
pub fn total(field: &str, value: i128) -> Result<i64> {
    if value.unsigned_abs() > MAX_AMOUNT as u128 {
        return Err(Error::invalid_field(
            field,
            format!("{field} would exceed {MAX_AMOUNT} minor units"),
        ));
    }
    Ok(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_refuse_instead_of_wrapping() {
        assert!(rate("hourly_rate", Some(MAX_RATE)).is_ok());
        assert!(rate("hourly_rate", Some(MAX_RATE + 1)).is_err());
        assert!(rate("hourly_rate", Some(-1)).is_err());
        assert!(rate("hourly_rate", Some(i64::MAX)).is_err());
        assert_eq!(total("total", 5).unwrap(), 5);
        assert!(total("total", i128::from(i64::MAX) * 2).is_err());
        // The worst entry at the highest rate, ten million times, fits.
        let worst = i128::from(MAX_RATE) * 7 * 24;
        assert!(worst * 10_000_000 < i128::from(i64::MAX));
    }
}
