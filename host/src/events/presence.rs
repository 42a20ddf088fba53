//! Presence: `UserPresence` signals — `online` when a user's first connection opens, `offline`
//! when the last one closes (counted across processes by the relay), and `away` when none of the
//! user's connections in this process has been active for the configured idle time, `online`
//! again on the next activity.
//!
//! The away state is counted per process: a user active on one process and idle on another is
//! announced away by the idle one. Activity is whatever the subscriber does (a client message).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio::time::{Instant, Sleep};

use super::{Audience, Bus};

/// Users' active (not away) subscriptions in this process.
#[derive(Debug, Default)]
pub struct Book {
    active: Mutex<HashMap<String, usize>>,
}

impl Book {
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
}

type Timer = Arc<Mutex<Pin<Box<Sleep>>>>;

fn lock(timer: &Timer) -> std::sync::MutexGuard<'_, Pin<Box<Sleep>>> {
    timer.lock().unwrap_or_else(|e| e.into_inner())
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

/// One subscription's side of presence: its activity and whether it counts as away.
pub struct Tracker {
    bus: Arc<Bus>,
    user_id: String,
    away_after: Option<Duration>,
    /// One timer, moved on activity: a timer made per wait would be registered and dropped again
    /// for every event delivered. Shared so that a wait can poll it while the feed is borrowed.
    timer: Option<Timer>,
    away: bool,
}

impl Tracker {
    /// Starts tracking an active subscription; `away_after: None` never announces away.
    pub fn new(bus: Arc<Bus>, user_id: &str, away_after: Option<Duration>) -> Tracker {
        bus.presence().activate(user_id);
        Tracker {
            bus,
            user_id: user_id.to_owned(),
            away_after,
            timer: away_after.map(|d| Arc::new(Mutex::new(Box::pin(tokio::time::sleep(d))))),
            away: false,
        }
    }

    /// Records activity: postpones going away, and comes back `online` in `orgs` if the user
    /// was announced away.
    pub fn touch<'a>(&mut self, orgs: impl IntoIterator<Item = &'a str>) {
        if let (Some(timer), Some(after)) = (&self.timer, self.away_after) {
            lock(timer).as_mut().reset(Instant::now() + after);
        }
        if self.away {
            self.away = false;
            if self.bus.presence().activate(&self.user_id) {
                announce(&self.bus, orgs, &self.user_id, "online");
            }
        }
    }

    /// Resolves when this subscription goes away; never while it is away or when away is
    /// disabled. Cancel-safe: the timer stays with the tracker.
    pub fn went_idle(&self) -> impl Future<Output = ()> + use<> {
        let timer = if self.away { None } else { self.timer.clone() };
        std::future::poll_fn(move |cx| match &timer {
            Some(timer) => lock(timer).as_mut().poll(cx),
            None => Poll::Pending,
        })
    }

    /// Marks the subscription away; announces `away` in `orgs` when it was the user's last
    /// active one.
    pub fn go_away<'a>(&mut self, orgs: impl IntoIterator<Item = &'a str>) {
        if self.away {
            return;
        }
        self.away = true;
        if self.bus.presence().deactivate(&self.user_id) {
            announce(&self.bus, orgs, &self.user_id, "away");
        }
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if !self.away {
            self.bus.presence().deactivate(&self.user_id);
        }
    }
}
