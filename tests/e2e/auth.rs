//! Authentication: registration, login, refresh-token rotation and reuse detection, logout,
//! personal access tokens, rejected access tokens, password reset and change, the current
//! organization, WebSocket tickets, the rate limit and the health endpoints.
//!
//! Every test runs on SQLite and on PostgreSQL, each against its own server.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::harness::{Backend, Client, JWT_SECRET, PASSWORD, Resp, Server};

/// A password other than [`PASSWORD`] that passes the length rule.
const NEW_PASSWORD: &str = "a brand new passphrase";

/// The claims of a Stint access token.
fn claims(user_id: &str, exp_offset_secs: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": user_id, "iat": now, "exp": now + exp_offset_secs })
}

/// An HS256 JWT for `claims`, signed with `secret`.
fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign a test JWT")
}

/// `POST /auth/refresh`.
async fn refresh(server: &Server, refresh_token: &str) -> Resp {
    server
        .client()
        .post(
            "/auth/refresh",
            Some(json!({ "refresh_token": refresh_token })),
        )
        .await
}

/// `body[key]` as a string, or a panic naming what was missing.
fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` missing or not a string in {body}"))
}

/// Finds the token of the last password-reset link mailed to `email` in the server log (mail is
/// logged when no SMTP server is configured), waiting briefly for the line to be written.
async fn reset_token_from_log(server: &Server, email: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log();
        if let Some(token) = find_reset_token(&log, email) {
            return token;
        }
        assert!(
            Instant::now() < deadline,
            "no reset link for {email} in the server log:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `token=` of the first reset link after the last `to=<email>` in `log`.
fn find_reset_token(log: &str, email: &str) -> Option<String> {
    let rest = &log[log.rfind(&format!("to={email}"))?..];
    const LINK: &str = "reset-password?token=";
    let at = rest.find(LINK)? + LINK.len();
    let token: String = rest[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

both! {
    /// Register answers 201 with TRCR's flat token response; the first account is the instance's
    /// super admin and later ones are plain users.
    async fn register_returns_tokens_and_roles(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, body) = server.register("alice@example.com", "Alice Example").await;
        assert!(!text(&body, "access_token").is_empty());
        assert!(!text(&body, "refresh_token").is_empty());
        assert_eq!(body["token_type"], "Bearer", "{body}");
        assert_eq!(body["expires_in"], 900, "{body}");
        assert!(text(&body["user"], "id").starts_with("usr_"), "{body}");
        assert_eq!(body["user"]["email"], "alice@example.com", "{body}");
        assert_eq!(body["user"]["name"], "Alice Example", "{body}");
        assert!(body.get("data").is_none(), "auth responses are flat: {body}");

        let me = alice.get("/auth/me", None).await;
        me.assert_status(200);
        assert_eq!(me.data()["id"], body["user"]["id"], "{}", me.body);
        assert_eq!(me.data()["email"], "alice@example.com", "{}", me.body);
        assert_eq!(me.data()["instance_role"], "super_admin", "{}", me.body);

        let (bob, _) = server.register("bob@example.com", "Bob Example").await;
        let me = bob.get("/auth/me", None).await;
        me.assert_status(200);
        assert_eq!(me.data()["instance_role"], "user", "{}", me.body);
    }

    /// Registration refuses duplicate addresses (also in another case), short passwords and
    /// malformed addresses.
    async fn register_rejects_bad_input(backend: Backend) {
        let server = Server::start(backend).await;
        let anon = server.client();
        server.register("carol@example.com", "Carol").await;

        for email in ["carol@example.com", "Carol@Example.COM"] {
            anon.post("/auth/register", Some(json!({ "email": email, "password": PASSWORD, "name": "Carol 2" })))
                .await
                .assert_error(409, "CONFLICT");
        }

        let short = anon
            .post("/auth/register", Some(json!({ "email": "dave@example.com", "password": "short", "name": "Dave" })))
            .await;
        short.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(short.body["error"]["details"]["field"], "password", "{}", short.body);

        for email in ["not-an-email", "", "x@nodot", "@example.com", "a b@example.com"] {
            anon.post("/auth/register", Some(json!({ "email": email, "password": PASSWORD, "name": "Eve" })))
                .await
                .assert_error(400, "VALIDATION_ERROR");
        }
    }

    /// Login works with the right password (returning the same shape as register) and answers a
    /// wrong password and an unknown address alike with 401.
    async fn login_checks_credentials(backend: Backend) {
        let server = Server::start(backend).await;
        let (_, registered) = server.register("frank@example.com", "Frank").await;

        let ok = server.login("frank@example.com", PASSWORD).await;
        ok.assert_status(200);
        assert_eq!(ok.body["token_type"], "Bearer", "{}", ok.body);
        assert_eq!(ok.body["expires_in"], 900, "{}", ok.body);
        assert_eq!(ok.body["user"]["id"], registered["user"]["id"], "{}", ok.body);
        assert!(!text(&ok.body, "refresh_token").is_empty());
        let me = server.client().with_token(text(&ok.body, "access_token")).get("/auth/me", None).await;
        me.assert_status(200);

        server.login("FRANK@example.com", PASSWORD).await.assert_status(200);
        server.login("frank@example.com", "wrong password!").await.assert_error(401, "UNAUTHORIZED");
        server.login("nobody@example.com", PASSWORD).await.assert_error(401, "UNAUTHORIZED");
    }

    /// Refresh tokens rotate; presenting a used one revokes the whole family, including the token
    /// that replaced it, but not other sessions of the same account.
    async fn refresh_rotates_and_detects_reuse(backend: Backend) {
        let server = Server::start(backend).await;
        let (_, registered) = server.register("grace@example.com", "Grace").await;
        let first = text(&registered, "refresh_token").to_owned();

        let rotated = refresh(&server, &first).await;
        rotated.assert_status(200);
        let second = text(&rotated.body, "refresh_token").to_owned();
        assert_ne!(second, first, "the refresh token must rotate");
        assert_eq!(rotated.body["token_type"], "Bearer", "{}", rotated.body);
        assert_eq!(rotated.body["expires_in"], 900, "{}", rotated.body);
        let access = text(&rotated.body, "access_token");
        server.client().with_token(access).get("/auth/me", None).await.assert_status(200);

        // A second session, started by logging in, must survive the revocation below.
        let other = server.login("grace@example.com", PASSWORD).await;
        other.assert_status(200);
        let other_refresh = text(&other.body, "refresh_token").to_owned();

        // The old token is spent…
        refresh(&server, &first).await.assert_error(401, "UNAUTHORIZED");
        // …and presenting it revoked its family, so the newest token is dead too.
        refresh(&server, &second).await.assert_error(401, "UNAUTHORIZED");

        refresh(&server, &other_refresh).await.assert_status(200);
        refresh(&server, "rt_not-a-real-token").await.assert_error(401, "UNAUTHORIZED");
        refresh(&server, "").await.assert_error(401, "UNAUTHORIZED");
    }

    /// Logout revokes the refresh token (204) while the access token keeps working until it
    /// expires, as documented.
    async fn logout_revokes_refresh_token(backend: Backend) {
        let server = Server::start(backend).await;
        let (client, registered) = server.register("heidi@example.com", "Heidi").await;
        let refresh_token = text(&registered, "refresh_token");

        server
            .client()
            .post("/auth/logout", Some(json!({ "refresh_token": refresh_token })))
            .await
            .assert_error(401, "UNAUTHORIZED");

        client.post("/auth/logout", Some(json!({ "refresh_token": refresh_token }))).await.assert_status(204);
        refresh(&server, refresh_token).await.assert_error(401, "UNAUTHORIZED");
        client.get("/auth/me", None).await.assert_status(200);
    }

    /// A personal access token is shown once, authenticates like an access token, is listed
    /// without its secret and stops working once revoked.
    async fn personal_access_tokens(backend: Backend) {
        let server = Server::start(backend).await;
        let (client, org_id) = server.register_with_org("ivan@example.com", "Ivan", "Ivan's Org").await;

        let created = client.post("/auth/tokens", Some(json!({ "name": "ci" }))).await;
        created.assert_status(201);
        let secret = text(created.data(), "token").to_owned();
        let id = text(created.data(), "id").to_owned();
        assert!(secret.starts_with("stint_pat_"), "{}", created.body);
        assert_eq!(created.data()["name"], "ci", "{}", created.body);
        assert_eq!(created.data()["org_id"], org_id.as_str(), "bound to the current org: {}", created.body);

        let pat = server.client().with_token(&secret);
        let me = pat.get("/auth/me", None).await;
        me.assert_status(200);
        assert_eq!(me.data()["email"], "ivan@example.com", "{}", me.body);
        assert_eq!(me.data()["current_org_id"], org_id.as_str(), "{}", me.body);

        let listed = client.get("/auth/tokens", None).await;
        listed.assert_status(200);
        let tokens = listed.data().as_array().unwrap_or_else(|| panic!("data is a list: {}", listed.body));
        assert!(tokens.iter().any(|t| t["id"] == id.as_str()), "the token is listed: {}", listed.body);
        assert!(!listed.body.to_string().contains(&secret), "the secret must not be listed: {}", listed.body);
        for token in tokens {
            assert!(
                !token["token"].as_str().is_some_and(|t| t.starts_with("stint_pat_")),
                "the secret must not be listed: {}",
                listed.body
            );
        }

        client.delete(&format!("/auth/tokens/{id}"), None).await.assert_status(204);
        pat.get("/auth/me", None).await.assert_error(401, "UNAUTHORIZED");
        client.delete(&format!("/auth/tokens/{id}"), None).await.assert_error(404, "NOT_FOUND");
        server
            .client()
            .with_token("stint_pat_doesnotexist")
            .get("/auth/me", None)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }

    /// Expired, forged, `alg: none`, garbage, missing and non-Bearer credentials are all refused
    /// with 401 and the error envelope; a correctly signed token is accepted (so the refusals are
    /// not an artefact of a wrong test secret).
    async fn bad_access_tokens_are_unauthorized(backend: Backend) {
        let server = Server::start(backend).await;
        let (_, registered) = server.register("judy@example.com", "Judy").await;
        let user_id = text(&registered["user"], "id");
        let anon = server.client();

        let valid = sign(&claims(user_id, 600), JWT_SECRET);
        anon.with_token(&valid).get("/auth/me", None).await.assert_status(200);

        let expired = sign(&claims(user_id, -3600), JWT_SECRET);
        let forged = sign(&claims(user_id, 600), "some-other-secret-that-is-long-enough-0123456789");
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims(user_id, 600).to_string())
        );
        let unknown_user = sign(&claims("usr_00000000000000000000000000", 600), JWT_SECRET);
        let cases = [
            ("expired", anon.with_token(&expired)),
            ("forged", anon.with_token(&forged)),
            ("alg none", anon.with_token(&none)),
            ("garbage", anon.with_token("garbage")),
            ("unknown user", anon.with_token(&unknown_user)),
            ("no header", anon.clone()),
            ("basic", anon.with_authorization("Basic xyz")),
            ("empty bearer", anon.with_authorization("Bearer ")),
        ];
        for (what, client) in cases {
            let resp = client.get("/auth/me", None).await;
            assert_eq!(resp.status, 401, "{what}: expected 401, got {} {}", resp.status, resp.body);
            resp.assert_error(401, "UNAUTHORIZED");
        }
    }

    /// Forgot-password accepts any address; the mailed (here: logged) link resets the password
    /// once and ends the account's sessions; bogus tokens are refused.
    async fn password_reset_flow(backend: Backend) {
        let server = Server::start(backend).await;
        let (_, registered) = server.register("mallory@example.com", "Mallory").await;
        let anon = server.client();

        for email in ["mallory@example.com", "nobody@example.com"] {
            anon.post("/auth/forgot-password", Some(json!({ "email": email }))).await.assert_status(202);
        }
        anon.post("/auth/reset-password", Some(json!({ "token": "bogus", "password": NEW_PASSWORD })))
            .await
            .assert_error(400, "VALIDATION_ERROR");

        let token = reset_token_from_log(&server, "mallory@example.com").await;
        anon.post("/auth/reset-password", Some(json!({ "token": token, "password": "short" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        anon.post("/auth/reset-password", Some(json!({ "token": token, "password": NEW_PASSWORD })))
            .await
            .assert_status(204);

        server.login("mallory@example.com", NEW_PASSWORD).await.assert_status(200);
        server.login("mallory@example.com", PASSWORD).await.assert_error(401, "UNAUTHORIZED");
        refresh(&server, text(&registered, "refresh_token")).await.assert_error(401, "UNAUTHORIZED");
        anon.post("/auth/reset-password", Some(json!({ "token": token, "password": "yet another passphrase" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }

    /// Change-password checks the current password and then takes effect for login.
    async fn change_password(backend: Backend) {
        let server = Server::start(backend).await;
        let (client, _) = server.register("niaj@example.com", "Niaj").await;

        let wrong = client
            .post("/auth/change-password", Some(json!({ "current_password": "not it at all", "new_password": NEW_PASSWORD })))
            .await;
        wrong.assert_error(400, "VALIDATION_ERROR");
        client
            .post("/auth/change-password", Some(json!({ "current_password": PASSWORD, "new_password": "short" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        server.client()
            .post("/auth/change-password", Some(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })))
            .await
            .assert_error(401, "UNAUTHORIZED");

        client
            .post("/auth/change-password", Some(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })))
            .await
            .assert_status(204);
        server.login("niaj@example.com", NEW_PASSWORD).await.assert_status(200);
        server.login("niaj@example.com", PASSWORD).await.assert_error(401, "UNAUTHORIZED");
    }

    /// The current organization can only be one of the caller's: another user's is NOT_FOUND,
    /// exactly like one that does not exist.
    async fn current_org_must_be_own(backend: Backend) {
        let server = Server::start(backend).await;
        let (olivia, own_org) = server.register_with_org("olivia@example.com", "Olivia", "Olivia's Org").await;
        let (_, other_org) = server.register_with_org("peggy@example.com", "Peggy", "Peggy's Org").await;

        let me = olivia.get("/auth/me", None).await;
        me.assert_status(200);
        assert_eq!(me.data()["current_org_id"], own_org.as_str(), "the first org becomes current: {}", me.body);

        olivia
            .patch("/auth/me", Some(json!({ "current_org_id": other_org })))
            .await
            .assert_error(404, "NOT_FOUND");
        olivia
            .patch("/auth/me", Some(json!({ "current_org_id": "org_00000000000000000000000000" })))
            .await
            .assert_error(404, "NOT_FOUND");
        let me = olivia.get("/auth/me", None).await;
        assert_eq!(me.data()["current_org_id"], own_org.as_str(), "unchanged after refusals: {}", me.body);

        let updated = olivia.patch("/auth/me", Some(json!({ "current_org_id": own_org, "name": "Olivia O." }))).await;
        updated.assert_status(200);
        assert_eq!(updated.data()["current_org_id"], own_org.as_str(), "{}", updated.body);
        assert_eq!(updated.data()["name"], "Olivia O.", "{}", updated.body);
    }

    /// A WebSocket ticket is a `wst_` string, issued only to authenticated callers.
    async fn ws_ticket(backend: Backend) {
        let server = Server::start(backend).await;
        let (client, _) = server.register("rupert@example.com", "Rupert").await;
        let resp = client.post("/auth/ws-ticket", None).await;
        resp.assert_status(200);
        assert!(text(&resp.body, "ticket").starts_with("wst_"), "{}", resp.body);
        server.client().post("/auth/ws-ticket", None).await.assert_error(401, "UNAUTHORIZED");
    }

    /// With a limit of 5 requests a minute, the 6th (at the latest the 7th) authenticated request
    /// is refused with 429 and a `Retry-After` of at least one second.
    async fn rate_limit(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_RATE_LIMIT_PER_MINUTE", "5")]).await;
        let (client, _) = server.register("sybil@example.com", "Sybil").await;
        let mut limited = None;
        for attempt in 1..=7 {
            let resp = client.get("/auth/me", None).await;
            if resp.status == 429 {
                limited = Some((attempt, resp));
                break;
            }
            resp.assert_status(200);
        }
        let (attempt, resp) = limited.expect("no 429 within 7 requests at a limit of 5 per minute");
        assert!(attempt >= 6, "limited too early, at request {attempt}");
        resp.assert_error(429, "RATE_LIMIT_EXCEEDED");
        let retry_after = resp.header("retry-after").unwrap_or_else(|| panic!("429 without Retry-After"));
        let secs: u64 = retry_after.trim().parse().unwrap_or_else(|_| panic!("Retry-After is not a number: {retry_after}"));
        assert!(secs >= 1, "Retry-After {secs}");
    }

    /// Both health endpoints answer `{"data":{"status":"ok"}}` without credentials.
    async fn health(backend: Backend) {
        let server = Server::start(backend).await;
        let anon: Client = server.client();
        for path in ["/api/health", "/api/v1/health"] {
            let resp = anon.get(path, None).await;
            resp.assert_status(200);
            assert_eq!(resp.body, json!({ "data": { "status": "ok" } }), "{path}");
        }
    }

    /// `/api/ready` checks what the server needs: the database answers, no migration is pending,
    /// and Redis is reported as not configured on a single process.
    async fn readiness(backend: Backend) {
        let server = Server::start(backend).await;
        let resp = server.client().get("/api/ready", None).await;
        resp.assert_status(200);
        assert_eq!(
            resp.body,
            json!({ "data": { "status": "ready", "checks": {
                "database": "ok", "migrations": "ok", "redis": "not configured"
            } } })
        );
    }
}

/// With Redis configured, readiness pings it too.
#[tokio::test]
async fn readiness_checks_redis_when_configured() {
    let server = Server::start_with(
        Backend::Postgres,
        &[("STINT_REDIS_URL", "redis://127.0.0.1:6379")],
    )
    .await;
    let resp = server.client().get("/api/ready", None).await;
    resp.assert_status(200);
    assert_eq!(resp.body["data"]["checks"]["redis"], "ok", "{}", resp.body);
    assert_eq!(resp.body["data"]["status"], "ready");
}

#[test]
fn reset_token_is_found_in_a_log_line() {
    let log = "2026-01-01T00:00:00Z  INFO stint::mail: mail (no SMTP configured) to=a@b.co \
               subject=Reset body=Open this link:\nhttp://127.0.0.1:1/reset-password?token=Ab-_9z\n\nbye\n";
    assert_eq!(find_reset_token(log, "a@b.co").as_deref(), Some("Ab-_9z"));
    assert_eq!(find_reset_token(log, "c@d.co"), None);
}
