//! Task statuses.

use crate::model::task_statuses::TaskStatus;
use crate::q;
use crate::store::db::Exec;

/// Inserts a status.
pub async fn insert(ex: &mut impl Exec, s: &TaskStatus) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO task_statuses (id, org_id, code, label, color, position, is_done, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &s.id, &s.org_id, &s.code, &s.label, &s.color, s.position, s.is_done, s.created_at, s.updated_at
    ))
    .await
    .map(drop)
}

/// A status by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<TaskStatus>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, code, label, color, position, is_done, created_at, updated_at FROM task_statuses WHERE id = $1",
        id
    ))
    .await
}

/// A status by code.
pub async fn by_code(
    ex: &mut impl Exec,
    org_id: &str,
    code: &str,
) -> sqlx::Result<Option<TaskStatus>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, code, label, color, position, is_done, created_at, updated_at
         FROM task_statuses WHERE org_id = $1 AND code = $2",
        org_id,
        code
    ))
    .await
}

/// An organization's statuses in order.
pub async fn list(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Vec<TaskStatus>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, code, label, color, position, is_done, created_at, updated_at
         FROM task_statuses WHERE org_id = $1 ORDER BY position, created_at",
        org_id
    ))
    .await
}

/// Writes label, colour, position and done flag.
pub async fn update(ex: &mut impl Exec, s: &TaskStatus) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE task_statuses SET label = $2, color = $3, position = $4, is_done = $5, updated_at = $6 WHERE id = $1",
        &s.id, &s.label, &s.color, s.position, s.is_done, s.updated_at
    ))
    .await
    .map(drop)
}

/// Number of tasks with a status.
pub async fn tasks_using(ex: &mut impl Exec, org_id: &str, code: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!(
            "SELECT COUNT(*) FROM tasks WHERE org_id = $1 AND status = $2",
            org_id,
            code
        ))
        .await?;
    Ok(n)
}

/// Deletes a status.
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM task_statuses WHERE id = $1", id))
        .await
        .map(drop)
}
