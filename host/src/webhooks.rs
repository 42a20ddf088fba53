//! Outgoing webhooks: the delivery machinery behind `domain::webhooks`' subscriptions — the
//! HTTP client, address checks, signing, retry schedule and settings. The two jobs that drive it
//! (`domain::webhooks::fanout` and `domain::webhooks::worker`) live in the domain.
//!
//! ```text
//! outbox ──fanout──► plugin `webhooks.format` ──tx (cursor CAS + rows)──► webhook_deliveries
//!                                                                               │
//!         receiver ◄── signed HTTP (checked addresses) ◄── worker (claim, send, record)
//! ```
//!
//! - `fanout` matches committed outbox events to enabled subscriptions, asks the
//!   subscription's plugin what to send (outside any transaction), then advances the shared
//!   cursor with a compare-and-set and queues the deliveries in one transaction, so each event is
//!   queued once whatever the number of processes.
//! - `worker` claims due deliveries (`UPDATE … RETURNING`, `SKIP LOCKED` on PostgreSQL, with a
//!   lease so a crashed process's claims come back), signs ([`sign`]) and sends them through
//!   [`client`] — which refuses non-public addresses ([`address`]) after DNS and on every
//!   redirect — and records the attempt, the next retry ([`backoff`]) or the final failure.

pub mod address;
pub mod backoff;
pub mod client;
pub mod filter;
pub mod settings;
pub mod sign;

use std::sync::Arc;
use std::time::Duration;

use client::{ClientSettings, WebhookClient};
use settings::WebhookSettings;

/// The webhook machinery of one process: cheap to clone.
#[derive(Clone)]
pub struct Webhooks(Arc<Inner>);

struct Inner {
    settings: WebhookSettings,
    client: WebhookClient,
    /// Woken when deliveries were queued or re-queued.
    queued: tokio::sync::Notify,
}

impl Webhooks {
    /// Builds the HTTP client for `settings`.
    pub fn new(settings: WebhookSettings) -> anyhow::Result<Webhooks> {
        let client = WebhookClient::new(ClientSettings {
            policy: settings.policy.clone(),
            connect_timeout: settings.timeout.min(Duration::from_secs(5)),
            timeout: settings.timeout,
        })?;
        Ok(Webhooks(Arc::new(Inner {
            settings,
            client,
            queued: tokio::sync::Notify::new(),
        })))
    }

    /// The settings.
    pub fn settings(&self) -> &WebhookSettings {
        &self.0.settings
    }

    /// The HTTP client.
    pub fn client(&self) -> &WebhookClient {
        &self.0.client
    }

    /// Tells this process's worker that deliveries are due now.
    pub fn wake(&self) {
        self.0.queued.notify_one();
    }

    /// Waits until a delivery is queued ([`Webhooks::wake`]).
    pub async fn queued(&self) {
        self.0.queued.notified().await
    }
}
