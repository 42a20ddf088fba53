//! MCP over Streamable HTTP at `/mcp`: rmcp's service behind Stint's authentication, and the
//! RFC 9728 metadata that tells a client without a token where to get one.
//!
//! Requests of protocol 2026-07-28 are self-contained and served without a session; 2025
//! clients get a session, remembered in Redis when one is configured so that any process behind
//! the address can serve it. Hosts and origins are checked against `STINT_PUBLIC_URL` (and
//! loopback) against DNS rebinding.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;

use super::server::StintMcp;
use super::session_store::RedisSessions;
use crate::api::rest::{bearer_token, caller};
use crate::app::App;
use crate::error::Error;

/// The path of the protected-resource metadata for `/mcp` (RFC 9728 §3.1: the well-known
/// prefix before the resource's path).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// The `/mcp` route and the resource metadata.
pub fn router(app: &App) -> Router<App> {
    let tools = Arc::new(super::tools::tools(&app.registry));
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts(&app.config.public_url))
        .with_allowed_origins(allowed_origins(&app.config.public_url))
        .enforce_origin_validation()
        .with_json_response(true)
        .with_max_request_body_bytes(app.config.max_body_bytes);
    if let Some(client) = &app.redis {
        let deployment = &crate::ids::hash_secret(&app.config.database_url)[..16];
        config.session_store = Some(Arc::new(RedisSessions::new(client.clone(), deployment)));
    }
    let handler_app = app.clone();
    let service = StreamableHttpService::new(
        move || Ok(StintMcp::new(handler_app.clone(), tools.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mcp =
        Router::new()
            .route_service("/mcp", service)
            .layer(axum::middleware::from_fn_with_state(
                app.clone(),
                authenticate,
            ));
    Router::new()
        .merge(mcp)
        .route(RESOURCE_METADATA_PATH, get(resource_metadata))
        .route(
            "/.well-known/oauth-protected-resource",
            get(resource_metadata),
        )
}

/// The hosts `/mcp` answers to: the public URL's, and loopback.
fn allowed_hosts(public_url: &str) -> Vec<String> {
    let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
    if let Ok(url) = url::Url::parse(public_url)
        && let Some(host) = url.host_str()
    {
        hosts.push(host.trim_matches(['[', ']']).to_owned());
    }
    hosts
}

/// The browser origins allowed to call `/mcp`: the public URL's. Requests without `Origin`
/// (every non-browser client) pass.
fn allowed_origins(public_url: &str) -> Vec<String> {
    match url::Url::parse(public_url) {
        Ok(url) => {
            let origin = url.origin().ascii_serialization();
            match url.port() {
                Some(_) => vec![origin],
                None => vec![format!(
                    "{origin}:{}",
                    url.port_or_known_default().unwrap_or(443)
                )],
            }
        }
        Err(_) => Vec::new(),
    }
}

/// The public URL without a trailing slash.
fn base(app: &App) -> &str {
    app.config.public_url.trim_end_matches('/')
}

/// Authenticates the Bearer token (personal access token, login JWT or OAuth access token) and
/// hands the caller to the MCP handler; without a valid one, `401` with the challenge that
/// points at the resource metadata.
async fn authenticate(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = match bearer_token(request.headers()) {
        Ok(t) => t,
        Err(e) => return challenge(&app, e, false),
    };
    match caller(&app, token, Some(peer.ip())).await {
        Ok(c) => {
            request.extensions_mut().insert(c);
            let declared_json = request
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            let response = next.run(request).await;
            // rmcp answers a JSON body it cannot read with `415` and plain text; a JSON-RPC
            // client expects a parse error it can read.
            if declared_json && response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                return parse_error(response).await;
            }
            response
        }
        Err(e @ Error::Unauthorized(_)) => challenge(&app, e, true),
        Err(e) => e.into_response(),
    }
}

/// A JSON-RPC parse error (`-32700`, HTTP 400) carrying rmcp's explanation.
async fn parse_error(refused: Response) -> Response {
    let detail = axum::body::to_bytes(refused.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let body = json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32700, "message": format!("parse error: the body is not a JSON-RPC message ({detail})")},
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// `401` with `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 9728 §5.1).
fn challenge(app: &App, err: Error, token_given: bool) -> Response {
    let mut value = format!(
        "Bearer resource_metadata=\"{}{RESOURCE_METADATA_PATH}\"",
        base(app)
    );
    if token_given {
        value.push_str(", error=\"invalid_token\"");
    }
    let mut response = err.into_response();
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    response
}

/// RFC 9728 protected-resource metadata for `/mcp`.
async fn resource_metadata(State(app): State<App>) -> Response {
    let base = base(&app);
    axum::Json(json!({
        "resource": format!("{base}/mcp"),
        "authorization_servers": [base],
        "bearer_methods_supported": ["header"],
        "scopes_supported": ["mcp"],
        "resource_name": "Stint",
    }))
    .into_response()
}
