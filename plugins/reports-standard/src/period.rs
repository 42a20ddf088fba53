//! Turning `from`/`to` days of the organization's time zone into the instants the host filters
//! on, and counting working days for capacity.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use stint_plugin::report::{ReportError, Value};

/// Longest range a report covers, in days (ten years and change).
pub const MAX_DAYS: i64 = 3_700;

fn invalid(name: &str, message: &str) -> ReportError {
    ReportError::InvalidArgument((name.into(), message.into()))
}

fn date(value: Option<&Value>, name: &str) -> Result<NaiveDate, ReportError> {
    match value {
        Some(Value::Date(d)) => NaiveDate::from_ymd_opt(d.year, d.month.into(), d.day.into())
            .ok_or_else(|| invalid(name, "is not a date")),
        _ => Err(invalid(name, &format!("`{name}` is required (YYYY-MM-DD)"))),
    }
}

/// The two days, checked: `from` ≤ `to`, at most [`MAX_DAYS`] apart.
pub fn days(
    from: Option<&Value>,
    to: Option<&Value>,
) -> Result<(NaiveDate, NaiveDate), ReportError> {
    let (from, to) = (date(from, "from")?, date(to, "to")?);
    if to < from {
        return Err(invalid("to", "`to` must not be before `from`"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(invalid(
            "to",
            &format!("the range may span at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The first instant of `day` in `time_zone` (UTC when unknown), as seconds.
pub fn start_of(time_zone: &str, day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => {
            // A day may start inside a daylight-saving gap: take the first instant after it.
            let mut t = midnight;
            for _ in 0..4 {
                if let Some(at) = tz.from_local_datetime(&t).earliest() {
                    return at.timestamp();
                }
                t += Duration::minutes(30);
            }
            Utc.from_utc_datetime(&midnight).timestamp()
        }
        Err(_) => Utc.from_utc_datetime(&midnight).timestamp(),
    }
}

/// `[start of from, start of the day after to)` in `time_zone`.
pub fn range(
    time_zone: &str,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Result<(i64, i64), ReportError> {
    let (from, to) = days(from, to)?;
    Ok((
        start_of(time_zone, from),
        start_of(time_zone, to + Duration::days(1)),
    ))
}

/// Monday-to-Friday days in `[from, to]`.
pub fn weekdays(
    _time_zone: &str,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Result<i64, ReportError> {
    let (from, to) = days(from, to)?;
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .count() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stint_plugin::report::Value;

    fn d(y: i32, m: u8, day: u8) -> Value {
        Value::Date(stint_plugin::report::Date {
            year: y,
            month: m,
            day,
        })
    }

    #[test]
    fn ranges_are_local_days() {
        let (a, b) = range("Europe/Berlin", Some(&d(2026, 3, 1)), Some(&d(2026, 3, 31))).unwrap();
        assert_eq!(a, 1_772_319_600); // 2026-02-28T23:00:00Z
        assert_eq!(b, 1_774_994_400); // 2026-03-31T22:00:00Z (summer time)
        assert!(range("UTC", Some(&d(2026, 3, 2)), Some(&d(2026, 3, 1))).is_err());
        assert_eq!(
            weekdays("UTC", Some(&d(2026, 3, 2)), Some(&d(2026, 3, 8))).unwrap(),
            5
        );
    }
}
