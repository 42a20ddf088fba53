//! Connections per user: counted for the whole deployment when several processes share Redis,
//! else for the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::events::relay::Relay;

/// Counts live connections per user and refuses more than the limit; and connections not yet
/// authenticated per client address.
#[derive(Default)]
pub struct ConnectionLimits {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    /// Connections per address that have not authenticated yet.
    pub pending: PendingLimits,
}

/// Holds one connection slot. Release it with [`Slot::release`]; dropping it frees the slot too
/// (in the background for the deployment-wide count).
pub struct Slot {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    user_id: String,
    /// Whether this is the user's only connection (in the deployment, or the process).
    pub first: bool,
    /// The deployment-wide entry, when Redis counts connections.
    remote: Option<(Arc<Relay>, String)>,
    /// Whether the process's count was given back already.
    released_locally: bool,
}

impl ConnectionLimits {
    /// Takes a slot for `user_id`, or `None` when they already hold `max` — across the
    /// deployment when `relay` is given. Should Redis fail, the process's own count decides (a
    /// Redis outage must not lock users out).
    pub async fn acquire(
        &self,
        relay: Option<&Arc<Relay>>,
        user_id: &str,
        max: usize,
    ) -> Option<Slot> {
        let local = {
            let mut counts = lock(&self.counts);
            let n = counts.entry(user_id.to_owned()).or_insert(0);
            if *n >= max {
                return None;
            }
            *n += 1;
            *n
        };
        let mut slot = Slot {
            counts: self.counts.clone(),
            user_id: user_id.to_owned(),
            first: local == 1,
            remote: None,
            released_locally: false,
        };
        if let Some(relay) = relay {
            match relay.claim_connection(user_id, max).await {
                Ok(Some((count, member))) => {
                    slot.first = count == 1;
                    slot.remote = Some((relay.clone(), member));
                }
                // Full across the deployment: dropping `slot` gives the local count back.
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "counting connections in Redis failed; counting locally")
                }
            }
        }
        Some(slot)
    }

    /// Live connections of `user_id` in this process.
    pub fn count(&self, user_id: &str) -> usize {
        lock(&self.counts).get(user_id).copied().unwrap_or(0)
    }
}

impl Slot {
    /// Frees the slot; returns whether the user has no connection left (in the deployment when
    /// Redis counts connections, else in the process).
    pub async fn release(mut self) -> bool {
        let local_left = self.release_local();
        match self.remote.take() {
            Some((relay, member)) => match relay.release_connection(&self.user_id, &member).await {
                Ok(remaining) => remaining == 0,
                Err(e) => {
                    tracing::warn!(error = %e, "releasing a connection in Redis failed; it expires");
                    local_left == 0
                }
            },
            None => local_left == 0,
        }
    }

    /// Decrements the process's count once; returns what is left.
    fn release_local(&mut self) -> usize {
        let mut counts = lock(&self.counts);
        if std::mem::replace(&mut self.released_locally, true) {
            return counts.get(&self.user_id).copied().unwrap_or(0);
        }
        let Some(n) = counts.get_mut(&self.user_id) else {
            return 0;
        };
        *n = n.saturating_sub(1);
        let left = *n;
        if left == 0 {
            counts.remove(&self.user_id);
        }
        left
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.release_local();
        if let Some((relay, member)) = self.remote.take() {
            let user_id = std::mem::take(&mut self.user_id);
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = relay.release_connection(&user_id, &member).await;
                });
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_limited_and_released() {
        let limits = ConnectionLimits::default();
        let a = limits.acquire(None, "u", 2).await.unwrap();
        assert!(a.first);
        let b = limits.acquire(None, "u", 2).await.unwrap();
        assert!(!b.first);
        assert!(limits.acquire(None, "u", 2).await.is_none());
        assert!(!a.release().await, "one connection is left");
        let c = limits.acquire(None, "u", 2).await.unwrap();
        drop(c);
        assert_eq!(limits.count("u"), 1);
        assert!(b.release().await, "the last one");
        assert_eq!(limits.count("u"), 0);
    }
}

/// Connections per client address that have not authenticated yet: a flood of idle sockets
/// from one address is refused before it costs more than a counter.
#[derive(Default)]
pub struct PendingLimits {
    counts: Arc<Mutex<HashMap<std::net::IpAddr, usize>>>,
}

/// One pending connection's place; dropping it gives the place back.
pub struct PendingSlot {
    counts: Arc<Mutex<HashMap<std::net::IpAddr, usize>>>,
    ip: std::net::IpAddr,
}

impl PendingLimits {
    /// A place for a new connection from `ip`, or `None` when `max` are already pending.
    pub fn acquire(&self, ip: std::net::IpAddr, max: usize) -> Option<PendingSlot> {
        let mut counts = lock(&self.counts);
        let n = counts.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PendingSlot {
            counts: self.counts.clone(),
            ip,
        })
    }
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        if let Some(n) = counts.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}
