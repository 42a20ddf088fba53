//! Stint as an OAuth 2.1 authorization server for MCP clients: the official Python SDK's OAuth
//! client end to end (discovery, registration, PKCE, consent, tokens, refresh), then revocation and
//! every refusal — a wrong PKCE verifier, an unregistered redirect URI, a replayed code, an expired
//! or revoked token, an unsigned (`alg: none`) JWT — with nothing granted.

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::harness::{Backend, PASSWORD, Server, run_python_client};

/// A server whose OAuth access tokens live two seconds.
async fn server(backend: Backend) -> Server {
    Server::start_with(backend, &[("STINT_OAUTH_ACCESS_TOKEN_TTL_SECS", "2")]).await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The hidden inputs of a page's form, and the values of its options.
fn form_fields(html: &str) -> (Vec<(String, String)>, Vec<String>) {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let mut inputs = Vec::new();
    for part in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = part.split_once('"').unwrap();
        let value = rest
            .split_once("value=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map(|(v, _)| v)
            .unwrap_or_default();
        inputs.push((unescape(name), unescape(value)));
    }
    let options = html
        .split("<option value=\"")
        .skip(1)
        .map(|p| unescape(p.split_once('"').unwrap().0))
        .collect();
    (inputs, options)
}

fn form(fields: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn post_form(
    http: &reqwest::Client,
    url: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    http.post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(fields))
        .send()
        .await
        .unwrap()
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

/// A PKCE verifier and its S256 challenge.
fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("{seed}-{}", "v".repeat(60));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

const REDIRECT: &str = "http://127.0.0.1:9/callback";

async fn register_client(server: &Server) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{}/oauth/register", server.base))
        .json(&json!({"client_name": "Assistant", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    body["client_id"].as_str().unwrap().to_owned()
}

/// Runs the browser part for `email`: the login page, the consent page, approval. Returns the
/// redirect's query (`code`, `state`).
async fn approve(
    server: &Server,
    client_id: &str,
    challenge: &str,
    email: &str,
) -> Vec<(String, String)> {
    let http = no_redirects();
    let url = format!(
        "{}/oauth/authorize?{}",
        server.base,
        form(&[
            pair("response_type", "code"),
            pair("client_id", client_id),
            pair("redirect_uri", REDIRECT),
            pair("code_challenge", challenge),
            pair("code_challenge_method", "S256"),
            pair("state", "xyz"),
            pair("scope", "mcp"),
        ])
    );
    let login = http.get(&url).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let (mut fields, _) = form_fields(&login.text().await.unwrap());
    fields.push(pair("email", email));
    fields.push(pair("password", PASSWORD));
    let action = format!("{}/oauth/authorize", server.base);
    let consent = post_form(&http, &action, &fields).await;
    assert_eq!(consent.status(), 200);
    let (mut fields, orgs) = form_fields(&consent.text().await.unwrap());
    fields.retain(|(k, _)| k != "step");
    fields.push(pair("step", "approve"));
    fields.push(pair("org_id", &orgs[0]));
    let done = post_form(&http, &action, &fields).await;
    assert_eq!(done.status(), 303);
    let location = done.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

async fn token(server: &Server, fields: &[(String, String)]) -> (u16, Value) {
    let resp = post_form(
        &reqwest::Client::new(),
        &format!("{}/oauth/token", server.base),
        fields,
    )
    .await;
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn exchange(server: &Server, client_id: &str, code: &str, verifier: &str) -> (u16, Value) {
    token(
        server,
        &[
            pair("grant_type", "authorization_code"),
            pair("code", code),
            pair("redirect_uri", REDIRECT),
            pair("client_id", client_id),
            pair("code_verifier", verifier),
        ],
    )
    .await
}

/// Whether `/mcp` takes `access` (a `tools/call` of the 2026-07-28 protocol).
async fn mcp_status(server: &Server, access: &str) -> u16 {
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}});
    reqwest::Client::new()
        .post(format!("{}/mcp", server.base))
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {access}"))
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "organizations.list")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "organizations.list", "arguments": {}, "_meta": meta}}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

both! {
    /// The official Python SDK's OAuth client: discovery through the 401, dynamic registration,
    /// authorization with PKCE (the script signs in and approves over HTTP), a tool call, a refresh
    /// once the access token expired, a second call. Then revocation ends the grant.
    async fn python_sdk_connects_with_oauth(backend: Backend) {
        let server = server(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let out = run_python_client("mcp_oauth.py", &[&server.base, "alice@example.com", PASSWORD]).await;
        assert_eq!(out["pages"], json!([200, 200, 303]), "{out}");
        assert_eq!(out["orgs"], json!([org]), "{out}");
        assert_eq!(out["first"], json!([org]), "the grant acts in the chosen organization: {out}");
        assert_eq!(out["second_error"], false, "{out}");
        let refresh: Vec<&str> = out["refresh_tokens"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert!(refresh.len() >= 2, "the SDK refreshed: {out}");
        assert_ne!(refresh[0], refresh[1], "refresh tokens rotate: {out}");

        let grants = alice.get("/auth/oauth-grants", None).await;
        grants.assert_status(200);
        assert_eq!(grants.data().as_array().unwrap().len(), 1, "{}", grants.body);
        assert_eq!(grants.data()[0]["client_name"], "E2E assistant", "{}", grants.body);
        assert_eq!(grants.data()[0]["org_id"], org.as_str(), "{}", grants.body);

        // A used refresh token presented again: refused, and the grant is over.
        let (status, body) = token(&server, &[pair("grant_type", "refresh_token"), pair("refresh_token", refresh[0]),
            pair("client_id", out["client_id"].as_str().unwrap())]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        let last = out["access_tokens"].as_array().unwrap().last().unwrap().as_str().unwrap();
        assert_eq!(mcp_status(&server, last).await, 401, "reuse of a refresh token revokes the grant");
    }

    /// Authorization code + PKCE by hand, then each refusal: nothing is granted on bad input.
    async fn oauth_refuses_what_it_must(backend: Backend) {
        let server = server(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let http = reqwest::Client::new();

        // Discovery documents.
        let meta: Value = http.get(format!("{}/.well-known/oauth-authorization-server", server.base))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(meta["issuer"], server.base.as_str(), "{meta}");
        assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]), "{meta}");

        // Registration: only https or loopback http redirect URIs.
        for bad in [json!(["http://evil.example/cb"]), json!(["not a url"]), json!([]), json!(["https://a.example/cb#frag"])] {
            let resp = http.post(format!("{}/oauth/register", server.base))
                .json(&json!({"client_name": "x", "redirect_uris": bad})).send().await.unwrap();
            assert_eq!(resp.status(), 400, "{bad}");
            let body: Value = resp.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().starts_with("invalid_"), "{body}");
        }
        let client_id = register_client(&server).await;

        // An unregistered redirect URI is never redirected to.
        let (_, challenge) = pkce("a");
        let evil = no_redirects().get(format!("{}/oauth/authorize?{}", server.base, form(&[
            pair("response_type", "code"), pair("client_id", &client_id), pair("redirect_uri", "http://127.0.0.1:9/other"),
            pair("code_challenge", &challenge), pair("code_challenge_method", "S256"), pair("state", "s")])))
            .send().await.unwrap();
        assert_eq!(evil.status(), 400);
        assert!(evil.headers().get("location").is_none());
        // No state, or plain PKCE: an error sent back to the (registered) client.
        for (k, v) in [("state", ""), ("code_challenge_method", "plain")] {
            let mut q = vec![pair("response_type", "code"), pair("client_id", &client_id), pair("redirect_uri", REDIRECT),
                pair("code_challenge", &challenge), pair("code_challenge_method", "S256"), pair("state", "s")];
            q.retain(|(key, _)| key != k);
            if !v.is_empty() { q.push(pair(k, v)); }
            let resp = no_redirects().get(format!("{}/oauth/authorize?{}", server.base, form(&q))).send().await.unwrap();
            assert_eq!(resp.status(), 303, "{k}");
            let location = resp.headers()["location"].to_str().unwrap();
            assert!(location.starts_with(REDIRECT) && location.contains("error=invalid_request"), "{location}");
        }

        // A wrong verifier: refused.
        let (verifier, challenge) = pkce("b");
        let query = approve(&server, &client_id, &challenge, "alice@example.com").await;
        assert_eq!(get(&query, "state"), Some("xyz"));
        let code = get(&query, "code").unwrap().to_owned();
        let (status, body) = exchange(&server, &client_id, &code, &pkce("c").0).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");

        // The right verifier on a fresh code: tokens that work, as a PAT does.
        let query = approve(&server, &client_id, &challenge, "alice@example.com").await;
        let code = get(&query, "code").unwrap().to_owned();
        let (status, tokens) = exchange(&server, &client_id, &code, &verifier).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        assert_eq!(mcp_status(&server, &access).await, 200);
        let as_grant = server.client().with_token(&access);
        as_grant.get("/auth/me", None).await.assert_status(200);
        as_grant.post("/organizations", Some(json!({"name": "More"}))).await.assert_status(403);

        // The same code again: refused, and what it granted is revoked.
        let (status, body) = exchange(&server, &client_id, &code, &verifier).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        assert_eq!(mcp_status(&server, &access).await, 401, "a replayed code revokes its grant");

        // Expiry: a fresh grant's access token stops working after its lifetime (2 s here).
        let (verifier, challenge) = pkce("d");
        let query = approve(&server, &client_id, &challenge, "alice@example.com").await;
        let (_, tokens) = exchange(&server, &client_id, get(&query, "code").unwrap(), &verifier).await;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        assert_eq!(mcp_status(&server, &access).await, 200);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(mcp_status(&server, &access).await, 401, "expired");

        // Revocation of the refresh token ends the grant: no refresh, no access.
        let (_, renewed) = token(&server, &[pair("grant_type", "refresh_token"), pair("refresh_token", &refresh),
            pair("client_id", &client_id)]).await;
        let access = renewed["access_token"].as_str().unwrap().to_owned();
        let refresh = renewed["refresh_token"].as_str().unwrap().to_owned();
        assert_eq!(mcp_status(&server, &access).await, 200);
        let revoked = post_form(&http, &format!("{}/oauth/revoke", server.base), &[pair("token", &refresh)]).await;
        assert_eq!(revoked.status(), 200);
        assert_eq!(mcp_status(&server, &access).await, 401, "revoked");
        let (status, _) = token(&server, &[pair("grant_type", "refresh_token"), pair("refresh_token", &refresh),
            pair("client_id", &client_id)]).await;
        assert_eq!(status, 400);

        // An unsigned JWT is no credential.
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let me = alice.get("/auth/me", None).await;
        let unsigned = format!("{}.{}.", b64(json!({"alg": "none", "typ": "JWT"})),
            b64(json!({"sub": me.data()["id"], "exp": 4_000_000_000u64})));
        assert_eq!(mcp_status(&server, &unsigned).await, 401);

        // The user sees and revokes grants over REST; a grant cannot manage grants.
        let grants = alice.get("/auth/oauth-grants", None).await;
        grants.assert_status(200);
        let live: Vec<&Value> = grants.data().as_array().unwrap().iter().collect();
        assert!(!live.is_empty(), "{}", grants.body);
        let id = live[0]["id"].as_str().unwrap();
        let (mallory, _) = server.register("mallory@example.com", "Mallory").await;
        mallory.delete(&format!("/auth/oauth-grants/{id}"), None).await.assert_status(404);
        assert!(mallory.get("/auth/oauth-grants", None).await.data().as_array().unwrap().is_empty());
        alice.delete(&format!("/auth/oauth-grants/{id}"), None).await.assert_status(204);
        alice.delete(&format!("/auth/oauth-grants/{id}"), None).await.assert_status(404);
    }
}
