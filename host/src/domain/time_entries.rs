//! Time entries: a running timer per user per organization, and manual entries.
//!
//! Members track their own time (`track_time`); members with `view_reports` may read everyone's
//! entries, others only their own; nobody edits someone else's entry. An entry on an invoice
//! (`invoice_id` set) can be neither edited nor deleted.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::domain::events::{self, Record};
use crate::domain::page::{Page, PageQuery};
use crate::domain::permissions::Permission;
use crate::domain::{Cx, clients, validate, wire};
use crate::error::{Error, OnConstraint, Result};
use crate::{ids, store};

pub use crate::model::time_entries::TimeEntry;

/// The longest a manual entry may span.
pub const MAX_SPAN_DAYS: i64 = 7;

crate::entity!(TimeEntry, "time_entry", |e| {
    crate::events::Audience::owner_or(&e.user_id, Permission::ViewReports.as_str())
});

/// `time_entries.start`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartTimer {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Project worked on.
    pub project_id: Option<String>,
    /// Task worked on (must belong to `project_id` when both are given).
    pub task_id: Option<String>,
    /// What is being done.
    pub description: Option<String>,
    /// Billable (default: the project's default, else true).
    pub billable: Option<bool>,
}

/// `time_entries.stop`: stops the caller's running timer.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StopTimer {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// `time_entries.stop_by_id`: stops one running entry of the caller.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StopTimerById {
    /// Organization the entry must belong to (optional).
    pub org_id: Option<String>,
    /// `te_…`
    pub entry_id: String,
}

/// `time_entries.current`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CurrentTimer {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// `time_entries.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetTimeEntry {
    /// Organization the entry must belong to (optional).
    pub org_id: Option<String>,
    /// `te_…`
    pub entry_id: String,
}

/// `time_entries.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListTimeEntries {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC, inclusive) of `started_at`.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, UTC, inclusive) of `started_at`.
    pub to: Option<String>,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this task.
    pub task_id: Option<String>,
    /// Only this user's (someone else's needs `view_reports`).
    pub user_id: Option<String>,
    /// Only billable (`true`) or non-billable (`false`) entries.
    #[serde(default, deserialize_with = "wire::lenient_bool")]
    #[schemars(with = "Option<bool>")]
    pub billable: Option<bool>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `time_entries.create`: a manual, finished entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTimeEntry {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339), after the start and at most 7 days later.
    pub stopped_at: String,
    /// Project worked on.
    pub project_id: Option<String>,
    /// Task worked on.
    pub task_id: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// Billable (default: the project's default, else true).
    pub billable: Option<bool>,
    /// Client-rate override, minor units per hour.
    pub hourly_rate: Option<i64>,
}

/// `time_entries.update`; omitted fields stay, `null` clears the nullable ones.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTimeEntry {
    /// Organization the entry must belong to (optional).
    pub org_id: Option<String>,
    /// `te_…`
    pub entry_id: String,
    /// New project.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub project_id: Option<Option<String>>,
    /// New task.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub task_id: Option<Option<String>>,
    /// New description.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// New start (RFC 3339).
    pub started_at: Option<String>,
    /// New end (RFC 3339); setting it on a running entry stops it.
    pub stopped_at: Option<String>,
    /// New billable flag.
    pub billable: Option<bool>,
    /// New client-rate override.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<i64>")]
    pub hourly_rate: Option<Option<i64>>,
}

/// `time_entries.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteTimeEntry {
    /// Organization the entry must belong to (optional).
    pub org_id: Option<String>,
    /// `te_…`
    pub entry_id: String,
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

fn timestamp(field: &str, value: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| whole_seconds(t.with_timezone(&Utc)))
        .map_err(|_| {
            Error::invalid_field(
                field,
                format!("{field} must be an RFC 3339 timestamp like 2026-03-28T14:00:00Z"),
            )
        })
}

/// Checks that a finished entry ends after it starts and spans at most [`MAX_SPAN_DAYS`]; returns
/// the duration in whole seconds.
fn span(started_at: DateTime<Utc>, stopped_at: DateTime<Utc>) -> Result<i64> {
    if stopped_at <= started_at {
        return Err(Error::rule(
            "stopped_at",
            "stopped_at must be after started_at",
        ));
    }
    if stopped_at - started_at > Duration::days(MAX_SPAN_DAYS) {
        return Err(Error::rule(
            "stopped_at",
            format!("an entry may span at most {MAX_SPAN_DAYS} days"),
        ));
    }
    Ok((stopped_at - started_at).num_seconds())
}

/// Resolves the project and task of an entry: both must be in the organization and the task in
/// the project; a task alone brings its project. Returns `(project_id, task_id, project billable)`.
async fn placement(
    cx: &Cx<'_>,
    ex: &mut impl store::Exec,
    project_id: Option<String>,
    task_id: Option<String>,
) -> Result<(Option<String>, Option<String>, Option<bool>)> {
    let org_id = cx.org_id()?;
    let task_project = match &task_id {
        Some(t) => match store::tasks::get(ex, t).await? {
            Some(task) if task.org_id == org_id => Some(task.project_id),
            _ => {
                return Err(Error::rule(
                    "task_id",
                    "task_id must name a task of the organization",
                ));
            }
        },
        None => None,
    };
    let project_id = match (project_id, task_project) {
        (Some(p), Some(tp)) if p != tp => {
            return Err(Error::rule(
                "task_id",
                "task_id must name a task of project_id",
            ));
        }
        (Some(p), _) => Some(p),
        (None, tp) => tp,
    };
    let billable = match &project_id {
        Some(p) => match store::projects::get(ex, p).await? {
            Some(project) if project.org_id == org_id => Some(project.billable),
            _ => {
                return Err(Error::rule(
                    "project_id",
                    "project_id must name a project of the organization",
                ));
            }
        },
        None => None,
    };
    Ok((project_id, task_id, billable))
}

async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<TimeEntry> {
    let entry = store::time_entries::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("time entry"))?;
    cx.same_org(&entry.org_id, "time entry")?;
    Ok(entry)
}

/// Loads an entry the caller may read: their own, or anyone's with `view_reports`.
async fn load_readable(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<TimeEntry> {
    let entry = load(cx, ex, id).await?;
    if !cx.may_read(&entry) {
        return Err(Error::missing_permission(Permission::ViewReports.as_str()));
    }
    Ok(entry)
}

/// Loads an entry the caller may change: their own and not on an invoice.
async fn load_own(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<TimeEntry> {
    let entry = load(cx, ex, id).await?;
    if entry.user_id != cx.user_id() {
        return Err(Error::Forbidden(
            "only the member who tracked a time entry may change it".into(),
        ));
    }
    if let Some(invoice) = &entry.invoice_id {
        return Err(on_invoice(&entry.id, invoice));
    }
    Ok(entry)
}

/// The refusal to change an entry that is on an invoice. Voiding or deleting an invoice releases
/// its entries, so a set `invoice_id` always names a non-void invoice.
fn on_invoice(entry_id: &str, invoice: &str) -> Error {
    Error::rule(
        "invoice_id",
        format!(
            "time entry {entry_id} is on invoice {invoice}; void the invoice (or remove the entry \
             from the draft by regenerating it) before changing it"
        ),
    )
}

/// The entry was put on an invoice between reading and writing it.
/// The refusal when a guarded write found the entry claimed by an invoice after it was loaded:
/// the same as for an entry already on one, naming the invoice that took it.
async fn claimed_meanwhile(ex: &mut impl store::Exec, id: &str) -> Error {
    match store::time_entries::get(ex, id).await {
        Ok(Some(TimeEntry {
            invoice_id: Some(invoice),
            ..
        })) => on_invoice(id, &invoice),
        _ => Error::rule(
            "invoice_id",
            format!("time entry {id} was just put on an invoice and cannot be changed"),
        ),
    }
}

/// Pushes `TimerUpdate` to the entry's owner (all their connections).
async fn timer_update(tx: &mut store::Tx, cx: &Cx<'_>, e: &TimeEntry, running: bool) -> Result<()> {
    events::record(
        tx,
        cx,
        Record {
            event: "TimerUpdate",
            entity_type: "time_entry",
            entity_id: &e.id,
            action: if running { "started" } else { "stopped" },
            data: json!({
                "running": running,
                "time_entry": {
                    "id": e.id,
                    "description": e.description,
                    "project_id": e.project_id,
                    "start_time": e.started_at,
                },
            }),
            audience: Some(&e.user_id),
        },
    )
    .await
}

fn running_conflict(entry_id: &str) -> Error {
    Error::Conflict(format!(
        "a timer is already running ({entry_id}); stop it first"
    ))
}

/// Starts a timer for the caller; refused while one runs.
pub async fn start(cx: &Cx<'_>, input: StartTimer) -> Result<TimeEntry> {
    let org_id = cx.org_id()?.to_owned();
    let description = validate::text("description", input.description.as_deref(), 10_000)?;
    let mut tx = cx.db().begin().await?;
    if let Some(running) = store::time_entries::running(&mut tx, &org_id, cx.user_id()).await? {
        return Err(running_conflict(&running.id));
    }
    let (project_id, task_id, project_billable) =
        placement(cx, &mut tx, input.project_id, input.task_id).await?;
    let now = crate::clock::now();
    let entry = TimeEntry {
        id: ids::new_id("te"),
        org_id,
        user_id: cx.user_id().to_owned(),
        project_id,
        task_id,
        description,
        started_at: whole_seconds(now),
        stopped_at: None,
        duration_secs: None,
        billable: input.billable.or(project_billable).unwrap_or(true),
        hourly_rate: None,
        invoice_id: None,
        created_at: now,
        updated_at: now,
    };
    store::time_entries::insert(&mut tx, &entry)
        .await
        .on_unique("a timer is already running; stop it first")?;
    events::created(&mut tx, cx, &entry).await?;
    timer_update(&mut tx, cx, &entry, true).await?;
    tx.commit().await?;
    Ok(entry)
}

async fn finish(cx: &Cx<'_>, mut tx: store::Tx, before: TimeEntry) -> Result<TimeEntry> {
    let now = crate::clock::now();
    let stopped = whole_seconds(now).max(before.started_at);
    let mut e = before.clone();
    e.stopped_at = Some(stopped);
    e.duration_secs = Some((stopped - e.started_at).num_seconds());
    e.updated_at = now;
    if !store::time_entries::update(&mut tx, &e).await? {
        return Err(claimed_meanwhile(&mut tx, &e.id).await);
    }
    events::updated(&mut tx, cx, &before, &e).await?;
    timer_update(&mut tx, cx, &e, false).await?;
    tx.commit().await?;
    Ok(e)
}

/// Stops the caller's running timer (`NOT_FOUND` when none runs).
pub async fn stop(cx: &Cx<'_>, _: StopTimer) -> Result<TimeEntry> {
    let mut tx = cx.db().begin().await?;
    let running = store::time_entries::running(&mut tx, cx.org_id()?, cx.user_id())
        .await?
        .ok_or_else(|| Error::NotFound("no timer is running".into()))?;
    finish(cx, tx, running).await
}

/// Stops one of the caller's entries by id (`CONFLICT` when it is not running).
pub async fn stop_by_id(cx: &Cx<'_>, input: StopTimerById) -> Result<TimeEntry> {
    let mut tx = cx.db().begin().await?;
    let entry = load_own(cx, &mut tx, &input.entry_id).await?;
    if entry.stopped_at.is_some() {
        return Err(Error::Conflict(format!(
            "time entry {} is not running",
            entry.id
        )));
    }
    finish(cx, tx, entry).await
}

/// The caller's running entry, or `null`.
pub async fn current(cx: &Cx<'_>, _: CurrentTimer) -> Result<Option<TimeEntry>> {
    Ok(store::time_entries::running(&mut cx.db(), cx.org_id()?, cx.user_id()).await?)
}

/// One entry.
pub async fn get(cx: &Cx<'_>, input: GetTimeEntry) -> Result<TimeEntry> {
    load_readable(cx, &mut cx.db(), &input.entry_id).await
}

fn day_start(field: &str, value: &str) -> Result<DateTime<Utc>> {
    let day: NaiveDate = validate::date(field, value)?;
    Ok(day.and_time(NaiveTime::MIN).and_utc())
}

/// Entries of the organization, latest first: the caller's own, or anyone's with `view_reports`.
pub async fn list(cx: &Cx<'_>, input: ListTimeEntries) -> Result<Page<TimeEntry>> {
    let request = input.page.resolve()?;
    let from = input
        .from
        .as_deref()
        .map(|f| day_start("from", f))
        .transpose()?;
    let before = input
        .to
        .as_deref()
        .map(|t| day_start("to", t).map(|d| d + Duration::days(1)))
        .transpose()?;
    if let (Some(f), Some(b)) = (from, before)
        && b <= f
    {
        return Err(Error::rule("to", "to must not be before from"));
    }
    let user_id = match input.user_id {
        Some(u) if u != cx.user_id() => {
            cx.require(Permission::ViewReports)?;
            Some(u)
        }
        Some(u) => Some(u),
        None if cx.can(Permission::ViewReports) => None,
        None => Some(cx.user_id().to_owned()),
    };
    let filter = store::time_entries::EntryFilter {
        org_id: cx.org_id()?.to_owned(),
        from,
        before,
        project_id: input.project_id,
        task_id: input.task_id,
        user_id,
        billable: input.billable,
    };
    let (items, total) =
        store::time_entries::list(&mut cx.db(), &filter, request.limit(), request.offset()).await?;
    Ok(Page {
        items,
        request,
        total,
    })
}

/// Records a finished entry by hand.
pub async fn create(cx: &Cx<'_>, input: CreateTimeEntry) -> Result<TimeEntry> {
    let started_at = timestamp("started_at", &input.started_at)?;
    let stopped_at = timestamp("stopped_at", &input.stopped_at)?;
    let duration = span(started_at, stopped_at)?;
    let description = validate::text("description", input.description.as_deref(), 10_000)?;
    let hourly_rate = clients::rate(input.hourly_rate)?;
    if hourly_rate.is_some() {
        cx.require(Permission::ManageInvoices)?;
    }
    let mut tx = cx.db().begin().await?;
    let (project_id, task_id, project_billable) =
        placement(cx, &mut tx, input.project_id, input.task_id).await?;
    let now = crate::clock::now();
    let entry = TimeEntry {
        id: ids::new_id("te"),
        org_id: cx.org_id()?.to_owned(),
        user_id: cx.user_id().to_owned(),
        project_id,
        task_id,
        description,
        started_at,
        stopped_at: Some(stopped_at),
        duration_secs: Some(duration),
        billable: input.billable.or(project_billable).unwrap_or(true),
        hourly_rate,
        invoice_id: None,
        created_at: now,
        updated_at: now,
    };
    store::time_entries::insert(&mut tx, &entry).await?;
    events::created(&mut tx, cx, &entry).await?;
    tx.commit().await?;
    Ok(entry)
}

/// Changes one of the caller's entries; the duration is recomputed.
pub async fn update(cx: &Cx<'_>, input: UpdateTimeEntry) -> Result<TimeEntry> {
    let mut tx = cx.db().begin().await?;
    let before = load_own(cx, &mut tx, &input.entry_id).await?;
    let mut e = before.clone();
    if input.project_id.is_some() || input.task_id.is_some() {
        let project_id = input.project_id.unwrap_or_else(|| e.project_id.clone());
        // A new project without a new task drops a task of the old project.
        let task_id = match input.task_id {
            Some(t) => t,
            None if project_id == e.project_id => e.task_id.clone(),
            None => None,
        };
        let (p, t, _) = placement(cx, &mut tx, project_id, task_id).await?;
        e.project_id = p;
        e.task_id = t;
    }
    if let Some(d) = &input.description {
        e.description = validate::text("description", d.as_deref(), 10_000)?;
    }
    if let Some(s) = &input.started_at {
        e.started_at = timestamp("started_at", s)?;
    }
    if let Some(s) = &input.stopped_at {
        e.stopped_at = Some(timestamp("stopped_at", s)?);
    }
    match e.stopped_at {
        Some(stopped) => e.duration_secs = Some(span(e.started_at, stopped)?),
        None if e.started_at > crate::clock::now() => {
            return Err(Error::rule(
                "started_at",
                "a running timer cannot start in the future",
            ));
        }
        None => {}
    }
    if let Some(b) = input.billable {
        e.billable = b;
    }
    if let Some(r) = input.hourly_rate {
        // What an entry bills is a money decision: the rate needs manage_invoices.
        cx.require(Permission::ManageInvoices)?;
        e.hourly_rate = clients::rate(r)?;
    }
    e.updated_at = crate::clock::now();
    if !store::time_entries::update(&mut tx, &e).await? {
        return Err(claimed_meanwhile(&mut tx, &e.id).await);
    }
    events::updated(&mut tx, cx, &before, &e).await?;
    if before.stopped_at.is_none() && e.stopped_at.is_some() {
        timer_update(&mut tx, cx, &e, false).await?;
    }
    tx.commit().await?;
    Ok(e)
}

/// Deletes one of the caller's entries.
pub async fn delete(cx: &Cx<'_>, input: DeleteTimeEntry) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let entry = load_own(cx, &mut tx, &input.entry_id).await?;
    if !store::time_entries::delete(&mut tx, &entry.id).await? {
        return Err(claimed_meanwhile(&mut tx, &entry.id).await);
    }
    events::deleted(&mut tx, cx, &entry).await?;
    if entry.stopped_at.is_none() {
        timer_update(&mut tx, cx, &entry, false).await?;
    }
    tx.commit().await?;
    Ok(())
}
