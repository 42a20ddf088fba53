//! Presence: `UserPresence` signals — `online` when a user's first connection opens, `offline`
//! when the last one closes (counted across processes by the relay), and `away` when none of the
//! user's connections in this process has been active for the configured idle time, `online`
//! again on the next activity.
//!
//! The away state is counted per process: a user active on one process and idle on another is
//! announced away by the idle one. Activity is whatever the subscriber does (a client message).
//! Idleness is found by one sweep per process over the open subscriptions (a few times per idle
//! period), so delivering an event costs a subscription nothing for presence.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::{Audience, Bus};

/// One open subscription, as the sweep sees it.
#[derive(Debug)]
struct Subscription {
    user_id: String,
    away_after: Duration,
    /// Milliseconds since the book's epoch of the last activity.
    last_active: AtomicU64,
    away: AtomicBool,
    /// The organizations to announce in (those the subscriber saw when last active).
    orgs: Mutex<Vec<String>>,
}

/// The presence state of this process: active (not away) subscriptions per user, and every
/// open subscription for the sweep.
#[derive(Debug, Default)]
pub struct Book {
    active: Mutex<HashMap<String, usize>>,
    open: Mutex<HashMap<u64, Arc<Subscription>>>,
    next_id: AtomicU64,
    epoch: OnceLock<Instant>,
    sweeping: OnceLock<()>,
}

impl Book {
    fn now_ms(&self) -> u64 {
        let epoch = *self.epoch.get_or_init(Instant::now);
        u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Counts one more active subscription of `user_id`; true when it is the only one.
    fn activate(&self, user_id: &str) -> bool {
        let mut map = self.active.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(user_id.to_owned()).or_default();
        *n += 1;
        *n == 1
    }

    /// Counts one active subscription of `user_id` less; true when none is left.
    fn deactivate(&self, user_id: &str) -> bool {
        let mut map = self.active.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(user_id) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                map.remove(user_id);
                true
            }
            None => false,
        }
    }

    /// Marks every subscription idle past its time away; announces `away` for users left with
    /// no active one.
    fn sweep(&self, bus: &Bus) {
        let now = self.now_ms();
        let open: Vec<Arc<Subscription>> = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for s in open {
            let idle = now.saturating_sub(s.last_active.load(Ordering::Relaxed));
            if u128::from(idle) >= s.away_after.as_millis()
                && !s.away.swap(true, Ordering::AcqRel)
                && self.deactivate(&s.user_id)
            {
                let orgs = s.orgs.lock().unwrap_or_else(|e| e.into_inner()).clone();
                announce(bus, orgs.iter().map(String::as_str), &s.user_id, "away");
            }
        }
    }
}

/// Publishes a `UserPresence` signal to each of `orgs`.
pub fn announce<'a>(
    bus: &Bus,
    orgs: impl IntoIterator<Item = &'a str>,
    user_id: &str,
    status: &str,
) {
    let data = json!({ "user_id": user_id, "status": status, "last_seen": crate::clock::now() });
    for org in orgs {
        bus.signal(org, Audience::Org, "UserPresence", user_id, &data);
    }
}

/// Sweeps `bus`'s book every `every` while the bus lives.
async fn sweeper(bus: Weak<Bus>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(bus) = bus.upgrade() else { return };
        bus.presence().sweep(&bus);
    }
}

/// One subscription's side of presence: its activity and whether it counts as away.
pub struct Tracker {
    bus: Arc<Bus>,
    /// `None` when away is disabled: the subscription is always active.
    entry: Option<(u64, Arc<Subscription>)>,
    user_id: String,
}

impl Tracker {
    /// Starts tracking an active subscription; `away_after: None` never announces away.
    pub fn new<'a>(
        bus: Arc<Bus>,
        user_id: &str,
        orgs: impl IntoIterator<Item = &'a str>,
        away_after: Option<Duration>,
    ) -> Tracker {
        let book = bus.presence();
        book.activate(user_id);
        let entry = away_after.map(|away_after| {
            if book.sweeping.set(()).is_ok() {
                let every =
                    (away_after / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
                tokio::spawn(sweeper(Arc::downgrade(&bus), every));
            }
            let id = book.next_id.fetch_add(1, Ordering::Relaxed);
            let s = Arc::new(Subscription {
                user_id: user_id.to_owned(),
                away_after,
                last_active: AtomicU64::new(book.now_ms()),
                away: AtomicBool::new(false),
                orgs: Mutex::new(orgs.into_iter().map(str::to_owned).collect()),
            });
            book.open
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, s.clone());
            (id, s)
        });
        Tracker {
            bus,
            entry,
            user_id: user_id.to_owned(),
        }
    }

    /// Records activity (with the organizations the subscriber sees now): postpones going away,
    /// and comes back `online` if the user was announced away.
    pub fn touch<'a>(&mut self, orgs: impl IntoIterator<Item = &'a str>) {
        let Some((_, s)) = &self.entry else { return };
        let book = self.bus.presence();
        s.last_active.store(book.now_ms(), Ordering::Relaxed);
        let orgs: Vec<String> = orgs.into_iter().map(str::to_owned).collect();
        if s.away.swap(false, Ordering::AcqRel) && book.activate(&self.user_id) {
            announce(
                &self.bus,
                orgs.iter().map(String::as_str),
                &self.user_id,
                "online",
            );
        }
        *s.orgs.lock().unwrap_or_else(|e| e.into_inner()) = orgs;
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        let book = self.bus.presence();
        let away = match self.entry.take() {
            Some((id, s)) => {
                book.open
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
                s.away.load(Ordering::Acquire)
            }
            None => false,
        };
        if !away {
            book.deactivate(&self.user_id);
        }
    }
}
