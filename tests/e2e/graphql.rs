//! GraphQL against the real binary: TRCR's documented queries and their shapes, mutations whose
//! effects REST then shows, relations batched by the DataLoader (the statements a query costs do
//! not grow with the number of tasks), subscriptions over `graphql-transport-ws` and the legacy
//! `graphql-ws` (resuming with `after`, visibility as on `/ws`), every kind of bad input, and the
//! GraphiQL page working offline. The table-driven isolation walk is in `cross_org.rs`; the
//! Python `gql` client's test in `graphql_clients.rs`.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{Backend, Client, Resp, Server, created_id};

/// The first error's `extensions.code`.
fn code(resp: &Resp) -> String {
    resp.body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no error code in {}", resp.request, resp.body))
        .to_owned()
}

/// The `data` of a response that must have no errors.
#[track_caller]
fn ok(resp: &Resp) -> &Value {
    assert_eq!(resp.status, 200, "{}: {}", resp.request, resp.body);
    assert!(
        resp.body.get("errors").is_none(),
        "{}: unexpected errors {}",
        resp.request,
        resp.body
    );
    &resp.body["data"]
}

/// Registers `email` and brings them into `org` as a member; their client and user id.
async fn member(
    server: &Server,
    alice: &Client,
    org: &str,
    email: &str,
    name: &str,
) -> (Client, String) {
    let (client, user_id) = server.register_user(email, name).await;
    server.join(alice, org, &client, email, "member").await;
    (client, user_id)
}

/// Alice with an organization, a client, a project of it and three tasks (one assigned to her,
/// labelled), and a finished time entry.
struct World {
    alice: Client,
    alice_id: String,
    org: String,
    project: String,
    tasks: Vec<String>,
    label: String,
}

async fn world(server: &Server) -> World {
    let (alice, org) = server
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let me = alice.get("/auth/me", None).await;
    let alice_id = me.data()["id"].as_str().unwrap().to_owned();
    let client = created_id(
        &alice
            .post(
                "/clients",
                Some(json!({ "name": "Globex", "hourly_rate": 10000 })),
            )
            .await,
    );
    let project = created_id(
        &alice
            .post(
                "/projects",
                Some(json!({ "name": "Website", "client_id": client, "hourly_rate": 12000 })),
            )
            .await,
    );
    let label = created_id(
        &alice
            .post(
                "/labels",
                Some(json!({ "name": "bug", "color": "#ff0000" })),
            )
            .await,
    );
    let mut tasks = Vec::new();
    for (i, title) in ["Design", "Build", "Ship"].iter().enumerate() {
        let priority = ["low", "high", "medium"][i];
        let mut body = json!({ "project_id": project, "title": title, "priority": priority });
        if i == 0 {
            body["assignee_ids"] = json!([alice_id]);
            body["label_ids"] = json!([label]);
        }
        tasks.push(created_id(&alice.post("/tasks", Some(body)).await));
    }
    alice
        .post(
            "/time-entries",
            Some(
                json!({ "project_id": project, "task_id": tasks[0], "description": "Sketches",
                "started_at": "2026-03-10T09:00:00Z", "stopped_at": "2026-03-10T10:30:00Z" }),
            ),
        )
        .await
        .assert_status(201);
    World {
        alice,
        alice_id,
        org,
        project,
        tasks,
        label,
    }
}

both! {
    /// TRCR's documented root queries answer with the documented shapes.
    async fn trcr_queries_return_documented_shapes(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let me = w.alice.graphql("{ me { id name email avatar_url created_at } }", json!({})).await;
        let me = ok(&me)["me"].clone();
        assert_eq!(me["id"], w.alice_id.as_str());
        assert_eq!(me["email"], "alice@example.com");
        assert!(me["created_at"].is_string(), "{me}");

        let orgs = w.alice.graphql(
            "{ organizations { id name slug settings { timezone currency } members { id role user { id name email } } } }",
            json!({}),
        ).await;
        let orgs = ok(&orgs)["organizations"].clone();
        assert_eq!(orgs.as_array().unwrap().len(), 1, "{orgs}");
        assert_eq!(orgs[0]["id"], w.org.as_str());
        assert!(orgs[0]["settings"]["currency"].is_string(), "{orgs}");
        assert_eq!(orgs[0]["members"][0]["id"], w.alice_id.as_str());
        assert_eq!(orgs[0]["members"][0]["role"], "owner");
        assert_eq!(orgs[0]["members"][0]["user"]["name"], "Alice");

        let org = w.alice.graphql("query($id: String!) { organization(id: $id) { id name members { id role } } }", json!({ "id": w.org })).await;
        assert_eq!(ok(&org)["organization"]["name"], "Acme");

        let projects = w.alice.graphql(
            r#"{ projects(status: "active", page: 1, perPage: 10) { data { id name hourly_rate client { id name } } pagination { total page per_page total_pages } } }"#,
            json!({}),
        ).await;
        let projects = ok(&projects)["projects"].clone();
        assert_eq!(projects["pagination"], json!({ "total": 1, "page": 1, "per_page": 10, "total_pages": 1 }));
        assert_eq!(projects["data"][0]["id"], w.project.as_str());
        assert_eq!(projects["data"][0]["client"]["name"], "Globex");

        let project = w.alice.graphql(
            r#"query($id: String!) { project(id: $id) {
                 id name
                 tasks(status: "open") { id title status assignee { name } }
                 time_entries(from: "2026-03-01", to: "2026-03-31") { id description duration user { name } }
               } }"#,
            json!({ "id": w.project }),
        ).await;
        let project = ok(&project)["project"].clone();
        assert_eq!(project["tasks"].as_array().unwrap().len(), 3, "{project}");
        let design = project["tasks"].as_array().unwrap().iter().find(|t| t["title"] == "Design").unwrap();
        assert_eq!(design["assignee"]["name"], "Alice");
        assert_eq!(project["time_entries"][0]["duration"], 5400);
        assert_eq!(project["time_entries"][0]["user"]["name"], "Alice");

        let tasks = w.alice.graphql(
            r#"query($p: String!) { tasks(projectId: $p, status: "open", sort: "priority", order: "desc", page: 1, perPage: 25) {
                 data { id title priority labels { id name } project { name } }
                 pagination { total page per_page total_pages } } }"#,
            json!({ "p": w.project }),
        ).await;
        let tasks = ok(&tasks)["tasks"].clone();
        let titles: Vec<&str> = tasks["data"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["Build", "Ship", "Design"], "sorted by priority, highest first: {tasks}");
        assert_eq!(tasks["pagination"]["per_page"], 25);
        assert_eq!(tasks["data"][2]["labels"][0]["id"], w.label.as_str());
        assert_eq!(tasks["data"][0]["project"]["name"], "Website");

        // A task with the lists that hang off it.
        w.alice.post(&format!("/tasks/{}/comments", w.tasks[0]), Some(json!({ "body": "Looks good" }))).await.assert_status(201);
        let task = w.alice.graphql(
            "query($id: String!) { task(id: $id) { id reporter { id } comments { body user { name } } checklist { id } time_entries { duration } } }",
            json!({ "id": w.tasks[0] }),
        ).await;
        let task = ok(&task)["task"].clone();
        assert_eq!(task["comments"][0]["body"], "Looks good", "{task}");
        assert_eq!(task["comments"][0]["user"]["name"], "Alice", "{task}");
        assert_eq!(task["time_entries"][0]["duration"], 5400, "{task}");
        assert!(task["checklist"].as_array().unwrap().is_empty(), "{task}");
    }
}

both! {
    /// Creating, updating and deleting a task, starting and stopping a timer and generating an
    /// invoice through GraphQL change what REST then returns.
    async fn mutations_change_what_rest_returns(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let created = w.alice.graphql(
            "mutation($p: String!) { tasks_create(projectId: $p, title: \"From GraphQL\", dueDate: \"2026-05-01\") { id title due_date project { id } } }",
            json!({ "p": w.project }),
        ).await;
        let task = ok(&created)["tasks_create"].clone();
        let id = task["id"].as_str().unwrap().to_owned();
        assert_eq!(task["project"]["id"], w.project.as_str());
        let rest = w.alice.get(&format!("/tasks/{id}"), None).await;
        assert_eq!(rest.assert_status(200).data()["title"], "From GraphQL");
        assert_eq!(rest.data()["due_date"], "2026-05-01");

        let updated = w.alice.graphql(
            "mutation($id: String!) { tasks_update(id: $id, title: \"Renamed\", dueDate: null) { title due_date } }",
            json!({ "id": id }),
        ).await;
        assert_eq!(ok(&updated)["tasks_update"]["title"], "Renamed");
        let rest = w.alice.get(&format!("/tasks/{id}"), None).await;
        assert_eq!(rest.data()["title"], "Renamed");
        assert!(rest.data()["due_date"].is_null(), "an explicit null clears: {}", rest.body);

        let deleted = w.alice.graphql("mutation($id: String!) { tasks_delete(id: $id) }", json!({ "id": id })).await;
        assert_eq!(ok(&deleted)["tasks_delete"], true);
        w.alice.get(&format!("/tasks/{id}"), None).await.assert_error(404, "NOT_FOUND");

        let started = w.alice.graphql(
            "mutation($p: String!) { time_entries_start(projectId: $p, description: \"Timer\") { id stopped_at } }",
            json!({ "p": w.project }),
        ).await;
        let entry = ok(&started)["time_entries_start"]["id"].as_str().unwrap().to_owned();
        let current = w.alice.get("/time-entries/current", None).await;
        assert_eq!(current.assert_status(200).data()["id"], entry.as_str());
        let stopped = w.alice.graphql("mutation { time_entries_stop { id duration_secs stopped_at } }", json!({})).await;
        assert!(ok(&stopped)["time_entries_stop"]["stopped_at"].is_string());
        let rest = w.alice.get(&format!("/time-entries/{entry}"), None).await;
        assert!(rest.assert_status(200).data()["stopped_at"].is_string());

        let client = w.alice.get(&format!("/projects/{}", w.project), None).await.data()["client_id"].as_str().unwrap().to_owned();
        let invoice = created_id(&w.alice.post("/invoices", Some(json!({ "client_id": client, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
        let generated = w.alice.graphql(
            "mutation($id: String!) { invoices_generate(id: $id, from: \"2026-03-01\", to: \"2026-03-31\") { id subtotal client { name } } }",
            json!({ "id": invoice }),
        ).await;
        let g = ok(&generated)["invoices_generate"].clone();
        assert_eq!(g["subtotal"], 15000, "1.5 h at the client's 100.00: {g}");
        assert_eq!(g["client"]["name"], "Globex");
        let rest = w.alice.get(&format!("/invoices/{invoice}"), None).await;
        assert_eq!(rest.assert_status(200).data()["subtotal"], 15000);
    }
}

/// The number of SQL statements the last GraphQL request cost, from the server's debug log.
fn last_statement_count(server: &Server) -> u64 {
    let log = server.log();
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("graphql request") && l.contains("sql_statements="))
        .unwrap_or_else(|| panic!("no graphql request line in the log:\n{log}"));
    let n = line.split("sql_statements=").nth(1).unwrap();
    n.split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

both! {
    /// A page of tasks with their project, assignees, labels, comments and checklist costs the
    /// same number of statements for 5 tasks as for 50: the relations are batched, not read per
    /// task.
    async fn relations_are_batched(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_LOG", "info,stint::graphql=debug")]).await;
        let w = world(&server).await;
        let bob_id = member(&server, &w.alice, &w.org, "bob@example.com", "Bob").await.1;
        let second = created_id(&w.alice.post("/projects", Some(json!({ "name": "App" }))).await);
        let label2 = created_id(&w.alice.post("/labels", Some(json!({ "name": "ux", "color": "#00ff00" }))).await);
        for i in 0..50 {
            let project = if i % 2 == 0 { &w.project } else { &second };
            let assignees = if i % 3 == 0 { json!([w.alice_id, bob_id]) } else { json!([bob_id]) };
            let labels = if i % 2 == 0 { json!([w.label, label2]) } else { json!([label2]) };
            let task = created_id(&w.alice.post("/tasks", Some(json!({ "project_id": project, "title": format!("Task {i}"), "assignee_ids": assignees, "label_ids": labels }))).await);
            if i % 5 == 0 {
                w.alice.post(&format!("/tasks/{task}/comments"), Some(json!({ "body": format!("Note {i}") }))).await.assert_status(201);
                w.alice.post(&format!("/tasks/{task}/checklist"), Some(json!({ "title": format!("Step {i}") }))).await.assert_status(201);
            }
        }
        let query = "query($n: Int) { tasks(perPage: $n) { data { id title project { id name } assignees { id name } labels { id name } comments { body } checklist { title } } } }";
        let mut counts = Vec::new();
        for n in [5, 50] {
            let resp = w.alice.graphql(query, json!({ "n": n })).await;
            let data = ok(&resp)["tasks"]["data"].as_array().unwrap().clone();
            assert_eq!(data.len(), n as usize);
            assert!(data.iter().all(|t| t["project"]["name"].is_string()), "projects resolved");
            // All but the world's two unassigned, unlabelled tasks have both.
            let linked = data.iter().filter(|t| !t["assignees"].as_array().unwrap().is_empty() && !t["labels"].as_array().unwrap().is_empty()).count();
            assert!(linked + 2 >= data.len(), "assignees and labels resolved: {data:?}");
            // The log line is written after the response is sent.
            tokio::time::sleep(Duration::from_millis(100)).await;
            counts.push(last_statement_count(&server));
        }
        assert_eq!(counts[0], counts[1], "statements for 5 and for 50 tasks: {counts:?}");
        assert!(counts[0] >= 6, "the count covers the list and the five lookups: {counts:?}");
    }
}

both! {
    /// Every kind of bad input is a GraphQL error with a code, never a 500 or a hang.
    async fn bad_input_gets_coded_errors(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_GRAPHQL_MAX_DEPTH", "8"), ("STINT_GRAPHQL_MAX_COMPLEXITY", "500")]).await;
        let w = world(&server).await;
        let a = &w.alice;
        // Syntax error, unknown field, wrong variable type.
        assert_eq!(code(&a.graphql("{ me { id ", json!({})).await), "VALIDATION_ERROR");
        assert_eq!(code(&a.graphql("{ me { nope } }", json!({})).await), "VALIDATION_ERROR");
        assert_eq!(code(&a.graphql("query($id: String!) { task(id: $id) { id } }", json!({ "id": 5 })).await), "VALIDATION_ERROR");
        // A domain validation error names the argument as written.
        let bad = a.graphql("query { tasks(perPage: 0) { data { id } } }", json!({})).await;
        assert_eq!(code(&bad), "VALIDATION_ERROR");
        assert_eq!(bad.body["errors"][0]["extensions"]["field"], "perPage", "{}", bad.body);
        // An unknown id: NOT_FOUND, and the rest of the request is still answered.
        let partial = a.graphql("{ me { id } task(id: \"tsk_nope\") { id } }", json!({})).await;
        assert_eq!(code(&partial), "NOT_FOUND");
        assert!(partial.body["data"]["me"]["id"].is_string(), "partial data: {}", partial.body);
        assert!(partial.body["data"]["task"].is_null(), "{}", partial.body);
        // Too deep, too complex, 10,000 aliases.
        let within = "{ tasks { data { project { client { id } } } } organizations { members { user { id } } } }";
        ok(&a.graphql(within, json!({})).await);
        let too_deep = "{ tasks { data { project { tasks { project { tasks { project { tasks { id } } } } } } } } }";
        assert_eq!(code(&a.graphql(too_deep, json!({})).await), "QUERY_TOO_DEEP");
        let aliases: String = (0..10_000).map(|i| format!("a{i}: me {{ id }} ")).collect();
        let resp = a.graphql(&format!("{{ {aliases} }}"), json!({})).await;
        assert_eq!(code(&resp), "QUERY_TOO_COMPLEX");
        // Batches: within the cap they run, past it they are refused.
        let batch = a.post("/graphql", Some(json!([{ "query": "{ me { id } }" }, { "query": "{ organizations { id } }" }]))).await;
        assert_eq!(batch.status, 200);
        assert_eq!(batch.body[1]["data"]["organizations"][0]["id"], w.org.as_str());
        let many: Vec<Value> = (0..11).map(|_| json!({ "query": "{ me { id } }" })).collect();
        let refused = a.post("/graphql", Some(Value::Array(many))).await;
        assert_eq!(refused.status, 400);
        assert_eq!(code(&refused), "VALIDATION_ERROR");
        // Malformed body, 2 MiB body, no token.
        let garbage = a.raw("POST", "/graphql", "application/json", "{not json").await;
        assert_eq!(garbage.status, 400);
        assert_eq!(code(&garbage), "VALIDATION_ERROR");
        let huge = format!("{{\"query\": \"{{ me {{ id }} }}\", \"variables\": {{\"x\": \"{}\"}}}}", "a".repeat(2 * 1024 * 1024));
        // On a connection of its own, as the server closes it after the 413.
        let own = reqwest::Client::builder().no_proxy().build().unwrap();
        let big = own
            .post(format!("{}/graphql", server.base))
            .bearer_auth(a.token().unwrap())
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .expect("the oversized request gets an answer");
        assert_eq!(big.status().as_u16(), 413);
        let body: Value = big.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE", "{body}");
        let anon = a.anonymous().graphql("{ me { id } }", json!({})).await;
        assert_eq!(anon.status, 401);
        assert_eq!(code(&anon), "UNAUTHORIZED");
        // Nothing above was a server error.
        assert!(!server.log().contains("internal error"), "{}", server.log());
    }
}

both! {
    /// Introspection is on by default and can be switched off.
    async fn introspection_can_be_switched_off(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let on = w.alice.graphql("{ __schema { queryType { name } } }", json!({})).await;
        assert_eq!(ok(&on)["__schema"]["queryType"]["name"], "Query");
        let off = Server::start_with(backend, &[("STINT_GRAPHQL_INTROSPECTION", "false")]).await;
        let (alice, _) = off.register_with_org("a@example.com", "A", "A").await;
        let resp = alice.graphql("{ __schema { queryType { name } } }", json!({})).await;
        assert!(resp.body.get("errors").is_some(), "{}", resp.body);
        assert!(ok(&alice.graphql("{ me { id } }", json!({})).await)["me"]["id"].is_string());
    }
}

#[tokio::test]
async fn graphiql_page_is_offline() {
    let server = Server::start(Backend::Sqlite).await;
    let client = server.client().anonymous();
    let page = client
        .send("GET", "/graphql", None, &[("accept", "text/html")])
        .await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().expect("an HTML page").to_owned();
    assert!(html.contains("graphiql"), "{html}");
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            assets.push(part.split('"').next().unwrap().to_owned());
        }
    }
    assert!(assets.len() >= 5, "{assets:?}");
    for asset in &assets {
        assert!(
            asset.starts_with('/') && !asset.starts_with("//"),
            "an external URL: {asset}"
        );
        let resp = client.send("GET", asset, None, &[]).await;
        assert_eq!(resp.status, 200, "{asset} is served");
        let ct = resp.header("content-type").unwrap_or("").to_owned();
        assert!(
            ct.starts_with("text/javascript") || ct.starts_with("text/css"),
            "{asset}: {ct}"
        );
    }
    client
        .send("GET", "/graphql/assets/nope.js", None, &[])
        .await
        .assert_status(404);
}

/// A `graphql-transport-ws` (or legacy `graphql-ws`) client.
pub(crate) struct Sub {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    legacy: bool,
}

impl Sub {
    /// Connects with `protocol` and sends `connection_init` with `payload`; returns the first
    /// answer (ack, or the close).
    pub(crate) async fn connect(server: &Server, protocol: &str, payload: Value) -> (Sub, Value) {
        let url = format!("{}/graphql", server.base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().unwrap());
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket connects");
        let mut sub = Sub {
            stream,
            legacy: protocol == "graphql-ws",
        };
        sub.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let first = sub.recv().await;
        (sub, first)
    }

    async fn send(&mut self, v: Value) {
        self.stream
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("sent");
    }

    /// The next JSON message (keep-alives skipped), or `{"closed": code}`.
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a message within 5 s");
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "ka" || v["type"] == "ping" {
                        continue;
                    }
                    return v;
                }
                Some(Ok(Message::Close(frame))) => {
                    return json!({ "closed": frame.map(|f| u16::from(f.code)) });
                }
                Some(Ok(_)) => continue,
                _ => return json!({ "closed": null }),
            }
        }
    }

    /// Starts operation `id`.
    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next `next`/`data` payload's data for operation `id`.
    pub(crate) async fn next(&mut self, id: &str) -> Value {
        let v = self.recv().await;
        assert_eq!(v["id"], id, "{v}");
        let kind = if self.legacy { "data" } else { "next" };
        assert_eq!(v["type"], kind, "{v}");
        v["payload"]["data"].clone()
    }

    /// Whether nothing arrives for a while.
    pub(crate) async fn quiet(&mut self, wait: Duration) -> bool {
        match tokio::time::timeout(wait, self.stream.next()).await {
            Err(_) => true,
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ka" || v["type"] == "ping" {
                    return true;
                }
                panic!("expected silence, got {v}")
            }
            Ok(other) => panic!("expected silence, got {other:?}"),
        }
    }
}

const TASK_EVENTS: &str = "subscription($after: Int) { entityChanged(types: [\"task\"], after: $after) { event_id entity_type entity_id action entity } }";

both! {
    /// A subscriber sees a change made through REST; one that reconnects with `after` gets what it
    /// missed, once and in order; the legacy protocol works too.
    async fn subscriptions_see_rest_changes_and_resume(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let token = w.alice.token().unwrap().to_owned();
        let (mut sub, ack) = Sub::connect(&server, "graphql-transport-ws", json!({ "Authorization": format!("Bearer {token}") })).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        sub.subscribe("1", TASK_EVENTS, json!({})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let made = created_id(&w.alice.post("/tasks", Some(json!({ "project_id": w.project, "title": "Live" }))).await);
        // Changes committed just before the subscription (the world's) may still arrive live.
        let got = loop {
            let got = sub.next("1").await;
            if got["entityChanged"]["entity_id"] == made.as_str() {
                break got;
            }
        };
        let e = &got["entityChanged"];
        assert_eq!(e["action"], "created");
        assert_eq!(e["entity"]["title"], "Live");
        let last = e["event_id"].as_i64().unwrap();
        drop(sub);

        // Missed while away: three changes.
        let mut missed = Vec::new();
        for title in ["One", "Two", "Three"] {
            missed.push(created_id(&w.alice.post("/tasks", Some(json!({ "project_id": w.project, "title": title }))).await));
        }
        let (mut sub, _) = Sub::connect(&server, "graphql-ws", json!({ "token": token })).await;
        sub.subscribe("2", TASK_EVENTS, json!({ "after": last })).await;
        let mut seen = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let d = sub.next("2").await;
            seen.push(d["entityChanged"]["entity_id"].as_str().unwrap().to_owned());
            ids.push(d["entityChanged"]["event_id"].as_i64().unwrap());
        }
        assert_eq!(seen, missed, "replayed in order");
        assert!(ids.windows(2).all(|p| p[0] < p[1]) && ids[0] > last, "{ids:?}");
        assert!(sub.quiet(Duration::from_millis(700)).await, "nothing twice");
    }
}

both! {
    /// A non-member of a private channel receives nothing from it; a member does.
    async fn subscriptions_follow_channel_visibility(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let (bob, _) = member(&server, &w.alice, &w.org, "bob@example.com", "Bob").await;
        let (carol, carol_id) = member(&server, &w.alice, &w.org, "carol@example.com", "Carol").await;
        let channel = created_id(&w.alice.post("/chat/channels", Some(json!({ "name": "secret", "kind": "private" }))).await);
        let added = w.alice.post(&format!("/chat/channels/{channel}/members"), Some(json!({ "user_id": carol_id }))).await;
        assert!(added.status < 300, "{}", added.body);
        let query = "subscription { chatMessage { channel_id message { content user_name } } }";
        let (mut bob_sub, _) = Sub::connect(&server, "graphql-transport-ws", json!({ "Authorization": format!("Bearer {}", bob.token().unwrap()) })).await;
        let (mut carol_sub, _) = Sub::connect(&server, "graphql-transport-ws", json!({ "Authorization": format!("Bearer {}", carol.token().unwrap()) })).await;
        bob_sub.subscribe("b", query, json!({})).await;
        carol_sub.subscribe("c", query, json!({})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        w.alice.post(&format!("/chat/channels/{channel}/messages"), Some(json!({ "content": "psst" }))).await.assert_status(201);
        let got = carol_sub.next("c").await;
        assert_eq!(got["chatMessage"]["message"]["content"], "psst");
        assert!(bob_sub.quiet(Duration::from_millis(700)).await, "bob is not in the channel");
    }
}

#[tokio::test]
async fn subscription_without_a_token_is_a_coded_error() {
    let server = Server::start(Backend::Sqlite).await;
    let (mut sub, ack) = Sub::connect(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    sub.subscribe("1", TASK_EVENTS, json!({})).await;
    // The error comes as the operation's result (`next` with `errors`), then `complete`.
    let v = sub.recv().await;
    assert_eq!(v["id"], "1", "{v}");
    assert_eq!(
        v["payload"]["errors"][0]["extensions"]["code"], "UNAUTHORIZED",
        "{v}"
    );
    assert_eq!(sub.recv().await["type"], "complete");
    // A token that does not authenticate refuses the connection.
    let (_, answer) = Sub::connect(
        &server,
        "graphql-transport-ws",
        json!({ "Authorization": "Bearer nope" }),
    )
    .await;
    assert!(answer.get("closed").is_some(), "{answer}");
}

both! {
    /// The Python `gql` client (aiohttp and websockets transports, the schema fetched by
    /// introspection and every document validated against it) queries, mutates, gets a coded
    /// error and receives a subscription event.
    async fn python_gql_client_works(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let token = w.alice.token().unwrap().to_owned();
        let out = crate::harness::run_python_client("gql_client.py", &[&server.base, &token, &w.project]).await;
        assert_eq!(out["tasks"]["pagination"]["total"], 3, "{out}");
        assert_eq!(out["tasks"]["data"][0]["project"]["id"], w.project.as_str(), "{out}");
        assert_eq!(out["missing"], "NOT_FOUND", "{out}");
        let created = out["created"]["id"].as_str().unwrap();
        w.alice.get(&format!("/tasks/{created}"), None).await.assert_status(200);
        assert_eq!(out["event"]["entity_id"], out["live"], "{out}");
        assert_eq!(out["event"]["action"], "created");
    }
}
