//! The application state shared by every interface.

use std::ops::Deref;
use std::sync::Arc;

use crate::actions::Registry;
use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::domain::Services;
use crate::events::Bus;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;
use crate::store::Db;

/// Cheap-to-clone handle to the application.
#[derive(Clone)]
pub struct App(Arc<AppInner>);

/// What the application holds: the domain's services, and what only the interfaces need.
pub struct AppInner {
    /// What the domain runs on (database, configuration, mail, plugins, …).
    pub services: Arc<Services>,
    /// Every action by name.
    pub registry: Registry,
    /// Per-user (and per-IP for anonymous routes) request limits.
    pub rate_limiter: RateLimiter,
    /// WebSocket connections per user.
    pub ws_limits: crate::rate_limit::connections::ConnectionLimits,
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// The services' fields (`app.db`, `app.config`, …) read straight through the application, and
/// `&app` passes where the domain asks for `&Services`.
impl Deref for AppInner {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
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
            away_after: self.config.ws.away_after,
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
        let plugins = crate::domain::plugins::PluginHost::start(
            crate::domain::plugins::HostConfig {
                data_dir: config.data_dir.clone(),
                failure_threshold: config.plugin_failure_threshold,
                max_concurrent_calls: 16,
            },
            &db,
        )
        .await?;
        let webhooks = crate::webhooks::Webhooks::new(config.webhooks.clone())?;
        Ok(App(Arc::new(AppInner {
            services: Arc::new(Services {
                db,
                jwt,
                mailer,
                login_throttle: crate::rate_limit::FailureThrottle::new(
                    config.login_failures_per_account,
                    std::time::Duration::from_secs(15 * 60),
                ),
                bus,
                events_published: Arc::new(crate::events::dispatcher::Watermark::at(published)),
                outbox_wake: Arc::new(tokio::sync::Notify::new()),
                redis,
                plugins,
                webhooks,
                config,
            }),
            registry: crate::actions::build_registry(),
            rate_limiter,
            ws_limits: Default::default(),
        })))
    }
}

/// What `/api/ready` reports: each dependency the server needs to serve, and whether it does.
#[derive(Debug, serde::Serialize)]
pub struct Readiness {
    /// `ready` when every check passed, else `not_ready`.
    pub status: &'static str,
    /// Each check: `ok`, `not configured`, or what failed.
    pub checks: std::collections::BTreeMap<&'static str, String>,
}

impl App {
    /// Checks the database (a query), its schema (no embedded migration pending) and Redis when
    /// configured (a `PING`), each within two seconds.
    pub async fn readiness(&self) -> Readiness {
        use std::time::Duration;
        let within = Duration::from_secs(2);
        let mut checks = std::collections::BTreeMap::new();
        let database =
            tokio::time::timeout(within, crate::store::events::max_outbox_id(&mut &self.db)).await;
        checks.insert(
            "database",
            match database {
                Ok(Ok(_)) => "ok".to_owned(),
                Ok(Err(e)) => format!("failed: {e}"),
                Err(_) => "failed: no answer within 2 s".to_owned(),
            },
        );
        let pending = tokio::time::timeout(within, self.db.pending_migrations()).await;
        checks.insert(
            "migrations",
            match pending {
                Ok(Ok(p)) if p.is_empty() => "ok".to_owned(),
                Ok(Ok(p)) => format!("pending: {p:?} (run `stint migrate`)"),
                Ok(Err(e)) => format!("failed: {e}"),
                Err(_) => "failed: no answer within 2 s".to_owned(),
            },
        );
        let redis = match &self.redis {
            None => "not configured".to_owned(),
            Some(client) => {
                let ping = async {
                    let mut conn = client.get_multiplexed_async_connection().await?;
                    redis::cmd("PING").query_async::<String>(&mut conn).await
                };
                match tokio::time::timeout(within, ping).await {
                    Ok(Ok(_)) => "ok".to_owned(),
                    Ok(Err(e)) => format!("failed: {e}"),
                    Err(_) => "failed: no answer within 2 s".to_owned(),
                }
            }
        };
        checks.insert("redis", redis);
        let ready = checks.values().all(|v| v == "ok" || v == "not configured");
        Readiness {
            status: if ready { "ready" } else { "not_ready" },
            checks,
        }
    }
}
