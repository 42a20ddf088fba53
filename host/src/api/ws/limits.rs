//! Connections per user, counted for the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Counts live connections per user and refuses more than the limit.
#[derive(Default)]
pub struct ConnectionLimits {
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

/// Holds one connection slot; dropping it frees the slot.
pub struct Slot {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    user_id: String,
}

impl ConnectionLimits {
    /// Takes a slot for `user_id`, or `None` when they already hold `max`.
    pub fn acquire(&self, user_id: &str, max: usize) -> Option<Slot> {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let n = counts.entry(user_id.to_owned()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            counts: self.counts.clone(),
            user_id: user_id.to_owned(),
        })
    }

    /// Live connections of `user_id`.
    pub fn count(&self, user_id: &str) -> usize {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.get(user_id).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(n) = counts.get_mut(&self.user_id) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_limited_and_released() {
        let limits = ConnectionLimits::default();
        let a = limits.acquire("u", 2).unwrap();
        let _b = limits.acquire("u", 2).unwrap();
        assert!(limits.acquire("u", 2).is_none());
        drop(a);
        assert!(limits.acquire("u", 2).is_some());
        assert_eq!(limits.count("v"), 0);
    }
}
