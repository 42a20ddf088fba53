//! What the domain needs from the running server, and nothing about how it is served: the
//! database, configuration, mail, token keys, the login throttle, the event bus and its wake-up,
//! the plugin host and the webhook client. [`crate::app::App`] assembles it beside what only the
//! interfaces need (the action registry, request limits) and hands it to the domain as `&Services`.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::domain::plugins::PluginHost;
use crate::events::Bus;
use crate::events::dispatcher::Watermark;
use crate::mail::Mailer;
use crate::rate_limit::FailureThrottle;
use crate::store::Db;
use crate::webhooks::Webhooks;

/// The server's shared services, as the domain sees them.
pub struct Services {
    /// The resolved configuration.
    pub config: Config,
    /// The database.
    pub db: Db,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// Outgoing mail.
    pub mailer: Mailer,
    /// Failed logins per account, whatever address they come from.
    pub login_throttle: FailureThrottle,
    /// Published events and ephemeral signals for this process's connections.
    pub bus: Arc<Bus>,
    /// The highest event id the dispatcher has published (replays stop there).
    pub events_published: Arc<Watermark>,
    /// Woken when another process committed events.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// The Redis client for listening to the other processes, when configured.
    pub redis: Option<redis::Client>,
    /// WebAssembly plugins: runtime, installed plugins, bindings.
    pub plugins: PluginHost,
    /// Outgoing webhooks: HTTP client and the worker's wake-up.
    pub webhooks: Webhooks,
}
