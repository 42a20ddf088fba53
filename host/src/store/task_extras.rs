//! What hangs off a task: comments, checklist items and dependency links.

use crate::model::checklist::ChecklistItem;
use crate::model::comments::Comment;
use crate::model::dependencies::Dependency;
use crate::q;
use crate::store::db::{Exec, Query, Sql};

/// Inserts a comment.
pub async fn insert_comment(ex: &mut impl Exec, c: &Comment) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO task_comments (id, org_id, task_id, user_id, body, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &c.id,
        &c.org_id,
        &c.task_id,
        &c.user_id,
        &c.body,
        c.created_at,
        c.updated_at
    ))
    .await
    .map(drop)
}

/// A comment by id.
pub async fn comment(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Comment>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, task_id, user_id, body, created_at, updated_at FROM task_comments WHERE id = $1",
        id
    ))
    .await
}

/// A task's comments, oldest first.
pub async fn comments(ex: &mut impl Exec, task_id: &str) -> sqlx::Result<Vec<Comment>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, task_id, user_id, body, created_at, updated_at FROM task_comments
         WHERE task_id = $1 ORDER BY created_at, id",
        task_id
    ))
    .await
}

/// The comments of the tasks among `task_ids` that `reader` may see.
pub async fn comments_of_tasks(
    ex: &mut impl Exec,
    task_ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<Comment>> {
    crate::store::db::fetch_visible(
        ex,
        "SELECT id, org_id, task_id, user_id, body, created_at, updated_at FROM task_comments",
        ("task_id", "org_id"),
        task_ids,
        reader,
    )
    .await
}

/// Deletes a comment.
pub async fn delete_comment(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM task_comments WHERE id = $1", id))
        .await
        .map(drop)
}

const CHECKLIST_COLUMNS: &str = "id, org_id, task_id, title, completed, position, completed_by, completed_at, created_at, updated_at";

/// Inserts a checklist item.
pub async fn insert_checklist_item(ex: &mut impl Exec, i: &ChecklistItem) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO checklist_items (id, org_id, task_id, title, completed, position, completed_by, completed_at,
                                      created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &i.id, &i.org_id, &i.task_id, &i.title, i.completed, i.position, i.completed_by.as_ref(), i.completed_at,
        i.created_at, i.updated_at
    ))
    .await
    .map(drop)
}

/// A checklist item by id.
pub async fn checklist_item(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<ChecklistItem>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {CHECKLIST_COLUMNS} FROM checklist_items WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// A task's checklist in order.
pub async fn checklist(ex: &mut impl Exec, task_id: &str) -> sqlx::Result<Vec<ChecklistItem>> {
    ex.fetch_all(
        Query::new(Sql::Built(format!(
            "SELECT {CHECKLIST_COLUMNS} FROM checklist_items WHERE task_id = $1 ORDER BY position, created_at"
        )))
        .bind(task_id),
    )
    .await
}

/// The checklist items of the tasks among `task_ids` that `reader` may see.
pub async fn checklists_of_tasks(
    ex: &mut impl Exec,
    task_ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<ChecklistItem>> {
    crate::store::db::fetch_visible(
        ex,
        &format!("SELECT {CHECKLIST_COLUMNS} FROM checklist_items"),
        ("task_id", "org_id"),
        task_ids,
        reader,
    )
    .await
}

/// Writes completion state and title.
pub async fn update_checklist_item(ex: &mut impl Exec, i: &ChecklistItem) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE checklist_items SET title = $2, completed = $3, completed_by = $4, completed_at = $5, updated_at = $6
         WHERE id = $1",
        &i.id, &i.title, i.completed, i.completed_by.as_ref(), i.completed_at, i.updated_at
    ))
    .await
    .map(drop)
}

/// Deletes a checklist item.
pub async fn delete_checklist_item(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM checklist_items WHERE id = $1", id))
        .await
        .map(drop)
}

/// Takes the organization's row lock (PostgreSQL) so link changes are serialised; SQLite
/// transactions are serialised already.
pub async fn lock_dependencies(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<()> {
    let sql = Sql::split(
        "SELECT id FROM organizations WHERE id = $1",
        "SELECT id FROM organizations WHERE id = $1 FOR UPDATE",
    );
    let _: Option<(String,)> = ex.fetch_optional(Query::new(sql).bind(org_id)).await?;
    Ok(())
}

/// Inserts a link.
pub async fn insert_dependency(ex: &mut impl Exec, d: &Dependency) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO task_dependencies (id, org_id, blocker_id, blocked_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &d.id,
        &d.org_id,
        &d.blocker_id,
        &d.blocked_id,
        &d.created_by,
        d.created_at
    ))
    .await
    .map(drop)
}

/// A link by id.
pub async fn dependency(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Dependency>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, blocker_id, blocked_id, created_by, created_at FROM task_dependencies WHERE id = $1",
        id
    ))
    .await
}

/// The links of one task, either end.
pub async fn dependencies_of(ex: &mut impl Exec, task_id: &str) -> sqlx::Result<Vec<Dependency>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, blocker_id, blocked_id, created_by, created_at FROM task_dependencies
         WHERE blocker_id = $1 OR blocked_id = $1 ORDER BY created_at, id",
        task_id
    ))
    .await
}

/// Every link of an organization whose two tasks exist in it.
pub async fn dependencies_in_org(
    ex: &mut impl Exec,
    org_id: &str,
) -> sqlx::Result<Vec<Dependency>> {
    ex.fetch_all(q!(
        "SELECT d.id, d.org_id, d.blocker_id, d.blocked_id, d.created_by, d.created_at
         FROM task_dependencies d
         JOIN tasks a ON a.id = d.blocker_id AND a.org_id = d.org_id
         JOIN tasks b ON b.id = d.blocked_id AND b.org_id = d.org_id
         WHERE d.org_id = $1 ORDER BY d.created_at, d.id",
        org_id
    ))
    .await
}

/// Deletes a link.
pub async fn delete_dependency(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM task_dependencies WHERE id = $1", id))
        .await
        .map(drop)
}
