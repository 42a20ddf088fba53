//! Notifications.

use chrono::{DateTime, Utc};

use crate::model::notifications::Notification;
use crate::q;
use crate::store::db::{Exec, Listing, fetch_page};

const COLUMNS: &str =
    "id, org_id, user_id, type, title, entity_type, entity_id, actor_id, read_at, created_at";

/// Inserts a notification.
pub async fn insert(ex: &mut impl Exec, n: &Notification) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO notifications (id, org_id, user_id, type, title, entity_type, entity_id, actor_id, read_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &n.id, &n.org_id, &n.user_id, n.kind.as_str(), &n.title, &n.entity_type, &n.entity_id,
        n.actor_id.as_deref(), n.read_at, n.created_at
    ))
    .await
    .map(drop)
}

/// A user's notifications in an organization, newest first (only unread ones when
/// `unread_only`), with the total.
pub async fn list(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Notification>, i64)> {
    let unread = if unread_only {
        " AND read_at IS NULL"
    } else {
        ""
    };
    let listing = Listing {
        select: &format!("SELECT {COLUMNS} FROM notifications"),
        from: "notifications",
        filter: &format!("user_id = $1 AND org_id = $2{unread}"),
        order: "created_at DESC, id DESC",
    };
    fetch_page(
        ex,
        listing,
        vec![user_id.into(), org_id.into()],
        limit,
        offset,
    )
    .await
}

/// Marks one of the user's unread notifications in the organization read; how many rows changed
/// (0 for someone else's, an unknown or an already read id).
pub async fn mark_read(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    ex.execute(q!(
        "UPDATE notifications SET read_at = $4
         WHERE id = $3 AND user_id = $1 AND org_id = $2 AND read_at IS NULL",
        user_id,
        org_id,
        id,
        at
    ))
    .await
}

/// Marks all of the user's unread notifications in the organization read; how many changed.
pub async fn mark_all_read(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    ex.execute(q!(
        "UPDATE notifications SET read_at = $3
         WHERE user_id = $1 AND org_id = $2 AND read_at IS NULL",
        user_id,
        org_id,
        at
    ))
    .await
}
