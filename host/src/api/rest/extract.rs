//! Extractors whose failures use the error envelope: the authenticated caller and the JSON body.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::app::App;
use crate::auth::Caller;
use crate::error::Error;

/// The authenticated caller, from `Authorization: Bearer …`, after the per-user rate limit.
pub struct CallerExt(pub Caller);

impl FromRequestParts<App> for CallerExt {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Error> {
        let token = bearer_token(&parts.headers)?;
        Ok(CallerExt(caller(app, token, client_ip(parts)).await?))
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Result<&str, Error> {
    let header = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Error::Unauthorized("missing Authorization: Bearer token".into()))?;
    header.to_str().ok().and_then(strip_bearer).ok_or_else(|| {
        Error::Unauthorized("the Authorization header must be Bearer <token>".into())
    })
}

/// `Bearer xyz` → `xyz` (an empty token is none).
pub fn strip_bearer(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The caller a token authenticates, after the per-user rate limit: what every HTTP interface
/// (REST, GraphQL) does with a credential.
pub async fn caller(app: &App, token: &str, ip: Option<std::net::IpAddr>) -> Result<Caller, Error> {
    let principal = crate::domain::accounts::authenticate(app, token).await?;
    app.rate_limiter.check(&principal.user_id)?;
    Ok(Caller { principal, ip })
}

/// The client address of a request, when the server was started with connection info.
pub fn client_ip(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// A JSON object body; an empty body is `{}`.
pub struct Body(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map(|l| l.0)
            .unwrap_or(1024 * 1024);
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge { limit }
            } else {
                Error::invalid(format!("cannot read the request body: {rejection}"))
            }
        })?;
        parse_object(&bytes).map(Body)
    }
}

/// The configured body cap, made visible to extractors for their error message.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Parses a body that must be a JSON object (or empty).
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::invalid("the request body must be a JSON object")),
        Err(e) => Err(Error::invalid(format!("malformed JSON: {e}"))),
    }
}
