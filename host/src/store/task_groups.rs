//! Task groups.

use crate::model::task_groups::TaskGroup;
use crate::q;
use crate::store::db::Exec;

/// Inserts a group.
pub async fn insert(ex: &mut impl Exec, g: &TaskGroup) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO task_groups (id, org_id, project_id, name, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &g.id,
        &g.org_id,
        &g.project_id,
        &g.name,
        g.position,
        g.created_at,
        g.updated_at
    ))
    .await
    .map(drop)
}

/// A group by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<TaskGroup>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, project_id, name, position, created_at, updated_at FROM task_groups WHERE id = $1",
        id
    ))
    .await
}

/// A project's groups in order.
pub async fn list(ex: &mut impl Exec, project_id: &str) -> sqlx::Result<Vec<TaskGroup>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, project_id, name, position, created_at, updated_at FROM task_groups
         WHERE project_id = $1 ORDER BY position, created_at",
        project_id
    ))
    .await
}

/// Writes the name.
pub async fn update(ex: &mut impl Exec, g: &TaskGroup) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE task_groups SET name = $2, updated_at = $3 WHERE id = $1",
        &g.id,
        &g.name,
        g.updated_at
    ))
    .await
    .map(drop)
}

/// Moves a group.
pub async fn set_position(ex: &mut impl Exec, id: &str, position: i64) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE task_groups SET position = $2, updated_at = $3 WHERE id = $1",
        id,
        position,
        crate::clock::now()
    ))
    .await
    .map(drop)
}

/// Deletes a group (tasks keep existing, ungrouped).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE tasks SET group_id = NULL WHERE group_id = $1",
        id
    ))
    .await?;
    ex.execute(q!("DELETE FROM collapsed_nodes WHERE node_id = $1", id))
        .await?;
    ex.execute(q!("DELETE FROM task_groups WHERE id = $1", id))
        .await
        .map(drop)
}
