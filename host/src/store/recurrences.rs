//! Task recurrences, and the scheduler's compare-and-set claim of an occurrence.

use chrono::{DateTime, Utc};

use crate::model::recurrences::Recurrence;
use crate::q;
use crate::store::db::{Exec, Query, Sql};

const COLUMNS: &str = "id, org_id, task_id, recurrence_pattern, starts_at, ends_at, next_run_at, \
                       last_occurrence_at, created_by, created_at, updated_at";

/// Inserts a recurrence.
pub async fn insert(ex: &mut impl Exec, r: &Recurrence) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO task_recurrences (id, org_id, task_id, recurrence_pattern, starts_at, ends_at, next_run_at,
                                       last_occurrence_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &r.id, &r.org_id, &r.task_id, &r.recurrence_pattern, r.starts_at, r.ends_at, r.next_run_at,
        r.last_occurrence_at, &r.created_by, r.created_at, r.updated_at
    ))
    .await
    .map(drop)
}

/// A recurrence by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Recurrence>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM task_recurrences WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// The recurrence of a template task, if any.
pub async fn for_task(ex: &mut impl Exec, task_id: &str) -> sqlx::Result<Option<Recurrence>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM task_recurrences WHERE task_id = $1"
        )))
        .bind(task_id),
    )
    .await
}

/// Writes the pattern, bounds and schedule of a recurrence (an edit by a user).
pub async fn update(ex: &mut impl Exec, r: &Recurrence) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE task_recurrences SET recurrence_pattern = $2, starts_at = $3, ends_at = $4, next_run_at = $5,
         updated_at = $6 WHERE id = $1",
        &r.id, &r.recurrence_pattern, r.starts_at, r.ends_at, r.next_run_at, r.updated_at
    ))
    .await
    .map(drop)
}

/// Deletes a recurrence (its instances stay).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM task_recurrences WHERE id = $1", id))
        .await
        .map(drop)
}

/// Up to `limit` recurrences with an occurrence due at or before `now`, the most overdue first.
pub async fn due(
    ex: &mut impl Exec,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Recurrence>> {
    ex.fetch_all(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM task_recurrences WHERE next_run_at IS NOT NULL AND next_run_at <= $1
             ORDER BY next_run_at, id LIMIT $2"
        )))
        .bind(now)
        .bind(limit),
    )
    .await
}

/// Claims the occurrence `due` of recurrence `id` by moving `next_run_at` on to `next`, only if
/// it still is `due` (compare-and-set). True when this caller won the claim: exactly one caller
/// can, however many processes race, because the row's update is atomic and serialised.
pub async fn claim(
    ex: &mut impl Exec,
    id: &str,
    due: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE task_recurrences SET next_run_at = $3, last_occurrence_at = $2, updated_at = $4
             WHERE id = $1 AND next_run_at = $2",
            id,
            due,
            next,
            now
        ))
        .await?;
    Ok(n == 1)
}

/// Moves `next_run_at` from `due` to `next` without recording an occurrence (skipped ones).
pub async fn skip(
    ex: &mut impl Exec,
    id: &str,
    due: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE task_recurrences SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2",
            id,
            due,
            next
        ))
        .await?;
    Ok(n == 1)
}

/// Whether an instance of recurrence `id` for `occurrence_at` exists.
pub async fn instance_exists(
    ex: &mut impl Exec,
    id: &str,
    occurrence_at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let (n,): (i64,) = ex
        .fetch_one(q!(
            "SELECT COUNT(*) FROM tasks WHERE recurrence_id = $1 AND occurrence_at = $2",
            id,
            occurrence_at
        ))
        .await?;
    Ok(n > 0)
}

/// The IANA time zone of an organization.
pub async fn org_timezone(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT timezone FROM organizations WHERE id = $1",
            org_id
        ))
        .await?;
    Ok(row.map(|(tz,)| tz))
}
