//! Publishes committed outbox rows on the bus, in id order, as soon as they commit.
//!
//! SQLite has one writer, so ids are assigned in commit order and the dispatcher never skips a
//! row. The dispatcher wakes on every local commit and polls as a fallback (for commits made by
//! other processes sharing a PostgreSQL database).

use std::time::Duration;

use crate::app::App;
use crate::events::{Audience, Delivery};
use crate::store;

/// How many rows one read of the outbox takes.
const BATCH: i64 = 500;
/// Fallback poll interval when no local commit wakes the dispatcher.
const POLL: Duration = Duration::from_millis(250);

/// Runs until the process stops.
pub async fn run(app: App) {
    let mut last = loop {
        match store::events::max_outbox_id(&mut &app.db).await {
            Ok(id) => break id,
            Err(e) => {
                tracing::warn!(error = %e, "event dispatcher cannot read the outbox; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    loop {
        match store::events::outbox_after(&mut &app.db, last, None, BATCH).await {
            Ok(rows) if !rows.is_empty() => {
                for row in rows {
                    last = row.id;
                    app.bus.publish(delivery(row));
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "event dispatcher failed to read the outbox"),
        }
        tokio::select! {
            _ = app.db.committed() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Turns an outbox row into a delivery.
pub fn delivery(row: store::events::OutboxRow) -> Delivery {
    Delivery {
        event_id: Some(row.id),
        frame: Delivery::render(&row.event, Some(row.id), &row.payload),
        audience: Audience::from_column(row.audience.as_deref()),
        entity: Some((row.entity_type, row.entity_id)),
        action: Some(row.action),
        user_id: row.user_id,
        org_id: row.org_id,
        event: row.event,
    }
}
