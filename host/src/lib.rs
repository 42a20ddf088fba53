//! Stint's server: time tracking, projects and tasks, invoicing and team chat, behind REST
//! (`/api/v1`) and a WebSocket (`/ws`), on SQLite or PostgreSQL. GraphQL and MCP are planned and
//! not yet served.
//!
//! The crate is laid out by responsibility: [`model`] holds the records (plain data), [`domain`]
//! the rules and the services they run on (knowing nothing of HTTP), [`store`] the SQL for both
//! engines, [`events`] the outbox, bus and feed, [`plugins`] the sandboxed runtime, [`actions`]
//! the registry every interface calls through, and [`api`] the thin protocol adapters. [`app`]
//! assembles them; [`serve`] runs it. `docs/architecture.md` draws the layers.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = stint_host::config::Config::load(&Default::default())?;
//! let app = stint_host::app::App::start(config).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! stint_host::serve(app, listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod actions;
pub mod api;
pub mod app;
#[cfg(test)]
mod architecture;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod http_server;
pub mod ids;
pub mod mail;
pub mod model;
pub mod plugins;
pub mod rate_limit;
pub mod store;
pub mod webhooks;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::api::rest::{self, routes::RouteInfo};
use crate::app::App;
use crate::error::Error;

/// The whole HTTP surface for `app`.
pub fn router(app: App) -> anyhow::Result<Router> {
    let (api_v1, _) = rest::router();
    let graphql = api::graphql::router(&app)?;
    let mcp = api::mcp::router(&app);
    let limit = app.config.max_body_bytes;
    Ok(Router::new()
        .merge(graphql)
        .merge(mcp)
        .merge(api::oauth::router())
        .route("/api/health", get(health))
        .route("/api/ready", get(ready))
        .route("/ws", get(api::ws::upgrade))
        .nest("/api/v1", api_v1.route("/health", get(health)))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::Extension(rest::extract_body_limit(limit)))
        .layer(CatchPanicLayer::custom(|_| {
            Error::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(TraceLayer::new_for_http()))
}

/// The REST route table (what `stint routes` prints).
pub fn route_table() -> Vec<RouteInfo> {
    rest::router().1
}

async fn health() -> Response {
    axum::Json(json!({ "data": { "status": "ok" } })).into_response()
}

/// Readiness: 200 when the database answers, its schema is current and Redis (when configured)
/// answers; 503 with the failing check otherwise. Liveness stays `/api/health`.
async fn ready(axum::extract::State(app): axum::extract::State<App>) -> Response {
    let readiness = app.readiness().await;
    let status = if readiness.status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(json!({ "data": readiness }))).into_response()
}

async fn not_found() -> Error {
    Error::NotFound("no such route".into())
}

async fn method_not_allowed() -> Response {
    let body = json!({ "error": { "code": "METHOD_NOT_ALLOWED", "message": "this path does not accept that method" } });
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

/// Serves `app` on `listener` until `shutdown` resolves, with background housekeeping and the
/// recurrence scheduler.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let housekeeping = tokio::spawn(housekeeping(app.clone()));
    let jobs = tokio::spawn(jobs(app.clone()));
    let dispatcher = tokio::spawn(events::dispatcher::run(
        app.db.clone(),
        app.bus.clone(),
        app.events_published.clone(),
        app.outbox_wake.clone(),
    ));
    let scheduler = tokio::spawn(domain::recurrences::scheduler(app.services.clone()));
    let webhook_fanout = tokio::spawn(domain::webhooks::fanout::run(app.services.clone()));
    let webhook_worker = tokio::spawn(domain::webhooks::worker::run(app.services.clone()));
    let relay = match (app.bus.relay(), &app.redis) {
        (Some(relay), Some(client)) => Some((
            tokio::spawn(relay.clone().listen(
                client.clone(),
                app.bus.clone(),
                app.outbox_wake.clone(),
            )),
            tokio::spawn(relay.clone().refresh_connections()),
        )),
        _ => None,
    };
    let db = app.db.clone();
    let bus = app.bus.clone();
    let closing = bus.clone();
    // When shutdown begins, every WebSocket is told (1001) while HTTP requests drain.
    let shutdown = async move {
        shutdown.await;
        closing.shut_down();
    };
    http_server::run(listener, router(app)?, shutdown).await?;
    if !bus.feeds_ended(Duration::from_secs(5)).await {
        tracing::warn!("some WebSocket connections had not closed within 5 s of shutdown");
    }
    housekeeping.abort();
    jobs.abort();
    dispatcher.abort();
    scheduler.abort();
    webhook_fanout.abort();
    webhook_worker.abort();
    if let Some((listen, refresh)) = relay {
        listen.abort();
        refresh.abort();
    }
    db.close().await;
    Ok(())
}

async fn housekeeping(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        app.rate_limiter.prune();
        app.login_throttle.prune();
        if let Err(e) = crate::domain::accounts::purge_expired(&app).await {
            tracing::warn!(error = %e, "purging expired credentials failed");
        }
        let cutoff = chrono::Utc::now() - app.config.event_retention;
        if let Err(e) = store::events::purge_outbox(&mut app.db.auto_commit(), cutoff).await {
            tracing::warn!(error = %e, "purging old events failed");
        }
        let cutoff = chrono::Utc::now() - app.webhooks.settings().retention;
        match store::webhooks::purge_finished(&mut app.db.auto_commit(), cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deliveries = n, "purged finished webhook deliveries"),
            Err(e) => tracing::warn!(error = %e, "purging old webhook deliveries failed"),
        }
    }
}

/// Business jobs, every `STINT_JOBS_INTERVAL_SECS` and once at start-up: sent invoices past their
/// due date become `overdue`. Each run is one indexed query when nothing is due; with several
/// processes each runs it, and the conditional update makes the change happen once.
async fn jobs(app: App) {
    let mut tick = tokio::time::interval(app.config.jobs_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::domain::invoices::mark_overdue(&app.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(invoices = n, "invoices marked overdue"),
            Err(e) => tracing::warn!(error = %e, "marking overdue invoices failed"),
        }
    }
}
