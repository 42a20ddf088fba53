//! Bad input: malformed and oversized bodies, wrong types, missing and unknown fields, impossible
//! dates and date orders, dependency self-links, cycles and duplicates, unknown statuses and
//! priorities, bad paging parameters, unknown routes and methods, bad label colours and duplicate
//! names, and bulk creation that must be all-or-nothing.
//!
//! Each case asserts the documented status and error code and, where a change was attempted, that
//! the data is unchanged afterwards. Every request goes through [`call`] or [`call_raw`], which
//! fail the test on any 5xx answer: bad input is the client's fault and must never look like ours.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Resp, Server};

/// Sends a JSON request and fails on any 5xx answer.
async fn call(client: &Client, method: &str, path: &str, body: Option<Value>) -> Resp {
    no_server_error(client.json(method, path, body).await)
}

/// Sends raw bytes with a content type and fails on any 5xx answer.
async fn call_raw(client: &Client, method: &str, path: &str, bytes: impl Into<Vec<u8>>) -> Resp {
    no_server_error(client.raw(method, path, "application/json", bytes).await)
}

/// Panics when the server answered with a 5xx status.
#[track_caller]
fn no_server_error(resp: Resp) -> Resp {
    assert!(
        resp.status < 500,
        "{}: the server failed with HTTP {} on bad input: {}",
        resp.request,
        resp.status,
        resp.body
    );
    resp
}

/// Panics unless the error names `field` in `details.field`.
#[track_caller]
fn assert_field(resp: &Resp, field: &str) {
    assert_eq!(
        resp.body["error"]["details"]["field"], field,
        "{}: details.field should name {field}: {}",
        resp.request, resp.body
    );
}

/// An organization with a project, owned by a freshly registered user.
struct World {
    client: Client,
    org_id: String,
    project_id: String,
}

/// Registers alice with an organization and a project.
async fn world(server: &Server) -> World {
    let (client, org_id) = server
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let project = call(
        &client,
        "POST",
        "/projects",
        Some(json!({ "org_id": org_id, "name": "Rocket" })),
    )
    .await;
    project.assert_status(201);
    let project_id = project.data()["id"]
        .as_str()
        .expect("a created project has an id")
        .to_owned();
    World {
        client,
        org_id,
        project_id,
    }
}

impl World {
    /// Creates a task with extra fields, asserting 201; returns its id.
    async fn task(&self, title: &str, extra: Value) -> String {
        let mut body = json!({ "project_id": self.project_id, "title": title });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let resp = call(&self.client, "POST", "/tasks", Some(body)).await;
        resp.assert_status(201);
        resp.data()["id"]
            .as_str()
            .expect("a created task has an id")
            .to_owned()
    }

    /// The number of tasks in the organization.
    async fn task_count(&self) -> i64 {
        let list = call(
            &self.client,
            "GET",
            &format!("/tasks?org_id={}", self.org_id),
            None,
        )
        .await;
        list.assert_status(200);
        list.body["pagination"]["total"]
            .as_i64()
            .expect("lists carry pagination.total")
    }

    /// A task as it reads now.
    async fn read_task(&self, id: &str) -> Value {
        let resp = call(&self.client, "GET", &format!("/tasks/{id}"), None).await;
        resp.assert_status(200);
        resp.data().clone()
    }

    /// The organization's labels.
    async fn labels(&self) -> Value {
        let resp = call(
            &self.client,
            "GET",
            &format!("/labels?org_id={}", self.org_id),
            None,
        )
        .await;
        resp.assert_status(200);
        resp.data().clone()
    }

    /// All dependency links of the organization.
    async fn dependencies(&self) -> Value {
        let resp = call(
            &self.client,
            "GET",
            &format!("/task-dependencies?org_id={}", self.org_id),
            None,
        )
        .await;
        resp.assert_status(200);
        resp.data().clone()
    }

    /// `POST /tasks/{from}/dependencies` with `from` blocking `to`.
    async fn block(&self, from: &str, to: &str) -> Resp {
        call(
            &self.client,
            "POST",
            &format!("/tasks/{from}/dependencies"),
            Some(json!({ "depends_on_id": to, "dependency_type": "blocks" })),
        )
        .await
    }
}

both! {
    /// Bodies that are not a JSON object are 400 VALIDATION_ERROR and create nothing.
    async fn malformed_bodies_are_rejected(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let valid = json!({ "project_id": w.project_id, "title": "x" }).to_string();
        let array = format!("[{valid}]");
        let nested = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let bad_bodies: Vec<(&str, Vec<u8>)> = vec![
            ("malformed JSON", b"{bad".to_vec()),
            ("truncated JSON", valid.as_bytes()[..valid.len() - 1].to_vec()),
            ("a JSON array", array.into_bytes()),
            ("a JSON string", br#""title""#.to_vec()),
            ("JSON null", b"null".to_vec()),
            ("invalid UTF-8", b"{\"title\": \"\xff\xfe\"}".to_vec()),
            ("deeply nested arrays", nested.into_bytes()),
            ("trailing garbage", format!("{valid} {valid}").into_bytes()),
        ];
        for (what, bytes) in bad_bodies {
            let resp = call_raw(c, "POST", "/tasks", bytes).await;
            assert_eq!(resp.status, 400, "{what}: {}", resp.body);
            resp.assert_error(400, "VALIDATION_ERROR");
        }
        // The same on an update, which must leave the task as it was.
        let id = w.task("Keep me", json!({})).await;
        let before = w.read_task(&id).await;
        call_raw(c, "PATCH", &format!("/tasks/{id}"), "{bad")
            .await
            .assert_error(400, "VALIDATION_ERROR");
        call_raw(c, "PATCH", &format!("/tasks/{id}"), r#"[{"title": "y"}]"#)
            .await
            .assert_error(400, "VALIDATION_ERROR");
        assert_eq!(w.read_task(&id).await, before);
        assert_eq!(w.task_count().await, 1);
    }

    /// Wrong types name the field; missing required fields and unknown fields are refused.
    async fn wrong_types_missing_and_unknown_fields(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let p = &w.project_id;

        let wrong_types = [
            ("title", json!({ "title": 5, "project_id": p })),
            ("title", json!({ "title": null, "project_id": p })),
            ("project_id", json!({ "title": "x", "project_id": 42 })),
            ("assignee_ids", json!({ "title": "x", "project_id": p, "assignee_ids": "usr_1" })),
            ("label_ids", json!({ "title": "x", "project_id": p, "label_ids": {} })),
            ("estimate_minutes", json!({ "title": "x", "project_id": p, "estimate_minutes": "ten" })),
            ("estimate_minutes", json!({ "title": "x", "project_id": p, "estimate_minutes": 1.5 })),
            ("estimate_minutes", json!({ "title": "x", "project_id": p, "estimate_minutes": 1e30 })),
            ("due_date", json!({ "title": "x", "project_id": p, "due_date": 20260101 })),
        ];
        for (field, body) in wrong_types {
            let resp = call(c, "POST", "/tasks", Some(body)).await;
            resp.assert_error(400, "VALIDATION_ERROR");
            assert_field(&resp, field);
        }

        let missing = call(c, "POST", "/tasks", Some(json!({ "project_id": p }))).await;
        missing.assert_error(400, "VALIDATION_ERROR");
        assert!(
            missing.body["error"]["message"].as_str().is_some_and(|m| m.contains("title")),
            "the message should name the missing field: {}",
            missing.body
        );
        call(c, "POST", "/tasks", Some(json!({ "title": "x" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        call(c, "POST", "/tasks", None).await.assert_error(400, "VALIDATION_ERROR");
        call(c, "POST", "/tasks", Some(json!({ "title": "   ", "project_id": p })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        let unknown = [
            ("/tasks", json!({ "title": "x", "project_id": p, "bogus": 1 })),
            ("/projects", json!({ "name": "x", "bogus": 1 })),
            ("/labels", json!({ "name": "x", "color": "#ffffff", "bogus": 1 })),
            ("/labels", json!({ "name": "x", "bogus": 1 })),
        ];
        for (path, body) in unknown {
            call(c, "POST", path, Some(body)).await.assert_error(400, "VALIDATION_ERROR");
        }
        assert_eq!(w.task_count().await, 0);
        assert_eq!(w.labels().await, json!([]));
        let projects = call(c, "GET", &format!("/projects?org_id={}", w.org_id), None).await;
        assert_eq!(projects.body["pagination"]["total"], 1, "{}", projects.body);

        // Updates: wrong types and unknown fields change nothing.
        let id = w.task("Original", json!({})).await;
        let before = w.read_task(&id).await;
        for body in [
            json!({ "title": 5 }),
            json!({ "priority": ["high"] }),
            json!({ "title": "New", "bogus": true }),
            json!({ "estimate_minutes": -1 }),
        ] {
            call(c, "PATCH", &format!("/tasks/{id}"), Some(body))
                .await
                .assert_error(400, "VALIDATION_ERROR");
        }
        assert_eq!(w.read_task(&id).await, before);
    }

    /// A body over the limit (1 MiB by default) is 413 PAYLOAD_TOO_LARGE and creates nothing.
    /// The server does not read the refused body and closes the connection, so it must announce
    /// that with `Connection: close`; otherwise a keep-alive client sends its next request into a
    /// dead connection. (The request uses its own HTTP client so that such a connection cannot
    /// end up in the shared pool of the harness.)
    async fn oversized_body_is_413(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let big = "a".repeat(2 * 1024 * 1024);
        let body = json!({ "project_id": w.project_id, "title": "Big", "description": big });
        let bytes = serde_json::to_vec(&body).expect("serialize the big body");
        let own_client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("build an HTTP client");
        let response = own_client
            .post(format!("{}/api/v1/tasks", server.base))
            .bearer_auth(w.client.token().expect("alice's client has a token"))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .expect("send the oversized request");
        let status = response.status().as_u16();
        let connection = response
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let envelope: Value = response.json().await.expect("the 413 answer is JSON");
        assert_eq!(status, 413, "{envelope}");
        assert_eq!(envelope["error"]["code"], "PAYLOAD_TOO_LARGE", "{envelope}");
        assert_eq!(w.task_count().await, 0);
        // The server is still fine afterwards.
        w.task("Small", json!({})).await;
        assert_eq!(w.task_count().await, 1);
        assert_eq!(
            connection.as_deref(),
            Some("close"),
            "the server closes the connection after refusing the body without saying so"
        );
    }

    /// Impossible dates are 400 naming the field; a start after the due date is 422, on create and
    /// on an update that would invert the range, which leaves the task unchanged.
    async fn bad_dates(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let p = &w.project_id;
        for (field, value) in [
            ("due_date", "2026-02-30"),
            ("due_date", "tomorrow"),
            ("due_date", ""),
            ("start_date", "2026-13-01"),
            ("start_date", "01/02/2026"),
        ] {
            let resp = call(c, "POST", "/tasks", Some(json!({ "title": "x", "project_id": p, field: value }))).await;
            resp.assert_error(400, "VALIDATION_ERROR");
            assert_field(&resp, field);
        }
        let inverted = call(
            c,
            "POST",
            "/tasks",
            Some(json!({ "title": "x", "project_id": p, "start_date": "2026-03-10", "due_date": "2026-03-01" })),
        )
        .await;
        inverted.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(w.task_count().await, 0);

        let id = w.task("Dated", json!({ "start_date": "2026-03-01", "due_date": "2026-03-10" })).await;
        let before = w.read_task(&id).await;
        for body in [
            json!({ "start_date": "2026-03-20" }),
            json!({ "due_date": "2026-02-01" }),
            json!({ "start_date": "2026-04-01", "due_date": "2026-03-31" }),
        ] {
            call(c, "PATCH", &format!("/tasks/{id}"), Some(body))
                .await
                .assert_error(422, "VALIDATION_ERROR");
        }
        call(c, "PATCH", &format!("/tasks/{id}"), Some(json!({ "due_date": "2026-02-30" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        assert_eq!(w.read_task(&id).await, before);
        // Equal dates are fine.
        let same = call(c, "PATCH", &format!("/tasks/{id}"), Some(json!({ "due_date": "2026-03-01" }))).await;
        same.assert_status(200);
        // Bad dates in list filters too.
        call(c, "GET", &format!("/tasks?org_id={}&due_from=2026-02-30", w.org_id), None)
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }

    /// Self-links and cycles are 422, duplicates 409; none of them adds a link.
    async fn dependency_rules(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let a = w.task("A", json!({})).await;
        let b = w.task("B", json!({})).await;
        let c = w.task("C", json!({})).await;

        w.block(&a, &a).await.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(w.dependencies().await, json!([]));

        w.block(&a, &b).await.assert_status(201);
        w.block(&b, &c).await.assert_status(201);
        let links = w.dependencies().await;
        assert_eq!(links.as_array().map(Vec::len), Some(2), "{links}");

        w.block(&c, &a).await.assert_error(422, "VALIDATION_ERROR");
        w.block(&b, &a).await.assert_error(422, "VALIDATION_ERROR");
        // The cycle seen from the other end: A blocked by C.
        call(
            &w.client,
            "POST",
            &format!("/tasks/{a}/dependencies"),
            Some(json!({ "depends_on_id": c, "dependency_type": "blocked_by" })),
        )
        .await
        .assert_error(422, "VALIDATION_ERROR");
        w.block(&a, &b).await.assert_error(409, "CONFLICT");
        // The same link from the other end is a duplicate too.
        call(
            &w.client,
            "POST",
            &format!("/tasks/{b}/dependencies"),
            Some(json!({ "depends_on_id": a, "dependency_type": "blocked_by" })),
        )
        .await
        .assert_error(409, "CONFLICT");
        call(
            &w.client,
            "POST",
            &format!("/tasks/{a}/dependencies"),
            Some(json!({ "depends_on_id": c, "dependency_type": "sideways" })),
        )
        .await
        .assert_error(400, "VALIDATION_ERROR");
        w.block(&a, "tsk_doesnotexist").await.assert_error(404, "NOT_FOUND");
        assert_eq!(w.dependencies().await, links);
    }

    /// Unknown statuses (422) and priorities (400) on create and update; paging parameters that
    /// are not positive integers (400).
    async fn unknown_values_and_paging(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let p = &w.project_id;
        let resp = call(c, "POST", "/tasks", Some(json!({ "title": "x", "project_id": p, "status": "nope" }))).await;
        resp.assert_error(422, "VALIDATION_ERROR");
        assert_field(&resp, "status");
        let resp = call(c, "POST", "/tasks", Some(json!({ "title": "x", "project_id": p, "priority": "critical" }))).await;
        resp.assert_error(400, "VALIDATION_ERROR");
        assert_field(&resp, "priority");
        assert_eq!(w.task_count().await, 0);

        let id = w.task("Valid", json!({ "priority": "high" })).await;
        let before = w.read_task(&id).await;
        call(c, "PATCH", &format!("/tasks/{id}"), Some(json!({ "priority": "critical" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        call(c, "PATCH", &format!("/tasks/{id}"), Some(json!({ "status": "nope" })))
            .await
            .assert_error(422, "VALIDATION_ERROR");
        call(c, "POST", &format!("/tasks/{id}/status"), Some(json!({ "status": "nope" })))
            .await
            .assert_error(422, "VALIDATION_ERROR");
        assert_eq!(w.read_task(&id).await, before);

        let org = &w.org_id;
        for (query, field) in [
            ("per_page=0", "per_page"),
            ("page=0", "page"),
        ] {
            for path in ["/tasks", "/projects", "/audit"] {
                let resp = call(c, "GET", &format!("{path}?org_id={org}&{query}"), None).await;
                resp.assert_error(400, "VALIDATION_ERROR");
                assert_field(&resp, field);
            }
        }
        for query in ["page=abc", "per_page=-5", "page=1.5", "page=99999999999999999999", "per_page=ten"] {
            for path in ["/tasks", "/projects", "/audit"] {
                call(c, "GET", &format!("{path}?org_id={org}&{query}"), None)
                    .await
                    .assert_error(400, "VALIDATION_ERROR");
            }
        }
        for query in ["sort=bogus", "order=sideways", "priority=critical"] {
            call(c, "GET", &format!("/tasks?org_id={org}&{query}"), None)
                .await
                .assert_error(400, "VALIDATION_ERROR");
        }
        // A huge page is an empty page, not an error; a huge per_page is clamped.
        let far = call(c, "GET", &format!("/tasks?org_id={org}&page=4294967295"), None).await;
        far.assert_status(200);
        assert_eq!(far.data(), &json!([]), "{}", far.body);
        let clamped = call(c, "GET", &format!("/tasks?org_id={org}&per_page=100000"), None).await;
        clamped.assert_status(200);
        assert_eq!(clamped.body["pagination"]["per_page"], 200, "{}", clamped.body);
    }

    /// Unknown routes are 404 NOT_FOUND and known paths with a wrong method 405, both with the
    /// error envelope; unknown ids are 404.
    async fn unknown_routes_and_methods(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        for client in [w.client.clone(), w.client.anonymous()] {
            for path in ["/no-such-thing", "/tasks/tsk_x/nope", "/api/v2/tasks"] {
                call(&client, "GET", path, None).await.assert_error(404, "NOT_FOUND");
            }
            for (method, path) in [("PUT", "/tasks"), ("DELETE", "/projects"), ("POST", "/audit")] {
                let resp = call(&client, method, path, None).await;
                resp.assert_status(405);
                assert!(!resp.error_code().is_empty(), "{method} {path}: no error code in {}", resp.body);
                assert!(
                    resp.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{method} {path}: no error message in {}",
                    resp.body
                );
            }
        }
        for path in ["/tasks/tsk_doesnotexist", "/tasks/not-an-id", "/projects/%27%20OR%201%3D1", "/projects/prj_"] {
            call(&w.client, "GET", path, None).await.assert_error(404, "NOT_FOUND");
        }
    }

    /// Label colours must look like `#rgb`/`#rrggbb` (400) and names are unique (409); neither
    /// failure changes the labels.
    async fn label_rules(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let org = &w.org_id;
        for color in ["red", "#12345g", "#1234", "", "6366f1", "#6366f1ff", "#ggg"] {
            let resp = call(c, "POST", "/labels", Some(json!({ "org_id": org, "name": "bug", "color": color }))).await;
            resp.assert_error(400, "VALIDATION_ERROR");
            assert_field(&resp, "color");
        }
        assert_eq!(w.labels().await, json!([]));
        let bug = call(c, "POST", "/labels", Some(json!({ "org_id": org, "name": "bug", "color": "#EF4444" }))).await;
        bug.assert_status(201);
        let bug_id = bug.data()["id"].as_str().expect("a label has an id").to_owned();
        call(c, "POST", "/labels", Some(json!({ "org_id": org, "name": "feature", "color": "#abc" })))
            .await
            .assert_status(201);
        let before = w.labels().await;
        call(c, "POST", "/labels", Some(json!({ "org_id": org, "name": "bug", "color": "#000000" })))
            .await
            .assert_error(409, "CONFLICT");
        call(c, "PATCH", &format!("/labels/{bug_id}"), Some(json!({ "name": "feature" })))
            .await
            .assert_error(409, "CONFLICT");
        call(c, "PATCH", &format!("/labels/{bug_id}"), Some(json!({ "color": "blue" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        assert_eq!(w.labels().await, before);
    }

    /// A bulk create with one invalid item creates nothing, and names the item.
    async fn bulk_create_is_all_or_nothing(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let p = &w.project_id;
        w.task("Existing", json!({})).await;
        let bad_items = [
            ("tasks[1].due_date", 400, json!({ "title": "two", "project_id": p, "due_date": "2026-02-30" })),
            ("tasks[1].status", 422, json!({ "title": "two", "project_id": p, "status": "nope" })),
            ("tasks[1].title", 400, json!({ "title": 2, "project_id": p })),
            ("tasks[1].priority", 400, json!({ "title": "two", "project_id": p, "priority": "critical" })),
        ];
        for (field, status, item) in bad_items {
            let body = json!({
                "org_id": w.org_id,
                "tasks": [
                    { "title": "one", "project_id": p },
                    item,
                    { "title": "three", "project_id": p },
                ]
            });
            let resp = call(c, "POST", "/tasks/bulk", Some(body)).await;
            resp.assert_error(status, "VALIDATION_ERROR");
            assert_field(&resp, field);
            assert_eq!(w.task_count().await, 1, "after the bulk create failing on {field}");
        }
        call(c, "POST", "/tasks/bulk", Some(json!({ "org_id": w.org_id, "tasks": [] })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        let too_many: Vec<Value> = (0..101).map(|i| json!({ "title": format!("t{i}"), "project_id": p })).collect();
        call(c, "POST", "/tasks/bulk", Some(json!({ "org_id": w.org_id, "tasks": too_many })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        assert_eq!(w.task_count().await, 1);
        let ok = call(
            c,
            "POST",
            "/tasks/bulk",
            Some(json!({ "tasks": [{ "title": "one", "project_id": p }, { "title": "two", "project_id": p }] })),
        )
        .await;
        ok.assert_status(201);
        assert_eq!(w.task_count().await, 3);
    }

    /// Text the databases treat specially (NUL, non-ASCII, quotes, LIKE wildcards) in bodies,
    /// query strings and paths is refused with a 4xx or stored and returned exactly; it never
    /// fails the server. All cases run before the verdict, which lists every 5xx answer.
    async fn awkward_text_never_fails_the_server(backend: Backend) {
        let server = Server::start(backend).await;
        let w = world(&server).await;
        let c = &w.client;
        let p = &w.project_id;
        let org = &w.org_id;
        let task_id = w.task("Target", json!({})).await;
        let mut server_errors = Vec::new();
        for title in ["nul\u{0}byte", "emoji 🚀 ünïcödé", "100% _done_ \\", "'; DROP TABLE tasks; --"] {
            let resp = c.post("/tasks", Some(json!({ "title": title, "project_id": p }))).await;
            match resp.status {
                201 => {
                    let id = resp.data()["id"].as_str().expect("a created task has an id");
                    assert_eq!(w.read_task(id).await["title"], title);
                }
                s if s >= 500 => server_errors.push(format!("{} with title {title:?}: {}", resp.request, resp.status)),
                _ => {
                    resp.assert_error(400, "VALIDATION_ERROR");
                }
            }
        }
        let nul = "a\u{0}b";
        let requests: Vec<(&str, String, Option<Value>)> = vec![
            ("POST", format!("/tasks/{task_id}/comments"), Some(json!({ "body": nul }))),
            ("PATCH", format!("/tasks/{task_id}"), Some(json!({ "description": nul }))),
            ("PATCH", format!("/projects/{p}"), Some(json!({ "name": nul }))),
            ("POST", "/labels".into(), Some(json!({ "org_id": org, "name": nul, "color": "#ffffff" }))),
            ("POST", "/tasks".into(), Some(json!({ "title": "x", "project_id": "prj_\u{0}" }))),
            ("GET", format!("/tasks?org_id={org}&search=a%00b"), None),
            ("GET", format!("/tasks?org_id={org}&status=a%00b"), None),
            ("GET", "/tasks?org_id=org_%00".into(), None),
            ("GET", "/tasks/tsk_%00".into(), None),
            ("GET", format!("/audit?org_id={org}&action=a%00b"), None),
            ("PATCH", "/auth/me".into(), Some(json!({ "name": nul }))),
        ];
        for (method, path, body) in requests {
            let resp = c.json(method, &path, body).await;
            if resp.status >= 500 {
                server_errors.push(format!("{method} {path}: {} {}", resp.status, resp.body));
            }
        }
        assert!(
            server_errors.is_empty(),
            "awkward text failed the server:\n{}",
            server_errors.join("\n")
        );
        // An accepted NUL is stored exactly; a refused one left the task alone.
        let description = w.read_task(&task_id).await["description"].clone();
        assert!(
            description.is_null() || description == nul,
            "the description reads back as {description}"
        );

        let long = "x".repeat(501);
        call(c, "POST", "/tasks", Some(json!({ "title": long, "project_id": p })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        // Wildcards in a search are literal.
        let search = call(c, "GET", &format!("/tasks?org_id={org}&search=%25"), None).await;
        search.assert_status(200);
        for task in search.data().as_array().expect("tasks are a list") {
            assert!(task["title"].as_str().is_some_and(|t| t.contains('%')), "{}", search.body);
        }
        let underscore = call(c, "GET", &format!("/tasks?org_id={org}&search=_"), None).await;
        for task in underscore.data().as_array().expect("tasks are a list") {
            assert!(task["title"].as_str().is_some_and(|t| t.contains('_')), "{}", underscore.body);
        }
    }
}
