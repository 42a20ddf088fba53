//! Webhook settings: `STINT_WEBHOOK_*` variables, flags, and the `webhooks:` section of
//! `stint.yaml`.

use std::time::Duration;

use clap::Args;
use serde::Deserialize;

use super::address::AddressPolicy;
use super::backoff::RetryPolicy;

/// Flags and environment variables (flattened into `stint serve`'s arguments).
#[derive(Debug, Clone, Args, Default)]
pub struct WebhookArgs {
    /// IP addresses or CIDR ranges webhooks may reach although they are loopback, private or
    /// otherwise non-public (comma-separated), e.g. `127.0.0.1,10.20.0.0/16`.
    #[arg(long, env = "STINT_WEBHOOK_ALLOW_HOSTS", value_delimiter = ',')]
    pub webhook_allow_hosts: Option<Vec<String>>,
    /// Delay before the first retry, in milliseconds (doubles with each failure).
    #[arg(long, env = "STINT_WEBHOOK_RETRY_BASE_MS")]
    pub webhook_retry_base_ms: Option<u64>,
    /// Longest delay between two attempts, in seconds.
    #[arg(long, env = "STINT_WEBHOOK_RETRY_MAX_DELAY_SECS")]
    pub webhook_retry_max_delay_secs: Option<u64>,
    /// How long a delivery is retried, in seconds from the event.
    #[arg(long, env = "STINT_WEBHOOK_RETRY_FOR_SECS")]
    pub webhook_retry_for_secs: Option<u64>,
    /// Attempts per delivery before giving up.
    #[arg(long, env = "STINT_WEBHOOK_MAX_ATTEMPTS")]
    pub webhook_max_attempts: Option<u32>,
    /// Timeout of one request (connect, send, response head), in seconds.
    #[arg(long, env = "STINT_WEBHOOK_TIMEOUT_SECS")]
    pub webhook_timeout_secs: Option<u64>,
    /// Consecutive failed deliveries after which a subscription is disabled.
    #[arg(long, env = "STINT_WEBHOOK_FAILURE_THRESHOLD")]
    pub webhook_failure_threshold: Option<u32>,
    /// Requests sent at once by one process.
    #[arg(long, env = "STINT_WEBHOOK_CONCURRENCY")]
    pub webhook_concurrency: Option<u32>,
    /// Days a finished (delivered or given-up) delivery stays in the log; 0 keeps none.
    #[arg(long, env = "STINT_WEBHOOK_RETENTION_DAYS")]
    pub webhook_retention_days: Option<u32>,
}

/// The `webhooks:` section of `stint.yaml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFile {
    allow_hosts: Option<Vec<String>>,
    retry_base_ms: Option<u64>,
    retry_max_delay_secs: Option<u64>,
    retry_for_secs: Option<u64>,
    max_attempts: Option<u32>,
    timeout_secs: Option<u64>,
    failure_threshold: Option<u32>,
    concurrency: Option<u32>,
    retention_days: Option<u32>,
}

/// Resolved webhook settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Non-public addresses the operator allows.
    pub policy: AddressPolicy,
    /// Retry limits.
    pub retry: RetryPolicy,
    /// One request's timeout.
    pub timeout: Duration,
    /// Failed deliveries in a row before a subscription is disabled.
    pub failure_threshold: u32,
    /// Requests in flight per process.
    pub concurrency: u32,
    /// How long finished deliveries and their attempts are kept.
    pub retention: Duration,
}

impl Default for WebhookSettings {
    fn default() -> WebhookSettings {
        WebhookSettings {
            policy: AddressPolicy::default(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            failure_threshold: 10,
            concurrency: 64,
            retention: Duration::from_secs(30 * 86_400),
        }
    }
}

impl WebhookSettings {
    /// Flags and variables over the file over the defaults.
    pub fn load(args: &WebhookArgs, file: Option<&WebhookFile>) -> anyhow::Result<WebhookSettings> {
        let file = file.cloned().unwrap_or_default();
        let d = WebhookSettings::default();
        let allow = args
            .webhook_allow_hosts
            .clone()
            .or(file.allow_hosts)
            .unwrap_or_default();
        let policy = AddressPolicy::parse(&allow)
            .map_err(|e| anyhow::anyhow!("STINT_WEBHOOK_ALLOW_HOSTS: {e}"))?;
        let retry = RetryPolicy {
            base: args
                .webhook_retry_base_ms
                .or(file.retry_base_ms)
                .map_or(d.retry.base, |ms| Duration::from_millis(ms.max(1))),
            max_delay: args
                .webhook_retry_max_delay_secs
                .or(file.retry_max_delay_secs)
                .map_or(d.retry.max_delay, |s| Duration::from_secs(s.max(1))),
            window: args
                .webhook_retry_for_secs
                .or(file.retry_for_secs)
                .map_or(d.retry.window, Duration::from_secs),
            max_attempts: args
                .webhook_max_attempts
                .or(file.max_attempts)
                .unwrap_or(d.retry.max_attempts)
                .max(1),
        };
        Ok(WebhookSettings {
            policy,
            retry,
            timeout: args
                .webhook_timeout_secs
                .or(file.timeout_secs)
                .map_or(d.timeout, |s| Duration::from_secs(s.clamp(1, 300))),
            failure_threshold: args
                .webhook_failure_threshold
                .or(file.failure_threshold)
                .unwrap_or(d.failure_threshold)
                .max(1),
            concurrency: args
                .webhook_concurrency
                .or(file.concurrency)
                .unwrap_or(d.concurrency)
                .clamp(1, 1024),
            retention: args
                .webhook_retention_days
                .or(file.retention_days)
                .map_or(d.retention, |days| {
                    Duration::from_secs(u64::from(days) * 86_400)
                }),
        })
    }
}
