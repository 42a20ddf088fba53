//! The background job that moves sent invoices past their due date to `overdue`.

use chrono::Duration;

use super::AUDIENCE;
use crate::domain::{events, rates};
use crate::error::Result;
use crate::store;

/// The background job: moves sent invoices whose due date has passed (in their organization's
/// time zone) to `overdue`, recording each change. Returns how many it moved. Cheap when nothing
/// is due: one indexed query.
pub async fn mark_overdue(db: &store::Db) -> Result<u64> {
    let now = crate::clock::now();
    // Every zone's "today" is at most UTC today + 1: a superset, checked per organization below.
    let bound = now.date_naive() + Duration::days(1);
    let candidates = store::invoices::due_before(&mut &*db, bound).await?;
    let mut moved = 0;
    for c in candidates {
        if c.due_date >= rates::local_date(&c.timezone, now) {
            continue;
        }
        let mut tx = db.begin().await?;
        if store::invoices::mark_overdue(&mut tx, &c.id, now).await? {
            let changes = serde_json::json!({ "status": { "from": "sent", "to": "overdue" } });
            events::system_change(
                &mut tx,
                events::SystemChange {
                    org_id: &c.org_id,
                    entity_type: "invoice",
                    entity_id: &c.id,
                    action: "updated",
                    entity: None,
                    changes: Some(changes.clone()),
                    audience: crate::events::Audience::from_column(Some(AUDIENCE)),
                    details: changes,
                },
            )
            .await?;
            moved += 1;
        }
        tx.commit().await?;
    }
    Ok(moved)
}
