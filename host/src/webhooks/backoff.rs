//! When to try a failed delivery again: exponential backoff with jitter, within a window.

use std::time::Duration;

use rand::Rng;

/// Retry limits (`STINT_WEBHOOK_RETRY_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt; doubles with each further one.
    pub base: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
    /// How long after the event a delivery is retried at all (24 h by default).
    pub window: Duration,
    /// Attempts before giving up, whatever the window.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            window: Duration::from_secs(24 * 3600),
            max_attempts: 30,
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `failed + 1`, after `failed` failed attempts: `base ·
    /// 2^(failed-1)`, capped at `max_delay`, then drawn uniformly from its upper half so that
    /// deliveries failing together do not retry together.
    pub fn delay(&self, failed: u32, rng: &mut impl Rng) -> Duration {
        let exp = failed.saturating_sub(1).min(30);
        let full = self
            .base
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let half = full / 2;
        let jitter_ms = rng.random_range(0..=u64::try_from(half.as_millis()).unwrap_or(u64::MAX));
        half + Duration::from_millis(jitter_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_within_bounds_and_caps() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            max_delay: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        let mut rng = rand::rng();
        for _ in 0..100 {
            let d1 = p.delay(1, &mut rng);
            assert!(
                d1 >= Duration::from_secs(5) && d1 <= Duration::from_secs(10),
                "{d1:?}"
            );
            let d3 = p.delay(3, &mut rng);
            assert!(
                d3 >= Duration::from_secs(20) && d3 <= Duration::from_secs(40),
                "{d3:?}"
            );
            let d20 = p.delay(20, &mut rng);
            assert!(
                d20 >= Duration::from_secs(30) && d20 <= Duration::from_secs(60),
                "{d20:?}"
            );
        }
    }
}
