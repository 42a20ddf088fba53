//! Projects.

use crate::model::projects::Project;
use crate::q;
use crate::store::db::{Arg, Exec, Listing, Query, Sql, fetch_page};

const COLUMNS: &str = "id, org_id, name, description, color, status, billable, hourly_rate, client_id, budget_minutes, budget_amount, created_by, created_at, updated_at";

/// Inserts a project.
pub async fn insert(ex: &mut impl Exec, p: &Project) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO projects (id, org_id, name, description, color, status, billable, hourly_rate, created_by, created_at, updated_at, client_id, budget_minutes, budget_amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &p.id, &p.org_id, &p.name, p.description.as_ref(), p.color.as_ref(), p.status.as_str(), p.billable,
        p.hourly_rate, &p.created_by, p.created_at, p.updated_at, p.client_id.as_ref(), p.budget_minutes,
        p.budget_amount
    ))
    .await
    .map(drop)
}

/// A project by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Project>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM projects WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// The projects among `ids` that `reader` may see.
pub async fn by_ids(
    ex: &mut impl Exec,
    ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<Project>> {
    crate::store::db::fetch_visible(
        ex,
        &format!("SELECT {COLUMNS} FROM projects"),
        ("id", "org_id"),
        ids,
        reader,
    )
    .await
}

/// Projects of an organization by name, with the total.
pub async fn list(
    ex: &mut impl Exec,
    org_id: &str,
    status: Option<&str>,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Project>, i64)> {
    let mut wh = String::from("org_id = $1");
    let mut args: Vec<Arg> = vec![org_id.into()];
    if let Some(s) = status {
        args.push(s.into());
        wh.push_str(&format!(" AND status = ${}", args.len()));
    }
    if let Some(s) = search {
        args.push(format!("%{}%", escape_like(&s.to_lowercase())).into());
        wh.push_str(&format!(
            " AND LOWER(name) LIKE ${} ESCAPE '\\'",
            args.len()
        ));
    }
    let listing = Listing {
        select: &format!("SELECT {COLUMNS} FROM projects"),
        from: "projects",
        filter: &wh,
        order: "LOWER(name), id",
    };
    fetch_page(ex, listing, args, limit, offset).await
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Writes a project's fields.
pub async fn update(ex: &mut impl Exec, p: &Project) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE projects SET name = $2, description = $3, color = $4, status = $5, billable = $6, hourly_rate = $7,
         updated_at = $8, client_id = $9, budget_minutes = $10, budget_amount = $11 WHERE id = $1",
        &p.id, &p.name, p.description.as_ref(), p.color.as_ref(), p.status.as_str(), p.billable, p.hourly_rate, p.updated_at,
        p.client_id.as_ref(), p.budget_minutes, p.budget_amount
    ))
    .await
    .map(drop)
}

/// Deletes a project (tasks, groups and milestones go with it).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM collapsed_nodes WHERE node_id = $1", id))
        .await?;
    ex.execute(q!("DELETE FROM projects WHERE id = $1", id))
        .await
        .map(drop)
}
