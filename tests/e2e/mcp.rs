//! MCP at `/mcp` (Streamable HTTP) and `stint mcp` (stdio), driven by the official Python SDK
//! (`mcp`) and the official TypeScript SDK (`@modelcontextprotocol/sdk`): every action is a tool,
//! results validate against the tools' output schemas, permissions are REST's, resources update
//! live, and a call through MCP reaches `/ws` clients like any other change.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, created_id, run_python_client};
use crate::ws::Ws;

/// Alice (owner) with a project and a personal access token, Bob (viewer) with one, and a task
/// of Carol's organization that neither may see.
struct World {
    alice: Client,
    alice_pat: String,
    bob_pat: String,
    project: String,
    foreign_task: String,
}

async fn pat(client: &Client) -> String {
    let created = client
        .post("/auth/tokens", Some(json!({ "name": "assistant" })))
        .await;
    created.assert_status(201);
    created.data()["token"].as_str().unwrap().to_owned()
}

async fn world(server: &Server) -> World {
    let (alice, org) = server
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let (bob, _) = server.register("bob@example.com", "Bob").await;
    server
        .join(&alice, &org, &bob, "bob@example.com", "viewer")
        .await;
    bob.patch("/auth/me", Some(json!({ "current_org_id": org })))
        .await
        .assert_status(200);
    let project = created_id(
        &alice
            .post("/projects", Some(json!({ "name": "Website" })))
            .await,
    );
    let (carol, _) = server
        .register_with_org("carol@example.com", "Carol", "Globex")
        .await;
    let carol_project = created_id(
        &carol
            .post("/projects", Some(json!({ "name": "Secret" })))
            .await,
    );
    let foreign_task = created_id(
        &carol
            .post(
                "/tasks",
                Some(json!({ "project_id": carol_project, "title": "Hidden" })),
            )
            .await,
    );
    World {
        alice_pat: pat(&alice).await,
        bob_pat: pat(&bob).await,
        alice,
        project,
        foreign_task,
    }
}

/// The number of registered actions, as `stint actions` lists them.
fn action_count() -> usize {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stint"))
        .arg("actions")
        .output()
        .expect("stint actions runs");
    let actions: Value = serde_json::from_slice(&out.stdout).expect("stint actions prints JSON");
    actions.as_array().expect("a list of actions").len()
}

both! {
    /// The Python SDK over Streamable HTTP with a personal access token: every action a tool, a
    /// call and a list whose structured results validate, errors as `isError` results with the
    /// REST codes, a resource read, a live resource update caused through REST, a prompt — and the
    /// task created over MCP reaches a `/ws` client of the organization.
    async fn python_sdk_over_streamable_http(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let mut ws = Ws::open(&server, &w.alice).await;
        let out = run_python_client(
            "mcp_client.py",
            &["http", &server.base, &w.alice_pat, &w.bob_pat, &w.project, &w.foreign_task],
        )
        .await;
        assert_eq!(out["server"], "stint", "{out}");
        assert_eq!(out["protocol"], "2026-07-28", "the SDK's current protocol: {out}");
        assert_eq!(out["tools"].as_u64().unwrap() as usize, action_count(), "{out}");
        assert!(out["tool_pages"].as_u64().unwrap() > 1, "tools/list paginates: {out}");
        assert_eq!(
            out["annotations"]["tasks.list"],
            json!({"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false})
        );
        assert_eq!(out["annotations"]["tasks.delete"]["destructiveHint"], true, "{out}");
        assert_eq!(out["annotations"]["tasks.create"]["idempotentHint"], false, "{out}");

        let created = out["created"].as_str().unwrap();
        assert!(out["listed_ids"].as_array().unwrap().iter().any(|id| id == created), "{out}");
        let rest = w.alice.get(&format!("/tasks/{created}"), None).await;
        rest.assert_status(200);
        assert_eq!(rest.data()["title"], "Changed over REST", "{}", rest.body);
        assert_eq!(out["pagination"]["total"], 1, "{out}");

        assert_eq!(out["foreign"]["is_error"], true, "{out}");
        assert_eq!(out["foreign"]["code"], "NOT_FOUND", "another organization's task: {out}");
        assert_eq!(out["invalid"]["code"], "VALIDATION_ERROR", "{out}");
        assert_eq!(out["viewer"]["is_error"], true, "{out}");
        assert_eq!(out["viewer"]["code"], "FORBIDDEN", "{out}");
        assert!(out["viewer"]["text"].as_str().unwrap().starts_with("FORBIDDEN: "), "{out}");

        assert_eq!(out["resource"]["id"], created, "{out}");
        assert_eq!(out["resource_mime"], "application/json", "{out}");
        assert!(out["templates"].as_array().unwrap().contains(&json!("stint://tasks/{id}")), "{out}");
        assert_eq!(out["honored"], json!([format!("stint://tasks/{created}")]), "{out}");
        assert_eq!(out["rest_status"], 200, "{out}");
        assert_eq!(out["update"]["kind"], "ResourceUpdated", "{out}");
        assert_eq!(out["update"]["uri"], format!("stint://tasks/{created}"), "{out}");
        assert!(out["prompts"].as_array().unwrap().contains(&json!("my_day")), "{out}");
        assert!(out["my_day"].as_str().unwrap().contains("Tasks assigned to me"), "{out}");

        let change = ws.next_change("task", "created").await;
        assert_eq!(change["data"]["entity_id"], created, "{change}");
    }

    /// The same SDK over stdio: `stint mcp` on the server's database, acting as the token's owner.
    async fn python_sdk_over_stdio(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let env: serde_json::Map<String, Value> = server
            .command_env()
            .await
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let out = run_python_client(
            "mcp_client.py",
            &[
                "stdio",
                env!("CARGO_BIN_EXE_stint"),
                &w.alice_pat,
                &w.project,
                &Value::Object(env).to_string(),
            ],
        )
        .await;
        assert_eq!(out["tools"].as_u64().unwrap() as usize, action_count(), "{out}");
        assert_eq!(out["total"], 0, "{out}");
        let created = out["created"].as_str().unwrap();
        w.alice.get(&format!("/tasks/{created}"), None).await.assert_status(200);
    }

    /// `stint mcp --url` bridges stdio to a remote server's `/mcp`: the Python SDK over stdio
    /// reaches the server's tools through it.
    async fn python_sdk_through_the_stdio_bridge(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let out = run_python_client(
            "mcp_client.py",
            &["stdio", env!("CARGO_BIN_EXE_stint"), &w.alice_pat, &w.project, "{}", "--url", &server.base],
        )
        .await;
        assert_eq!(out["tools"].as_u64().unwrap() as usize, action_count(), "{out}");
        assert_eq!(out["total"], 0, "{out}");
        let created = out["created"].as_str().unwrap();
        w.alice.get(&format!("/tasks/{created}"), None).await.assert_status(200);
    }

    /// Without a token (or with a bad one) `/mcp` answers 401 with the RFC 9728 pointer, and the
    /// metadata it points at names the resource and its authorization server.
    async fn no_token_is_pointed_at_the_resource_metadata(backend: Backend) {
        let server = Server::start(backend).await;
        let http = reqwest::Client::new();
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
        for auth in [None, Some("Bearer nope"), Some("Basic abc")] {
            let mut rq = http
                .post(format!("{}/mcp", server.base))
                .header("accept", "application/json, text/event-stream")
                .json(&init);
            if let Some(a) = auth {
                rq = rq.header("authorization", a);
            }
            let resp = rq.send().await.unwrap();
            assert_eq!(resp.status(), 401, "{auth:?}");
            let challenge = resp.headers()["www-authenticate"].to_str().unwrap().to_owned();
            assert_eq!(
                challenge.split(", ").next().unwrap(),
                format!("Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"", server.base),
            );
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "UNAUTHORIZED", "{body}");
        }
        let meta: Value = http
            .get(format!("{}/.well-known/oauth-protected-resource/mcp", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(meta["resource"], format!("{}/mcp", server.base));
        assert_eq!(meta["authorization_servers"], json!([server.base]));
    }

    /// DNS rebinding: a foreign `Host` or browser `Origin` is refused before anything runs.
    async fn foreign_hosts_and_origins_are_refused(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let token = pat(&alice).await;
        let http = reqwest::Client::new();
        let list = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
        let send = |header: &'static str, value: &'static str| {
            http.post(format!("{}/mcp", server.base))
                .header("accept", "application/json, text/event-stream")
                .header("authorization", format!("Bearer {token}"))
                .header(header, value)
                .json(&list)
                .send()
        };
        assert_eq!(send("host", "evil.example").await.unwrap().status(), 403);
        assert_eq!(send("origin", "http://evil.example").await.unwrap().status(), 403);
        let ok = send("origin", Box::leak(server.base.clone().into_boxed_str())).await.unwrap();
        assert_eq!(ok.status(), 200, "the server's own origin is allowed");
    }
}

both! {
    /// The TypeScript SDK over Streamable HTTP: one list and one call.
    async fn typescript_sdk_lists_and_calls(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let out = crate::harness::run_node_client(
            "mcp_client.mjs",
            &[&server.base, &w.alice_pat, &w.project],
        )
        .await;
        assert_eq!(out["server"], "stint", "{out}");
        assert_eq!(out["protocol"], "2025-11-25", "a session-era protocol: {out}");
        assert_eq!(out["tools"].as_u64().unwrap() as usize, action_count(), "{out}");
        assert_eq!(out["is_error"], false, "{out}");
        let created = out["created"].as_str().unwrap();
        w.alice.get(&format!("/tasks/{created}"), None).await.assert_status(200);
    }
}

/// One JSON-RPC message to `/mcp` over plain HTTP: the session id the answer carries and the
/// answer itself (read from a JSON body or the first `data:` line of an event stream).
async fn rpc(
    base: &str,
    token: &str,
    session: Option<&str>,
    body: Value,
) -> (Option<String>, Value) {
    let mut rq = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body);
    if let Some(s) = session {
        rq = rq.header("mcp-session-id", s);
    }
    let resp = rq.send().await.unwrap();
    let status = resp.status();
    let session = resp
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    if body.get("id").is_none() {
        return (session, Value::Null);
    }
    let json = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(&text);
    (
        session,
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

/// Two processes behind one address (PostgreSQL and Redis): a 2025 session started on one is
/// continued on the other, which finds it in Redis instead of asking the client to start over.
#[tokio::test]
async fn a_session_continues_on_another_process() {
    let a = Server::start_with(
        Backend::Postgres,
        &[("STINT_REDIS_URL", "redis://127.0.0.1:6379")],
    )
    .await;
    let b = a.start_peer().await;
    let (alice, _) = a
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let token = pat(&alice).await;
    let (session, init) = rpc(&a.base, &token, None, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).await;
    let session = session.expect("a 2025 initialize opens a session");
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    rpc(
        &b.base,
        &token,
        Some(&session),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    let (_, listed) = rpc(
        &b.base,
        &token,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    assert_eq!(
        listed["result"]["tools"].as_array().map(Vec::len),
        Some(50),
        "{listed}"
    );
    let (_, called) = rpc(
        &b.base,
        &token,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "projects.create", "arguments": {"name": "Via B"}}}),
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
    let id = called["result"]["structuredContent"]["data"]["id"]
        .as_str()
        .unwrap();
    alice
        .get(&format!("/projects/{id}"), None)
        .await
        .assert_status(200);
}

both! {
    /// A 2025 session's `resources/subscribe`: the update arrives on the session's event stream
    /// (`GET /mcp`) when the task changes through REST.
    async fn a_2025_session_subscribes_to_a_resource(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let task = created_id(&w.alice.post("/tasks", Some(json!({"project_id": w.project, "title": "Watched"}))).await);
        let base = server.base.as_str();
        let token = w.alice_pat.as_str();
        let (session, _) = rpc(base, token, None, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).await;
        let session = session.unwrap();
        rpc(base, token, Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        let mut stream = reqwest::Client::new()
            .get(format!("{base}/mcp"))
            .header("accept", "text/event-stream")
            .header("authorization", format!("Bearer {token}"))
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let uri = format!("stint://tasks/{task}");
        let (_, subscribed) = rpc(base, token, Some(&session), json!({"jsonrpc": "2.0", "id": 2,
            "method": "resources/subscribe", "params": {"uri": uri}})).await;
        assert!(subscribed.get("error").is_none(), "{subscribed}");
        w.alice.patch(&format!("/tasks/{task}"), Some(json!({"title": "Changed"}))).await.assert_status(200);
        let mut seen = String::new();
        let found = tokio::time::timeout(std::time::Duration::from_secs(15), async {
            while let Some(chunk) = stream.chunk().await.unwrap() {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains("notifications/resources/updated") {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        assert!(found, "no update on the stream: {seen}");
        assert!(seen.contains(&uri), "{seen}");
    }
}

both! {
    /// Bad input gets JSON-RPC errors, never a 500: malformed JSON, a body that is no message, an
    /// unknown tool, arguments of the wrong type, an unknown resource or prompt.
    async fn bad_input_gets_json_rpc_errors(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let token = pat(&alice).await;
        let http = reqwest::Client::new();
        for body in ["{\"jsonrpc\":\"2.0\",\"id\":1,", "[1,2,3]", "\"hello\""] {
            let resp = http
                .post(format!("{}/mcp", server.base))
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 400, "{body}");
            let answer: Value = resp.json().await.unwrap();
            assert_eq!(answer["error"]["code"], -32700, "{body}: {answer}");
        }
        let (session, _) = rpc(&server.base, &token, None, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).await;
        let s = session.unwrap();
        rpc(&server.base, &token, Some(&s), json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        let call = |id: i64, method: &str, params: Value| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let (_, unknown) = rpc(&server.base, &token, Some(&s), call(2, "tools/call", json!({"name": "nope", "arguments": {}}))).await;
        assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
        let (_, typed) = rpc(&server.base, &token, Some(&s), call(3, "tools/call", json!({"name": "tasks.get", "arguments": {"id": 5}}))).await;
        assert_eq!(typed["result"]["isError"], true, "{typed}");
        assert_eq!(typed["result"]["structuredContent"]["error"]["details"]["field"], "id", "{typed}");
        let (_, resource) = rpc(&server.base, &token, Some(&s), call(4, "resources/read", json!({"uri": "stint://tasks/tsk_nope"}))).await;
        assert_eq!(resource["error"]["code"], -32002, "{resource}");
        let (_, odd) = rpc(&server.base, &token, Some(&s), call(5, "resources/read", json!({"uri": "file:///etc/passwd"}))).await;
        assert_eq!(odd["error"]["code"], -32002, "{odd}");
        let (_, prompt) = rpc(&server.base, &token, Some(&s), call(6, "prompts/get", json!({"name": "draft_invoice", "arguments": {"client_id": "x"}}))).await;
        assert_eq!(prompt["error"]["code"], -32602, "{prompt}");
        assert_eq!(prompt["error"]["data"]["details"]["field"], "from", "{prompt}");
        let (_, cursor) = rpc(&server.base, &token, Some(&s), call(7, "tools/list", json!({"cursor": "zzz"}))).await;
        assert_eq!(cursor["error"]["code"], -32602, "{cursor}");
    }
}
