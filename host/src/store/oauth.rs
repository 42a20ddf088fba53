//! OAuth clients, grants, authorization codes and tokens (`docs/oauth.md`). Codes and tokens are
//! stored only as SHA-256 hashes; every "use once" is a single conditional `UPDATE … RETURNING`,
//! so it holds across processes sharing the database.

use chrono::{DateTime, Utc};

use crate::model::oauth::{OAuthClient, OAuthGrant};
use crate::q;
use crate::store::db::Exec;

/// Stores a registered client; its redirect URIs as a JSON array.
pub async fn insert_client(ex: &mut impl Exec, client: &OAuthClient) -> sqlx::Result<()> {
    let uris =
        serde_json::to_string(&client.redirect_uris).map_err(|e| sqlx::Error::Encode(e.into()))?;
    ex.execute(q!(
        "INSERT INTO oauth_clients (id, name, redirect_uris, created_at) VALUES ($1, $2, $3, $4)",
        &client.id,
        &client.name,
        uris,
        client.created_at
    ))
    .await
    .map(drop)
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: String,
    name: String,
    redirect_uris: String,
    created_at: DateTime<Utc>,
}

/// A client by id.
pub async fn client(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<OAuthClient>> {
    let row: Option<ClientRow> = ex
        .fetch_optional(q!(
            "SELECT id, name, redirect_uris, created_at FROM oauth_clients WHERE id = $1",
            id
        ))
        .await?;
    row.map(|r| {
        Ok(OAuthClient {
            redirect_uris: serde_json::from_str(&r.redirect_uris)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            id: r.id,
            name: r.name,
            created_at: r.created_at,
        })
    })
    .transpose()
}

/// Stores a new grant.
pub async fn insert_grant(
    ex: &mut impl Exec,
    id: &str,
    client_id: &str,
    user_id: &str,
    org_id: &str,
    scope: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO oauth_grants (id, client_id, user_id, org_id, scope, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        client_id,
        user_id,
        org_id,
        scope,
        now
    ))
    .await
    .map(drop)
}

/// A live grant: not revoked, and its user still a member of its organization.
#[derive(Debug, sqlx::FromRow)]
pub struct LiveGrant {
    /// `oag_…`
    pub id: String,
    /// The client it was given to.
    pub client_id: String,
    /// The user who gave it.
    pub user_id: String,
    /// The organization it is bound to.
    pub org_id: String,
    /// Space-separated scopes.
    pub scope: String,
    /// Last use, updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A grant by id if it is live (not revoked; the user still a member of its organization).
pub async fn live_grant(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<LiveGrant>> {
    ex.fetch_optional(q!(
        "SELECT g.id, g.client_id, g.user_id, g.org_id, g.scope, g.last_used_at FROM oauth_grants g
         JOIN org_members m ON m.org_id = g.org_id AND m.user_id = g.user_id
         WHERE g.id = $1 AND g.revoked_at IS NULL",
        id
    ))
    .await
}

/// The grant behind a live (not revoked, not expired) access token, if the grant is live too.
pub async fn access_token_grant(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<LiveGrant>> {
    ex.fetch_optional(q!(
        "SELECT g.id, g.client_id, g.user_id, g.org_id, g.scope, g.last_used_at FROM oauth_tokens t
         JOIN oauth_grants g ON g.id = t.grant_id
         JOIN org_members m ON m.org_id = g.org_id AND m.user_id = g.user_id
         WHERE t.token_hash = $1 AND t.kind = 'access' AND t.revoked_at IS NULL AND t.expires_at > $2
           AND g.revoked_at IS NULL",
        token_hash,
        now
    ))
    .await
}

/// The client a grant was given to, whatever the grant's state.
pub async fn grant_client_id(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!("SELECT client_id FROM oauth_grants WHERE id = $1", id))
        .await?;
    Ok(row.map(|r| r.0))
}

/// Records that a grant was used.
pub async fn touch_grant(ex: &mut impl Exec, id: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE oauth_grants SET last_used_at = $2 WHERE id = $1",
        id,
        now
    ))
    .await
    .map(drop)
}

/// Revokes a grant and every token of it.
pub async fn revoke_grant(ex: &mut impl Exec, id: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE oauth_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        id,
        now
    ))
    .await?;
    ex.execute(q!(
        "UPDATE oauth_tokens SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at IS NULL",
        id,
        now
    ))
    .await
    .map(drop)
}

/// Revokes one of a user's live grants (and its tokens); false when there is no such grant.
pub async fn revoke_user_grant(
    ex: &mut impl Exec,
    user_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE oauth_grants SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            id,
            user_id,
            now
        ))
        .await?;
    if n == 0 {
        return Ok(false);
    }
    ex.execute(q!(
        "UPDATE oauth_tokens SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at IS NULL",
        id,
        now
    ))
    .await?;
    Ok(true)
}

/// A user's grants that are not revoked, newest first, with their clients' names.
pub async fn user_grants(ex: &mut impl Exec, user_id: &str) -> sqlx::Result<Vec<OAuthGrant>> {
    ex.fetch_all(q!(
        "SELECT g.id, g.client_id, c.name AS client_name, g.org_id, g.scope, g.created_at, g.last_used_at
         FROM oauth_grants g JOIN oauth_clients c ON c.id = g.client_id
         WHERE g.user_id = $1 AND g.revoked_at IS NULL ORDER BY g.created_at DESC, g.id DESC",
        user_id
    ))
    .await
}

/// Stores an authorization code.
pub async fn insert_code(
    ex: &mut impl Exec,
    code_hash: &str,
    grant_id: &str,
    redirect_uri: &str,
    code_challenge: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) VALUES ($1, $2, $3, $4, $5)",
        code_hash,
        grant_id,
        redirect_uri,
        code_challenge,
        expires_at
    ))
    .await
    .map(drop)
}

/// What an authorization code was issued for.
#[derive(Debug, sqlx::FromRow)]
pub struct CodeRow {
    /// The grant it starts.
    pub grant_id: String,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// The PKCE challenge (S256).
    pub code_challenge: String,
}

/// Uses a live code exactly once: returns it only to the call that used it.
pub async fn consume_code(
    ex: &mut impl Exec,
    code_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<CodeRow>> {
    ex.fetch_optional(q!(
        "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING grant_id, redirect_uri, code_challenge",
        code_hash,
        now
    ))
    .await
}

/// The grant of a code that was already used, if it was.
pub async fn used_code_grant(ex: &mut impl Exec, code_hash: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT grant_id FROM oauth_codes WHERE code_hash = $1 AND used_at IS NOT NULL",
            code_hash
        ))
        .await?;
    Ok(row.map(|r| r.0))
}

/// Whether a token is an access or a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Presented as a Bearer credential.
    Access,
    /// Exchanged, once, for a new pair.
    Refresh,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

/// Stores a token of a grant.
pub async fn insert_token(
    ex: &mut impl Exec,
    token_hash: &str,
    grant_id: &str,
    kind: TokenKind,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        grant_id,
        kind.as_str(),
        expires_at,
        now
    ))
    .await
    .map(drop)
}

/// Uses a live refresh token exactly once: its grant, only to the call that used it.
pub async fn consume_refresh_token(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "UPDATE oauth_tokens SET used_at = $2
             WHERE token_hash = $1 AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
             RETURNING grant_id",
            token_hash,
            now
        ))
        .await?;
    Ok(row.map(|r| r.0))
}

/// A token's state, whatever it is.
#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    /// Its grant.
    pub grant_id: String,
    /// `access` or `refresh`.
    pub kind: String,
    /// Set once a refresh token was exchanged.
    pub used_at: Option<DateTime<Utc>>,
    /// Set when the token (or its grant) was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    /// The token's kind.
    pub fn kind(&self) -> TokenKind {
        if self.kind == "refresh" {
            TokenKind::Refresh
        } else {
            TokenKind::Access
        }
    }
}

/// A token by hash.
pub async fn token(ex: &mut impl Exec, token_hash: &str) -> sqlx::Result<Option<TokenRow>> {
    ex.fetch_optional(q!(
        "SELECT grant_id, kind, used_at, revoked_at FROM oauth_tokens WHERE token_hash = $1",
        token_hash
    ))
    .await
}

/// Revokes one token.
pub async fn revoke_token(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE oauth_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
        now
    ))
    .await
    .map(drop)
}

/// Housekeeping: deletes expired codes and tokens, revoked grants, and grants left with neither
/// (a code never exchanged, or tokens all expired: nothing can use them again).
pub async fn purge_expired(ex: &mut impl Exec, now: DateTime<Utc>) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM oauth_codes WHERE expires_at < $1", now))
        .await?;
    ex.execute(q!("DELETE FROM oauth_tokens WHERE expires_at < $1", now))
        .await?;
    ex.execute(q!(
        "DELETE FROM oauth_grants WHERE revoked_at IS NOT NULL
           OR (NOT EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.grant_id = oauth_grants.id)
               AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.grant_id = oauth_grants.id))"
    ))
    .await?;
    Ok(())
}
