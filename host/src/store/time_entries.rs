//! Time entries.

use chrono::{DateTime, Utc};

use crate::model::time_entries::TimeEntry;
use crate::q;
use crate::store::db::{Arg, Backend, Exec, Listing, Query, Sql, fetch_page};

/// The entry's columns and the invoice holding it, from [`FROM`].
const COLUMNS: &str = "id, org_id, user_id, project_id, task_id, description, started_at, stopped_at, duration_secs, \
     billable, hourly_rate, ie.invoice_id, created_at, updated_at";

/// Entries with the invoice holding each (`invoice_entries` has no column named like an entry's
/// other than `invoice_id`, so filters name entry columns unqualified).
const FROM: &str = "time_entries LEFT JOIN invoice_entries ie ON ie.entry_id = time_entries.id";

/// Inserts a time entry (on no invoice: [`crate::store::invoices::claim_entries`] puts it on one).
pub async fn insert(ex: &mut impl Exec, e: &TimeEntry) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO time_entries (id, org_id, user_id, project_id, task_id, description, started_at, stopped_at,
         duration_secs, billable, hourly_rate, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &e.id, &e.org_id, &e.user_id, e.project_id.as_ref(), e.task_id.as_ref(), e.description.as_ref(),
        e.started_at, e.stopped_at, e.duration_secs, e.billable, e.hourly_rate, e.created_at, e.updated_at
    ))
    .await
    .map(drop)
}

/// A time entry by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<TimeEntry>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// The user's running entry in the organization, if any.
pub async fn running(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<TimeEntry>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE org_id = $1 AND user_id = $2 AND stopped_at IS NULL"
        )))
        .bind(org_id)
        .bind(user_id),
    )
    .await
}

/// Filters of a time-entry listing; `org_id` is always applied.
#[derive(Debug, Default)]
pub struct EntryFilter {
    /// Organization.
    pub org_id: String,
    /// Started at or after.
    pub from: Option<DateTime<Utc>>,
    /// Started before.
    pub before: Option<DateTime<Utc>>,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this task.
    pub task_id: Option<String>,
    /// Only this user's.
    pub user_id: Option<String>,
    /// Only billable (or only non-billable) entries.
    pub billable: Option<bool>,
}

/// Entries matching `f`, latest start first, with the total.
pub async fn list(
    ex: &mut impl Exec,
    f: &EntryFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<TimeEntry>, i64)> {
    let mut wh = String::from("org_id = $1");
    let mut args: Vec<Arg> = vec![f.org_id.as_str().into()];
    let mut add = |column_op: &str, arg: Arg, wh: &mut String| {
        args.push(arg);
        wh.push_str(&format!(" AND {column_op} ${}", args.len()));
    };
    if let Some(t) = f.from {
        add("started_at >=", t.into(), &mut wh);
    }
    if let Some(t) = f.before {
        add("started_at <", t.into(), &mut wh);
    }
    if let Some(p) = &f.project_id {
        add("project_id =", p.into(), &mut wh);
    }
    if let Some(t) = &f.task_id {
        add("task_id =", t.into(), &mut wh);
    }
    if let Some(u) = &f.user_id {
        add("user_id =", u.into(), &mut wh);
    }
    if let Some(b) = f.billable {
        add("billable =", b.into(), &mut wh);
    }
    let listing = Listing {
        select: &format!("SELECT {COLUMNS} FROM {FROM}"),
        from: "time_entries",
        filter: &wh,
        order: "started_at DESC, id DESC",
    };
    fetch_page(ex, listing, args, limit, offset).await
}

/// On PostgreSQL, waits for a `generate` that is claiming the entry (it holds the row) to commit
/// or roll back, so that the next statement, which reads with a fresh snapshot, sees whether the
/// entry was claimed. SQLite runs one writer at a time, so there is nothing to wait for.
async fn wait_for_claims(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    if ex.backend() == Backend::Postgres {
        ex.fetch_optional::<(i32,)>(q!(
            "SELECT 1 FROM time_entries WHERE id = $1 FOR NO KEY UPDATE",
            id
        ))
        .await?;
    }
    Ok(())
}

/// Writes an entry's fields unless it is on an invoice; returns whether it did (an invoice's
/// `generate` may have claimed it since it was read).
pub async fn update(ex: &mut impl Exec, e: &TimeEntry) -> sqlx::Result<bool> {
    wait_for_claims(ex, &e.id).await?;
    ex.execute(q!(
        "UPDATE time_entries SET project_id = $2, task_id = $3, description = $4, started_at = $5, stopped_at = $6,
         duration_secs = $7, billable = $8, hourly_rate = $9, updated_at = $10
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM invoice_entries WHERE entry_id = $1)",
        &e.id, e.project_id.as_ref(), e.task_id.as_ref(), e.description.as_ref(), e.started_at, e.stopped_at,
        e.duration_secs, e.billable, e.hourly_rate, e.updated_at
    ))
    .await
    .map(|n| n == 1)
}

/// Deletes an entry unless it is on an invoice; returns whether it did.
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<bool> {
    wait_for_claims(ex, id).await?;
    ex.execute(q!(
        "DELETE FROM time_entries WHERE id = $1
         AND NOT EXISTS (SELECT 1 FROM invoice_entries WHERE entry_id = $1)",
        id
    ))
    .await
    .map(|n| n == 1)
}
