//! The current time, truncated to microseconds so that values read back from either database are
//! equal to what was written.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Now, in UTC, with microsecond precision.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}
