//! The recurrence rules as plain Rust (see the crate docs for the patterns).

use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Most occurrences one call returns.
pub const MAX_COUNT: u32 = 1000;

/// Periods (days, weeks, months, years) scanned without a match before giving up.
const MAX_EMPTY_PERIODS: u32 = 20_000;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// A shorthand or JSON rule, evaluated here.
    Rule(Rule),
    /// `cron:` expression (the text after the prefix, normalized).
    Cron(String),
    /// RFC 5545 rule body (after `RRULE:`, upper-cased).
    RRule(String),
}

/// The shorthand or JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Frequency.
    pub freq: Freq,
    /// Every `interval` periods.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub interval: u32,
    /// Weekdays (`mon`…`sun`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_weekday: Vec<Day>,
    /// Days of the month (negative: from the end).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_month_day: Vec<i32>,
    /// Months (yearly only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_month: Vec<u32>,
    /// Local time of day, "HH:MM".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

fn one() -> u32 {
    1
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

/// Frequency of a [`Rule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freq {
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every year.
    Yearly,
}

/// A weekday in JSON rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Day {
    fn weekday(self) -> Weekday {
        match self {
            Day::Mon => Weekday::Mon,
            Day::Tue => Weekday::Tue,
            Day::Wed => Weekday::Wed,
            Day::Thu => Weekday::Thu,
            Day::Fri => Weekday::Fri,
            Day::Sat => Weekday::Sat,
            Day::Sun => Weekday::Sun,
        }
    }
}

/// Parses a pattern.
pub fn parse(pattern: &str) -> Result<Pattern, String> {
    let p = pattern.trim();
    if p.is_empty() {
        return Err("the recurrence pattern is empty".into());
    }
    let freq = match p.to_ascii_lowercase().as_str() {
        "daily" => Some(Freq::Daily),
        "weekly" => Some(Freq::Weekly),
        "monthly" => Some(Freq::Monthly),
        "yearly" => Some(Freq::Yearly),
        _ => None,
    };
    if let Some(freq) = freq {
        return Ok(Pattern::Rule(Rule {
            freq,
            interval: 1,
            by_weekday: vec![],
            by_month_day: vec![],
            by_month: vec![],
            at: None,
        }));
    }
    if p.starts_with('{') {
        let mut rule: Rule =
            serde_json::from_str(p).map_err(|e| format!("invalid recurrence rule: {e}"))?;
        check_rule(&mut rule)?;
        return Ok(Pattern::Rule(rule));
    }
    if let Some(expr) = strip_prefix_ci(p, "cron:") {
        let expr = expr.split_whitespace().collect::<Vec<_>>().join(" ");
        cron(&expr)?;
        return Ok(Pattern::Cron(expr));
    }
    let body = strip_prefix_ci(p, "RRULE:").unwrap_or(p);
    if body.len() >= 5 && body[..5].eq_ignore_ascii_case("FREQ=") {
        let body = body.to_ascii_uppercase();
        if body.contains('\n') || body.contains("DTSTART") {
            return Err(
                "an RRULE pattern must not carry its own DTSTART: the anchor gives it".into(),
            );
        }
        // Parse against a fixed start to check it.
        rrule_set(
            &body,
            Tz::UTC,
            Utc.timestamp_opt(0, 0).single().expect("epoch").naive_utc(),
        )?;
        return Ok(Pattern::RRule(body));
    }
    Err(format!(
        "unknown recurrence pattern {p:?}: expected daily, weekly, monthly, yearly, a JSON rule \
         like {{\"freq\":\"weekly\",\"by_weekday\":[\"mon\"]}}, cron:<5 fields> or RRULE:FREQ=…"
    ))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

fn check_rule(rule: &mut Rule) -> Result<(), String> {
    let bad = |m: String| Err(format!("invalid recurrence rule: {m}"));
    if rule.interval == 0 || rule.interval > 1000 {
        return bad(format!(
            "interval must be between 1 and 1000, got {}",
            rule.interval
        ));
    }
    for d in &rule.by_month_day {
        if *d == 0 || !(-31..=31).contains(d) {
            return bad(format!(
                "by_month_day values must be 1…31 or -31…-1, got {d}"
            ));
        }
    }
    for m in &rule.by_month {
        if !(1..=12).contains(m) {
            return bad(format!("by_month values must be 1…12, got {m}"));
        }
    }
    if !rule.by_month.is_empty() && rule.freq != Freq::Yearly {
        return bad("by_month is only for freq \"yearly\"".into());
    }
    if !rule.by_month_day.is_empty() && matches!(rule.freq, Freq::Daily | Freq::Weekly) {
        return bad("by_month_day is only for freq \"monthly\" or \"yearly\"".into());
    }
    if let Some(at) = &rule.at {
        parse_at(at)?;
    }
    rule.by_weekday.sort();
    rule.by_weekday.dedup();
    rule.by_month_day.sort();
    rule.by_month_day.dedup();
    rule.by_month.sort();
    rule.by_month.dedup();
    Ok(())
}

fn parse_at(at: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(at, "%H:%M")
        .map_err(|_| format!("invalid recurrence rule: at must be \"HH:MM\" (24 h), got {at:?}"))
}

fn cron(expr: &str) -> Result<croner::Cron, String> {
    let fields = expr.split(' ').count();
    if !(5..=6).contains(&fields) {
        return Err(format!(
            "invalid cron expression {expr:?}: expected 5 fields (minute hour day month weekday) \
             or 6 with seconds first, got {fields}"
        ));
    }
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(expr)
        .map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
}

fn rrule_set(body: &str, tz: Tz, start_local: NaiveDateTime) -> Result<rrule::RRuleSet, String> {
    let text = format!(
        "DTSTART;TZID={}:{}\nRRULE:{body}",
        tz.name(),
        start_local.format("%Y%m%dT%H%M%S")
    );
    rrule::RRuleSet::from_str(&text).map_err(|e| format!("invalid RRULE: {e}"))
}

/// Checks a pattern; returns its canonical form.
pub fn validate(pattern: &str) -> Result<String, String> {
    Ok(match parse(pattern)? {
        Pattern::Rule(rule) => {
            let shorthand = rule.interval == 1
                && rule.by_weekday.is_empty()
                && rule.by_month_day.is_empty()
                && rule.by_month.is_empty()
                && rule.at.is_none();
            if shorthand {
                match rule.freq {
                    Freq::Daily => "daily",
                    Freq::Weekly => "weekly",
                    Freq::Monthly => "monthly",
                    Freq::Yearly => "yearly",
                }
                .to_string()
            } else {
                serde_json::to_string(&rule).map_err(|e| e.to_string())?
            }
        }
        Pattern::Cron(expr) => format!("cron:{expr}"),
        Pattern::RRule(body) => format!("RRULE:{body}"),
    })
}

/// The first `count` occurrences strictly after `after` (and at or after `anchor`), ascending,
/// as Unix seconds.
pub fn next(
    pattern: &str,
    time_zone: &str,
    anchor: i64,
    after: i64,
    count: u32,
) -> Result<Vec<i64>, String> {
    let pattern = parse(pattern)?;
    let tz: Tz = time_zone
        .parse()
        .map_err(|_| format!("unknown time zone {time_zone:?}"))?;
    if count > MAX_COUNT {
        return Err(format!("count must be at most {MAX_COUNT}, got {count}"));
    }
    let anchor_utc = DateTime::from_timestamp(anchor, 0).ok_or("anchor out of range")?;
    let after_utc = DateTime::from_timestamp(after, 0).ok_or("after out of range")?;
    if count == 0 {
        return Ok(vec![]);
    }
    // Strictly after `after`, not before the anchor.
    let from = after_utc.max(anchor_utc - chrono::Duration::seconds(1));
    match pattern {
        Pattern::Rule(rule) => Ok(rule_next(
            &rule,
            tz,
            anchor_utc.with_timezone(&tz),
            from,
            count,
        )),
        Pattern::Cron(expr) => {
            let cron = cron(&expr)?;
            let mut out = Vec::with_capacity(count as usize);
            let mut cursor = from.with_timezone(&tz);
            while out.len() < count as usize {
                match cron.find_next_occurrence(&cursor, false) {
                    Ok(t) => {
                        out.push(t.timestamp());
                        cursor = t;
                    }
                    Err(_) => break,
                }
            }
            Ok(out)
        }
        Pattern::RRule(body) => {
            let set = rrule_set(&body, tz, anchor_utc.with_timezone(&tz).naive_local())?;
            let rtz: rrule::Tz = tz.into();
            let start = (from + chrono::Duration::seconds(1)).with_timezone(&rtz);
            let limit = u16::try_from(count).unwrap_or(u16::MAX);
            let result = set.after(start).all(limit);
            Ok(result.dates.iter().map(|d| d.timestamp()).collect())
        }
    }
}

/// Local date + time → instant: a time in a gap moves forward by the gap's length, an
/// ambiguous one takes the earlier instant.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Tz> {
    use chrono::LocalResult;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(a, b) => a.min(b),
        LocalResult::None => {
            // Interpret with the offset in force before the gap (RFC 5545 §3.3.5).
            let before = local - chrono::Duration::hours(24);
            let offset = match tz.from_local_datetime(&before) {
                LocalResult::Single(t) => *t.offset(),
                LocalResult::Ambiguous(a, _) => *a.offset(),
                LocalResult::None => tz.offset_from_utc_datetime(&before),
            };
            let utc = local
                - chrono::Duration::seconds(i64::from(
                    chrono::Offset::fix(&offset).local_minus_utc(),
                ));
            tz.from_utc_datetime(&utc)
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let next = first + Months::new(1);
    (next - first).num_days() as u32
}

/// The dates of `month` that match `rule`'s day selectors; `default_day` is the anchor's day.
fn month_dates(rule: &Rule, year: i32, month: u32, default_day: u32) -> Vec<NaiveDate> {
    let len = days_in_month(year, month);
    let mut days: Vec<u32> = if !rule.by_month_day.is_empty() {
        rule.by_month_day
            .iter()
            .filter_map(|&d| {
                let day = if d > 0 { d } else { len as i32 + 1 + d };
                (1..=len as i32).contains(&day).then_some(day as u32)
            })
            .collect()
    } else if !rule.by_weekday.is_empty() {
        (1..=len).collect()
    } else {
        vec![default_day.min(len)]
    };
    if !rule.by_weekday.is_empty() {
        days.retain(|&d| {
            let wd = NaiveDate::from_ymd_opt(year, month, d)
                .expect("day in month")
                .weekday();
            rule.by_weekday.iter().any(|b| b.weekday() == wd)
        });
    }
    days.sort_unstable();
    days.dedup();
    days.into_iter()
        .map(|d| NaiveDate::from_ymd_opt(year, month, d).expect("day in month"))
        .collect()
}

/// The candidate local dates of period `k` (0 = the anchor's period).
fn period_dates(rule: &Rule, anchor: NaiveDate, k: u32) -> Vec<NaiveDate> {
    let step = u64::from(k) * u64::from(rule.interval);
    match rule.freq {
        Freq::Daily => {
            let day = anchor + Days::new(step);
            if rule.by_weekday.is_empty()
                || rule.by_weekday.iter().any(|b| b.weekday() == day.weekday())
            {
                vec![day]
            } else {
                vec![]
            }
        }
        Freq::Weekly => {
            let monday = anchor - Days::new(u64::from(anchor.weekday().num_days_from_monday()));
            let week = monday + Days::new(step * 7);
            let mut days: Vec<NaiveDate> = if rule.by_weekday.is_empty() {
                vec![week + Days::new(u64::from(anchor.weekday().num_days_from_monday()))]
            } else {
                rule.by_weekday
                    .iter()
                    .map(|b| week + Days::new(u64::from(b.weekday().num_days_from_monday())))
                    .collect()
            };
            days.sort_unstable();
            days
        }
        Freq::Monthly => {
            let first = anchor.with_day(1).expect("day 1") + Months::new(step as u32);
            month_dates(rule, first.year(), first.month(), anchor.day())
        }
        Freq::Yearly => {
            let year = anchor.year() + step as i32;
            let months = if rule.by_month.is_empty() {
                vec![anchor.month()]
            } else {
                rule.by_month.clone()
            };
            months
                .into_iter()
                .flat_map(|m| month_dates(rule, year, m, anchor.day()))
                .collect()
        }
    }
}

/// How many whole periods lie between the anchor's local date and `date` (≥ 0).
fn periods_between(freq: Freq, anchor: NaiveDate, date: NaiveDate) -> i64 {
    match freq {
        Freq::Daily => (date - anchor).num_days(),
        Freq::Weekly => {
            let mon = |d: NaiveDate| d - Days::new(u64::from(d.weekday().num_days_from_monday()));
            (mon(date) - mon(anchor)).num_days() / 7
        }
        Freq::Monthly => {
            i64::from(date.year() - anchor.year()) * 12 + i64::from(date.month())
                - i64::from(anchor.month())
        }
        Freq::Yearly => i64::from(date.year() - anchor.year()),
    }
}

fn rule_next(
    rule: &Rule,
    tz: Tz,
    anchor: DateTime<Tz>,
    from: DateTime<Utc>,
    count: u32,
) -> Vec<i64> {
    let anchor_date = anchor.date_naive();
    let time = match &rule.at {
        Some(at) => parse_at(at).expect("checked in parse"),
        None => anchor.time().with_nanosecond(0).expect("valid"),
    };
    // Start one period before the one holding `from` (a period's last local day can map to
    // an instant after `from` in another offset), never before the anchor's.
    let from_local = from.with_timezone(&tz).date_naive();
    let behind = periods_between(rule.freq, anchor_date, from_local) / i64::from(rule.interval) - 1;
    let mut k = u32::try_from(behind.max(0)).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(count as usize);
    let mut empty = 0;
    while out.len() < count as usize && empty < MAX_EMPTY_PERIODS {
        let mut found = false;
        for date in period_dates(rule, anchor_date, k) {
            let t = resolve_local(tz, date.and_time(time));
            if t.with_timezone(&Utc) > from && t >= anchor && out.len() < count as usize {
                out.push(t.timestamp());
                found = true;
            }
        }
        empty = if found { 0 } else { empty + 1 };
        let Some(next) = k.checked_add(1) else { break };
        k = next;
        // Stop far beyond chrono's range.
        if anchor_date.year() + (k as i64 * i64::from(rule.interval) / 366) as i32 > 9000 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
