//! Stint as its own OAuth 2.1 authorization server, for MCP clients that connect without a pasted
//! token (`docs/oauth.md`): dynamic registration of public clients (RFC 7591), the authorization
//! code grant with PKCE S256 only, rotating refresh tokens with reuse detection, and revocation
//! (RFC 7009).
//!
//! A user approves a client for **one** organization; the approval is a *grant* (`oag_…`), and its
//! access tokens (`stint_oat_…`) authenticate as [`AuthVia::OAuthGrant`], bound to that
//! organization exactly as a personal access token is. Codes, access and refresh tokens are
//! opaque random secrets stored only as SHA-256 hashes. Between the password check and the
//! approval the browser carries a signed *consent ticket* (HS256 under the server's JWT keys,
//! audience [`CONSENT_AUDIENCE`]), so the pages need no cookie: the ticket is both the proof of
//! sign-in and the protection against cross-site requests.
//!
//! Nothing here knows HTTP: the adapter in `api::oauth` parses forms, renders pages and turns
//! [`OAuthError`] and [`Refusal`] into the protocol's answers.
//!
//! ```ignore
//! let req = oauth::check_authorization(app, &params).await?;      // GET /oauth/authorize
//! let consent = oauth::sign_in(app, &req, email, password).await?; // POST step=login
//! let oauth::Decision::Redirect(url) = oauth::approve(app, &consent.ticket, Some(org)).await?;
//! let tokens = oauth::exchange(app, token_request).await?;        // POST /oauth/token
//! ```

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{AuthVia, Principal};
use crate::domain::Services;
use crate::error::{Error, Result};
use crate::ids;
use crate::store;
use crate::store::oauth::{LiveGrant, TokenKind};

pub use crate::model::oauth::{OAuthClient, OAuthGrant};

/// OAuth access tokens start with this, so they are recognisable in logs and secret scanners.
pub const ACCESS_TOKEN_PREFIX: &str = "stint_oat_";
/// OAuth refresh tokens start with this.
pub const REFRESH_TOKEN_PREFIX: &str = "stint_ort_";
/// The one scope: use Stint through MCP (and the other interfaces) within the grant's
/// organization.
pub const SCOPE: &str = "mcp";
/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Lifetime of an authorization code.
pub const CODE_TTL_SECS: i64 = 600;
/// Lifetime of the signed ticket between the sign-in and the approval.
pub const CONSENT_TTL_SECS: i64 = 600;
/// Lifetime of a refresh token (each refresh issues a new one).
pub const REFRESH_TOKEN_TTL_DAYS: i64 = 30;
/// The `aud` of consent tickets, which no other token Stint signs carries.
pub const CONSENT_AUDIENCE: &str = "stint-oauth-consent";
/// The name shown for a client that registered none.
pub const UNNAMED_CLIENT: &str = "Unnamed application";

const MAX_NAME_CHARS: usize = 200;
const MAX_URI_LEN: usize = 2000;
const MAX_STATE_LEN: usize = 2000;

/// A failure in the protocol's own vocabulary (RFC 6749 §5.2, RFC 7591 §3.2.2).
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The request is refused with an OAuth error code the client understands (HTTP 400).
    #[error("{code}: {description}")]
    Refused {
        /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`,
        /// `invalid_scope`, `invalid_target`, `invalid_redirect_uri` or `invalid_client_metadata`.
        code: &'static str,
        /// What was wrong, for a developer.
        description: String,
    },
    /// Anything else: a rate limit, a database failure.
    #[error(transparent)]
    Other(#[from] Error),
}

impl From<sqlx::Error> for OAuthError {
    fn from(err: sqlx::Error) -> Self {
        OAuthError::Other(err.into())
    }
}

fn refused(code: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError::Refused {
        code,
        description: description.into(),
    }
}

/// The issuer: the public URL without a trailing slash.
pub fn issuer(app: &Services) -> &str {
    app.config.public_url.trim_end_matches('/')
}

// ---------------------------------------------------------------------------------------------
// Registration (RFC 7591)
// ---------------------------------------------------------------------------------------------

/// `POST /oauth/register`: the client metadata Stint reads; any other member is ignored, as
/// RFC 7591 §2 asks.
#[derive(Debug, Default, Deserialize)]
pub struct ClientMetadata {
    /// Where authorization responses may be sent (1 to [`MAX_REDIRECT_URIS`]).
    pub redirect_uris: Option<Vec<String>>,
    /// A name to show the user.
    pub client_name: Option<String>,
    /// Requested; Stint registers public clients only and always answers `none`.
    pub token_endpoint_auth_method: Option<String>,
    /// A subset of `authorization_code`, `refresh_token`.
    pub grant_types: Option<Vec<String>>,
    /// `["code"]`.
    pub response_types: Option<Vec<String>>,
    /// Requested scopes; Stint has one, `mcp`.
    pub scope: Option<String>,
}

/// A registered client, as RFC 7591 §3.2.1 answers it.
#[derive(Debug, Serialize)]
pub struct RegisteredClient {
    /// `oac_…`
    pub client_id: String,
    /// Seconds since the epoch.
    pub client_id_issued_at: i64,
    /// As registered.
    pub redirect_uris: Vec<String>,
    /// The name shown to users.
    pub client_name: String,
    /// Always `none`: public clients prove themselves with PKCE.
    pub token_endpoint_auth_method: &'static str,
    /// `authorization_code`, `refresh_token`.
    pub grant_types: [&'static str; 2],
    /// `code`.
    pub response_types: [&'static str; 1],
    /// `mcp`.
    pub scope: &'static str,
}

/// Registers a public client.
pub async fn register_client(
    app: &Services,
    input: ClientMetadata,
) -> Result<RegisteredClient, OAuthError> {
    let uris = input.redirect_uris.unwrap_or_default();
    if uris.is_empty() {
        return Err(refused(
            "invalid_redirect_uri",
            "redirect_uris must name at least one redirect URI",
        ));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(refused(
            "invalid_redirect_uri",
            format!("at most {MAX_REDIRECT_URIS} redirect URIs may be registered"),
        ));
    }
    for uri in &uris {
        validate_redirect_uri(uri).map_err(|m| refused("invalid_redirect_uri", m))?;
    }
    if let Some(types) = &input.response_types
        && (types.is_empty() || types.iter().any(|t| t != "code"))
    {
        return Err(refused(
            "invalid_client_metadata",
            "response_types may only be [\"code\"]",
        ));
    }
    if let Some(grants) = &input.grant_types
        && (!grants.iter().any(|g| g == "authorization_code")
            || grants
                .iter()
                .any(|g| g != "authorization_code" && g != "refresh_token"))
    {
        return Err(refused(
            "invalid_client_metadata",
            "grant_types must include authorization_code and may add only refresh_token",
        ));
    }
    let name = client_name(input.client_name.as_deref())
        .map_err(|m| refused("invalid_client_metadata", m))?;
    let client = OAuthClient {
        id: ids::new_id("oac"),
        name,
        redirect_uris: uris,
        created_at: crate::clock::now(),
    };
    store::oauth::insert_client(&mut app.db.auto_commit(), &client).await?;
    tracing::info!(client_id = %client.id, name = %client.name, "OAuth client registered");
    Ok(RegisteredClient {
        client_id: client.id,
        client_id_issued_at: client.created_at.timestamp(),
        redirect_uris: client.redirect_uris,
        client_name: client.name,
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        scope: SCOPE,
    })
}

fn client_name(name: Option<&str>) -> std::result::Result<String, String> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Ok(UNNAMED_CLIENT.to_owned());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "client_name may have at most {MAX_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("client_name must not contain control characters".into());
    }
    Ok(name.to_owned())
}

/// Checks one redirect URI: an absolute URL without fragment or credentials, `https:`, or `http:`
/// on a loopback host (`localhost`, `127.0.0.1`, `[::1]`). The message says what is wrong.
pub fn validate_redirect_uri(uri: &str) -> std::result::Result<(), String> {
    if uri.is_empty() || uri.len() > MAX_URI_LEN {
        return Err(format!(
            "a redirect URI must have 1 to {MAX_URI_LEN} characters"
        ));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a redirect URI must not contain spaces or control characters".into());
    }
    if uri.contains('#') {
        return Err(format!(
            "{uri} has a fragment, which a redirect URI must not"
        ));
    }
    let url = url::Url::parse(uri).map_err(|_| format!("{uri} is not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{uri} must not contain credentials"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(format!(
            "{uri} uses http:, which is allowed only on a loopback host (localhost, 127.0.0.1, [::1])"
        )),
        _ => Err(format!(
            "{uri} must use https: (or http: on a loopback host)"
        )),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Authorization request, sign-in and consent
// ---------------------------------------------------------------------------------------------

/// The parameters of an authorization request, as sent (`GET /oauth/authorize` and the hidden
/// fields of the sign-in form).
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// A registered client.
    pub client_id: Option<String>,
    /// One of the client's registered redirect URIs, exactly.
    pub redirect_uri: Option<String>,
    /// BASE64URL(SHA256(code_verifier)).
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
    /// Required; returned unchanged.
    pub state: Option<String>,
    /// Optional; only `mcp`.
    pub scope: Option<String>,
    /// Optional (RFC 8707); the MCP endpoint or the server itself.
    pub resource: Option<String>,
}

/// A valid authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The registered client.
    pub client: OAuthClient,
    /// One of its redirect URIs.
    pub redirect_uri: String,
    /// The PKCE challenge (S256).
    pub code_challenge: String,
    /// The client's state.
    pub state: String,
    /// The granted scope (`mcp`).
    pub scope: String,
    /// The resource asked for, if any.
    pub resource: Option<String>,
}

/// Why an authorization request cannot go on.
#[derive(Debug)]
pub enum Refusal {
    /// The client or the redirect URI cannot be trusted: say so to the user, never redirect.
    Page(String),
    /// Send the browser back to the client at this URL, which carries `error`.
    Redirect(String),
    /// Something else failed (the database).
    Failed(Error),
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Self {
        Refusal::Failed(err)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(err: sqlx::Error) -> Self {
        Refusal::Failed(err.into())
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Validates an authorization request: first the client and redirect URI (a failure there is a
/// [`Refusal::Page`]), then the rest (a [`Refusal::Redirect`] back to the client).
pub async fn check_authorization(
    app: &Services,
    p: &AuthorizeParams,
) -> std::result::Result<AuthorizationRequest, Refusal> {
    let client_id =
        given(&p.client_id).ok_or_else(|| Refusal::Page("client_id is missing.".into()))?;
    let client = store::oauth::client(&mut &app.db, client_id)
        .await?
        .ok_or_else(|| Refusal::Page("This application is not registered with Stint.".into()))?;
    let redirect_uri =
        given(&p.redirect_uri).ok_or_else(|| Refusal::Page("redirect_uri is missing.".into()))?;
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(Refusal::Page(
            "redirect_uri is not one of this application's registered redirect URIs.".into(),
        ));
    }
    let state = given(&p.state).filter(|s| s.len() <= MAX_STATE_LEN);
    let fail = |code: &str, description: &str| {
        Refusal::Redirect(error_redirect(redirect_uri, code, description, state))
    };
    let Some(state) = state else {
        return Err(fail(
            "invalid_request",
            &format!("state is required (at most {MAX_STATE_LEN} characters)"),
        ));
    };
    if given(&p.response_type) != Some("code") {
        return Err(fail("invalid_request", "response_type must be code"));
    }
    match given(&p.code_challenge_method) {
        Some("S256") => {}
        Some("plain") => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method plain is not allowed; use S256",
            ));
        }
        _ => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256",
            ));
        }
    }
    let code_challenge = match given(&p.code_challenge) {
        Some(c) if challenge_is_valid(c) => c,
        _ => {
            return Err(fail(
                "invalid_request",
                "code_challenge must be 43 to 128 base64url characters",
            ));
        }
    };
    let scope = parse_scope(p.scope.as_deref()).map_err(|m| fail("invalid_scope", &m))?;
    let resource = match given(&p.resource) {
        Some(r) if resource_is_ours(issuer(app), r) => Some(r.to_owned()),
        Some(_) => {
            return Err(fail(
                "invalid_target",
                &format!("resource must be {}/mcp", issuer(app)),
            ));
        }
        None => None,
    };
    Ok(AuthorizationRequest {
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: code_challenge.to_owned(),
        state: state.to_owned(),
        scope,
        resource,
        client,
    })
}

/// The scope a request asks for: absent or blank means `mcp`; anything but `mcp` is refused.
pub fn parse_scope(scope: Option<&str>) -> std::result::Result<String, String> {
    let scope = scope.unwrap_or_default();
    match scope.split_whitespace().find(|s| *s != SCOPE) {
        Some(unknown) => Err(format!(
            "unknown scope {unknown:?}; the only scope is {SCOPE}"
        )),
        None => Ok(SCOPE.to_owned()),
    }
}

/// Whether `resource` names this server's MCP endpoint or the server itself (a trailing slash
/// aside).
pub fn resource_is_ours(issuer: &str, resource: &str) -> bool {
    let r = resource.trim_end_matches('/');
    r == issuer || r == format!("{issuer}/mcp")
}

/// An organization the user may bind the grant to.
#[derive(Debug, Clone, Serialize)]
pub struct OrgChoice {
    /// `org_…`
    pub id: String,
    /// Its name.
    pub name: String,
}

/// What the consent page shows, and the ticket it carries.
#[derive(Debug, Clone)]
pub struct Consent {
    /// The signed ticket: proof of sign-in, bound to this authorization request.
    pub ticket: String,
    /// The client's registered name.
    pub client_name: String,
    /// Where the answer goes.
    pub redirect_uri: String,
    /// The signed-in user's name.
    pub user_name: String,
    /// The signed-in user's e-mail.
    pub user_email: String,
    /// The user's organizations; the grant is bound to one of them.
    pub orgs: Vec<OrgChoice>,
}

/// The claims of a consent ticket. No `sub`, so it is never an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ConsentClaims {
    aud: String,
    iat: i64,
    exp: i64,
    /// The signed-in user.
    usr: String,
    cid: String,
    ruri: String,
    cc: String,
    st: String,
    scp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    res: Option<String>,
}

/// Checks the e-mail and password (under the login throttle) for a valid authorization request:
/// the consent page's content, with a ticket valid for [`CONSENT_TTL_SECS`].
pub async fn sign_in(
    app: &Services,
    req: &AuthorizationRequest,
    email: &str,
    password: String,
) -> Result<Consent> {
    let user = crate::domain::sign_in::check_credentials(app, email, password).await?;
    let now = crate::clock::now().timestamp();
    let claims = ConsentClaims {
        aud: CONSENT_AUDIENCE.to_owned(),
        iat: now,
        exp: now + CONSENT_TTL_SECS,
        usr: user.id,
        cid: req.client.id.clone(),
        ruri: req.redirect_uri.clone(),
        cc: req.code_challenge.clone(),
        st: req.state.clone(),
        scp: req.scope.clone(),
        res: req.resource.clone(),
    };
    let ticket = app.jwt.sign_for(&claims)?;
    consent(app, &claims, &req.client, ticket).await
}

async fn consent(
    app: &Services,
    claims: &ConsentClaims,
    client: &OAuthClient,
    ticket: String,
) -> Result<Consent> {
    let user = store::accounts::user(&mut &app.db, &claims.usr)
        .await?
        .ok_or_else(|| Error::Unauthorized("the account no longer exists".into()))?;
    let orgs = store::organizations::list_for_user(&mut &app.db, &user.id, None)
        .await?
        .into_iter()
        .map(|o| OrgChoice {
            id: o.id,
            name: o.name,
        })
        .collect();
    Ok(Consent {
        ticket,
        client_name: client.name.clone(),
        redirect_uri: claims.ruri.clone(),
        user_name: user.name,
        user_email: user.email,
        orgs,
    })
}

/// Opens a consent ticket: its claims and client, once the signature, expiry, the client and its
/// redirect URI are all still good.
async fn open_ticket(app: &Services, ticket: &str) -> Result<(ConsentClaims, OAuthClient)> {
    let claims: ConsentClaims = app
        .jwt
        .verify_for(ticket.trim(), CONSENT_AUDIENCE)
        .ok_or_else(|| {
            Error::Unauthorized(
                "this sign-in has expired or is not valid; start again from the application".into(),
            )
        })?;
    let client = store::oauth::client(&mut &app.db, &claims.cid)
        .await?
        .filter(|c| c.redirect_uris.contains(&claims.ruri))
        .ok_or_else(|| {
            Error::invalid("the application or its redirect URI is no longer registered")
        })?;
    Ok((claims, client))
}

/// What approving led to.
#[derive(Debug)]
pub enum Decision {
    /// Send the browser here: the client's redirect URI with `code` and `state`.
    Redirect(String),
    /// Show the consent page again with a message (no organization, or not one of the user's).
    Consent {
        /// The page's content.
        consent: Consent,
        /// What to fix.
        message: String,
    },
}

/// Approves the request a ticket stands for, bound to `org_id` (one of the user's
/// organizations): creates the grant and a single-use code valid for [`CODE_TTL_SECS`].
pub async fn approve(app: &Services, ticket: &str, org_id: Option<&str>) -> Result<Decision> {
    let (claims, client) = open_ticket(app, ticket).await?;
    let member = match org_id.filter(|o| !o.is_empty()) {
        Some(org) => store::access::membership(&mut &app.db, org, &claims.usr)
            .await?
            .map(|m| m.org_id),
        None => None,
    };
    let Some(org_id) = member else {
        let consent = consent(app, &claims, &client, ticket.trim().to_owned()).await?;
        let message = if consent.orgs.is_empty() {
            "You are not a member of any organization yet; create or join one first."
        } else {
            "Choose one of your organizations."
        };
        return Ok(Decision::Consent {
            consent,
            message: message.to_owned(),
        });
    };
    let now = crate::clock::now();
    let grant_id = ids::new_id("oag");
    let code = ids::secret(32);
    let mut tx = app.db.begin().await?;
    store::oauth::insert_grant(
        &mut tx,
        &grant_id,
        &client.id,
        &claims.usr,
        &org_id,
        &claims.scp,
        now,
    )
    .await?;
    store::oauth::insert_code(
        &mut tx,
        &ids::hash_secret(&code),
        &grant_id,
        &claims.ruri,
        &claims.cc,
        now + TimeDelta::seconds(CODE_TTL_SECS),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %claims.usr, client_id = %client.id, grant_id = %grant_id, org_id = %org_id, "OAuth grant approved");
    Ok(Decision::Redirect(with_query(
        &claims.ruri,
        &[("code", &code), ("state", &claims.st)],
    )))
}

/// Denies the request a ticket stands for: where to send the browser (`error=access_denied`).
pub async fn deny(app: &Services, ticket: &str) -> Result<String> {
    let (claims, _) = open_ticket(app, ticket).await?;
    Ok(error_redirect(
        &claims.ruri,
        "access_denied",
        "the user denied the request",
        Some(&claims.st),
    ))
}

/// `redirect_uri` with `error`, `error_description` and `state` (when given) added.
///
/// No RFC 9207 `iss` is added to any answer, nor advertised in the metadata: clients that see it
/// advertised insist on it and compare it with an issuer they may have normalized (a trailing
/// slash), which breaks sign-ins; and a client of Stint's `/mcp` has only this one authorization
/// server to mix up.
pub fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> String {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    with_query(redirect_uri, &pairs)
}

/// `base` with `pairs` appended to its query (form-encoded), keeping any query it has.
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.into()
        }
        Err(_) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}{query}")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PKCE (RFC 7636)
// ---------------------------------------------------------------------------------------------

/// Whether a code challenge has the shape of one: 43 to 128 base64url characters.
pub fn challenge_is_valid(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a code verifier has the shape RFC 7636 §4.1 gives it: 43 to 128 characters of
/// `[A-Za-z0-9-._~]`.
pub fn verifier_is_valid(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier: BASE64URL-NOPAD(SHA256(verifier)).
pub fn s256_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is well-formed and its S256 challenge is `challenge` (compared in constant
/// time).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    verifier_is_valid(verifier)
        && constant_time_eq(s256_challenge(verifier).as_bytes(), challenge.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// Token endpoint (RFC 6749 §4.1.3, §6)
// ---------------------------------------------------------------------------------------------

/// `POST /oauth/token`, as sent (the client id from the body or HTTP Basic).
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: Option<String>,
    /// The authorization code.
    pub code: Option<String>,
    /// The redirect URI the code was issued for.
    pub redirect_uri: Option<String>,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// The refresh token.
    pub refresh_token: Option<String>,
    /// On refresh: a subset of the grant's scope.
    pub scope: Option<String>,
    /// RFC 8707 resource, optional.
    pub resource: Option<String>,
}

/// The token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct IssuedTokens {
    /// `stint_oat_…`
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// `stint_ort_…`, single use.
    pub refresh_token: String,
    /// The granted scope.
    pub scope: String,
}

/// Exchanges an authorization code or a refresh token for a new access and refresh token.
pub async fn exchange(app: &Services, req: TokenRequest) -> Result<IssuedTokens, OAuthError> {
    if let Some(resource) = given(&req.resource)
        && !resource_is_ours(issuer(app), resource)
    {
        return Err(refused(
            "invalid_target",
            format!("resource must be {}/mcp", issuer(app)),
        ));
    }
    match given(&req.grant_type) {
        Some("authorization_code") => exchange_code(app, &req).await,
        Some("refresh_token") => refresh(app, &req).await,
        Some(other) => Err(refused(
            "unsupported_grant_type",
            format!(
                "grant_type {other:?} is not supported; use authorization_code or refresh_token"
            ),
        )),
        None => Err(refused("invalid_request", "grant_type is required")),
    }
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, OAuthError> {
    given(value).ok_or_else(|| refused("invalid_request", format!("{name} is required")))
}

async fn known_client(app: &Services, client_id: &str) -> Result<OAuthClient, OAuthError> {
    store::oauth::client(&mut &app.db, client_id)
        .await?
        .ok_or_else(|| refused("invalid_client", "unknown client_id"))
}

async fn exchange_code(app: &Services, req: &TokenRequest) -> Result<IssuedTokens, OAuthError> {
    let code = required(&req.code, "code")?;
    let redirect_uri = required(&req.redirect_uri, "redirect_uri")?;
    let verifier = required(&req.code_verifier, "code_verifier")?;
    let client_id = required(&req.client_id, "client_id")?;
    if !verifier_is_valid(verifier) {
        return Err(refused(
            "invalid_request",
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    known_client(app, client_id).await?;
    let hash = ids::hash_secret(code);
    let now = crate::clock::now();
    let mut tx = app.db.begin().await?;
    let Some(row) = store::oauth::consume_code(&mut tx, &hash, now).await? else {
        // A code presented twice was copied: the tokens the first use got are revoked too
        // (RFC 6749 §4.1.2).
        if let Some(grant_id) = store::oauth::used_code_grant(&mut tx, &hash).await? {
            store::oauth::revoke_grant(&mut tx, &grant_id, now).await?;
            tx.commit().await?;
            tracing::warn!(grant_id = %grant_id, "OAuth authorization code reused; grant revoked");
            return Err(refused(
                "invalid_grant",
                "the authorization code was already used; the grant is revoked",
            ));
        }
        return Err(refused(
            "invalid_grant",
            "invalid or expired authorization code",
        ));
    };
    // Every refusal below rolls back, leaving the code unused for its rightful holder.
    let grant = store::oauth::live_grant(&mut tx, &row.grant_id)
        .await?
        .ok_or_else(|| {
            refused(
                "invalid_grant",
                "the grant was revoked or its user left the organization",
            )
        })?;
    if grant.client_id != client_id {
        return Err(refused(
            "invalid_grant",
            "the authorization code was issued to another client",
        ));
    }
    if row.redirect_uri != redirect_uri {
        return Err(refused(
            "invalid_grant",
            "redirect_uri differs from the one of the authorization request",
        ));
    }
    if !pkce_matches(verifier, &row.code_challenge) {
        return Err(refused(
            "invalid_grant",
            "code_verifier does not match the code_challenge",
        ));
    }
    let tokens = issue(app, &mut tx, &grant, now).await?;
    tx.commit().await?;
    Ok(tokens)
}

async fn refresh(app: &Services, req: &TokenRequest) -> Result<IssuedTokens, OAuthError> {
    let token = required(&req.refresh_token, "refresh_token")?;
    let client_id = given(&req.client_id);
    if let Some(client_id) = client_id {
        known_client(app, client_id).await?;
    }
    let scope = parse_scope(req.scope.as_deref()).map_err(|m| refused("invalid_scope", m))?;
    let hash = ids::hash_secret(token);
    let now = crate::clock::now();
    let mut tx = app.db.begin().await?;
    let Some(grant_id) = store::oauth::consume_refresh_token(&mut tx, &hash, now).await? else {
        // A refresh token presented twice was copied: end the whole grant.
        if let Some(old) = store::oauth::token(&mut tx, &hash).await?
            && old.kind() == TokenKind::Refresh
            && old.used_at.is_some()
            && old.revoked_at.is_none()
        {
            store::oauth::revoke_grant(&mut tx, &old.grant_id, now).await?;
            tx.commit().await?;
            tracing::warn!(grant_id = %old.grant_id, "OAuth refresh token reused; grant revoked");
            return Err(refused(
                "invalid_grant",
                "the refresh token was already used; the grant is revoked",
            ));
        }
        return Err(refused(
            "invalid_grant",
            "invalid, expired or revoked refresh token",
        ));
    };
    // Every refusal below rolls back, leaving the token unused.
    let grant = store::oauth::live_grant(&mut tx, &grant_id)
        .await?
        .ok_or_else(|| {
            refused(
                "invalid_grant",
                "the grant was revoked or its user left the organization",
            )
        })?;
    if client_id.is_some_and(|c| c != grant.client_id) {
        return Err(refused(
            "invalid_grant",
            "the refresh token was issued to another client",
        ));
    }
    if !grant.scope.split_whitespace().any(|s| s == scope) {
        return Err(refused("invalid_scope", "scope exceeds the grant's"));
    }
    let tokens = issue(app, &mut tx, &grant, now).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// A new access token and refresh token for a grant.
async fn issue(
    app: &Services,
    tx: &mut store::Tx,
    grant: &LiveGrant,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, OAuthError> {
    let ttl = app.config.oauth_access_token_ttl;
    let access = format!("{ACCESS_TOKEN_PREFIX}{}", ids::secret(32));
    let refresh = format!("{REFRESH_TOKEN_PREFIX}{}", ids::secret(32));
    let access_expires = now + TimeDelta::from_std(ttl).map_err(|e| Error::Internal(e.into()))?;
    store::oauth::insert_token(
        tx,
        &ids::hash_secret(&access),
        &grant.id,
        TokenKind::Access,
        access_expires,
        now,
    )
    .await?;
    store::oauth::insert_token(
        tx,
        &ids::hash_secret(&refresh),
        &grant.id,
        TokenKind::Refresh,
        now + TimeDelta::days(REFRESH_TOKEN_TTL_DAYS),
        now,
    )
    .await?;
    Ok(IssuedTokens {
        access_token: access,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        refresh_token: refresh,
        scope: grant.scope.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Revocation (RFC 7009), authentication, and the user's grants
// ---------------------------------------------------------------------------------------------

/// Revokes a token: a refresh token ends its whole grant, an access token only itself. Unknown
/// tokens, and tokens of another client than a given `client_id`, are ignored (RFC 7009 §2.2).
pub async fn revoke(app: &Services, token: &str, client_id: Option<&str>) -> Result<()> {
    let hash = ids::hash_secret(token.trim());
    let Some(row) = store::oauth::token(&mut &app.db, &hash).await? else {
        return Ok(());
    };
    if let Some(client_id) = client_id.filter(|c| !c.is_empty()) {
        let owner = store::oauth::grant_client_id(&mut &app.db, &row.grant_id).await?;
        if owner.as_deref() != Some(client_id) {
            return Ok(());
        }
    }
    let now = crate::clock::now();
    match row.kind() {
        TokenKind::Refresh => {
            store::oauth::revoke_grant(&mut app.db.auto_commit(), &row.grant_id, now).await?;
            tracing::info!(grant_id = %row.grant_id, "OAuth grant revoked by its client");
        }
        TokenKind::Access => {
            store::oauth::revoke_token(&mut app.db.auto_commit(), &hash, now).await?;
        }
    }
    Ok(())
}

/// Resolves an OAuth access token (`stint_oat_…`): live, its grant not revoked, its user still a
/// member of the grant's organization. The grant's last use is recorded at most once a minute.
pub async fn authenticate(app: &Services, bearer: &str) -> Result<Principal> {
    let now = crate::clock::now();
    let Some(grant) =
        store::oauth::access_token_grant(&mut &app.db, &ids::hash_secret(bearer), now).await?
    else {
        return Err(Error::Unauthorized(
            "invalid, expired or revoked OAuth access token".into(),
        ));
    };
    if grant
        .last_used_at
        .is_none_or(|at| now - at > TimeDelta::minutes(1))
    {
        store::oauth::touch_grant(&mut app.db.auto_commit(), &grant.id, now).await?;
    }
    Ok(principal(grant))
}

/// The principal of a grant still live and given by `user_id` (a WebSocket ticket issued to an
/// OAuth access token keeps the grant's limits).
pub async fn grant_principal(
    app: &Services,
    user_id: &str,
    grant_id: &str,
) -> Result<Option<Principal>> {
    Ok(store::oauth::live_grant(&mut &app.db, grant_id)
        .await?
        .filter(|g| g.user_id == user_id)
        .map(principal))
}

fn principal(grant: LiveGrant) -> Principal {
    Principal {
        user_id: grant.user_id,
        via: AuthVia::OAuthGrant {
            grant_id: grant.id,
            org_id: grant.org_id,
        },
    }
}

fn account_only(principal: &Principal) -> Result<()> {
    if principal.acts_for_account() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "OAuth grants are managed from a login session, not with a token".into(),
        ))
    }
}

/// The caller's grants that are not revoked, newest first (login sessions only).
pub async fn list_grants(app: &Services, principal: &Principal) -> Result<Vec<OAuthGrant>> {
    account_only(principal)?;
    Ok(store::oauth::user_grants(&mut &app.db, &principal.user_id).await?)
}

/// Revokes one of the caller's grants and its tokens (login sessions only).
pub async fn revoke_grant(app: &Services, principal: &Principal, id: &str) -> Result<()> {
    account_only(principal)?;
    let now = crate::clock::now();
    if store::oauth::revoke_user_grant(&mut app.db.auto_commit(), &principal.user_id, id, now)
        .await?
    {
        tracing::info!(user_id = %principal.user_id, grant_id = %id, "OAuth grant revoked");
        Ok(())
    } else {
        Err(Error::not_found("OAuth grant"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn pkce_s256_matches_the_rfc_example() {
        assert_eq!(s256_challenge(VERIFIER), CHALLENGE);
        assert!(pkce_matches(VERIFIER, CHALLENGE));
        assert!(challenge_is_valid(CHALLENGE));
        assert!(verifier_is_valid(VERIFIER));
    }

    #[test]
    fn pkce_refuses_wrong_and_malformed_verifiers() {
        // Plain PKCE (the verifier as its own challenge) does not pass.
        assert!(!pkce_matches(VERIFIER, VERIFIER));
        let mut other = VERIFIER.to_owned();
        other.replace_range(0..1, "e");
        assert!(!pkce_matches(&other, CHALLENGE));
        assert!(!verifier_is_valid(&"a".repeat(42)));
        assert!(verifier_is_valid(&"a".repeat(43)));
        assert!(verifier_is_valid(&"a".repeat(128)));
        assert!(!verifier_is_valid(&"a".repeat(129)));
        assert!(!verifier_is_valid(&format!("{}+", "a".repeat(43))));
        assert!(!verifier_is_valid(&format!("{} ", "a".repeat(43))));
        assert!(verifier_is_valid(&format!("{}-._~", "a".repeat(43))));
        // Malformed verifiers never match, even against their own hash.
        let bad = format!("{}é", "a".repeat(43));
        assert!(!pkce_matches(&bad, &s256_challenge(&bad)));
        assert!(!challenge_is_valid(&"a".repeat(42)));
        assert!(!challenge_is_valid(&format!("{}=", "a".repeat(43))));
        assert!(!challenge_is_valid(&format!("{}.", "a".repeat(43))));
        assert!(!pkce_matches(VERIFIER, ""));
    }

    #[test]
    fn redirect_uris_must_be_https_or_loopback_http() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "https://example.com/cb?x=1",
            "http://localhost:3030/callback",
            "http://LOCALHOST/callback",
            "http://127.0.0.1:53682/",
            "http://[::1]:8080/cb",
        ] {
            assert!(validate_redirect_uri(ok).is_ok(), "{ok} refused");
        }
        for bad in [
            "",
            "/callback",
            "callback",
            "http://example.com/cb",
            "http://localhost.example.com/cb",
            "http://127.0.0.1.nip.io/cb",
            "https://example.com/cb#frag",
            "https://example.com/cb#",
            "https://user:pass@example.com/cb",
            "https://user@example.com/cb",
            "ftp://example.com/cb",
            "javascript:alert(1)",
            "data:text/html,hi",
            "myapp://callback",
            "https://exa mple.com/cb",
            "https://example.com/c\nb",
        ] {
            assert!(validate_redirect_uri(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_redirect_uri(&format!("https://e.com/{}", "a".repeat(2000))).is_err());
    }

    #[test]
    fn client_names_are_bounded() {
        assert_eq!(client_name(None).unwrap(), UNNAMED_CLIENT);
        assert_eq!(client_name(Some("  ")).unwrap(), UNNAMED_CLIENT);
        assert_eq!(client_name(Some(" Claude ")).unwrap(), "Claude");
        assert!(client_name(Some(&"x".repeat(201))).is_err());
        assert!(client_name(Some("a\u{0}b")).is_err());
    }

    #[test]
    fn redirects_carry_their_parameters_encoded() {
        assert_eq!(
            with_query(
                "http://127.0.0.1:3030/callback",
                &[("code", "abc"), ("state", "a b&c=d")]
            ),
            "http://127.0.0.1:3030/callback?code=abc&state=a+b%26c%3Dd"
        );
        // An existing query is kept.
        assert_eq!(
            with_query("https://example.com/cb?client=1", &[("code", "x")]),
            "https://example.com/cb?client=1&code=x"
        );
        let url = error_redirect(
            "https://example.com/cb",
            "invalid_request",
            "state is required",
            None,
        );
        assert_eq!(
            url,
            "https://example.com/cb?error=invalid_request&error_description=state+is+required"
        );
        let url = error_redirect("https://example.com/cb", "access_denied", "no", Some("s1"));
        let parsed = url::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("state".into(), "s1".into())));
        assert!(pairs.contains(&("error".into(), "access_denied".into())));
    }

    #[test]
    fn scopes_and_resources() {
        assert_eq!(parse_scope(None).unwrap(), "mcp");
        assert_eq!(parse_scope(Some("")).unwrap(), "mcp");
        assert_eq!(parse_scope(Some("mcp")).unwrap(), "mcp");
        assert_eq!(parse_scope(Some("mcp mcp")).unwrap(), "mcp");
        assert!(parse_scope(Some("mcp admin")).is_err());
        assert!(parse_scope(Some("openid")).is_err());
        let issuer = "https://stint.example.com";
        assert!(resource_is_ours(issuer, "https://stint.example.com/mcp"));
        assert!(resource_is_ours(issuer, "https://stint.example.com/mcp/"));
        assert!(resource_is_ours(issuer, "https://stint.example.com"));
        assert!(resource_is_ours(issuer, "https://stint.example.com/"));
        assert!(!resource_is_ours(issuer, "https://evil.example.com/mcp"));
        assert!(!resource_is_ours(issuer, "https://stint.example.com/api"));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
