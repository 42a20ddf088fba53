//! `recurrence-standard`: Stint's built-in `recurrence` plugin.
//!
//! The rules live in [`rules`] as plain Rust (usable natively); this crate's `cdylib` output
//! for `wasm32-wasip2` is the same code exported as a component of world
//! `stint:plugins/recurrence@0.1.0`.
//!
//! # Patterns
//!
//! | form | example | meaning |
//! |---|---|---|
//! | shorthand | `daily`, `weekly`, `monthly`, `yearly` | every day / week / month / year, at the anchor's local time of day, on the anchor's weekday / day of month / date |
//! | JSON object | `{"freq":"weekly","interval":2,"by_weekday":["mon","wed"],"at":"09:00"}` | see below |
//! | cron | `cron:0 9 * * 1-5` | a 5-field cron expression (minute hour day-of-month month day-of-week; a 6-field one with seconds first is accepted too), evaluated by [`croner`] |
//! | RFC 5545 | `RRULE:FREQ=MONTHLY;BYMONTHDAY=-1` or `FREQ=…` | a recurrence rule, evaluated by [`rrule`] with `DTSTART` = the anchor in the time zone |
//!
//! JSON keys (unknown keys are refused): `freq` (`daily`, `weekly`, `monthly`, `yearly`;
//! required), `interval` (≥ 1, default 1; counted from the anchor's day / week (Monday-based) /
//! month / year), `by_weekday` (`mon`…`sun`; for `daily` a filter, for `weekly` the days of
//! the week — default the anchor's —, for `monthly`/`yearly` every such weekday of the month
//! unless `by_month_day` is given too, then both must hold), `by_month_day` (1…31 or −31…−1,
//! −1 = last day; a day the month lacks is skipped; default the anchor's day, moved to the last
//! day of shorter months), `by_month` (1…12, `yearly` only; default the anchor's month) and
//! `at` (`"HH:MM"`, local time; default the anchor's local time of day).
//!
//! # Time zones and DST
//!
//! Everything is evaluated in the given IANA time zone (chrono-tz), on local dates and
//! times: 09:00 Europe/Berlin stays 09:00 local across the March and October changes.
//! A local time in a spring-forward gap moves forward by the gap's length (RFC 5545: 02:30 on
//! 2026-03-29 in Berlin becomes 03:30 CEST), an ambiguous one (fall-back) takes the first
//! (summer-time) instant. `cron:` follows croner's rule instead (a fixed time in a gap fires
//! at the first valid minute after it, 03:00; in an overlap once, the first), `RRULE:` the
//! `rrule` crate's (same as ours: 02:30 → 03:30, ambiguous → first).
//!
//! # Anchor
//!
//! Occurrences are the pattern's matches at or after the anchor (for shorthands the anchor
//! itself is the first) and strictly after `after`.

pub mod rules;

use stint_plugin::{Recurrence, Timestamp};

/// The component's export: [`rules::validate`] and [`rules::next`].
pub struct StandardRecurrence;

impl Recurrence for StandardRecurrence {
    fn validate(pattern: &str) -> Result<String, String> {
        rules::validate(pattern)
    }

    fn next(
        pattern: &str,
        time_zone: &str,
        anchor: Timestamp,
        after: Timestamp,
        count: u32,
    ) -> Result<Vec<Timestamp>, String> {
        rules::next(pattern, time_zone, anchor, after, count)
    }
}

stint_plugin::export_recurrence!(StandardRecurrence);
