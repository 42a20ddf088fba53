//! Stint's OAuth 2.1 authorization server over HTTP, for MCP clients (`docs/oauth.md`): the
//! RFC 8414 metadata, dynamic registration, the sign-in and consent pages, the token and
//! revocation endpoints. The rules live in [`crate::domain::oauth`]; this module parses forms,
//! renders the pages ([`pages`]) and answers in the protocol's shapes: token, registration and
//! revocation errors are `{"error", "error_description"}`, never Stint's envelope.

mod pages;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::Router;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::app::App;
use crate::domain::oauth::{
    self, AuthorizeParams, ClientMetadata, Decision, OAuthError, Refusal, TokenRequest,
};
use crate::error::Error;

/// The authorization server's routes.
pub fn router() -> Router<App> {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/oauth/register", post(register))
        .route("/oauth/authorize", get(authorize).post(authorize_form))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
}

/// The client address, when the server was started with connection info (never a rejection).
struct Peer(Option<IpAddr>);

impl FromRequestParts<App> for Peer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The per-address limit of anonymous routes (shared with `/api/v1/auth/login` and the like).
fn limit(app: &App, ip: Option<IpAddr>) -> Result<(), Error> {
    let key = ip.map_or_else(|| "ip:unknown".to_owned(), |ip| format!("ip:{ip}"));
    app.rate_limiter.check(&key)
}

// ---------------------------------------------------------------------------------------------
// JSON answers
// ---------------------------------------------------------------------------------------------

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// `400 {"error", "error_description"}`.
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    no_store(
        (
            status,
            Json(json!({ "error": code, "error_description": description })),
        )
            .into_response(),
    )
}

/// A Stint error in the protocol's shape: a rate limit is `429 temporarily_unavailable` with
/// `Retry-After`, anything unexpected `500 server_error` (logged, never detailed).
fn failure(err: Error) -> Response {
    let code = match &err {
        Error::RateLimited { .. } => "temporarily_unavailable",
        Error::Internal(e) => {
            tracing::error!(error = ?e, "internal error");
            "server_error"
        }
        Error::Unauthorized(_) => "invalid_client",
        _ => "invalid_request",
    };
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = oauth_error(status, code, &err.to_string());
    crate::api::rest::error_headers(&err, response.headers_mut());
    response
}

fn refusal(err: OAuthError) -> Response {
    match err {
        OAuthError::Refused { code, description } => {
            oauth_error(StatusCode::BAD_REQUEST, code, &description)
        }
        OAuthError::Other(e) => failure(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata and registration
// ---------------------------------------------------------------------------------------------

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
async fn metadata(State(app): State<App>) -> Response {
    let base = oauth::issuer(&app);
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "registration_endpoint": format!("{base}/oauth/register"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": [oauth::SCOPE],
    }))
    .into_response()
}

/// Whether a `Content-Type` names `media` (parameters such as `charset` aside). An absent header
/// counts as a match, so that a client that omits it is still understood.
fn content_type_is(headers: &HeaderMap, media: &str) -> bool {
    match headers.get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v.to_str().ok().is_some_and(|v| {
            let essence = v.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case(media)
        }),
    }
}

/// `POST /oauth/register` (RFC 7591) → 201 with the client's information.
async fn register(
    State(app): State<App>,
    Peer(ip): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(e) = limit(&app, ip) {
        return failure(e);
    }
    let invalid = |m: String| oauth_error(StatusCode::BAD_REQUEST, "invalid_client_metadata", &m);
    if !content_type_is(&headers, "application/json") {
        return invalid("the body must be a JSON object (Content-Type: application/json)".into());
    }
    let body = match body {
        Ok(b) => b,
        Err(e) => return invalid(format!("cannot read the request body: {e}")),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return invalid("the body must be a JSON object".into()),
        Err(e) => return invalid(format!("malformed JSON: {e}")),
    };
    let input: ClientMetadata = match serde_path_to_error::deserialize(value) {
        Ok(input) => input,
        Err(e) => {
            let code = if e.path().to_string().starts_with("redirect_uris") {
                "invalid_redirect_uri"
            } else {
                "invalid_client_metadata"
            };
            return oauth_error(
                StatusCode::BAD_REQUEST,
                code,
                &format!("{}: {}", e.path(), e.inner()),
            );
        }
    };
    match oauth::register_client(&app, input).await {
        Ok(client) => no_store((StatusCode::CREATED, Json(client)).into_response()),
        Err(e) => refusal(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------

/// The parameters of a query string or form body; a parameter given twice is refused
/// (RFC 6749 §3.1).
fn parse_pairs(input: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(input) {
        if map.insert(k.clone().into_owned(), v.into_owned()).is_some() {
            return Err(format!("the parameter {k} is given more than once"));
        }
    }
    Ok(map)
}

/// An `application/x-www-form-urlencoded` body.
fn parse_form(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<HashMap<String, String>, String> {
    if headers.get(header::CONTENT_TYPE).is_none()
        || !content_type_is(headers, "application/x-www-form-urlencoded")
    {
        return Err("the body must be application/x-www-form-urlencoded".into());
    }
    let body = body.map_err(|e| format!("cannot read the request body: {e}"))?;
    parse_pairs(&body)
}

fn authorize_params(form: &HashMap<String, String>) -> AuthorizeParams {
    let get = |k: &str| form.get(k).cloned();
    AuthorizeParams {
        response_type: get("response_type"),
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        state: get("state"),
        scope: get("scope"),
        resource: get("resource"),
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(header::LOCATION, v);
            no_store(response)
        }
        Err(_) => pages::error(
            StatusCode::BAD_REQUEST,
            "The redirect URI cannot be used in an HTTP header.",
        ),
    }
}

/// What an invalid authorization request gets: a page, or the way back to the client.
fn refused_authorization(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(message) => pages::error(StatusCode::BAD_REQUEST, &message),
        Refusal::Redirect(url) => see_other(&url),
        Refusal::Failed(e) => page_failure(e),
    }
}

/// A Stint error on the pages: its status and message (an internal one logged, not shown).
fn page_failure(err: Error) -> Response {
    if let Error::Internal(e) = &err {
        tracing::error!(error = ?e, "internal error");
    }
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match &err {
        Error::Internal(_) => "Something went wrong on our side. Try again later.".to_owned(),
        other => other.to_string(),
    };
    let mut response = pages::error(status, &message);
    crate::api::rest::error_headers(&err, response.headers_mut());
    response
}

// ---------------------------------------------------------------------------------------------
// The authorization endpoint
// ---------------------------------------------------------------------------------------------

/// `GET /oauth/authorize?…`: the sign-in page for a valid request; an error page when the client
/// or redirect URI cannot be trusted; otherwise `303` back to the client with `error`.
async fn authorize(State(app): State<App>, Peer(ip): Peer, RawQuery(query): RawQuery) -> Response {
    if let Err(e) = limit(&app, ip) {
        return page_failure(e);
    }
    let params = match parse_pairs(query.unwrap_or_default().as_bytes()) {
        Ok(p) => authorize_params(&p),
        Err(m) => return pages::error(StatusCode::BAD_REQUEST, &m),
    };
    match oauth::check_authorization(&app, &params).await {
        Ok(req) => pages::login(StatusCode::OK, &req, None, None),
        Err(r) => refused_authorization(r),
    }
}

/// `POST /oauth/authorize` (form): `step=login` checks the password and shows the consent page;
/// `step=approve` (with `ticket`, `org_id`) or `step=deny` (with `ticket`) answer the client.
async fn authorize_form(
    State(app): State<App>,
    Peer(ip): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(e) = limit(&app, ip) {
        return page_failure(e);
    }
    let form = match parse_form(&headers, body) {
        Ok(f) => f,
        Err(m) => return pages::error(StatusCode::BAD_REQUEST, &m),
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    match field("step") {
        "login" => {
            let req = match oauth::check_authorization(&app, &authorize_params(&form)).await {
                Ok(req) => req,
                Err(r) => return refused_authorization(r),
            };
            let email = field("email");
            match oauth::sign_in(&app, &req, email, field("password").to_owned()).await {
                Ok(consent) => pages::consent(StatusCode::OK, &consent, None),
                Err(Error::Unauthorized(_)) => pages::login(
                    StatusCode::UNAUTHORIZED,
                    &req,
                    Some(email),
                    Some("Invalid e-mail or password."),
                ),
                Err(e @ Error::RateLimited { .. }) => {
                    let mut response = pages::login(
                        StatusCode::TOO_MANY_REQUESTS,
                        &req,
                        Some(email),
                        Some(&format!("Too many failed sign-ins. {e}.")),
                    );
                    crate::api::rest::error_headers(&e, response.headers_mut());
                    response
                }
                Err(e) => page_failure(e),
            }
        }
        "approve" => {
            let org = form.get("org_id").map(String::as_str);
            match oauth::approve(&app, field("ticket"), org).await {
                Ok(Decision::Redirect(url)) => see_other(&url),
                Ok(Decision::Consent { consent, message }) => {
                    pages::consent(StatusCode::BAD_REQUEST, &consent, Some(&message))
                }
                Err(e) => ticket_failure(e),
            }
        }
        "deny" => match oauth::deny(&app, field("ticket")).await {
            Ok(url) => see_other(&url),
            Err(e) => ticket_failure(e),
        },
        "" => pages::error(StatusCode::BAD_REQUEST, "The form has no step."),
        _ => pages::error(StatusCode::BAD_REQUEST, "Unknown step."),
    }
}

/// An expired, forged or stale consent ticket: a page (400), never a redirect.
fn ticket_failure(err: Error) -> Response {
    match err {
        Error::Unauthorized(m) => pages::error(StatusCode::BAD_REQUEST, &m),
        other => page_failure(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Token and revocation endpoints
// ---------------------------------------------------------------------------------------------

/// The client id of `Authorization: Basic base64(client_id:secret)` (RFC 6749 §2.3.1, both parts
/// form-encoded); `Err` for a malformed Basic header, `Ok(None)` without one.
fn basic_client_id(headers: &HeaderMap) -> Result<Option<String>, ()> {
    use base64::Engine as _;
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(drop)?;
    let Some((scheme, credentials)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .map_err(drop)?;
    let decoded = String::from_utf8(decoded).map_err(drop)?;
    let id = decoded
        .split_once(':')
        .map_or(decoded.as_str(), |(id, _)| id);
    let id: String = url::form_urlencoded::parse(format!("id={id}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    Ok(Some(id).filter(|id| !id.is_empty()))
}

/// `POST /oauth/token` (form): `authorization_code` with PKCE, or `refresh_token` (rotating).
async fn token(
    State(app): State<App>,
    Peer(ip): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(e) = limit(&app, ip) {
        return failure(e);
    }
    let bad = |m: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", m);
    let form = match parse_form(&headers, body) {
        Ok(f) => f,
        Err(m) => return bad(&m),
    };
    let basic = match basic_client_id(&headers) {
        Ok(b) => b,
        Err(()) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "malformed Basic credentials",
            );
        }
    };
    let body_id = form.get("client_id").filter(|c| !c.is_empty()).cloned();
    let client_id = match (basic, body_id) {
        (Some(a), Some(b)) if a != b => {
            return bad("client_id in the body differs from the Authorization header");
        }
        (a, b) => a.or(b),
    };
    let get = |k: &str| form.get(k).cloned();
    let req = TokenRequest {
        grant_type: get("grant_type"),
        code: get("code"),
        redirect_uri: get("redirect_uri"),
        code_verifier: get("code_verifier"),
        client_id,
        refresh_token: get("refresh_token"),
        scope: get("scope"),
        resource: get("resource"),
    };
    match oauth::exchange(&app, req).await {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(e) => refusal(e),
    }
}

/// `POST /oauth/revoke` (form: `token`, `token_type_hint`?) → 200, whether or not the token was
/// known (RFC 7009 §2.2).
async fn revoke(
    State(app): State<App>,
    Peer(ip): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(e) = limit(&app, ip) {
        return failure(e);
    }
    let form = match parse_form(&headers, body) {
        Ok(f) => f,
        Err(m) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &m),
    };
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let client_id = match basic_client_id(&headers) {
        Ok(Some(id)) => Some(id),
        _ => form.get("client_id").cloned(),
    };
    match oauth::revoke(&app, token, client_id.as_deref()).await {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => failure(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_refuse_repeated_parameters() {
        let map = parse_pairs(b"a=1&b=x+y%26z").unwrap();
        assert_eq!(map["a"], "1");
        assert_eq!(map["b"], "x y&z");
        assert!(parse_pairs(b"a=1&a=2").is_err());
        assert!(parse_pairs(b"").unwrap().is_empty());
        // Invalid UTF-8 and stray percent signs do not fail.
        assert!(parse_pairs(b"a=%ff%&b=\xff").is_ok());
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert!(content_type_is(&h, "application/json"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
        );
        assert!(content_type_is(&h, "application/x-www-form-urlencoded"));
        assert!(!content_type_is(&h, "application/json"));
        assert!(parse_form(&HeaderMap::new(), Ok(Bytes::from_static(b"a=1"))).is_err());
    }

    #[test]
    fn basic_credentials_name_the_client() {
        use base64::Engine as _;
        let mut h = HeaderMap::new();
        assert_eq!(basic_client_id(&h), Ok(None));
        let encoded = base64::engine::general_purpose::STANDARD.encode("oac_1%2Bx:");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        assert_eq!(basic_client_id(&h), Ok(Some("oac_1+x".into())));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_client_id(&h), Err(()));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(basic_client_id(&h), Ok(None));
    }
}
