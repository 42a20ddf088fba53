//! Request limits per key (user id, or client address for anonymous routes), with the wait to
//! report in `Retry-After`.

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
