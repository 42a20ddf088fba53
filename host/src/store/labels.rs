//! Labels.

use crate::model::labels::Label;
use crate::q;
use crate::store::db::Exec;

/// Inserts a label.
pub async fn insert(ex: &mut impl Exec, l: &Label) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO labels (id, org_id, name, color, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &l.id, &l.org_id, &l.name, &l.color, l.created_at, l.updated_at
    ))
    .await
    .map(drop)
}

/// The labels among `ids` that `reader` may see.
pub async fn by_ids(
    ex: &mut impl Exec,
    ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<Label>> {
    crate::store::db::fetch_visible(
        ex,
        "SELECT id, org_id, name, color, created_at, updated_at FROM labels",
        ("id", "org_id"),
        ids,
        reader,
    )
    .await
}

/// A label by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Label>> {
    ex.fetch_optional(q!(
        "SELECT id, org_id, name, color, created_at, updated_at FROM labels WHERE id = $1",
        id
    ))
    .await
}

/// An organization's labels by name.
pub async fn list(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Vec<Label>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, name, color, created_at, updated_at FROM labels WHERE org_id = $1 ORDER BY LOWER(name), id",
        org_id
    ))
    .await
}

/// How many of `ids` are labels of the organization.
pub async fn count_in_org(ex: &mut impl Exec, org_id: &str, ids: &[String]) -> sqlx::Result<usize> {
    let mut n = 0;
    for id in ids {
        if get(ex, id).await?.is_some_and(|l| l.org_id == org_id) {
            n += 1;
        }
    }
    Ok(n)
}

/// Writes name and colour.
pub async fn update(ex: &mut impl Exec, l: &Label) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE labels SET name = $2, color = $3, updated_at = $4 WHERE id = $1",
        &l.id,
        &l.name,
        &l.color,
        l.updated_at
    ))
    .await
    .map(drop)
}

/// Deletes a label (and its task links, by cascade).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM labels WHERE id = $1", id))
        .await
        .map(drop)
}
