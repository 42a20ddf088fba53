//! The HTTP side: `POST` runs queries and mutations (a batch of up to `STINT_GRAPHQL_MAX_BATCH`);
//! `GET` with a WebSocket upgrade serves subscriptions, without one the GraphiQL page, whose
//! assets are compiled into the binary.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_graphql::dynamic::Schema;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{BatchRequest, BatchResponse, Data, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde_json::{Value, json};
use tracing::Instrument;

use super::errors::{coded, to_graphql};
use super::relations::Lookup;
use super::request::RequestCx;
use crate::api::rest::{bearer_token, caller, strip_bearer};
use crate::app::App;
use crate::error::Error;

/// GraphQL's limits (`STINT_GRAPHQL_*`).
pub type Limits = crate::config::GraphqlLimits;

/// What the handlers share: the schema, built once.
#[derive(Clone)]
struct Gql {
    schema: Schema,
    max_batch: usize,
}

/// The GraphQL routes (`/graphql`, `/api/v1/graphql`, GraphiQL's assets) for `app`.
pub fn router(app: &App) -> anyhow::Result<Router<App>> {
    let limits = app.config.graphql;
    let schema = super::schema(&app.registry, &limits)
        .map_err(|e| anyhow::anyhow!("building the GraphQL schema: {e}"))?;
    let gql = Gql {
        schema,
        max_batch: limits.max_batch,
    };
    let endpoint = get(page_or_subscriptions).post(execute);
    Ok(Router::new()
        .route("/graphql", endpoint.clone())
        .route("/api/v1/graphql", endpoint)
        .route("/graphql/assets/{file}", get(asset))
        .layer(axum::Extension(gql)))
}

/// A response of GraphQL errors only, with an HTTP status (for failures before execution).
fn failure(status: StatusCode, errors: Vec<async_graphql::ServerError>) -> Response {
    let body = json!({ "errors": errors });
    (status, axum::Json(body)).into_response()
}

/// Maps a Stint error met before execution (authentication, rate limit, body) to a response.
fn refused(err: Error) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut e = async_graphql::ServerError::new(err.to_string(), None);
    e.extensions = super::errors::to_graphql_ref(&err).extensions;
    let mut response = failure(status, vec![e]);
    crate::api::rest::error_headers(&err, response.headers_mut());
    response
}

/// `POST /graphql`: one operation or a batch.
async fn execute(
    State(app): State<App>,
    axum::Extension(gql): axum::Extension<Gql>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let caller = match bearer_token(&headers) {
        Ok(token) => caller(&app, token, Some(peer.ip())).await,
        Err(e) => Err(e),
    };
    let caller = match caller {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    let body = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refused(Error::PayloadTooLarge {
                limit: app.config.max_body_bytes,
            });
        }
        Err(r) => return refused(Error::invalid(format!("cannot read the request body: {r}"))),
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return failure(
                StatusCode::BAD_REQUEST,
                vec![coded(
                    "VALIDATION_ERROR",
                    format!(
                        "the body must be a GraphQL request {{\"query\", \"variables\"?, \"operationName\"?}} or a list of them: {e}"
                    ),
                )],
            );
        }
    };
    let count = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(list) => list.len(),
    };
    if count == 0 || count > gql.max_batch {
        return failure(
            StatusCode::BAD_REQUEST,
            vec![coded(
                "VALIDATION_ERROR",
                format!(
                    "a batch holds 1 to {} operations, not {count}",
                    gql.max_batch
                ),
            )],
        );
    }
    let cx = RequestCx {
        app: app.clone(),
        caller,
    };
    let statements = Arc::new(AtomicU64::new(0));
    let span =
        tracing::debug_span!("graphql", user_id = %cx.caller.principal.user_id, operations = count);
    let run = async {
        let batch = match batch {
            BatchRequest::Single(r) => BatchRequest::Single(with_context(r, &cx)),
            BatchRequest::Batch(list) => {
                BatchRequest::Batch(list.into_iter().map(|r| with_context(r, &cx)).collect())
            }
        };
        gql.schema.execute_batch(batch).await
    };
    let response = crate::store::db::counting(statements.clone(), run.instrument(span)).await;
    tracing::debug!(
        target: "stint::graphql",
        user_id = %cx.caller.principal.user_id,
        operations = count,
        sql_statements = statements.load(Ordering::Relaxed),
        "graphql request"
    );
    let response = with_codes(response);
    (StatusCode::OK, axum::Json(response)).into_response()
}

fn with_context(request: async_graphql::Request, cx: &RequestCx) -> async_graphql::Request {
    request.data(cx.clone()).data(Lookup::for_request(cx))
}

/// Gives every error `extensions.code`: errors of Stint's already have one; GraphQL's own
/// (syntax, unknown fields, wrong variable types, limits) get one here.
fn with_codes(mut response: BatchResponse) -> BatchResponse {
    let fix = |r: &mut async_graphql::Response| {
        for e in &mut r.errors {
            let has_code = e
                .extensions
                .as_ref()
                .is_some_and(|x| x.get("code").is_some());
            if !has_code {
                let code = if e.message.contains("nested too deep") {
                    "QUERY_TOO_DEEP"
                } else if e.message.contains("too complex") {
                    "QUERY_TOO_COMPLEX"
                } else if e.path.is_empty() {
                    "VALIDATION_ERROR"
                } else {
                    "INTERNAL_ERROR"
                };
                e.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code);
            }
        }
    };
    match &mut response {
        BatchResponse::Single(r) => fix(r),
        BatchResponse::Batch(list) => list.iter_mut().for_each(fix),
    }
    response
}

/// `GET /graphql`: subscriptions for a WebSocket upgrade, GraphiQL otherwise.
async fn page_or_subscriptions(
    State(app): State<App>,
    axum::Extension(gql): axum::Extension<Gql>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return page();
    }
    let protocol = GraphQLProtocol::from_request_parts(&mut parts, &app)
        .await
        .ok();
    let ws = match axum::extract::WebSocketUpgrade::from_request_parts(&mut parts, &app).await {
        Ok(ws) => ws,
        Err(r) => return r.into_response(),
    };
    let Some(protocol) = protocol else {
        return failure(
            StatusCode::BAD_REQUEST,
            vec![coded(
                "VALIDATION_ERROR",
                "ask for the graphql-transport-ws (or graphql-ws) subprotocol",
            )],
        );
    };
    let Some(pending) = app
        .ws_limits
        .pending
        .acquire(peer.ip(), app.config.ws.pending_per_address)
    else {
        return refused(Error::RateLimited {
            retry_after_secs: crate::api::ws::AUTH_TIMEOUT.as_secs(),
        });
    };
    // Small buffers, as for `/ws`: an idle subscription should cost kilobytes.
    ws.protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(crate::api::ws::MAX_MESSAGE_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            let initialized = Arc::new(AtomicBool::new(false));
            let done = initialized.clone();
            let serve = GraphQLWebSocket::new(socket, gql.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    done.store(true, Ordering::Relaxed);
                    drop(pending);
                    connection_data(&app, payload, peer).await
                })
                .serve();
            let mut serve = std::pin::pin!(serve);
            tokio::select! {
                () = &mut serve => {}
                () = tokio::time::sleep(crate::api::ws::AUTH_TIMEOUT) => {
                    // A client that never sends connection_init is dropped.
                    if initialized.load(Ordering::Relaxed) {
                        serve.await;
                    }
                }
            }
        })
}

/// The connection's data from `connection_init`: with a token (`Authorization: Bearer …`,
/// `authorization`, `token` or `authToken`), its caller; without one, nothing (every operation
/// then fails with `UNAUTHORIZED`). A token that does not authenticate refuses the connection.
async fn connection_data(
    app: &App,
    payload: Value,
    peer: SocketAddr,
) -> async_graphql::Result<Data> {
    let mut data = Data::default();
    let token = ["Authorization", "authorization", "token", "authToken"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(Value::as_str))
        .map(|v| strip_bearer(v).unwrap_or(v).to_owned());
    let Some(token) = token else {
        return Ok(data);
    };
    let caller = caller(app, &token, Some(peer.ip()))
        .await
        .map_err(to_graphql)?;
    let cx = RequestCx {
        app: app.clone(),
        caller,
    };
    data.insert(Lookup::for_request(&cx));
    data.insert(cx);
    Ok(data)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Stint GraphQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/assets/react.production.min.js"></script>
<script src="/graphql/assets/react-dom.production.min.js"></script>
<script src="/graphql/assets/graphql-ws.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script src="/graphql/assets/stint-graphiql.js"></script>
</body>
</html>
"#;

fn page() -> Response {
    Html(PAGE).into_response()
}

/// GraphiQL 3.8.3, React 18.3.1 and graphql-ws 5.16.2, vendored (`host/assets/graphiql/`).
fn asset_bytes(file: &str) -> Option<(&'static [u8], &'static str)> {
    const JS: &str = "text/javascript; charset=utf-8";
    Some(match file {
        "graphiql.min.css" => (
            include_bytes!("../../../assets/graphiql/graphiql.min.css").as_slice(),
            "text/css; charset=utf-8",
        ),
        "graphiql.min.js" => (
            include_bytes!("../../../assets/graphiql/graphiql.min.js").as_slice(),
            JS,
        ),
        "react.production.min.js" => (
            include_bytes!("../../../assets/graphiql/react.production.min.js").as_slice(),
            JS,
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../../assets/graphiql/react-dom.production.min.js").as_slice(),
            JS,
        ),
        "graphql-ws.min.js" => (
            include_bytes!("../../../assets/graphiql/graphql-ws.min.js").as_slice(),
            JS,
        ),
        "stint-graphiql.js" => (
            include_bytes!("../../../assets/graphiql/stint-graphiql.js").as_slice(),
            JS,
        ),
        _ => return None,
    })
}

async fn asset(Path(file): Path<String>) -> Response {
    match asset_bytes(&file) {
        Some((bytes, content_type)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            bytes,
        )
            .into_response(),
        None => Error::NotFound("no such asset".into()).into_response(),
    }
}
