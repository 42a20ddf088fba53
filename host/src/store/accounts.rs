//! Users and their credentials: refresh tokens, personal access tokens, WebSocket tickets and
//! password-reset links. Secrets are stored only as SHA-256 hashes.

use chrono::{DateTime, Utc};

use crate::model::accounts::{PersonalToken, User};
use crate::q;
use crate::store::db::{Exec, Query, Sql};

/// Inserts a user. Fails with a unique violation when the email is taken.
pub async fn insert_user(ex: &mut impl Exec, user: &User, password_hash: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO users (id, email, name, password_hash, instance_role, current_org_id, avatar_url, email_verified_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &user.id, &user.email, &user.name, password_hash, &user.instance_role,
        user.current_org_id.as_ref(), user.avatar_url.as_ref(), user.email_verified_at, user.created_at, user.updated_at
    ))
    .await
    .map(drop)
}

/// Whether any user exists (the first one becomes `super_admin`).
pub async fn any_user(ex: &mut impl Exec) -> sqlx::Result<bool> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!("SELECT id FROM users LIMIT 1"))
        .await?;
    Ok(row.is_some())
}

/// The users among `ids` who share an organization with `reader` (the one it is bound to, if
/// any).
pub async fn users_sharing_an_org(
    ex: &mut impl Exec,
    ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<crate::store::db::Arg> =
        ids.iter().map(crate::store::db::Arg::from).collect();
    let orgs = reader.orgs_condition("m.org_id", &mut args);
    let sql = format!(
        "SELECT id, email, name, instance_role, current_org_id, avatar_url, email_verified_at, created_at, updated_at
         FROM users u WHERE u.id IN ({}) AND EXISTS
           (SELECT 1 FROM org_members m WHERE m.user_id = u.id AND {orgs})",
        crate::store::db::placeholders(1, ids.len()),
    );
    ex.fetch_all(crate::store::db::Query::new(crate::store::db::Sql::Built(sql)).with_args(args))
        .await
}

/// A user by id.
pub async fn user(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<User>> {
    ex.fetch_optional(q!(
        "SELECT id, email, name, instance_role, current_org_id, avatar_url, email_verified_at, created_at, updated_at
         FROM users WHERE id = $1",
        id
    ))
    .await
}

/// A user by (lower-cased) email.
pub async fn user_by_email(ex: &mut impl Exec, email: &str) -> sqlx::Result<Option<User>> {
    ex.fetch_optional(q!(
        "SELECT id, email, name, instance_role, current_org_id, avatar_url, email_verified_at, created_at, updated_at
         FROM users WHERE email = $1",
        email
    ))
    .await
}

/// The stored password hash of a user.
pub async fn password_hash(ex: &mut impl Exec, user_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!("SELECT password_hash FROM users WHERE id = $1", user_id))
        .await?;
    Ok(row.map(|r| r.0))
}

/// Replaces a user's password hash.
pub async fn set_password_hash(ex: &mut impl Exec, user_id: &str, hash: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
        user_id,
        hash,
        crate::clock::now()
    ))
    .await
    .map(drop)
}

/// Writes a user's profile fields.
pub async fn update_user(ex: &mut impl Exec, user: &User) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE users SET name = $2, current_org_id = $3, avatar_url = $4, updated_at = $5 WHERE id = $1",
        &user.id, &user.name, user.current_org_id.as_ref(), user.avatar_url.as_ref(), user.updated_at
    ))
    .await
    .map(drop)
}

/// Stores an e-mail verification link for `email` (the address it proves, which must still be
/// the account's when the link is used).
pub async fn insert_email_verification(
    ex: &mut impl Exec,
    token_hash: &str,
    user_id: &str,
    email: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO email_verifications (token_hash, user_id, email, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        user_id,
        email,
        expires_at,
        crate::clock::now()
    ))
    .await
    .map(drop)
}

/// Uses a verification link once: its user and address.
pub async fn consume_email_verification(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<(String, String)>> {
    ex.fetch_optional(q!(
        "UPDATE email_verifications SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING user_id, email",
        token_hash,
        now
    ))
    .await
}

/// Marks the account's address verified if it is still `email`; false otherwise.
pub async fn mark_email_verified(
    ex: &mut impl Exec,
    user_id: &str,
    email: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email = $2 AND email_verified_at IS NULL",
            user_id,
            email,
            now
        ))
        .await?;
    Ok(n == 1)
}

/// Inserts a refresh token of a token family.
pub async fn insert_refresh_token(
    ex: &mut impl Exec,
    user_id: &str,
    family_id: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        crate::ids::new_id("rt"),
        user_id,
        family_id,
        token_hash,
        expires_at,
        crate::clock::now()
    ))
    .await
    .map(drop)
}

/// A refresh token's state.
#[derive(Debug, sqlx::FromRow)]
pub struct RefreshTokenRow {
    /// Owner.
    pub user_id: String,
    /// The rotation family (one login session).
    pub family_id: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set once the token was exchanged.
    pub used_at: Option<DateTime<Utc>>,
    /// Set when the family was revoked (logout, reuse, password change).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Atomically marks a live token as used; returns it only if this call was the one that used it.
pub async fn consume_refresh_token(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<RefreshTokenRow>> {
    ex.fetch_optional(q!(
        "UPDATE refresh_tokens SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
         RETURNING user_id, family_id, expires_at, used_at, revoked_at",
        token_hash,
        now
    ))
    .await
}

/// A token by hash, whatever its state.
pub async fn refresh_token(
    ex: &mut impl Exec,
    token_hash: &str,
) -> sqlx::Result<Option<RefreshTokenRow>> {
    ex.fetch_optional(q!(
        "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
        token_hash
    ))
    .await
}

/// Revokes every token of a family.
pub async fn revoke_family(ex: &mut impl Exec, family_id: &str) -> sqlx::Result<u64> {
    ex.execute(q!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        family_id,
        crate::clock::now()
    ))
    .await
}

/// Revokes every refresh token of a user (password reset).
pub async fn revoke_all_refresh_tokens(ex: &mut impl Exec, user_id: &str) -> sqlx::Result<u64> {
    ex.execute(q!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        crate::clock::now()
    ))
    .await
}

/// Stores a personal access token.
pub async fn insert_personal_token(
    ex: &mut impl Exec,
    t: &PersonalToken,
    token_hash: &str,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO personal_access_tokens (id, user_id, org_id, name, token_hash, token_prefix, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &t.id, &t.user_id, &t.org_id, &t.name, token_hash, &t.token_prefix, t.expires_at, t.created_at
    ))
    .await
    .map(drop)
}

/// A user's personal access tokens that are not revoked, newest first.
pub async fn personal_tokens(
    ex: &mut impl Exec,
    user_id: &str,
) -> sqlx::Result<Vec<PersonalToken>> {
    ex.fetch_all(q!(
        "SELECT id, user_id, org_id, name, token_prefix, expires_at, last_used_at, created_at
         FROM personal_access_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        user_id
    ))
    .await
}

/// Revokes one of a user's tokens; false when there is no such live token.
pub async fn revoke_personal_token(
    ex: &mut impl Exec,
    user_id: &str,
    id: &str,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE personal_access_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            id,
            user_id,
            crate::clock::now()
        ))
        .await?;
    Ok(n > 0)
}

/// A live personal access token by hash: `(token id, user id, org id, last used)`.
#[derive(Debug, sqlx::FromRow)]
pub struct PersonalTokenAuth {
    /// Token id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Bound organization.
    pub org_id: String,
    /// Last use, updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// How a personal access token is looked up.
#[derive(Debug, Clone, Copy)]
pub enum TokenKey<'a> {
    /// By the hash of its secret (a request's bearer credential).
    Hash(&'a str),
    /// By id (a ticket that remembers its token).
    Id(&'a str),
}

/// Looks up a live (not revoked, not expired) token whose owner is still a member of its organization.
pub async fn personal_token_auth(
    ex: &mut impl Exec,
    key: TokenKey<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<PersonalTokenAuth>> {
    let (column, value) = match key {
        TokenKey::Hash(h) => ("t.token_hash", h),
        TokenKey::Id(id) => ("t.id", id),
    };
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT t.id, t.user_id, t.org_id, t.last_used_at FROM personal_access_tokens t
             JOIN org_members m ON m.org_id = t.org_id AND m.user_id = t.user_id
             WHERE {column} = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)"
        )))
        .bind(value)
        .bind(now),
    )
    .await
}

/// Records that a token was used.
pub async fn touch_personal_token(
    ex: &mut impl Exec,
    id: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE personal_access_tokens SET last_used_at = $2 WHERE id = $1",
        id,
        now
    ))
    .await
    .map(drop)
}

/// The bound credential a WebSocket ticket was issued to, if any: the session it opens keeps
/// that credential's limits.
#[derive(Debug, Clone, Copy)]
pub enum TicketBinding<'a> {
    /// A login session: no binding.
    None,
    /// A personal access token (`pat_…`).
    PersonalToken(&'a str),
    /// An OAuth grant (`oag_…`).
    OAuthGrant(&'a str),
}

/// Stores a WebSocket ticket, with the personal access token or OAuth grant it was issued to.
pub async fn insert_ws_ticket(
    ex: &mut impl Exec,
    ticket_hash: &str,
    user_id: &str,
    binding: TicketBinding<'_>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (token_id, grant_id) = match binding {
        TicketBinding::None => (None, None),
        TicketBinding::PersonalToken(t) => (Some(t), None),
        TicketBinding::OAuthGrant(g) => (None, Some(g)),
    };
    ex.execute(q!(
        "INSERT INTO ws_tickets (ticket_hash, user_id, token_id, grant_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        ticket_hash,
        user_id,
        token_id,
        grant_id,
        expires_at,
        crate::clock::now()
    ))
    .await
    .map(drop)
}

/// A redeemed WebSocket ticket.
#[derive(Debug, sqlx::FromRow)]
pub struct TicketRow {
    /// The user it was issued to.
    pub user_id: String,
    /// The personal access token it was issued to, if any.
    pub token_id: Option<String>,
    /// The OAuth grant it was issued to, if any.
    pub grant_id: Option<String>,
}

/// Uses a ticket exactly once: returns its user and bound credential only for the first use
/// before expiry. Being one `UPDATE … RETURNING`, this holds across processes sharing the
/// database.
pub async fn consume_ws_ticket(
    ex: &mut impl Exec,
    ticket_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<TicketRow>> {
    ex.fetch_optional(q!(
        "UPDATE ws_tickets SET used_at = $2 WHERE ticket_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING user_id, token_id, grant_id",
        ticket_hash,
        now
    ))
    .await
}

/// Revokes every refresh-token family of a user but `keep` (the caller's own session).
pub async fn revoke_other_sessions(
    ex: &mut impl Exec,
    user_id: &str,
    keep: Option<&str>,
) -> sqlx::Result<u64> {
    ex.execute(q!(
        "UPDATE refresh_tokens SET revoked_at = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2 IS NULL OR family_id <> $2)",
        user_id,
        keep,
        crate::clock::now()
    ))
    .await
}

/// Makes every outstanding password-reset link of a user unusable.
pub async fn invalidate_password_resets(
    ex: &mut impl Exec,
    user_id: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    ex.execute(q!(
        "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        user_id,
        now
    ))
    .await
}

/// Stores a password-reset token.
pub async fn insert_password_reset(
    ex: &mut impl Exec,
    token_hash: &str,
    user_id: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        token_hash,
        user_id,
        expires_at,
        crate::clock::now()
    ))
    .await
    .map(drop)
}

/// Uses a reset token once; returns its user.
pub async fn consume_password_reset(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING user_id",
            token_hash,
            now
        ))
        .await?;
    Ok(row.map(|r| r.0))
}

/// Deletes expired tickets and reset tokens, refresh tokens past expiry, and expired OAuth codes,
/// tokens and the grants they leave dead (housekeeping).
pub async fn purge_expired(ex: &mut impl Exec, now: DateTime<Utc>) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM ws_tickets WHERE expires_at < $1", now))
        .await?;
    ex.execute(q!("DELETE FROM password_resets WHERE expires_at < $1", now))
        .await?;
    ex.execute(q!(
        "DELETE FROM email_verifications WHERE expires_at < $1",
        now
    ))
    .await?;
    ex.execute(q!("DELETE FROM org_invitations WHERE expires_at < $1", now))
        .await?;
    ex.execute(q!("DELETE FROM refresh_tokens WHERE expires_at < $1", now))
        .await?;
    crate::store::oauth::purge_expired(ex, now).await?;
    Ok(())
}
