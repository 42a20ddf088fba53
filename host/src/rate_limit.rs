//! Request limits per key (user id, or client address for anonymous routes), with the wait to
//! report in `Retry-After`.

pub mod connections;

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::{Error, Result};

/// A keyed limiter; disabled when configured with 0 requests per minute.
pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl RateLimiter {
    /// `per_minute` requests per key per minute, bursting up to the same number; 0 disables.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| governor::RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Counts one request for `key`; `RATE_LIMIT_EXCEEDED` with the wait when over the limit.
    pub fn check(&self, key: &str) -> Result<()> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait: Duration = not_until.wait_time_from(DefaultClock::default().now());
                Err(Error::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                })
            }
        }
    }

    /// Forgets keys whose buckets are full again (called periodically to bound memory).
    pub fn prune(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// Failed attempts per key (an account's e-mail address) within a window: after `max` failures
/// the key is refused until the window of the first one has passed, whichever address the
/// attempts come from. Success clears the key. Kept per process.
pub struct FailureThrottle {
    max: u32,
    window: Duration,
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

impl FailureThrottle {
    /// At most `max` failures per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        FailureThrottle {
            max: max.max(1),
            window,
            failures: Default::default(),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (u32, std::time::Instant)>>
    {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `RATE_LIMIT_EXCEEDED` while `key` has used up its failures.
    pub fn check(&self, key: &str) -> Result<()> {
        let failures = self.lock();
        match failures.get(key) {
            Some((n, since)) if *n >= self.max && since.elapsed() < self.window => {
                let wait = self.window.saturating_sub(since.elapsed());
                Err(Error::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts a failure for `key`.
    pub fn failed(&self, key: &str) {
        let mut failures = self.lock();
        let entry = failures
            .entry(key.to_owned())
            .or_insert((0, std::time::Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, std::time::Instant::now());
        }
        entry.0 += 1;
    }

    /// Forgets `key` (a successful attempt).
    pub fn succeeded(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Forgets keys whose window has passed.
    pub fn prune(&self) {
        let window = self.window;
        self.lock().retain(|_, (_, since)| since.elapsed() < window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_a_key_until_success_or_the_window() {
        let t = FailureThrottle::new(2, Duration::from_secs(60));
        t.failed("a");
        assert!(t.check("a").is_ok());
        t.failed("a");
        assert!(t.check("a").is_err());
        assert!(t.check("b").is_ok(), "keys are independent");
        t.succeeded("a");
        assert!(t.check("a").is_ok());
    }
}
