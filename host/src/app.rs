//! The application state shared by every interface.

use std::ops::Deref;
use std::sync::Arc;

use crate::actions::Registry;
use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::events::Bus;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;
use crate::store::Db;

/// Cheap-to-clone handle to the application.
#[derive(Clone)]
pub struct App(Arc<AppInner>);

/// What the application holds.
pub struct AppInner {
    /// The resolved configuration.
    pub config: Config,
    /// The database.
    pub db: Db,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// Outgoing mail.
    pub mailer: Mailer,
    /// Every action by name.
    pub registry: Registry,
    /// Per-user (and per-IP for anonymous routes) request limits.
    pub rate_limiter: RateLimiter,
    /// Failed logins per account, whatever address they come from.
    pub login_throttle: crate::rate_limit::FailureThrottle,
    /// Published events and ephemeral signals for this process's connections.
    pub bus: Arc<Bus>,
    /// WebSocket connections per user.
    pub ws_limits: crate::api::ws::ConnectionLimits,
    /// The highest event id the dispatcher has published (replays stop there).
    pub events_published: Arc<crate::events::dispatcher::Watermark>,
    /// Woken when another process committed events.
    pub outbox_wake: tokio::sync::Notify,
    /// The Redis client for listening to the other processes, when configured.
    pub redis: Option<redis::Client>,
    /// WebAssembly plugins: runtime, installed plugins, bindings.
    pub plugins: crate::plugins::PluginHost,
    /// Outgoing webhooks: HTTP client and the worker's wake-up.
    pub webhooks: crate::webhooks::Webhooks,
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl App {
    /// What an event feed reads from (see [`crate::events::feed`]).
    pub fn feed_source(&self) -> crate::events::feed::Source {
        crate::events::feed::Source {
            db: self.db.clone(),
            bus: self.bus.clone(),
            published: self.events_published.clone(),
            grants_of: crate::domain::members::grants,
        }
    }

    /// Connects to the database, applies migrations and assembles the state.
    pub async fn start(config: Config) -> anyhow::Result<App> {
        std::fs::create_dir_all(&config.data_dir)?;
        let db = Db::connect(
            &config.database_url,
            &crate::store::db::PoolSettings {
                max_connections: config.db_max_connections,
                acquire_timeout: std::time::Duration::from_secs(10),
            },
        )
        .await?;
        db.migrate().await?;
        // Set before the server accepts a connection, so a feed opened at once replays up to
        // what was stored before start-up.
        let published = crate::store::events::max_outbox_id(&mut &db).await?;
        let jwt = JwtKeys::new(
            config.resolve_jwt_secret()?.as_bytes(),
            config.access_token_ttl,
        );
        let mailer = Mailer::new(config.smtp.as_ref())?;
        let rate_limiter = RateLimiter::new(config.rate_limit_per_minute);
        let bus = Arc::new(Bus::new(4096));
        let redis = match &config.redis_url {
            Some(url) => {
                let (relay, client) =
                    crate::events::relay::Relay::connect(url, &config.database_url).await?;
                bus.set_relay(relay);
                Some(client)
            }
            None => None,
        };
        let plugins = crate::plugins::PluginHost::start(
            crate::plugins::HostConfig {
                data_dir: config.data_dir.clone(),
                failure_threshold: config.plugin_failure_threshold,
                max_concurrent_calls: 16,
            },
            &db,
        )
        .await?;
        let webhooks = crate::webhooks::Webhooks::new(config.webhooks.clone())?;
        Ok(App(Arc::new(AppInner {
            registry: crate::actions::build_registry(),
            db,
            jwt,
            mailer,
            rate_limiter,
            login_throttle: crate::rate_limit::FailureThrottle::new(
                config.login_failures_per_account,
                std::time::Duration::from_secs(15 * 60),
            ),
            bus,
            ws_limits: Default::default(),
            events_published: Arc::new(crate::events::dispatcher::Watermark::at(published)),
            outbox_wake: tokio::sync::Notify::new(),
            redis,
            plugins,
            webhooks,
            config,
        })))
    }
}
