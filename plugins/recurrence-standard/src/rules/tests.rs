use chrono::{NaiveDate, TimeZone};

use super::*;

fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    resolve_local(
        tz,
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap(),
    )
    .timestamp()
}

/// The occurrences as local "YYYY-MM-DD HH:MM ±ZZZZ" strings.
fn local(tz: Tz, ts: &[i64]) -> Vec<String> {
    ts.iter()
        .map(|t| {
            tz.timestamp_opt(*t, 0)
                .unwrap()
                .format("%Y-%m-%d %H:%M %z")
                .to_string()
        })
        .collect()
}

const BERLIN: Tz = chrono_tz::Europe::Berlin;
const NEW_YORK: Tz = chrono_tz::America::New_York;

#[test]
fn validate_gives_canonical_forms() {
    assert_eq!(validate(" Daily ").unwrap(), "daily");
    assert_eq!(validate("WEEKLY").unwrap(), "weekly");
    assert_eq!(validate(r#"{"freq":"monthly"}"#).unwrap(), "monthly");
    assert_eq!(
        validate(r#"{"at":"09:00","by_weekday":["wed","mon","mon"],"freq":"weekly","interval":2}"#)
            .unwrap(),
        r#"{"freq":"weekly","interval":2,"by_weekday":["mon","wed"],"at":"09:00"}"#
    );
    assert_eq!(validate("cron:0  9 * *   1-5").unwrap(), "cron:0 9 * * 1-5");
    assert_eq!(
        validate("rrule:freq=monthly;bymonthday=-1").unwrap(),
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1"
    );
    assert_eq!(
        validate("FREQ=WEEKLY;BYDAY=MO").unwrap(),
        "RRULE:FREQ=WEEKLY;BYDAY=MO"
    );
}

#[test]
fn validate_refuses_with_clear_messages() {
    let err = |p: &str| validate(p).unwrap_err();
    assert!(err("").contains("empty"));
    assert!(err("fortnightly").contains("unknown recurrence pattern"));
    assert!(err(r#"{"freq":"hourly"}"#).contains("unknown variant `hourly`"));
    assert!(err(r#"{"freq":"daily","every":2}"#).contains("unknown field `every`"));
    assert!(err(r#"{"freq":"daily","interval":0}"#).contains("interval"));
    assert!(err(r#"{"freq":"monthly","by_month_day":[0]}"#).contains("by_month_day"));
    assert!(err(r#"{"freq":"daily","at":"25:00"}"#).contains("HH:MM"));
    assert!(err(r#"{"freq":"weekly","by_month":[1]}"#).contains("by_month"));
    assert!(err("cron:0 9 * *").contains("5 fields"));
    assert!(err("cron:61 9 * * *").contains("invalid cron expression"));
    assert!(err("RRULE:FREQ=SOMETIMES").contains("invalid RRULE"));
    assert!(err("RRULE:FREQ=DAILY\nDTSTART:20260101T000000Z").contains("DTSTART"));
}

#[test]
fn daily_keeps_local_time_across_berlin_spring_forward() {
    let anchor = at(BERLIN, 2026, 3, 27, 9, 0);
    let got = next("daily", "Europe/Berlin", anchor, anchor - 1, 4).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-03-27 09:00 +0100",
            "2026-03-28 09:00 +0100",
            "2026-03-29 09:00 +0200",
            "2026-03-30 09:00 +0200"
        ]
    );
    // 24 h minus the lost hour between the 28th and the 29th.
    assert_eq!(got[2] - got[1], 23 * 3600);
}

#[test]
fn daily_keeps_local_time_across_berlin_fall_back() {
    let anchor = at(BERLIN, 2026, 10, 24, 9, 0);
    let got = next("daily", "Europe/Berlin", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        ["2026-10-25 09:00 +0100", "2026-10-26 09:00 +0100"]
    );
    assert_eq!(got[0] - anchor, 25 * 3600);
}

#[test]
fn gap_moves_forward_and_ambiguous_takes_the_first() {
    // 02:30 does not exist on 2026-03-29 in Berlin: 03:30 CEST.
    let gap = r#"{"freq":"daily","at":"02:30"}"#;
    let anchor = at(BERLIN, 2026, 3, 28, 2, 30);
    let got = next(gap, "Europe/Berlin", anchor, anchor - 1, 3).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-03-28 02:30 +0100",
            "2026-03-29 03:30 +0200",
            "2026-03-30 02:30 +0200"
        ]
    );
    // 02:30 happens twice on 2026-10-25: the first (summer time, +0200).
    let anchor = at(BERLIN, 2026, 10, 24, 2, 30);
    let got = next(gap, "Europe/Berlin", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        ["2026-10-25 02:30 +0200", "2026-10-26 02:30 +0100"]
    );
}

#[test]
fn weekly_by_weekday_in_new_york_across_dst() {
    // US DST 2026: starts 2026-03-08, ends 2026-11-01.
    let p = r#"{"freq":"weekly","by_weekday":["sun","wed"],"at":"09:00"}"#;
    let anchor = at(NEW_YORK, 2026, 3, 1, 9, 0); // a Sunday
    let got = next(p, "America/New_York", anchor, anchor - 1, 4).unwrap();
    assert_eq!(
        local(NEW_YORK, &got),
        [
            "2026-03-01 09:00 -0500",
            "2026-03-04 09:00 -0500",
            "2026-03-08 09:00 -0400",
            "2026-03-11 09:00 -0400"
        ]
    );
    let anchor = at(NEW_YORK, 2026, 10, 28, 9, 0);
    let got = next(p, "America/New_York", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(NEW_YORK, &got),
        ["2026-11-01 09:00 -0500", "2026-11-04 09:00 -0500"]
    );
}

#[test]
fn weekly_shorthand_and_interval_phase() {
    let anchor = at(BERLIN, 2026, 3, 18, 9, 0); // a Wednesday
    let got = next("weekly", "Europe/Berlin", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        ["2026-03-25 09:00 +0100", "2026-04-01 09:00 +0200"]
    );
    // Every 2nd week on Monday, phase from the anchor's week; asked from far later.
    let p = r#"{"freq":"weekly","interval":2,"by_weekday":["mon"],"at":"08:00"}"#;
    let after = at(BERLIN, 2026, 6, 2, 0, 0);
    let got = next(p, "Europe/Berlin", anchor, after, 2).unwrap();
    // Anchor week starts 2026-03-16; +12 weeks = 2026-06-08, +14 = 2026-06-22.
    assert_eq!(
        local(BERLIN, &got),
        ["2026-06-08 08:00 +0200", "2026-06-22 08:00 +0200"]
    );
}

#[test]
fn monthly_last_day_and_short_months() {
    let p = r#"{"freq":"monthly","by_month_day":[1,15,-1],"at":"18:00"}"#;
    let anchor = at(BERLIN, 2026, 1, 20, 10, 0);
    let got = next(p, "Europe/Berlin", anchor, anchor, 5).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-01-31 18:00 +0100",
            "2026-02-01 18:00 +0100",
            "2026-02-15 18:00 +0100",
            "2026-02-28 18:00 +0100",
            "2026-03-01 18:00 +0100"
        ]
    );
    // The shorthand from the 31st moves to the last day of shorter months.
    let anchor = at(BERLIN, 2026, 1, 31, 9, 0);
    let got = next("monthly", "Europe/Berlin", anchor, anchor, 3).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-02-28 09:00 +0100",
            "2026-03-31 09:00 +0200",
            "2026-04-30 09:00 +0200"
        ]
    );
    // An explicit 31 skips months without one.
    let got = next(
        r#"{"freq":"monthly","by_month_day":[31]}"#,
        "Europe/Berlin",
        anchor,
        anchor,
        2,
    )
    .unwrap();
    assert_eq!(
        local(BERLIN, &got),
        ["2026-03-31 09:00 +0200", "2026-05-31 09:00 +0200"]
    );
}

#[test]
fn yearly_from_leap_day() {
    let anchor = at(BERLIN, 2028, 2, 29, 12, 0);
    let got = next("yearly", "Europe/Berlin", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        ["2029-02-28 12:00 +0100", "2030-02-28 12:00 +0100"]
    );
}

#[test]
fn daily_on_weekdays_only() {
    let p = r#"{"freq":"daily","by_weekday":["mon","tue","wed","thu","fri"]}"#;
    let anchor = at(BERLIN, 2026, 11, 20, 9, 0); // a Friday
    let got = next(p, "Europe/Berlin", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        ["2026-11-23 09:00 +0100", "2026-11-24 09:00 +0100"]
    );
}

#[test]
fn cron_in_berlin_across_dst() {
    let anchor = at(BERLIN, 2026, 3, 27, 0, 0);
    let got = next("cron:0 9 * * *", "Europe/Berlin", anchor, anchor, 3).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-03-27 09:00 +0100",
            "2026-03-28 09:00 +0100",
            "2026-03-29 09:00 +0200"
        ]
    );
    // A fixed time in the gap fires at the first valid minute after it (croner / OCPS).
    let got = next("cron:30 2 * * *", "Europe/Berlin", anchor, anchor, 3).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-03-27 02:30 +0100",
            "2026-03-28 02:30 +0100",
            "2026-03-29 03:00 +0200"
        ]
    );
    // Weekdays at 09:00 in New York around the November change.
    let anchor = at(NEW_YORK, 2026, 10, 30, 12, 0);
    let got = next("cron:0 9 * * 1-5", "America/New_York", anchor, anchor, 2).unwrap();
    assert_eq!(
        local(NEW_YORK, &got),
        ["2026-11-02 09:00 -0500", "2026-11-03 09:00 -0500"]
    );
    // Nothing before the anchor.
    let got = next(
        "cron:0 9 * * *",
        "Europe/Berlin",
        anchor,
        anchor - 86_400 * 10,
        1,
    )
    .unwrap();
    assert!(got[0] >= anchor);
}

#[test]
fn rrule_in_berlin_across_dst() {
    let anchor = at(BERLIN, 2026, 10, 23, 9, 0);
    let got = next("RRULE:FREQ=DAILY", "Europe/Berlin", anchor, anchor, 3).unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-10-24 09:00 +0200",
            "2026-10-25 09:00 +0100",
            "2026-10-26 09:00 +0100"
        ]
    );
    let anchor = at(BERLIN, 2026, 1, 5, 17, 0);
    let got = next(
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "Europe/Berlin",
        anchor,
        anchor,
        3,
    )
    .unwrap();
    assert_eq!(
        local(BERLIN, &got),
        [
            "2026-01-31 17:00 +0100",
            "2026-02-28 17:00 +0100",
            "2026-03-31 17:00 +0200"
        ]
    );
    // COUNT ends the series: fewer than asked.
    let got = next(
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "Europe/Berlin",
        anchor,
        anchor - 1,
        5,
    )
    .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], anchor);
}

#[test]
fn after_is_exclusive_and_count_is_bounded() {
    let anchor = at(BERLIN, 2026, 5, 1, 9, 0);
    let got = next("daily", "Europe/Berlin", anchor, anchor, 1).unwrap();
    assert_eq!(got, [anchor + 86_400]);
    let got = next("daily", "Europe/Berlin", anchor, anchor - 1, 1).unwrap();
    assert_eq!(got, [anchor]);
    assert!(
        next("daily", "Europe/Berlin", anchor, anchor, 0)
            .unwrap()
            .is_empty()
    );
    assert!(next("daily", "Europe/Berlin", anchor, anchor, MAX_COUNT + 1).is_err());
    assert!(
        next("daily", "Mars/Olympus", anchor, anchor, 1)
            .unwrap_err()
            .contains("time zone")
    );
    // Far after the anchor: starts near `after`, not by walking from the anchor.
    let later = at(BERLIN, 2036, 5, 1, 12, 0);
    let got = next("daily", "Europe/Berlin", anchor, later, 1).unwrap();
    assert_eq!(local(BERLIN, &got), ["2036-05-02 09:00 +0200"]);
}

#[test]
fn impossible_rules_end_instead_of_spinning() {
    // February 30th never happens.
    let p = r#"{"freq":"yearly","by_month":[2],"by_month_day":[30]}"#;
    let anchor = at(BERLIN, 2026, 1, 1, 9, 0);
    assert!(
        next(p, "Europe/Berlin", anchor, anchor, 1)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn impossible_cron_ends() {
    let anchor = at(BERLIN, 2026, 1, 1, 9, 0);
    let started = std::time::Instant::now();
    let got = next("cron:0 0 30 2 *", "Europe/Berlin", anchor, anchor, 1);
    assert!(got.map(|v| v.is_empty()).unwrap_or(true));
    assert!(started.elapsed().as_secs() < 5);
}
