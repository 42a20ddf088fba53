//! Collapsed nodes per user.

use crate::q;
use crate::store::db::Exec;

/// The user's collapsed node ids in an organization whose id starts with `prefix`.
pub async fn collapsed(
    ex: &mut impl Exec,
    user_id: &str,
    org_id: &str,
    prefix: &str,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = ex
        .fetch_all(q!(
            "SELECT node_id FROM collapsed_nodes WHERE user_id = $1 AND org_id = $2 AND node_id LIKE $3 ESCAPE '\\' ORDER BY node_id",
            user_id,
            org_id,
            format!("{}%", crate::store::projects::escape_like(prefix))
        ))
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Flips a node; returns whether it is collapsed now.
pub async fn toggle(
    ex: &mut impl Exec,
    user_id: &str,
    org_id: &str,
    node_id: &str,
) -> sqlx::Result<bool> {
    let removed = ex
        .execute(q!(
            "DELETE FROM collapsed_nodes WHERE user_id = $1 AND node_id = $2",
            user_id,
            node_id
        ))
        .await?;
    if removed > 0 {
        return Ok(false);
    }
    ex.execute(q!(
        "INSERT INTO collapsed_nodes (user_id, org_id, node_id, created_at) VALUES ($1, $2, $3, $4)",
        user_id,
        org_id,
        node_id,
        crate::clock::now()
    ))
    .await?;
    Ok(true)
}
