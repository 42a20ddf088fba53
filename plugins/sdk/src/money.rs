//! Integer money arithmetic. Amounts are minor units (cents); rates are minor units per hour.

/// `n / d` rounded half up (away from zero at exactly one half), for `n ≥ 0` and `d > 0`:
/// the rounding invoices use for amounts, so `div_half_up(5, 2) == 3`.
///
/// ```
/// use stint_plugin::money::div_half_up;
/// // 70 minutes at 100.00/h: 4200 s × 10000 / 3600 = 11666.67 → 11667 cents.
/// assert_eq!(div_half_up(4200 * 10_000, 3600), 11_667);
/// assert_eq!(div_half_up(5, 2), 3);
/// assert_eq!(div_half_up(4, 2), 2);
/// ```
pub fn div_half_up(n: i128, d: i128) -> i128 {
    (n + d / 2) / d
}

/// The amount for `seconds` at `rate_per_hour`, rounded half up to the minor unit.
///
/// ```
/// assert_eq!(stint_plugin::money::amount_for(5400, 10_000), 15_000);
/// ```
pub fn amount_for(seconds: i64, rate_per_hour: i64) -> i128 {
    div_half_up(i128::from(seconds) * i128::from(rate_per_hour), 3600)
}
