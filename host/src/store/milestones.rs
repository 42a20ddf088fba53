//! Milestones.

use crate::model::milestones::Milestone;
use crate::q;
use crate::store::db::Exec;

/// Inserts a milestone.
pub async fn insert(ex: &mut impl Exec, m: &Milestone) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO milestones (id, org_id, project_id, title, description, target_date, color, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &m.id, &m.org_id, &m.project_id, &m.title, m.description.as_ref(), m.target_date, &m.color, &m.created_by,
        m.created_at, m.updated_at
    ))
    .await
    .map(drop)
}

/// The milestones among `ids` that `reader` may see.
pub async fn by_ids(
    ex: &mut impl Exec,
    ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<Milestone>> {
    crate::store::db::fetch_visible(ex, "SELECT id, org_id, project_id, title, description, target_date, color, created_by, created_at, updated_at FROM milestones", ("id", "org_id"), ids, reader).await
}

/// A milestone by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Milestone>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, project_id, title, description, target_date, color, created_by, created_at, updated_at
         FROM milestones WHERE id = $1",
        id
    ))
    .await
}

/// A project's milestones by target date.
pub async fn list(ex: &mut impl Exec, project_id: &str) -> sqlx::Result<Vec<Milestone>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, project_id, title, description, target_date, color, created_by, created_at, updated_at
         FROM milestones WHERE project_id = $1 ORDER BY target_date, created_at",
        project_id
    ))
    .await
}

/// Writes a milestone's fields.
pub async fn update(ex: &mut impl Exec, m: &Milestone) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE milestones SET title = $2, description = $3, target_date = $4, color = $5, updated_at = $6 WHERE id = $1",
        &m.id, &m.title, m.description.as_ref(), m.target_date, &m.color, m.updated_at
    ))
    .await
    .map(drop)
}

/// Deletes a milestone.
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM milestones WHERE id = $1", id))
        .await
        .map(drop)
}
