//! Tenant isolation, checked over the whole REST surface.
//!
//! One table-driven test asks the binary for its route table (`stint routes`), builds an
//! organization A holding one of everything (project, task group, custom task status, assigned and
//! labelled task, more tasks, comment, checklist item, dependency, label, milestone, client, time
//! entry, a rate, a draft invoice, a task recurrence, a second member, a personal access token) and lets mallory, the owner of an unrelated
//! organization B, call every authenticated route with A's ids:
//!
//! * every `{param}` of a path is replaced by A's id of the resource the segment before it names
//!   ([`fixture_id`] panics for a pair it does not know, so a new route needs a new fixture);
//! * routes without path parameters get `org_id` of A (query string for `GET`/`DELETE`, JSON body
//!   otherwise) plus a valid rest of the payload ([`payload_for`]), so that the foreign
//!   organization is the only reason for them to fail;
//! * routes with path parameters are called once as they are and once naming mallory's own
//!   organization B as `org_id`;
//! * account routes (`/auth/*`, no action) are called only where they take an id of someone
//!   else's resource ([`account_route`] classifies each one and panics for a new one).
//!
//! Every answer must be `404 NOT_FOUND`, like an id that does not exist. `GET /organizations` and
//! `POST /organizations` are not organization-scoped; the former must not list A. Afterwards alice
//! re-reads A and finds it exactly as it was.

use std::process::Command;

use serde_json::{Map, Value, json};

use crate::harness::{Backend, Client, Resp, Server, created_id};

/// Ids of everything in organization A (and of mallory's organization B).
struct Fixtures {
    /// Organization A.
    org_id: String,
    /// Mallory's organization B.
    other_org_id: String,
    /// Alice, A's owner.
    alice_id: String,
    /// Bob, a plain member of A.
    bob_id: String,
    /// Alice's personal access token (bound to A): its id.
    token_id: String,
    /// Alice's personal access token: its secret.
    token_secret: String,
    /// Alice's refresh token.
    refresh_token: String,
    project_id: String,
    group_id: String,
    status_id: String,
    label_id: String,
    milestone_id: String,
    /// Assigned to bob, labelled, grouped, in the milestone, blocked by `task2_id`.
    task_id: String,
    /// Blocks `task_id`.
    task2_id: String,
    /// Unlinked; the target of the dependency mallory tries to add.
    task3_id: String,
    comment_id: String,
    item_id: String,
    dependency_id: String,
    /// A private chat channel of alice and bob.
    channel_id: String,
    /// Alice's message in it (alice reacted to it with `ok`).
    message_id: String,
    /// A client of A (named by no project).
    client_id: String,
    /// Alice's finished time entry on `project_id`.
    entry_id: String,
    /// The recurrence of `task2_id` (daily).
    recurrence_id: String,
    /// A's webhook subscription.
    webhook_id: String,
    /// Bob's organization-wide rate.
    rate_id: String,
    /// A draft invoice of `client_id`.
    invoice_id: String,
}

/// The built-in invoicing plugin's id (registered at start-up with a fixed id).
const BUILTIN_PLUGIN: &str = "plg_builtin-invoicing-standard";

/// Whether a route addresses an instance-wide plugin: mallory may see the plugin itself from
/// her own organization, so only the attempt naming A as `org_id` applies (A's configuration
/// and bindings must stay out of reach).
fn instance_wide(path: &str) -> bool {
    // Reports are addressed by name, served to every organization by the enabled report
    // plugins: only running one in A must be refused.
    path.starts_with("/plugins/")
        || path.starts_with("/plugin-bindings/")
        || path.starts_with("/reports")
}

/// One row of `stint routes`.
struct Route {
    method: String,
    path: String,
    action: Option<String>,
    authenticated: bool,
}

/// Runs `stint routes` and parses its JSON.
fn route_table() -> Vec<Route> {
    let output = Command::new(env!("CARGO_BIN_EXE_stint"))
        .arg("routes")
        .output()
        .expect("run `stint routes`");
    assert!(
        output.status.success(),
        "`stint routes` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Value> =
        serde_json::from_slice(&output.stdout).expect("`stint routes` prints a JSON array");
    rows.into_iter()
        .map(|r| Route {
            method: r["method"]
                .as_str()
                .expect("a route has a method")
                .to_owned(),
            path: r["path"].as_str().expect("a route has a path").to_owned(),
            action: r["action"].as_str().map(str::to_owned),
            authenticated: r["authenticated"]
                .as_bool()
                .expect("a route says whether it is authenticated"),
        })
        .collect()
}

/// The payloads (besides the path) mallory sends to an action route: with A's `org_id` where the
/// route names no entity, and for routes with path parameters once as they are and once naming
/// her own organization B.
fn action_payloads(
    method: &str,
    path: &str,
    had_params: bool,
    fx: &Fixtures,
) -> Vec<Map<String, Value>> {
    let payload = payload_for(method, path, fx);
    let mut out = Vec::new();
    if instance_wide(path) || !had_params {
        let mut scoped = payload;
        scoped.insert("org_id".into(), json!(fx.org_id));
        out.push(scoped);
    } else {
        out.push(payload.clone());
        // Naming her own organization must not open A's ids either. (Organization routes take
        // the organization from the path and have no `org_id` field.)
        if !path.starts_with("/organizations") {
            let mut own = payload;
            own.insert("org_id".into(), json!(fx.other_org_id));
            out.push(own);
        }
    }
    out
}

/// The path parameters of `path` with A's ids, as payload fields (what REST merges into the
/// payload).
fn path_params(path: &str, fx: &Fixtures) -> Map<String, Value> {
    let mut out = Map::new();
    let mut before = "";
    for segment in path.split('/') {
        if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            out.insert(param.to_owned(), json!(fixture_id(fx, before, param)));
        } else {
            before = segment;
        }
    }
    out
}

/// A's id for the path parameter `param` that follows the segment `segment`.
///
/// Panics for an unknown pair: a new route with a new kind of id needs a fixture here (and in
/// [`setup`]) before the isolation test can cover it.
fn fixture_id<'a>(fx: &'a Fixtures, segment: &str, param: &str) -> &'a str {
    match (segment, param) {
        ("tokens", "id") => &fx.token_id,
        // Another user's grant is tried in oauth.rs, which has one.
        ("oauth-grants", "id") => "oag_none",
        ("organizations", "id" | "org_id") => &fx.org_id,
        ("members", "user_id") => &fx.alice_id,
        ("projects", "id" | "project_id") => &fx.project_id,
        ("task-groups", "group_id") => &fx.group_id,
        ("task-statuses", "id") => &fx.status_id,
        ("tasks", "id" | "task_id") => &fx.task_id,
        ("comments", "comment_id") => &fx.comment_id,
        ("checklist-items", "item_id") => &fx.item_id,
        ("dependencies", "dependency_id") => &fx.dependency_id,
        ("channels", "channel_id") => &fx.channel_id,
        ("messages", "message_id") => &fx.message_id,
        // Alice's reaction on `message_id`.
        ("reactions", "emoji") => "ok",
        ("labels", "id") => &fx.label_id,
        ("milestones", "milestone_id") => &fx.milestone_id,
        ("clients", "id") => &fx.client_id,
        ("time-entries", "entry_id") => &fx.entry_id,
        // Plugins are instance-wide: the built-in one; A's part is its config and bindings.
        ("plugins", "id") => BUILTIN_PLUGIN,
        ("plugin-bindings", "kind") => "invoicing-rule",
        ("rates", "id") => &fx.rate_id,
        ("invoices", "id") => &fx.invoice_id,
        ("task-recurrences", "recurrence_id") => &fx.recurrence_id,
        ("reports", "name") | ("reports-standard", "name") => "timesheet",
        ("reports", "plugin") => "reports-standard",
        ("webhooks", "id") => &fx.webhook_id,
        // The subscription is checked first; no delivery needs to exist.
        ("deliveries", "delivery_id") => "whd_none",
        // Accepting by id is refused unless the invitation is to the caller's verified address.
        ("invitations", "id") => "inv_none",
        _ => panic!(
            "no fixture for the path parameter {{{param}}} after /{segment}/: create such a \
             resource in organization A in cross_org::setup and map it in cross_org::fixture_id"
        ),
    }
}

/// `path` with every `{param}` replaced by A's id; also whether it had any parameter.
fn substitute(path: &str, fx: &Fixtures) -> (String, bool) {
    let mut segments: Vec<String> = Vec::new();
    let mut had_params = false;
    for segment in path.split('/') {
        if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let before = segments
                .last()
                .unwrap_or_else(|| panic!("{path}: a path parameter needs a segment before it"));
            let id = fixture_id(fx, before, param).to_owned();
            segments.push(id);
            had_params = true;
        } else {
            segments.push(segment.to_owned());
        }
    }
    (segments.join("/"), had_params)
}

/// The payload fields (besides `org_id`) that make the request valid, so that the only reason
/// for it to fail is that the ids belong to organization A.
///
/// `GET` and `DELETE` routes with path parameters need nothing more; any other route must be
/// listed here, and a new one makes this function panic.
fn payload_for(method: &str, path: &str, fx: &Fixtures) -> Map<String, Value> {
    let value = match (method, path) {
        // A report by name runs with its arguments.
        ("GET", p) if p.starts_with("/reports/{") => {
            json!({ "from": "2026-03-01", "to": "2026-03-31" })
        }
        ("GET" | "DELETE", p) if p.contains('{') => json!({}),
        ("GET", "/projects" | "/task-statuses" | "/tasks" | "/task-dependencies" | "/labels") => {
            json!({})
        }
        ("GET", "/sidebar/collapsed" | "/dashboard/summary" | "/audit") => json!({}),
        ("GET", "/milestones") => json!({ "project_id": fx.project_id }),
        ("GET", "/search") => json!({ "q": "launch" }),
        ("PATCH", "/organizations/{id}") => json!({ "name": "Taken over" }),
        ("POST", "/organizations/{org_id}/members") => {
            json!({ "email": "mallory@example.com", "role": "admin" })
        }
        ("PATCH", "/organizations/{org_id}/members/{user_id}") => json!({ "role": "viewer" }),
        ("POST", "/projects") => json!({ "name": "Mallory's project" }),
        ("PATCH", "/projects/{id}") => json!({ "name": "Taken over" }),
        ("POST", "/projects/{project_id}/task-groups") => json!({ "name": "Mallory's group" }),
        ("POST", "/projects/{project_id}/task-groups/reorder") => {
            json!({ "order": [fx.group_id] })
        }
        ("PATCH", "/projects/{project_id}/task-groups/{group_id}") => {
            json!({ "name": "Taken over" })
        }
        ("POST", "/projects/{project_id}/task-groups/{group_id}/toggle-collapsed") => json!({}),
        ("POST", "/task-statuses") => {
            json!({ "code": "mallory", "label": "Mallory", "color": "#000000" })
        }
        ("PATCH", "/task-statuses/{id}") => json!({ "label": "Taken over", "is_done": true }),
        ("POST", "/tasks") => json!({ "project_id": fx.project_id, "title": "Mallory's task" }),
        ("POST", "/tasks/bulk") => json!({
            "tasks": [
                { "project_id": fx.project_id, "title": "Mallory's first" },
                { "project_id": fx.project_id, "title": "Mallory's second" },
            ]
        }),
        ("PATCH", "/tasks/{id}") => json!({ "title": "Taken over", "priority": "urgent" }),
        ("POST", "/tasks/{id}/status") => json!({ "status": "done" }),
        ("POST", "/tasks/{task_id}/reorder") => json!({ "position": 5, "group_id": null }),
        ("POST", "/tasks/{task_id}/comments") => json!({ "body": "Mallory was here" }),
        ("POST", "/tasks/{task_id}/checklist") => json!({ "title": "Mallory's item" }),
        ("POST", "/checklist-items/{item_id}/toggle") => json!({}),
        ("POST", "/tasks/{task_id}/dependencies") => {
            json!({ "depends_on_id": fx.task3_id, "dependency_type": "blocks" })
        }
        ("POST", "/labels") => json!({ "name": "mallory", "color": "#000000" }),
        ("PATCH", "/labels/{id}") => json!({ "name": "taken-over", "color": "#000000" }),
        ("POST", "/milestones") => json!({
            "project_id": fx.project_id,
            "title": "Mallory's milestone",
            "target_date": "2026-07-01",
        }),
        ("PATCH", "/milestones/{milestone_id}") => {
            json!({ "title": "Taken over", "description": null })
        }
        ("POST", "/sidebar/toggle-collapsed") => json!({ "project_id": fx.project_id }),
        ("GET", "/chat/channels") => json!({}),
        ("POST", "/chat/channels") => json!({ "name": "Mallory's channel", "kind": "private" }),
        ("POST", "/chat/direct") => json!({ "user_id": fx.bob_id }),
        ("POST", "/chat/channels/{channel_id}/members") => json!({ "user_id": fx.bob_id }),
        ("POST", "/chat/channels/{channel_id}/messages") => {
            json!({ "content": "Mallory was here" })
        }
        ("POST", "/chat/channels/{channel_id}/typing") => json!({}),
        ("POST", "/chat/messages/{message_id}/reactions") => json!({ "emoji": "ok" }),
        ("GET", "/notifications") => json!({ "unread": "true" }),
        ("POST", "/notifications/mark-read") => json!({}),
        ("GET", "/clients" | "/time-entries" | "/time-entries/current") => json!({}),
        ("POST", "/clients") => json!({ "name": "Mallory's client" }),
        ("PATCH", "/clients/{id}") => json!({ "name": "Taken over", "email": null }),
        ("POST", "/time-entries/start") => json!({ "project_id": fx.project_id }),
        ("POST", "/time-entries/stop" | "/time-entries/{entry_id}/stop") => json!({}),
        ("POST", "/time-entries") => json!({
            "project_id": fx.project_id,
            "started_at": "2026-03-02T09:00:00Z",
            "stopped_at": "2026-03-02T10:00:00Z",
        }),
        ("PATCH", "/time-entries/{entry_id}") => json!({ "description": "Taken over" }),
        ("GET", "/plugins" | "/plugin-bindings") => json!({}),
        ("GET", "/webhooks") => json!({}),
        ("POST", "/webhooks") => json!({ "url": "https://hooks.example.invalid/m" }),
        ("PATCH", "/webhooks/{id}") => json!({ "enabled": false }),
        ("POST", "/webhooks/{id}/deliveries/{delivery_id}/redeliver") => json!({}),
        ("PATCH", "/plugins/{id}") => json!({ "limits": { "deadline_ms": 500 } }),
        ("POST", "/plugins/{id}/enable" | "/plugins/{id}/disable") => json!({}),
        ("PUT", "/plugins/{id}/config") => json!({ "config": {} }),
        ("POST", "/plugins/{id}/test") => json!({ "input": { "context": {} } }),
        ("PUT", "/plugin-bindings/{kind}") => json!({ "plugin_id": BUILTIN_PLUGIN }),
        (
            "POST",
            "/organizations/{org_id}/members/{user_id}/rates"
            | "/projects/{project_id}/members/{user_id}/rates",
        ) => json!({ "client_rate": 1, "worker_rate": 1, "effective_from": "2026-01-01" }),
        ("GET", "/invoices") => json!({}),
        ("POST", "/invoices") => json!({
            "client_id": fx.client_id,
            "issue_date": "2026-04-01",
            "due_date": "2026-04-30",
        }),
        ("PATCH", "/invoices/{id}") => json!({ "notes": "Taken over", "discount": 1 }),
        ("POST", "/invoices/{id}/generate") => json!({ "from": "2026-03-01", "to": "2026-03-31" }),
        ("POST", "/invoices/{id}/send") => json!({ "message": "Pay Mallory" }),
        ("POST", "/invoices/{id}/mark-paid") => json!({ "payment_method": "cash" }),
        ("GET", "/reports" | "/reports/workload") => json!({}),
        ("GET", p) if p.starts_with("/reports/") => {
            json!({ "from": "2026-03-01", "to": "2026-03-31" })
        }
        ("POST", "/tasks/{task_id}/recurrence") => json!({ "recurrence_pattern": "weekly" }),
        ("PATCH", "/task-recurrences/{recurrence_id}") => {
            json!({ "recurrence_pattern": "monthly" })
        }
        _ => panic!(
            "no payload for {method} {path}: add a valid one to cross_org::payload_for so the \
             isolation test can check the route"
        ),
    };
    match value {
        Value::Object(map) => map,
        _ => unreachable!("payloads are objects"),
    }
}

/// How the isolation test treats an account route (`/auth/*`, no action): `Some(body)` to call it
/// with that body and expect 404, `None` to skip it because it touches only the caller's own
/// account. Panics for a route it does not know.
fn account_route(method: &str, path: &str, fx: &Fixtures) -> Option<Value> {
    match (method, path) {
        // Alice's token id comes from the path.
        ("DELETE", "/auth/tokens/{id}") => Some(Value::Null),
        // Organization A as the current organization, or a token bound to A.
        ("PATCH", "/auth/me") => Some(json!({ "current_org_id": fx.org_id })),
        ("POST", "/auth/tokens") => Some(json!({ "name": "stolen", "org_id": fx.org_id })),
        // Logging out alice's session is checked separately: it answers 204 like an unknown token.
        ("POST", "/auth/logout") => None,
        // The multipart plugin upload needs the instance role admin, which mallory lacks;
        // covered in plugins.rs.
        ("POST", "/plugins") => None,
        // Invitations are accepted with the mailed link's token (which mallory never sees) or, by
        // id, only for an invitation to the caller's own verified address: security.rs.
        ("POST", "/auth/invitations/{id}/accept") => None,
        // Revoking another user's OAuth grant is refused (404) in oauth.rs, which has a grant.
        ("DELETE", "/auth/oauth-grants/{id}") => None,
        ("POST", "/auth/change-password")
        | ("POST", "/auth/verify-email/resend")
        | ("GET", "/auth/invitations")
        | ("POST", "/auth/invitations/accept")
        | ("GET", "/auth/me")
        | ("POST", "/auth/ws-ticket")
        | ("GET", "/auth/tokens")
        | ("GET", "/auth/oauth-grants") => None,
        _ => panic!(
            "unclassified account route {method} {path}: decide in cross_org::account_route \
             whether it can reach another user's resources"
        ),
    }
}

/// Sends `payload` as a query string (`GET`, `DELETE`) or a JSON body (anything else).
async fn send(client: &Client, method: &str, path: &str, payload: Map<String, Value>) -> Resp {
    if method == "GET" || method == "DELETE" {
        let query: Vec<String> = payload
            .iter()
            .map(|(k, v)| {
                let v = v
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path}: query value {k} is not a string"));
                format!("{k}={v}")
            })
            .collect();
        let full = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", query.join("&"))
        };
        client.json(method, &full, None).await
    } else {
        client
            .json(method, path, Some(Value::Object(payload)))
            .await
    }
}

/// `user.id` of a register response.
fn user_id(auth: &Value) -> String {
    auth["user"]["id"]
        .as_str()
        .expect("register returns user.id")
        .to_owned()
}

/// Builds organization A with one of everything (as alice) and organization B (as mallory).
async fn setup(server: &Server) -> (Client, Client, Fixtures) {
    let (alice, alice_auth) = server.register("alice@example.com", "Alice").await;
    let refresh_token = alice_auth["refresh_token"]
        .as_str()
        .expect("register returns a refresh_token")
        .to_owned();
    let org = alice
        .post("/organizations", Some(json!({ "name": "Org A" })))
        .await;
    let org_id = created_id(&org);
    let (bob, bob_auth) = server.register("bob@example.com", "Bob").await;
    server
        .join(&alice, &org_id, &bob, "bob@example.com", "member")
        .await;
    let (mallory, other_org_id) = server
        .register_with_org("mallory@example.com", "Mallory", "Org B")
        .await;

    let project_id = created_id(
        &alice
            .post(
                "/projects",
                Some(json!({ "org_id": org_id, "name": "Apollo" })),
            )
            .await,
    );
    let group_id = created_id(
        &alice
            .post(
                &format!("/projects/{project_id}/task-groups"),
                Some(json!({ "name": "Backlog" })),
            )
            .await,
    );
    let status_id = created_id(
        &alice
            .post(
                "/task-statuses",
                Some(json!({ "org_id": org_id, "code": "blocked", "label": "Blocked", "color": "#ff0000" })),
            )
            .await,
    );
    let label_id = created_id(
        &alice
            .post(
                "/labels",
                Some(json!({ "org_id": org_id, "name": "bug", "color": "#ef4444" })),
            )
            .await,
    );
    let milestone_id = created_id(
        &alice
            .post(
                "/milestones",
                Some(
                    json!({ "project_id": project_id, "title": "v1", "target_date": "2026-06-01" }),
                ),
            )
            .await,
    );
    let bob_id = user_id(&bob_auth);
    let task_id = created_id(
        &alice
            .post(
                "/tasks",
                Some(json!({
                    "project_id": project_id,
                    "title": "Launch",
                    "group_id": group_id,
                    "milestone_id": milestone_id,
                    "assignee_ids": [bob_id],
                    "label_ids": [label_id],
                    "due_date": "2026-05-31",
                })),
            )
            .await,
    );
    let task2_id = created_id(
        &alice
            .post(
                "/tasks",
                Some(json!({ "project_id": project_id, "title": "Prepare" })),
            )
            .await,
    );
    let task3_id = created_id(
        &alice
            .post(
                "/tasks",
                Some(json!({ "project_id": project_id, "title": "Celebrate" })),
            )
            .await,
    );
    let comment_id = created_id(
        &alice
            .post(
                &format!("/tasks/{task_id}/comments"),
                Some(json!({ "body": "First!" })),
            )
            .await,
    );
    let item_id = created_id(
        &alice
            .post(
                &format!("/tasks/{task_id}/checklist"),
                Some(json!({ "title": "Check the fuel" })),
            )
            .await,
    );
    let dependency_id = created_id(
        &alice
            .post(
                &format!("/tasks/{task_id}/dependencies"),
                Some(json!({ "depends_on_id": task2_id, "dependency_type": "blocked_by" })),
            )
            .await,
    );
    let channel_id = created_id(
        &alice
            .post(
                "/chat/channels",
                Some(json!({ "org_id": org_id, "name": "Launch crew", "kind": "private", "member_ids": [bob_id] })),
            )
            .await,
    );
    let message_id = created_id(
        &alice
            .post(
                &format!("/chat/channels/{channel_id}/messages"),
                Some(json!({ "content": "T minus 10" })),
            )
            .await,
    );
    created_id(
        &alice
            .post(
                &format!("/chat/messages/{message_id}/reactions"),
                Some(json!({ "emoji": "ok" })),
            )
            .await,
    );
    let client_id = created_id(
        &alice
            .post(
                "/clients",
                Some(json!({ "org_id": org_id, "name": "Globex", "tax_rate_bp": 1900 })),
            )
            .await,
    );
    let entry_id = created_id(
        &alice
            .post(
                "/time-entries",
                Some(json!({
                    "org_id": org_id,
                    "project_id": project_id,
                    "started_at": "2026-03-02T09:00:00Z",
                    "stopped_at": "2026-03-02T10:30:00Z",
                    "description": "Launch prep",
                })),
            )
            .await,
    );
    let rate_id = created_id(
        &alice
            .post(
                &format!("/organizations/{org_id}/members/{bob_id}/rates"),
                Some(json!({ "client_rate": 10000, "worker_rate": 5000, "effective_from": "2026-01-01" })),
            )
            .await,
    );
    let invoice_id = created_id(
        &alice
            .post(
                "/invoices",
                Some(json!({
                    "org_id": org_id,
                    "client_id": client_id,
                    "issue_date": "2026-04-01",
                    "due_date": "2026-04-30",
                    "lines": [{ "description": "Launch consulting", "quantity": 2, "unit_price": 10000 }],
                })),
            )
            .await,
    );
    let webhook_id = created_id(
        &alice
            .post(
                "/webhooks",
                Some(json!({ "url": "https://hooks.example.invalid/a" })),
            )
            .await,
    );
    let recurrence_id = created_id(
        &alice
            .post(
                &format!("/tasks/{task2_id}/recurrence"),
                Some(json!({ "recurrence_pattern": "daily" })),
            )
            .await,
    );
    let token = alice
        .post(
            "/auth/tokens",
            Some(json!({ "name": "ci", "org_id": org_id })),
        )
        .await;
    let token_id = created_id(&token);
    let token_secret = token.data()["token"]
        .as_str()
        .expect("a created token shows its secret once")
        .to_owned();

    let fx = Fixtures {
        org_id,
        other_org_id,
        alice_id: user_id(&alice_auth),
        bob_id,
        token_id,
        token_secret,
        refresh_token,
        project_id,
        group_id,
        status_id,
        label_id,
        milestone_id,
        task_id,
        task2_id,
        task3_id,
        comment_id,
        item_id,
        dependency_id,
        channel_id,
        message_id,
        client_id,
        entry_id,
        rate_id,
        invoice_id,
        recurrence_id,
        webhook_id,
    };
    (alice, mallory, fx)
}

/// Everything alice can read about organization A, keyed by request, for a before/after
/// comparison.
async fn snapshot(alice: &Client, fx: &Fixtures) -> Vec<(String, Value)> {
    let org = &fx.org_id;
    let paths = [
        format!("/organizations/{org}"),
        format!("/organizations/{org}/members"),
        format!("/projects?org_id={org}"),
        format!("/projects/{}", fx.project_id),
        format!("/projects/{}/task-groups", fx.project_id),
        format!("/task-statuses?org_id={org}"),
        format!("/tasks?org_id={org}"),
        format!("/tasks/{}", fx.task_id),
        format!("/tasks/{}", fx.task2_id),
        format!("/tasks/{}", fx.task3_id),
        format!("/tasks/{}/comments", fx.task_id),
        format!("/tasks/{}/checklist", fx.task_id),
        format!("/tasks/{}/dependencies", fx.task_id),
        format!("/task-dependencies?org_id={org}"),
        format!("/labels?org_id={org}"),
        format!("/milestones?project_id={}", fx.project_id),
        format!("/sidebar/collapsed?org_id={org}"),
        format!("/chat/channels?org_id={org}"),
        format!("/chat/channels/{}/messages", fx.channel_id),
        format!("/notifications?org_id={org}"),
        format!("/clients?org_id={org}"),
        format!("/clients/{}", fx.client_id),
        format!("/time-entries?org_id={org}"),
        format!("/time-entries/{}", fx.entry_id),
        format!("/time-entries/current?org_id={org}"),
        format!("/plugin-bindings?org_id={org}"),
        format!("/plugins/{BUILTIN_PLUGIN}/config?org_id={org}"),
        format!("/organizations/{org}/members/{}/rates", fx.bob_id),
        format!("/projects/{}/members/{}/rates", fx.project_id, fx.bob_id),
        format!("/projects/{}/budget", fx.project_id),
        format!("/invoices?org_id={org}"),
        format!("/invoices/{}", fx.invoice_id),
        format!("/task-recurrences/{}", fx.recurrence_id),
    ];
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let resp = alice.get(&path, None).await;
        resp.assert_status(200);
        out.push((path, resp.body));
    }
    out
}

both! {
    /// Mallory, owner of organization B, calls every authenticated route of the route table with
    /// organization A's ids and gets 404 NOT_FOUND from each; A is unchanged afterwards.
    async fn every_route_hides_other_organizations(backend: Backend) {
        let routes = route_table();
        assert!(
            routes.len() >= 50,
            "the route table has only {} routes; the walk would prove little",
            routes.len()
        );
        let server = Server::start(backend).await;
        let (alice, mallory, fx) = setup(&server).await;
        let before = snapshot(&alice, &fx).await;

        // Not organization-scoped: the caller's own list, and creating a new organization.
        let not_org_scoped = [("GET", "/organizations"), ("POST", "/organizations")];
        let mut failures = Vec::new();
        let mut checked = 0;
        // The read requests mallory sent, replayed as alice at the end: they must succeed for
        // her, which shows that mallory's 404s come from the foreign organization and not from
        // wrong fixtures or payloads.
        let mut controls: Vec<(String, Map<String, Value>, Option<String>)> = Vec::new();
        for route in routes.iter().filter(|r| r.authenticated) {
            let (method, path) = (route.method.as_str(), route.path.as_str());
            if not_org_scoped.contains(&(method, path)) {
                continue;
            }
            let (concrete, had_params) = substitute(path, &fx);
            let mut attempts: Vec<(String, Map<String, Value>)> = Vec::new();
            if route.action.is_none() {
                match account_route(method, path, &fx) {
                    Some(Value::Object(body)) => attempts.push((concrete, body)),
                    Some(_) => attempts.push((concrete, Map::new())),
                    None => continue,
                }
            } else {
                attempts.extend(
                    action_payloads(method, path, had_params, &fx)
                        .into_iter()
                        .map(|p| (concrete.clone(), p)),
                );
            }
            if method == "GET"
                && let Some((concrete, payload)) = attempts.first()
            {
                controls.push((concrete.clone(), payload.clone(), route.action.clone()));
            }
            for (concrete, payload) in attempts {
                let shown = Value::Object(payload.clone());
                let resp = send(&mallory, method, &concrete, payload).await;
                checked += 1;
                let envelope_ok = resp.error_code() == "NOT_FOUND"
                    && resp.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty());
                if resp.status != 404 || !envelope_ok {
                    failures.push(format!(
                        "{method} {path} as {concrete} with {shown}: HTTP {} {}",
                        resp.status, resp.body
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {checked} foreign-organization requests were not 404 NOT_FOUND:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(checked >= 50, "only {checked} requests were checked");

        // Mallory's list of organizations does not show A.
        let orgs = mallory.get("/organizations", None).await;
        orgs.assert_status(200);
        let ids: Vec<&str> = orgs
            .data()
            .as_array()
            .expect("GET /organizations lists organizations")
            .iter()
            .filter_map(|o| o["id"].as_str())
            .collect();
        assert!(!ids.contains(&fx.org_id.as_str()), "mallory sees org A: {}", orgs.body);
        assert!(ids.contains(&fx.other_org_id.as_str()), "mallory lost org B: {}", orgs.body);

        // Logging out with alice's refresh token is accepted silently but ends nothing.
        mallory
            .post("/auth/logout", Some(json!({ "refresh_token": fx.refresh_token })))
            .await
            .assert_status(204);

        // A is exactly as it was.
        let after = snapshot(&alice, &fx).await;
        for ((path, was), (_, is)) in before.iter().zip(&after) {
            assert_eq!(was, is, "GET {path} changed after mallory's attempts");
        }
        let task = alice.get(&format!("/tasks/{}", fx.task_id), None).await;
        task.assert_status(200);
        assert_eq!(task.data()["title"], "Launch", "{}", task.body);
        assert_eq!(task.data()["status"], "open", "{}", task.body);
        assert_eq!(task.data()["assignee_ids"], json!([fx.bob_id]), "{}", task.body);
        assert_eq!(task.data()["label_ids"], json!([fx.label_id]), "{}", task.body);
        let project = alice.get(&format!("/projects/{}", fx.project_id), None).await;
        assert_eq!(project.data()["name"], "Apollo", "{}", project.body);
        let org = alice.get(&format!("/organizations/{}", fx.org_id), None).await;
        assert_eq!(org.data()["name"], "Org A", "{}", org.body);
        let members = alice.get(&format!("/organizations/{}/members", fx.org_id), None).await;
        assert_eq!(members.body["pagination"]["total"], 2, "{}", members.body);
        let tasks = alice.get(&format!("/tasks?org_id={}", fx.org_id), None).await;
        assert_eq!(tasks.body["pagination"]["total"], 3, "{}", tasks.body);
        let comments = alice.get(&format!("/tasks/{}/comments", fx.task_id), None).await;
        assert_eq!(comments.data().as_array().map(Vec::len), Some(1), "{}", comments.body);
        let checklist = alice.get(&format!("/tasks/{}/checklist", fx.task_id), None).await;
        assert_eq!(checklist.data().as_array().map(Vec::len), Some(1), "{}", checklist.body);
        assert_eq!(checklist.data()[0]["completed"], false, "{}", checklist.body);
        let deps = alice.get(&format!("/task-dependencies?org_id={}", fx.org_id), None).await;
        assert_eq!(deps.data().as_array().map(Vec::len), Some(1), "{}", deps.body);
        let labels = alice.get(&format!("/labels?org_id={}", fx.org_id), None).await;
        assert_eq!(labels.data().as_array().map(Vec::len), Some(1), "{}", labels.body);
        assert_eq!(labels.data()[0]["name"], "bug", "{}", labels.body);
        let statuses = alice.get(&format!("/task-statuses?org_id={}", fx.org_id), None).await;
        let blocked = statuses
            .data()
            .as_array()
            .expect("task statuses are a list")
            .iter()
            .find(|s| s["id"] == fx.status_id.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("status {} is gone: {}", fx.status_id, statuses.body));
        assert_eq!(blocked["label"], "Blocked", "{}", statuses.body);

        // Alice's credentials still work: her token (bound to A) and her refresh token.
        let with_token = server.client().with_token(&fx.token_secret);
        with_token
            .get(&format!("/tasks/{}", fx.task_id), None)
            .await
            .assert_status(200);
        let refreshed = server
            .client()
            .post("/auth/refresh", Some(json!({ "refresh_token": fx.refresh_token })))
            .await;
        refreshed.assert_status(200);

        assert!(controls.len() >= 15, "only {} read routes were replayed", controls.len());
        // Alice's answers are also what each action's output schema says.
        let schemas = crate::harness::output_schemas();
        for (concrete, payload, action) in controls {
            let resp = send(&alice, "GET", &concrete, payload).await;
            resp.assert_status(200);
            if let Some(action) = action
                && resp.headers.get("content-type").is_some_and(|t| t.as_bytes().starts_with(b"application/json"))
            {
                crate::harness::assert_output(&schemas, &action, resp.data());
            }
        }

        // Nothing landed in mallory's own organization either.
        for path in ["/projects", "/tasks"] {
            let list = mallory.get(&format!("{path}?org_id={}", fx.other_org_id), None).await;
            list.assert_status(200);
            assert_eq!(list.body["pagination"]["total"], 0, "{path} of org B: {}", list.body);
        }
        let labels = mallory.get(&format!("/labels?org_id={}", fx.other_org_id), None).await;
        assert_eq!(labels.data(), &json!([]), "{}", labels.body);
    }
}

/// The introspected root fields: name → (argument name → type, return type), with the input
/// object types' fields (name → field → type).
struct GraphqlSchema {
    fields: std::collections::HashMap<String, (Map<String, Value>, Value, &'static str)>,
    inputs: std::collections::HashMap<String, Map<String, Value>>,
}

const INTROSPECTION: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
query { __schema {
  queryType { fields { name args { name type { ...T } } type { ...T } } }
  mutationType { fields { name args { name type { ...T } } type { ...T } } }
  types { name kind inputFields { name type { ...T } } } } }";

async fn graphql_schema(client: &Client) -> GraphqlSchema {
    let resp = client.graphql(INTROSPECTION, json!({})).await;
    let schema = &resp.body["data"]["__schema"];
    assert!(schema.is_object(), "introspection failed: {}", resp.body);
    let mut fields = std::collections::HashMap::new();
    for (root, op) in [("queryType", "query"), ("mutationType", "mutation")] {
        for f in schema[root]["fields"].as_array().expect("root fields") {
            let args = f["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["name"].as_str().unwrap().to_owned(), a["type"].clone()))
                .collect();
            fields.insert(
                f["name"].as_str().unwrap().to_owned(),
                (args, f["type"].clone(), op),
            );
        }
    }
    let inputs = schema["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| {
            let fields = t["inputFields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| (f["name"].as_str().unwrap().to_owned(), f["type"].clone()))
                .collect();
            (t["name"].as_str().unwrap().to_owned(), fields)
        })
        .collect();
    GraphqlSchema { fields, inputs }
}

/// A type reference as GraphQL writes it (`[String!]!`).
fn type_string(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_string(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_string(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or("JSON").to_owned(),
    }
}

/// The named type under NON_NULL and LIST wrappers.
fn named(t: &Value) -> &Value {
    match t["kind"].as_str() {
        Some("NON_NULL" | "LIST") => named(&t["ofType"]),
        _ => t,
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A payload value as the variable of type `t`: input objects get camelCase keys, query-string
/// numbers and booleans their JSON types.
fn variable(schema: &GraphqlSchema, t: &Value, v: &Value) -> Value {
    match t["kind"].as_str() {
        Some("NON_NULL") => variable(schema, &t["ofType"], v),
        Some("LIST") => match v {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| variable(schema, &t["ofType"], i))
                    .collect(),
            ),
            other => other.clone(),
        },
        Some("INPUT_OBJECT") => {
            let fields = &schema.inputs[t["name"].as_str().unwrap()];
            match v {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(k, v)| {
                            let name = camel(k);
                            let ty = fields.get(&name).cloned().unwrap_or(Value::Null);
                            (name, variable(schema, &ty, v))
                        })
                        .collect(),
                ),
                other => other.clone(),
            }
        }
        Some("SCALAR") => match (t["name"].as_str(), v) {
            (Some("Int"), Value::String(s)) => s.parse::<i64>().map_or(v.clone(), |n| json!(n)),
            (Some("Boolean"), Value::String(s)) => {
                s.parse::<bool>().map_or(v.clone(), |b| json!(b))
            }
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

both! {
    /// Mallory calls the GraphQL field of every action route with organization A's ids (the same
    /// payloads as the REST walk) and gets `NOT_FOUND` from each; A is unchanged afterwards.
    async fn every_graphql_field_hides_other_organizations(backend: Backend) {
        let routes = route_table();
        let server = Server::start(backend).await;
        let (alice, mallory, fx) = setup(&server).await;
        let before = snapshot(&alice, &fx).await;
        let schema = graphql_schema(&mallory).await;
        let not_org_scoped = ["organizations.list", "organizations.create"];
        let mut failures = Vec::new();
        let mut checked = std::collections::HashSet::new();
        for route in routes.iter().filter(|r| r.authenticated) {
            let Some(action) = route.action.as_deref() else { continue };
            if not_org_scoped.contains(&action) {
                continue;
            }
            let field = action.replace('.', "_");
            let (args, ret, op) = schema.fields.get(&field).unwrap_or_else(|| panic!("no GraphQL field {field} for {action}"));
            let (_, had_params) = substitute(&route.path, &fx);
            for mut payload in action_payloads(&route.method, &route.path, had_params, &fx) {
                payload.extend(path_params(&route.path, &fx));
                let mut declared = Vec::new();
                let mut passed = Vec::new();
                let mut variables = Map::new();
                // Free-form fields (a report's arguments) travel in `arguments`.
                let (own, extra): (Map<String, Value>, Map<String, Value>) =
                    payload.into_iter().partition(|(k, _)| args.contains_key(&camel(k)) || !args.contains_key("arguments"));
                let mut payload = own;
                if !extra.is_empty() {
                    payload.insert("arguments".into(), Value::Object(extra));
                }
                for (key, value) in &payload {
                    let name = camel(key);
                    let ty = args.get(&name).unwrap_or_else(|| panic!("{field} has no argument {name} (payload {key})"));
                    declared.push(format!("${name}: {}", type_string(ty)));
                    passed.push(format!("{name}: ${name}"));
                    variables.insert(name.clone(), variable(&schema, ty, value));
                }
                let selection = if named(ret)["kind"] == "OBJECT" { " { __typename }" } else { "" };
                let vars = if declared.is_empty() { String::new() } else { format!("({})", declared.join(", ")) };
                let call = if passed.is_empty() { String::new() } else { format!("({})", passed.join(", ")) };
                let query = format!("{op}{vars} {{ {field}{call}{selection} }}");
                let resp = mallory.graphql(&query, Value::Object(variables.clone())).await;
                let code = resp.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
                if resp.status != 200 || code != "NOT_FOUND" || !resp.body["data"][&field].is_null() {
                    failures.push(format!("{query} with {}: HTTP {} {}", Value::Object(variables), resp.status, resp.body));
                }
                checked.insert(field.clone());
            }
        }
        assert!(failures.is_empty(), "{} GraphQL calls were not NOT_FOUND:\n{}", failures.len(), failures.join("\n"));
        assert!(checked.len() >= 100, "only {} fields were checked", checked.len());
        let after = snapshot(&alice, &fx).await;
        for ((path, was), (_, is)) in before.iter().zip(&after) {
            assert_eq!(was, is, "GET {path} changed after mallory's GraphQL attempts");
        }
    }
}
