//! Publishes committed outbox rows on the bus, in id order, as soon as they commit.
//!
//! Ids are taken when a row is inserted, not when its transaction commits: on PostgreSQL a
//! transaction holding id 6 may commit after one holding id 7. The dispatcher therefore publishes
//! only a contiguous run of ids. At a gap it waits (up to [`GAP_WAIT`]) for the missing row, and
//! only then treats it as rolled back. What it has published is the [`Watermark`]; replays read
//! the outbox only up to it, so a replayed client can never be ahead of an event still to come.
//! The dispatcher wakes on every local commit and polls as a fallback (for commits made by other
//! processes sharing a PostgreSQL database).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use std::sync::Arc;

use tokio::sync::Notify;

use crate::events::{Audience, Bus, Delivery};
use crate::store;
use crate::store::Db;

/// How many rows one read of the outbox takes.
const BATCH: i64 = 500;
/// Fallback poll interval when no local commit wakes the dispatcher.
const POLL: Duration = Duration::from_millis(250);
/// How long a missing id may hold back later events before it counts as rolled back.
pub const GAP_WAIT: Duration = Duration::from_secs(1);

/// The highest event id published: every stored event up to it has been published or was never
/// committed.
#[derive(Debug, Default)]
pub struct Watermark(AtomicI64);

impl Watermark {
    /// A watermark at `id`: what was stored when the process started.
    pub fn at(id: i64) -> Watermark {
        Watermark(AtomicI64::new(id))
    }

    /// The current watermark.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, id: i64) {
        self.0.store(id, Ordering::Release);
    }
}

/// Runs until the process stops: publishes what `db`'s outbox gains to `bus`, in id order,
/// advancing `published`; woken by local commits and by `wake` (another process committed).
pub async fn run(db: Db, bus: Arc<Bus>, published: Arc<Watermark>, wake: Arc<Notify>) {
    // Everything stored before start-up counts as published (`App::start` set the watermark
    // there before the server accepted a connection): it reaches clients by replay.
    let mut last = published.get();
    let mut gap_since: Option<Instant> = None;
    // Set when a local commit woke us: what we then publish, the other processes should read too.
    let mut local = false;
    loop {
        match store::events::outbox_after(&mut &db, last, None, BATCH).await {
            Ok(rows) if !rows.is_empty() => {
                let before = last;
                for row in rows {
                    if row.id != last + 1 {
                        let since = *gap_since.get_or_insert_with(Instant::now);
                        if since.elapsed() < GAP_WAIT {
                            break;
                        }
                        tracing::debug!(
                            from = last + 1,
                            to = row.id - 1,
                            "outbox ids never committed; skipping"
                        );
                    }
                    gap_since = None;
                    last = row.id;
                    published.set(last);
                    bus.publish(delivery(row));
                }
                if last != before {
                    if std::mem::take(&mut local)
                        && let Some(relay) = bus.relay()
                    {
                        relay.wake_others();
                    }
                    continue;
                }
                // Held at a gap: look again shortly.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "event dispatcher failed to read the outbox"),
        }
        tokio::select! {
            _ = db.committed() => local = true,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Turns an outbox row into a delivery.
pub fn delivery(row: store::events::OutboxRow) -> Delivery {
    Delivery {
        event_id: Some(row.id),
        frame: Delivery::render(&row.event, Some(row.id), &row.payload),
        channel_members: Default::default(),
        parsed: Default::default(),
        audience: Audience::from_column(row.audience.as_deref()),
        entity: Some((row.entity_type, row.entity_id)),
        action: Some(row.action),
        user_id: row.user_id,
        org_id: row.org_id,
        event: row.event,
    }
}
