//! `/api/v1/auth/*`: account and credential endpoints. Responses are flat, as TRCR's are; the
//! anonymous ones are rate-limited per client address.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::extract::{Body, CallerExt, client_ip};
use crate::actions::decode_payload as decode;
use crate::app::App;
use crate::domain::{accounts, members, oauth};
use crate::error::{Error, Result};

fn parse<T: DeserializeOwned>(body: Body) -> Result<T> {
    decode(Value::Object(body.0))
}

/// Per-address limit for routes that have no user yet; holds the client address.
pub struct Anonymous(pub Option<std::net::IpAddr>);

impl axum::extract::FromRequestParts<App> for Anonymous {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self> {
        let ip = client_ip(parts);
        let key = ip
            .map(|ip| format!("ip:{ip}"))
            .unwrap_or_else(|| "ip:unknown".into());
        app.rate_limiter.check(&key)?;
        Ok(Anonymous(ip))
    }
}

/// `POST /auth/register` → 201 with tokens and the user.
pub async fn register(
    State(app): State<App>,
    Anonymous(ip): Anonymous,
    body: Body,
) -> Result<Response> {
    let tokens = accounts::register(&app, ip, parse(body)?).await?;
    Ok((StatusCode::CREATED, Json(tokens)).into_response())
}

/// `POST /auth/login`.
pub async fn login(State(app): State<App>, _: Anonymous, body: Body) -> Result<Response> {
    Ok(Json(accounts::login(&app, parse(body)?).await?).into_response())
}

/// `POST /auth/refresh`.
pub async fn refresh(State(app): State<App>, _: Anonymous, body: Body) -> Result<Response> {
    Ok(Json(accounts::refresh(&app, parse(body)?).await?).into_response())
}

/// `POST /auth/logout` → 204.
pub async fn logout(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    body: Body,
) -> Result<StatusCode> {
    accounts::logout(&app, &caller.principal, parse(body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/forgot-password` → 202, whether or not the address has an account.
pub async fn forgot_password(State(app): State<App>, _: Anonymous, body: Body) -> Result<Response> {
    accounts::forgot_password(&app, parse(body)?).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "data": { "status": "accepted" } })),
    )
        .into_response())
}

/// `POST /auth/reset-password` → 204.
pub async fn reset_password(
    State(app): State<App>,
    _: Anonymous,
    body: Body,
) -> Result<StatusCode> {
    accounts::reset_password(&app, parse(body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/change-password` → 204.
pub async fn change_password(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    body: Body,
) -> Result<StatusCode> {
    accounts::change_password(&app, &caller.principal, parse(body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /auth/me`.
pub async fn me(State(app): State<App>, CallerExt(caller): CallerExt) -> Result<Response> {
    Ok(Json(json!({ "data": accounts::me(&app, &caller.principal).await? })).into_response())
}

/// `PATCH /auth/me`.
pub async fn update_me(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    body: Body,
) -> Result<Response> {
    let user = accounts::update_me(&app, &caller.principal, parse(body)?).await?;
    Ok(Json(json!({ "data": user })).into_response())
}

/// `POST /auth/ws-ticket` → `{"ticket"}`.
pub async fn ws_ticket(State(app): State<App>, CallerExt(caller): CallerExt) -> Result<Response> {
    Ok(Json(accounts::ws_ticket(&app, &caller.principal).await?).into_response())
}

/// `GET /auth/tokens`.
pub async fn list_tokens(State(app): State<App>, CallerExt(caller): CallerExt) -> Result<Response> {
    Ok(
        Json(json!({ "data": accounts::list_tokens(&app, &caller.principal).await? }))
            .into_response(),
    )
}

/// `POST /auth/tokens` → 201; the only response that contains the token's secret.
pub async fn create_token(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    body: Body,
) -> Result<Response> {
    let token = accounts::create_token(&app, &caller.principal, parse(body)?).await?;
    Ok((StatusCode::CREATED, Json(json!({ "data": token }))).into_response())
}

/// `DELETE /auth/tokens/{id}` → 204.
pub async fn revoke_token(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    accounts::revoke_token(&app, &caller.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /auth/oauth-grants`: the OAuth grants the caller gave (login sessions only).
pub async fn list_oauth_grants(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
) -> Result<Response> {
    let grants = oauth::list_grants(&app, &caller.principal).await?;
    Ok(Json(json!({ "data": grants })).into_response())
}

/// `DELETE /auth/oauth-grants/{id}` → 204: revokes the grant and its tokens.
pub async fn revoke_oauth_grant(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    oauth::revoke_grant(&app, &caller.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/verify-email {token}` → 204: proves the address with the mailed link.
pub async fn verify_email(State(app): State<App>, _: Anonymous, body: Body) -> Result<StatusCode> {
    accounts::verify_email(&app, parse(body)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/verify-email/resend` → 202: mails a new verification link.
pub async fn resend_verification(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
) -> Result<Response> {
    accounts::resend_verification(&app, &caller.principal).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "data": { "status": "accepted" } })),
    )
        .into_response())
}

/// `POST /auth/invitations/accept {token}` → 201 with the new membership.
pub async fn accept_invitation(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    body: Body,
) -> Result<Response> {
    let input: AcceptInvitation = parse(body)?;
    let member = members::accept_invitation(&app, &caller, &input.token)
        .await?
        .member;
    Ok((StatusCode::CREATED, Json(json!({ "data": member }))).into_response())
}

/// `GET /auth/invitations`: invitations to the caller's verified address.
pub async fn list_invitations(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
) -> Result<Response> {
    let list = members::my_invitations(&app, &caller.principal).await?;
    Ok(Json(json!({ "data": list })).into_response())
}

/// `POST /auth/invitations/{id}/accept` → 201: accepts by id (verified addresses only).
pub async fn accept_invitation_by_id(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    Path(id): Path<String>,
) -> Result<Response> {
    let member = members::accept_invitation_by_id(&app, &caller, &id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "data": member }))).into_response())
}

/// `POST /auth/invitations/accept` body.
#[derive(serde::Deserialize)]
struct AcceptInvitation {
    /// The token of the mailed invitation link.
    token: String,
}
