//! Accounts: registration, login, token rotation, password reset, personal access tokens, tickets.
//! OAuth grants and their tokens live in [`crate::domain::oauth`]; [`authenticate`] hands their
//! access tokens over to it.
//!
//! Refresh tokens rotate on every use. Each login starts a *family*; exchanging a token marks it
//! used and issues the next one in the same family. Presenting a token that was already used means
//! it was copied, so the whole family is revoked and the session must log in again.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::auth::{AuthVia, Principal, password};
use crate::domain::Services;
use crate::domain::validate;
use crate::error::{Error, OnConstraint, Result};
use crate::ids;
use crate::store;

pub use crate::model::accounts::{PersonalToken, User};

/// Personal access tokens start with this, so they are recognisable in logs and secret scanners.
pub const PAT_PREFIX: &str = "stint_pat_";
/// WebSocket tickets start with this.
pub const TICKET_PREFIX: &str = "wst_";

/// The user summary embedded in auth responses.
#[derive(Debug, Serialize)]
pub struct UserSummary {
    /// `usr_…`
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
}

/// The flat auth response (TRCR's shape).
#[derive(Debug, Serialize)]
pub struct Tokens {
    /// JWT access token.
    pub access_token: String,
    /// Opaque refresh token.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The user (register and login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserSummary>,
}

/// `POST /auth/register`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// E-mail address.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// Full name.
    pub name: String,
    /// The token of an invitation link: the new account joins that organization at once (and,
    /// when registered under the invited address, that address counts as verified).
    pub invitation_token: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Login {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RefreshToken {
    /// The refresh token.
    pub refresh_token: String,
}

/// Registers an account and logs it in. The first account of an instance becomes `super_admin`.
/// A verification link is mailed to the address. Pending invitations for the address do **not**
/// turn into memberships: only their mailed link (`invitation_token`) or a verified address
/// accepts them.
pub async fn register(
    app: &Services,
    caller_ip: Option<std::net::IpAddr>,
    input: Register,
) -> Result<Tokens> {
    let email = validate::email(&input.email)?;
    let name = validate::name("name", &input.name, 200)?;
    password::validate("password", &input.password)?;
    // A bad invitation link is refused before the account exists, not after.
    if let Some(token) = &input.invitation_token
        && store::organizations::invitation_by_token(
            &mut &app.db,
            &ids::hash_secret(token.trim()),
            crate::clock::now(),
        )
        .await?
        .is_none()
    {
        return Err(Error::invalid_field(
            "invitation_token",
            "the invitation link is invalid or has expired",
        ));
    }
    let hash = password::hash(input.password).await?;
    let now = crate::clock::now();
    let mut tx = app.db.begin().await?;
    let role = if store::accounts::any_user(&mut tx).await? {
        "user"
    } else {
        "super_admin"
    };
    let user = User {
        id: ids::new_id("usr"),
        email,
        name,
        instance_role: role.to_owned(),
        current_org_id: None,
        avatar_url: None,
        email_verified_at: None,
        created_at: now,
        updated_at: now,
    };
    store::accounts::insert_user(&mut tx, &user, &hash)
        .await
        .on_unique("an account with this email already exists")?;
    let (tokens, session) = start_session(app, &mut tx, &user).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, role, "account registered");
    let mut verified = false;
    if let Some(token) = input.invitation_token {
        let caller = crate::auth::Caller {
            principal: Principal {
                user_id: user.id.clone(),
                via: AuthVia::AccessToken {
                    session: Some(session),
                },
            },
            ip: caller_ip,
        };
        match crate::domain::members::accept_invitation(app, &caller, &token).await {
            Ok(accepted) => verified = accepted.address_verified,
            // Used or expired in the meantime: the account stands, the invitation does not.
            Err(e) => {
                tracing::info!(user_id = %user.id, error = %e, "invitation not accepted at registration");
            }
        }
    }
    // A link to the account's own address proved it; otherwise ask for proof.
    if !verified {
        send_verification(app, &user).await?;
    }
    Ok(tokens)
}

/// Mails a link that proves the account's address.
async fn send_verification(app: &Services, user: &User) -> Result<()> {
    let token = ids::secret(32);
    let expires = crate::clock::now() + app.config.email_verification_ttl;
    store::accounts::insert_email_verification(
        &mut app.db.auto_commit(),
        &ids::hash_secret(&token),
        &user.id,
        &user.email,
        expires,
    )
    .await?;
    let link = format!(
        "{}/verify-email?token={token}",
        app.config.public_url.trim_end_matches('/')
    );
    app.mailer.send(
        &user.email,
        "Confirm your e-mail address for Stint",
        format!("Open this link within two days to confirm that this address is yours:\n{link}\n\nIf you did not create a Stint account, ignore this message."),
    );
    Ok(())
}

/// `POST /auth/verify-email`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct VerifyEmail {
    /// The token from the mailed link.
    pub token: String,
}

/// Marks an address verified with the token of its mailed link (once, before it expires, and
/// only while the account still has that address).
pub async fn verify_email(app: &Services, input: VerifyEmail) -> Result<()> {
    let now = crate::clock::now();
    let mut tx = app.db.begin().await?;
    let invalid =
        || Error::invalid_field("token", "the verification link is invalid or has expired");
    let (user_id, email) = store::accounts::consume_email_verification(
        &mut tx,
        &ids::hash_secret(input.token.trim()),
        now,
    )
    .await?
    .ok_or_else(invalid)?;
    store::accounts::mark_email_verified(&mut tx, &user_id, &email, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Mails a new verification link to the caller's address (no-op once verified).
pub async fn resend_verification(app: &Services, principal: &Principal) -> Result<()> {
    let user = me(app, principal).await?;
    if user.email_verified_at.is_none() {
        send_verification(app, &user).await?;
    }
    Ok(())
}

/// Logs in with email and password.
pub async fn login(app: &Services, input: Login) -> Result<Tokens> {
    let user = crate::domain::sign_in::check_credentials(app, &input.email, input.password).await?;
    let mut tx = app.db.begin().await?;
    let (tokens, _) = start_session(app, &mut tx, &user).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Starts a login session: its tokens and its id (the refresh-token family).
async fn start_session(
    app: &Services,
    tx: &mut store::Tx,
    user: &User,
) -> Result<(Tokens, String)> {
    let family = ids::new_id("rtf");
    let refresh_token = issue_refresh_token(app, tx, &user.id, &family).await?;
    let tokens = Tokens {
        access_token: app.jwt.issue(&user.id, &family)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: app.jwt.ttl_secs(),
        user: Some(UserSummary {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
        }),
    };
    Ok((tokens, family))
}

async fn issue_refresh_token(
    app: &Services,
    tx: &mut store::Tx,
    user_id: &str,
    family: &str,
) -> Result<String> {
    let token = format!("rt_{}", ids::secret(32));
    let expires = crate::clock::now() + app.config.refresh_token_ttl;
    store::accounts::insert_refresh_token(tx, user_id, family, &ids::hash_secret(&token), expires)
        .await?;
    Ok(token)
}

/// Exchanges a refresh token for a new access token and a new refresh token. A token presented a
/// second time revokes its whole family.
pub async fn refresh(app: &Services, input: RefreshToken) -> Result<Tokens> {
    let hash = ids::hash_secret(input.refresh_token.trim());
    let now = crate::clock::now();
    let mut tx = app.db.begin().await?;
    let Some(row) = store::accounts::consume_refresh_token(&mut tx, &hash, now).await? else {
        let reused = store::accounts::refresh_token(&mut tx, &hash).await?;
        if let Some(old) = reused.filter(|t| t.used_at.is_some() && t.revoked_at.is_none()) {
            store::accounts::revoke_family(&mut tx, &old.family_id).await?;
            tx.commit().await?;
            tracing::warn!(user_id = %old.user_id, family = %old.family_id, "refresh token reused; session revoked");
            return Err(Error::Unauthorized(
                "refresh token was already used; the session is revoked".into(),
            ));
        }
        return Err(Error::Unauthorized(
            "invalid or expired refresh token".into(),
        ));
    };
    let refresh_token = issue_refresh_token(app, &mut tx, &row.user_id, &row.family_id).await?;
    tx.commit().await?;
    Ok(Tokens {
        access_token: app.jwt.issue(&row.user_id, &row.family_id)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: app.jwt.ttl_secs(),
        user: None,
    })
}

/// Ends the session the refresh token belongs to. Only the caller's own tokens can be revoked;
/// an unknown token is accepted silently (logging out twice is not an error).
pub async fn logout(app: &Services, principal: &Principal, input: RefreshToken) -> Result<()> {
    let hash = ids::hash_secret(input.refresh_token.trim());
    let mut tx = app.db.begin().await?;
    if let Some(row) = store::accounts::refresh_token(&mut tx, &hash).await?
        && row.user_id == principal.user_id
    {
        store::accounts::revoke_family(&mut tx, &row.family_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /auth/forgot-password`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ForgotPassword {
    /// The account's e-mail.
    pub email: String,
}

/// Sends a reset link if the account exists. Always succeeds, so it does not reveal which
/// addresses have accounts.
pub async fn forgot_password(app: &Services, input: ForgotPassword) -> Result<()> {
    let email = input.email.trim().to_lowercase();
    let Some(user) = store::accounts::user_by_email(&mut &app.db, &email).await? else {
        return Ok(());
    };
    let token = ids::secret(32);
    let expires = crate::clock::now() + app.config.password_reset_ttl;
    store::accounts::insert_password_reset(
        &mut app.db.auto_commit(),
        &ids::hash_secret(&token),
        &user.id,
        expires,
    )
    .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        app.config.public_url.trim_end_matches('/')
    );
    app.mailer.send(
        &user.email,
        "Reset your Stint password",
        format!("Someone asked to reset the password of your Stint account.\n\nOpen this link within an hour to choose a new one:\n{link}\n\nIf it was not you, ignore this message."),
    );
    Ok(())
}

/// `POST /auth/reset-password`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResetPassword {
    /// The token from the e-mailed link.
    pub token: String,
    /// The new password.
    pub password: String,
}

/// Sets a new password with a reset token (once) and ends every session of the account.
pub async fn reset_password(app: &Services, input: ResetPassword) -> Result<()> {
    password::validate("password", &input.password)?;
    let hash = password::hash(input.password).await?;
    let mut tx = app.db.begin().await?;
    let Some(user_id) = store::accounts::consume_password_reset(
        &mut tx,
        &ids::hash_secret(input.token.trim()),
        crate::clock::now(),
    )
    .await?
    else {
        return Err(Error::invalid_field(
            "token",
            "the reset link is invalid or has expired",
        ));
    };
    store::accounts::set_password_hash(&mut tx, &user_id, &hash).await?;
    store::accounts::revoke_all_refresh_tokens(&mut tx, &user_id).await?;
    // Every other link mailed before this one stops working too.
    store::accounts::invalidate_password_resets(&mut tx, &user_id, crate::clock::now()).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user_id, "password reset; every session and reset link ended");
    Ok(())
}

/// `POST /auth/change-password`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// Changes the caller's password after checking the current one, and ends every other session
/// of the account (their refresh tokens are revoked; the caller's own session stays) and every
/// outstanding reset link.
pub async fn change_password(
    app: &Services,
    principal: &Principal,
    input: ChangePassword,
) -> Result<()> {
    password::validate("new_password", &input.new_password)?;
    let stored = store::accounts::password_hash(&mut &app.db, &principal.user_id).await?;
    if !password::verify(input.current_password, stored).await? {
        return Err(Error::invalid_field(
            "current_password",
            "current_password is not correct",
        ));
    }
    let hash = password::hash(input.new_password).await?;
    let now = crate::clock::now();
    let mut tx = app.db.begin().await?;
    store::accounts::set_password_hash(&mut tx, &principal.user_id, &hash).await?;
    store::accounts::revoke_other_sessions(&mut tx, &principal.user_id, principal.session())
        .await?;
    store::accounts::invalidate_password_resets(&mut tx, &principal.user_id, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = %principal.user_id, "password changed; other sessions ended");
    Ok(())
}

/// The caller's account.
pub async fn me(app: &Services, principal: &Principal) -> Result<User> {
    let mut user = store::accounts::user(&mut &app.db, &principal.user_id)
        .await?
        .ok_or_else(|| Error::Unauthorized("the account no longer exists".into()))?;
    if let Some(org) = principal.bound_org() {
        user.current_org_id = Some(org.to_owned());
    }
    Ok(user)
}

/// `PATCH /auth/me`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// New name.
    pub name: Option<String>,
    /// The organization to use when a request names none; must be one of the caller's.
    pub current_org_id: Option<String>,
    /// Avatar URL; `null` clears it.
    #[serde(default, deserialize_with = "crate::domain::wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub avatar_url: Option<Option<String>>,
}

/// Updates the caller's profile and current organization.
pub async fn update_me(app: &Services, principal: &Principal, input: UpdateMe) -> Result<User> {
    let mut user = me(app, principal).await?;
    if let Some(name) = input.name {
        user.name = validate::name("name", &name, 200)?;
    }
    if let Some(org_id) = input.current_org_id {
        let member = store::access::membership(&mut &app.db, &org_id, &user.id).await?;
        if member.is_none() || principal.bound_org().is_some_and(|b| b != org_id) {
            return Err(Error::not_found("organization"));
        }
        user.current_org_id = Some(org_id);
    }
    if let Some(avatar) = input.avatar_url {
        user.avatar_url = validate::web_link("avatar_url", avatar.as_deref(), 2000)?;
    }
    user.updated_at = crate::clock::now();
    store::accounts::update_user(&mut app.db.auto_commit(), &user).await?;
    Ok(user)
}

/// A WebSocket ticket.
#[derive(Debug, Serialize)]
pub struct Ticket {
    /// `wst_…`, valid for 30 seconds, once.
    pub ticket: String,
}

/// Issues a single-use WebSocket ticket. A ticket issued to a personal access token or an OAuth
/// grant remembers it, so the session it opens keeps the credential's limits (see
/// [`redeem_ws_ticket`]).
pub async fn ws_ticket(app: &Services, principal: &Principal) -> Result<Ticket> {
    // Every bound credential must be named here, or its socket would act for the whole account.
    let binding = match &principal.via {
        AuthVia::AccessToken { .. } | AuthVia::System => store::accounts::TicketBinding::None,
        AuthVia::PersonalToken { token_id, .. } => {
            store::accounts::TicketBinding::PersonalToken(token_id)
        }
        AuthVia::OAuthGrant { grant_id, .. } => {
            store::accounts::TicketBinding::OAuthGrant(grant_id)
        }
    };
    let ticket = format!("{TICKET_PREFIX}{}", ids::secret(32));
    let expires = crate::clock::now() + app.config.ws_ticket_ttl;
    store::accounts::insert_ws_ticket(
        &mut app.db.auto_commit(),
        &ids::hash_secret(&ticket),
        &principal.user_id,
        binding,
        expires,
    )
    .await?;
    Ok(Ticket { ticket })
}

/// Redeems a WebSocket ticket, once, within its lifetime: the principal it was issued to. A
/// ticket of a personal access token or an OAuth grant yields that credential's principal (bound
/// to its organization, no organization creation, no token minting) — and only while the
/// credential is still live.
pub async fn redeem_ws_ticket(app: &Services, ticket: &str) -> Result<Principal> {
    let invalid = || Error::Unauthorized("invalid, expired or already used ticket".into());
    let now = crate::clock::now();
    let row = store::accounts::consume_ws_ticket(
        &mut app.db.auto_commit(),
        &ids::hash_secret(ticket),
        now,
    )
    .await?
    .ok_or_else(invalid)?;
    let user_id = row.user_id;
    if let Some(grant_id) = row.grant_id {
        return crate::domain::oauth::grant_principal(app, &user_id, &grant_id)
            .await?
            .ok_or_else(invalid);
    }
    let Some(token_id) = row.token_id else {
        return Ok(Principal {
            user_id,
            via: AuthVia::AccessToken { session: None },
        });
    };
    let token = store::accounts::personal_token_auth(
        &mut &app.db,
        store::accounts::TokenKey::Id(&token_id),
        now,
    )
    .await?
    .filter(|t| t.user_id == user_id)
    .ok_or_else(invalid)?;
    Ok(Principal {
        user_id,
        via: AuthVia::PersonalToken {
            token_id: token.id,
            org_id: token.org_id,
        },
    })
}

/// A newly created token, the only time its secret is shown.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    /// The token's listing.
    #[serde(flatten)]
    pub token: PersonalToken,
    /// The secret `stint_pat_…`; store it now, it cannot be shown again.
    #[serde(rename = "token")]
    pub secret: String,
}

/// `POST /auth/tokens`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// A label, e.g. "Claude Code".
    pub name: String,
    /// The organization to bind to (default: the current one).
    pub org_id: Option<String>,
    /// Optional expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a personal access token bound to one of the caller's organizations.
pub async fn create_token(
    app: &Services,
    principal: &Principal,
    input: CreateToken,
) -> Result<CreatedToken> {
    if !principal.acts_for_account() {
        return Err(Error::Forbidden(
            "personal access tokens cannot create other tokens".into(),
        ));
    }
    let name = validate::name("name", &input.name, 100)?;
    let org_id = match input.org_id {
        Some(o) => o,
        None => me(app, principal).await?.current_org_id.ok_or_else(|| {
            Error::invalid_field("org_id", "no current organization: pass org_id")
        })?,
    };
    if store::access::membership(&mut &app.db, &org_id, &principal.user_id)
        .await?
        .is_none()
    {
        return Err(Error::not_found("organization"));
    }
    let now = crate::clock::now();
    if input.expires_at.is_some_and(|e| e <= now) {
        return Err(Error::rule(
            "expires_at",
            "expires_at must be in the future",
        ));
    }
    let secret = format!("{PAT_PREFIX}{}", ids::secret(32));
    let token = PersonalToken {
        id: ids::new_id("pat"),
        user_id: principal.user_id.clone(),
        org_id,
        name,
        token_prefix: secret[..PAT_PREFIX.len() + 6].to_owned(),
        expires_at: input.expires_at,
        last_used_at: None,
        created_at: now,
    };
    store::accounts::insert_personal_token(
        &mut app.db.auto_commit(),
        &token,
        &ids::hash_secret(&secret),
    )
    .await?;
    Ok(CreatedToken { token, secret })
}

/// The caller's live tokens.
pub async fn list_tokens(app: &Services, principal: &Principal) -> Result<Vec<PersonalToken>> {
    Ok(store::accounts::personal_tokens(&mut &app.db, &principal.user_id).await?)
}

/// Revokes one of the caller's tokens.
pub async fn revoke_token(app: &Services, principal: &Principal, id: &str) -> Result<()> {
    if store::accounts::revoke_personal_token(&mut app.db.auto_commit(), &principal.user_id, id)
        .await?
    {
        Ok(())
    } else {
        Err(Error::not_found("token"))
    }
}

/// Resolves a bearer credential (JWT, personal access token or OAuth access token) to a
/// principal.
pub async fn authenticate(app: &Services, bearer: &str) -> Result<Principal> {
    if bearer.starts_with(crate::domain::oauth::ACCESS_TOKEN_PREFIX) {
        return crate::domain::oauth::authenticate(app, bearer).await;
    }
    if bearer.starts_with(PAT_PREFIX) {
        let now = crate::clock::now();
        let Some(t) = store::accounts::personal_token_auth(
            &mut &app.db,
            store::accounts::TokenKey::Hash(&ids::hash_secret(bearer)),
            now,
        )
        .await?
        else {
            return Err(Error::Unauthorized(
                "invalid, expired or revoked personal access token".into(),
            ));
        };
        if t.last_used_at
            .is_none_or(|at| now - at > chrono::TimeDelta::minutes(1))
        {
            store::accounts::touch_personal_token(&mut app.db.auto_commit(), &t.id, now).await?;
        }
        return Ok(Principal {
            user_id: t.user_id,
            via: AuthVia::PersonalToken {
                token_id: t.id,
                org_id: t.org_id,
            },
        });
    }
    let claims = app.jwt.verify(bearer)?;
    Ok(Principal {
        user_id: claims.sub,
        via: AuthVia::AccessToken {
            session: claims.sid,
        },
    })
}

/// Removes expired tickets, reset links and refresh tokens.
pub async fn purge_expired(app: &Services) -> Result<()> {
    Ok(store::accounts::purge_expired(&mut app.db.auto_commit(), crate::clock::now()).await?)
}
