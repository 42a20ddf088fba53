//! Task recurrences: a template task that repeats by a pattern, evaluated by the organization's
//! `recurrence` plugin in the organization's time zone, and the scheduler that creates one
//! instance of the template per occurrence — exactly once, even with several processes on one
//! database. See `docs/recurrences.md`.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{AuthVia, Caller, Principal};
use crate::domain::Services;
use crate::domain::permissions::PermissionSet;
use crate::domain::{Cx, Membership, Role, events, notifications, tasks, wire};
use crate::error::{Error, Result};
use crate::plugins::contract::OccurrenceQuery;
use crate::store::db::is_unique_violation;
use crate::{ids, store};

pub use crate::model::recurrences::Recurrence;

/// Longest accepted pattern text, in bytes.
const MAX_PATTERN_BYTES: usize = 2_000;
/// Occurrences asked of the plugin per call while counting how far a series is behind.
const BATCH: u32 = 1_000;
/// Most occurrences counted when a series is far behind; beyond, every missed one is skipped.
const MAX_SCAN: usize = 100_000;
/// Most recurrences one scheduler pass looks at.
const PASS_LIMIT: i64 = 200;

crate::entity!(Recurrence, "task_recurrence");

/// `task_recurrences.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRecurrence {
    /// Organization (optional; must match the task's).
    pub org_id: Option<String>,
    /// The template task (`tsk_…`).
    pub task_id: String,
    /// `daily`, `weekly`, `monthly`, `yearly`, a JSON object
    /// (`{"freq":"weekly","by_weekday":["mon"],"at":"09:00"}`), `cron:0 9 * * 1-5` or
    /// `RRULE:FREQ=MONTHLY;BYMONTHDAY=-1` — whatever the organization's recurrence plugin accepts.
    pub recurrence_pattern: Value,
    /// The series' first instant, RFC 3339 (default: now). In the past, the missed occurrences
    /// are created at once (see the catch-up policy).
    pub starts_at: Option<String>,
    /// No occurrence after this instant, RFC 3339 (optional).
    pub ends_at: Option<String>,
}

/// `task_recurrences.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetRecurrence {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `rec_…`
    pub recurrence_id: String,
}

/// `task_recurrences.update`: omitted fields stay; `ends_at: null` removes the end.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRecurrence {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `rec_…`
    pub recurrence_id: String,
    /// New pattern (string or JSON object).
    pub recurrence_pattern: Option<Value>,
    /// New first instant, RFC 3339.
    pub starts_at: Option<String>,
    /// New end, RFC 3339; `null` removes it.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub ends_at: Option<Option<String>>,
}

/// `task_recurrences.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteRecurrence {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `rec_…`
    pub recurrence_id: String,
}

/// The stored text of a pattern: a non-empty string as given, or an object's JSON text.
fn pattern_text(value: &Value) -> Result<String> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Object(_) => value.to_string(),
        _ => {
            return Err(Error::invalid_field(
                "recurrence_pattern",
                "recurrence_pattern must be a string or a JSON object",
            ));
        }
    };
    if text.is_empty() {
        return Err(Error::invalid_field(
            "recurrence_pattern",
            "recurrence_pattern must not be empty",
        ));
    }
    if text.len() > MAX_PATTERN_BYTES {
        return Err(Error::invalid_field(
            "recurrence_pattern",
            format!("recurrence_pattern must be at most {MAX_PATTERN_BYTES} bytes"),
        ));
    }
    Ok(text)
}

/// Microsecond precision, as both engines store it.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// An RFC 3339 instant, to the second (the plugin contract's precision).
fn instant(field: &str, value: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| {
            let t = t.with_timezone(&Utc);
            t.duration_trunc(TimeDelta::seconds(1)).unwrap_or(t)
        })
        .map_err(|_| {
            Error::invalid_field(
                field,
                format!("{field} must be an RFC 3339 date-time like 2026-03-25T09:00:00+01:00"),
            )
        })
}

fn check_bounds(starts_at: DateTime<Utc>, ends_at: Option<DateTime<Utc>>) -> Result<()> {
    match ends_at {
        Some(end) if end <= starts_at => Err(Error::invalid_field(
            "ends_at",
            "ends_at must be after starts_at",
        )),
        _ => Ok(()),
    }
}

/// The organization's time zone (UTC if it is somehow not a valid IANA name).
async fn time_zone(app: &Services, org_id: &str) -> Result<String> {
    let tz = store::recurrences::org_timezone(&mut &app.db, org_id)
        .await?
        .ok_or_else(|| Error::not_found("organization"))?;
    Ok(crate::domain::organizations::zone(&tz).name().to_owned())
}

/// Up to `count` occurrences of `r` strictly after `after`, within its end, by the plugin.
async fn occurrences(
    app: &Services,
    r: &Recurrence,
    tz: &str,
    after: DateTime<Utc>,
    count: u32,
) -> Result<Vec<DateTime<Utc>>> {
    let query = OccurrenceQuery {
        pattern: r.recurrence_pattern.clone(),
        time_zone: tz.to_owned(),
        anchor: r.starts_at,
        after,
        count,
    };
    let found = app
        .plugins
        .next_occurrences(&app.db, &r.org_id, query)
        .await?;
    let mut out: Vec<DateTime<Utc>> = found
        .into_iter()
        .map(micros)
        .filter(|t| *t > after)
        .take_while(|t| r.ends_at.is_none_or(|end| *t <= end))
        .collect();
    out.dedup();
    Ok(out)
}

/// The first occurrence of `r` strictly after `after`, within its end.
async fn next_after(
    app: &Services,
    r: &Recurrence,
    tz: &str,
    after: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    Ok(occurrences(app, r, tz, after, 1).await?.into_iter().next())
}

/// Occurrences sampled to check the minimum interval.
const FLOOR_SAMPLE: u32 = 8;

/// Refuses a pattern whose occurrences come closer together than the configured minimum
/// (`STINT_RECURRENCE_MIN_INTERVAL_SECS`, default one hour), whichever plugin computes them. The
/// scheduler holds the same floor for what it creates (see `catch_up`), so a
/// plugin that answers differently later still cannot create tasks faster.
async fn ensure_floor(app: &Services, r: &Recurrence, tz: &str) -> Result<()> {
    let floor = min_interval(app);
    let sample = occurrences(app, r, tz, r.starts_at, FLOOR_SAMPLE).await?;
    if sample.windows(2).any(|w| w[1] - w[0] < floor) {
        let secs = app.config.recurrence_min_interval.as_secs();
        return Err(Error::rule(
            "recurrence_pattern",
            format!(
                "occurrences of this pattern are closer together than the minimum interval of {secs} seconds"
            ),
        ));
    }
    Ok(())
}

/// The configured minimum interval, less one hour when it is longer than that: a day with a
/// daylight-saving change is 23 hours long, and a daily pattern must pass a one-day floor.
fn min_interval(app: &Services) -> TimeDelta {
    let floor =
        TimeDelta::from_std(app.config.recurrence_min_interval).unwrap_or(TimeDelta::hours(1));
    if floor > TimeDelta::hours(1) {
        floor - TimeDelta::hours(1)
    } else {
        floor
    }
}

/// Loads a recurrence of the scoped organization.
pub async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<Recurrence> {
    let r = store::recurrences::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("recurrence"))?;
    cx.same_org(&r.org_id, "recurrence")?;
    Ok(r)
}

/// Makes a task repeat.
pub async fn create(cx: &Cx<'_>, input: CreateRecurrence) -> Result<Recurrence> {
    let template = tasks::load(cx, &mut cx.db(), &input.task_id).await?;
    if store::recurrences::for_task(&mut cx.db(), &template.id)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "task {} already repeats; update or delete its recurrence",
            template.id
        )));
    }
    let pattern = pattern_text(&input.recurrence_pattern)?;
    let now = crate::clock::now();
    let starts_at = match &input.starts_at {
        Some(s) => instant("starts_at", s)?,
        None => now.duration_trunc(TimeDelta::seconds(1)).unwrap_or(now),
    };
    let ends_at = input
        .ends_at
        .as_deref()
        .map(|e| instant("ends_at", e))
        .transpose()?;
    check_bounds(starts_at, ends_at)?;
    cx.services
        .plugins
        .validate_recurrence(cx.db(), &template.org_id, &pattern)
        .await?;
    let mut r = Recurrence {
        id: ids::new_id("rec"),
        org_id: template.org_id.clone(),
        task_id: template.id.clone(),
        recurrence_pattern: pattern,
        starts_at,
        ends_at,
        next_run_at: None,
        last_occurrence_at: None,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
    };
    // The plugin runs before the write transaction opens: no transaction waits on a plugin.
    let tz = time_zone(cx.services, &r.org_id).await?;
    ensure_floor(cx.services, &r, &tz).await?;
    r.next_run_at = next_after(cx.services, &r, &tz, starts_at).await?;
    let mut tx = cx.db().begin().await?;
    match store::recurrences::insert(&mut tx, &r).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::Conflict(format!(
                "task {} already repeats; update or delete its recurrence",
                r.task_id
            )));
        }
        other => other?,
    }
    events::created(&mut tx, cx, &r).await?;
    tx.commit().await?;
    Ok(r)
}

/// One recurrence.
pub async fn get(cx: &Cx<'_>, input: GetRecurrence) -> Result<Recurrence> {
    load(cx, &mut cx.db(), &input.recurrence_id).await
}

/// Changes a recurrence's pattern or bounds. The series continues after the last occurrence
/// created (or from `starts_at` when none was), by the new rule.
pub async fn update(cx: &Cx<'_>, input: UpdateRecurrence) -> Result<Recurrence> {
    let before = load(cx, &mut cx.db(), &input.recurrence_id).await?;
    let mut r = before.clone();
    if let Some(p) = &input.recurrence_pattern {
        r.recurrence_pattern = pattern_text(p)?;
    }
    if let Some(s) = &input.starts_at {
        r.starts_at = instant("starts_at", s)?;
    }
    if let Some(e) = &input.ends_at {
        r.ends_at = e.as_deref().map(|e| instant("ends_at", e)).transpose()?;
    }
    check_bounds(r.starts_at, r.ends_at)?;
    if input.recurrence_pattern.is_some() {
        cx.services
            .plugins
            .validate_recurrence(cx.db(), &r.org_id, &r.recurrence_pattern)
            .await?;
    }
    let tz = time_zone(cx.services, &r.org_id).await?;
    if input.recurrence_pattern.is_some() || input.starts_at.is_some() {
        ensure_floor(cx.services, &r, &tz).await?;
    }
    let after = r
        .last_occurrence_at
        .map_or(r.starts_at, |last| last.max(r.starts_at));
    r.next_run_at = next_after(cx.services, &r, &tz, after).await?;
    r.updated_at = crate::clock::now();
    let mut tx = cx.db().begin().await?;
    // Re-read inside the transaction: the scheduler may have created an instance meanwhile.
    let current = load(cx, &mut tx, &r.id).await?;
    if current.last_occurrence_at != before.last_occurrence_at {
        return Err(Error::Conflict(
            "the recurrence just created an instance; retry the update".into(),
        ));
    }
    store::recurrences::update(&mut tx, &r).await?;
    events::updated(&mut tx, cx, &before, &r).await?;
    tx.commit().await?;
    Ok(r)
}

/// Stops a recurrence; the instances already created stay.
pub async fn delete(cx: &Cx<'_>, input: DeleteRecurrence) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let r = load(cx, &mut tx, &input.recurrence_id).await?;
    store::recurrences::delete(&mut tx, &r.id).await?;
    events::deleted(&mut tx, cx, &r).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The scheduler.

/// Runs the scheduler until the task is aborted: a pass every `interval` (none when zero).
pub async fn scheduler(app: std::sync::Arc<Services>) {
    let interval = app.config.scheduler_interval;
    if interval.is_zero() {
        return;
    }
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = run_due(&app).await {
            tracing::warn!(error = %e, "recurrence scheduler pass failed");
        }
    }
}

/// One scheduler pass: creates the instances of every occurrence due now. Returns how many this
/// process created.
pub async fn run_due(app: &Services) -> Result<usize> {
    let now = crate::clock::now();
    let due = store::recurrences::due(&mut &app.db, now, PASS_LIMIT).await?;
    let mut created = 0;
    for r in due {
        let id = r.id.clone();
        match catch_up(app, r, now).await {
            Ok(n) => created += n,
            Err(e) => tracing::warn!(recurrence = %id, error = %e, "recurrence not advanced"),
        }
    }
    Ok(created)
}

/// Creates the instances of `r`'s occurrences due at `now`, oldest first; when more than the
/// configured maximum are due, the older ones are skipped first.
async fn catch_up(app: &Services, mut r: Recurrence, now: DateTime<Utc>) -> Result<usize> {
    let tz = time_zone(app, &r.org_id).await?;
    let max = app.config.scheduler_max_catch_up.max(1);
    if let Some(due) = r.next_run_at {
        skip_surplus(app, &r, &tz, due, now, max).await?;
    }
    let mut created = 0;
    // Bounded: each round either claims an occurrence or sees another process claim one.
    for _ in 0..(4 * u64::from(max) + 8) {
        r = match store::recurrences::get(&mut &app.db, &r.id).await? {
            Some(current) => current,
            None => break,
        };
        let Some(due) = r.next_run_at.filter(|d| *d <= now) else {
            break;
        };
        // Computed before the transaction: no transaction is held across a plugin call. The
        // next occurrence is at least the minimum interval after this one, whatever the plugin
        // says.
        let floor = min_interval(app) - TimeDelta::microseconds(1);
        let next = next_after(app, &r, &tz, due + floor).await?;
        if create_instance(app, &r, &tz, due, next).await? {
            created += 1;
        }
    }
    Ok(created)
}

/// When more than `max` occurrences of `r` are due (the first being `due`), moves `next_run_at`
/// to the oldest of the latest `max`, so only those are created.
async fn skip_surplus(
    app: &Services,
    r: &Recurrence,
    tz: &str,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    max: u32,
) -> Result<()> {
    let ahead = occurrences(app, r, tz, due, max).await?;
    if ahead.len() < max as usize || ahead.last().is_none_or(|t| *t > now) {
        return Ok(()); // at most `max` are due
    }
    // Far behind: walk forward to now, keeping the latest `max` due occurrences.
    let mut window: std::collections::VecDeque<DateTime<Utc>> = std::iter::once(due)
        .chain(ahead.iter().copied().filter(|t| *t <= now))
        .collect();
    let mut cursor = *ahead.last().unwrap_or(&due);
    let mut scanned = window.len();
    let mut beyond_scan = false;
    'scan: loop {
        let batch = occurrences(app, r, tz, cursor, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for t in &batch {
            if *t > now {
                break 'scan;
            }
            window.push_back(*t);
            scanned += 1;
        }
        cursor = *batch.last().unwrap_or(&cursor);
        if batch.len() < BATCH as usize {
            break;
        }
        if scanned > MAX_SCAN {
            beyond_scan = true;
            break;
        }
    }
    while window.len() > max as usize {
        window.pop_front();
    }
    let target = if beyond_scan {
        next_after(app, r, tz, now).await?
    } else {
        window.front().copied()
    };
    if target == Some(due) {
        return Ok(());
    }
    if store::recurrences::skip(&mut app.db.auto_commit(), &r.id, due, target).await? {
        tracing::warn!(
            recurrence = %r.id,
            from = %due,
            to = ?target,
            "recurrence was far behind: skipped its older missed occurrences"
        );
    }
    Ok(())
}

/// The dates of the instance for `occurrence`: the template's start and due dates moved by the
/// days between the anchor and the occurrence (local dates in the organization's time zone); a
/// template without dates yields an instance due on the occurrence's date.
fn instance_dates(
    template: &tasks::Task,
    r: &Recurrence,
    tz: &str,
    occurrence: DateTime<Utc>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let zone: Tz = tz.parse().unwrap_or(Tz::UTC);
    let day = occurrence.with_timezone(&zone).date_naive();
    let anchor_day = r.starts_at.with_timezone(&zone).date_naive();
    let shift = day - anchor_day;
    match (template.start_date, template.due_date) {
        (None, None) => (None, Some(day)),
        (start, due) => (start.map(|d| d + shift), due.map(|d| d + shift)),
    }
}

/// Claims `due` for `r` (compare-and-set of `next_run_at` from `due` to `next`) and creates its
/// instance in the same transaction. False when another process claimed it first.
async fn create_instance(
    app: &Services,
    r: &Recurrence,
    tz: &str,
    due: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> Result<bool> {
    let caller = Caller {
        principal: Principal {
            user_id: r.created_by.clone(),
            via: AuthVia::System,
        },
        ip: None,
    };
    let member = Membership {
        org_id: r.org_id.clone(),
        role: Role::Member,
        permissions: PermissionSet::default(),
    };
    let cx = Cx::new(app, &caller, Some(member));
    let mut tx = app.db.begin().await?;
    if !store::recurrences::claim(&mut tx, &r.id, due, next, crate::clock::now()).await? {
        return Ok(false);
    }
    // Second guard: the UNIQUE (recurrence_id, occurrence_at) index.
    if store::recurrences::instance_exists(&mut tx, &r.id, due).await? {
        tx.commit().await?;
        return Ok(false);
    }
    let Some(template) = store::tasks::get(&mut tx, &r.task_id).await? else {
        return Ok(false);
    };
    let (start_date, due_date) = instance_dates(&template, r, tz, due);
    let occurrence = tasks::Occurrence {
        recurrence_id: &r.id,
        at: due,
        start_date,
        due_date,
    };
    let (task, mails) = tasks::insert_instance(&cx, &mut tx, &template, occurrence).await?;
    tx.commit().await?;
    tracing::info!(recurrence = %r.id, task = %task.id, occurrence = %due, "recurring task created");
    notifications::send_mails(&cx, mails);
    Ok(true)
}
