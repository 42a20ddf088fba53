//! Clients and time tracking end to end: client CRUD and search, a project's client, the running
//! timer (start, stop, current, one per user), manual entries with every list filter and
//! pagination, and who may read or change whose entries.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, id};

/// Ids of a list response, in order.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

/// Creates a manual entry and returns its id.
async fn entry(c: &Client, body: Value) -> String {
    let r = c.post("/time-entries", Some(body)).await;
    r.assert_status(201);
    id(r.data())
}

both! {
    async fn clients_crud_search_and_projects(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;

        let acme = alice
            .post("/clients", Some(json!({ "name": "Globex", "email": "Billing@Globex.example", "tax_rate_bp": 1900, "hourly_rate": 12000 })))
            .await;
        acme.assert_status(201);
        let globex = acme.data().clone();
        assert!(id(&globex).starts_with("cli_"), "{globex}");
        assert_eq!(globex["currency"], "USD", "the organization's currency is the default");
        assert_eq!(globex["email"], "billing@globex.example");
        assert_eq!(globex["tax_rate_bp"], 1900);
        assert_eq!(globex["hourly_rate"], 12000);
        let gid = id(&globex);
        let initech = id(alice.post("/clients", Some(json!({ "name": "Initech", "currency": "eur" }))).await.assert_status(201).data());
        alice.post("/clients", Some(json!({ "name": "Bad", "tax_rate_bp": 10001 }))).await.assert_error(400, "VALIDATION_ERROR");
        alice.post("/clients", Some(json!({ "name": "Bad", "hourly_rate": -1 }))).await.assert_error(400, "VALIDATION_ERROR");

        let all = alice.get("/clients", None).await;
        assert_eq!(ids(all.assert_status(200).data()), [gid.as_str(), initech.as_str()]);
        assert_eq!(all.body["pagination"]["total"], 2);
        let found = alice.get("/clients?search=glob", None).await;
        assert_eq!(ids(found.assert_status(200).data()), [gid.as_str()]);
        let page2 = alice.get("/clients?per_page=1&page=2", None).await;
        assert_eq!(ids(page2.assert_status(200).data()), [initech.as_str()]);
        let got = alice.get(&format!("/clients/{initech}"), None).await;
        assert_eq!(got.assert_status(200).data()["currency"], "EUR");

        let patched = alice.patch(&format!("/clients/{gid}"), Some(json!({ "email": null, "notes": "Net 30", "hourly_rate": null }))).await;
        let patched = patched.assert_status(200).data().clone();
        assert_eq!(patched["email"], Value::Null);
        assert_eq!(patched["hourly_rate"], Value::Null);
        assert_eq!(patched["notes"], "Net 30");
        assert_eq!(patched["name"], "Globex", "omitted fields stay");

        // A project names a client of its own organization only.
        let project = alice.post("/projects", Some(json!({ "name": "Website", "client_id": gid }))).await;
        assert_eq!(project.assert_status(201).data()["client_id"], gid.as_str());
        let pid = id(project.data());
        let (mallory, _) = server.register_with_org("mallory@example.com", "Mallory", "Evil").await;
        let foreign = id(mallory.post("/clients", Some(json!({ "name": "Foreign" }))).await.assert_status(201).data());
        alice.post("/projects", Some(json!({ "name": "X", "client_id": foreign }))).await.assert_error(422, "VALIDATION_ERROR");
        alice.patch(&format!("/projects/{pid}"), Some(json!({ "client_id": foreign }))).await.assert_error(422, "VALIDATION_ERROR");
        mallory.get(&format!("/clients/{gid}"), None).await.assert_error(404, "NOT_FOUND");

        // Deleting a client some project names is refused until the project lets go.
        alice.delete(&format!("/clients/{gid}"), None).await.assert_error(409, "CONFLICT");
        let detached = alice.patch(&format!("/projects/{pid}"), Some(json!({ "client_id": null }))).await;
        assert_eq!(detached.assert_status(200).data()["client_id"], Value::Null);
        alice.delete(&format!("/clients/{gid}"), None).await.assert_status(204);
        alice.get(&format!("/clients/{gid}"), None).await.assert_error(404, "NOT_FOUND");

        // Members read clients but need manage_clients to change them.
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        bob.get(&format!("/clients?org_id={org}"), None).await.assert_status(200);
        bob.post("/clients", Some(json!({ "org_id": org, "name": "Nope" }))).await.assert_error(403, "FORBIDDEN");
        bob.delete(&format!("/clients/{initech}"), None).await.assert_error(403, "FORBIDDEN");
    }

    async fn the_running_timer(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let project = alice.post("/projects", Some(json!({ "name": "Internal", "billable": false }))).await;
        let pid = id(project.assert_status(201).data());
        let task = alice.post("/tasks", Some(json!({ "project_id": pid, "title": "Docs" }))).await;
        let tid = id(task.assert_status(201).data());
        let other = id(alice.post("/projects", Some(json!({ "name": "Other" }))).await.assert_status(201).data());

        let none = alice.get("/time-entries/current", None).await;
        assert_eq!(none.assert_status(200).data(), &Value::Null);
        alice.post("/time-entries/stop", None).await.assert_error(404, "NOT_FOUND");
        alice.post("/time-entries/start", Some(json!({ "project_id": other, "task_id": tid }))).await.assert_error(422, "VALIDATION_ERROR");

        let started = alice.post("/time-entries/start", Some(json!({ "project_id": pid, "task_id": tid, "description": "Writing docs" }))).await;
        let running = started.assert_status(201).data().clone();
        let eid = id(&running);
        assert!(eid.starts_with("te_"), "{running}");
        assert_eq!(running["stopped_at"], Value::Null);
        assert_eq!(running["duration_secs"], Value::Null);
        assert_eq!(running["billable"], false, "billable defaults to the project's");
        let current = alice.get("/time-entries/current", None).await;
        assert_eq!(id(current.assert_status(200).data()), eid);

        // One running timer per user per organization; the refusal names the running one.
        let second = alice.post("/time-entries/start", Some(json!({ "description": "Another" }))).await;
        second.assert_error(409, "CONFLICT");
        let message = second.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(&eid), "the conflict names {eid}: {message}");

        let stopped = alice.post("/time-entries/stop", None).await;
        let stopped = stopped.assert_status(200).data().clone();
        assert_eq!(id(&stopped), eid);
        assert!(stopped["stopped_at"].is_string(), "{stopped}");
        assert!(stopped["duration_secs"].as_i64().is_some_and(|d| d >= 0), "{stopped}");
        assert_eq!(alice.get("/time-entries/current", None).await.data(), &Value::Null);
        alice.post(&format!("/time-entries/{eid}/stop"), None).await.assert_error(409, "CONFLICT");

        // Stop by id; a timer without a project is billable by default.
        let again = alice.post("/time-entries/start", Some(json!({}))).await;
        let again = again.assert_status(201).data().clone();
        assert_eq!(again["billable"], true);
        let by_id = alice.post(&format!("/time-entries/{}/stop", id(&again)), None).await;
        assert!(by_id.assert_status(200).data()["stopped_at"].is_string());
    }

    async fn manual_entries_filters_and_access(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, bob_auth) = server.register("bob@example.com", "Bob").await;
        let bob_id = bob_auth["user"]["id"].as_str().expect("user id").to_owned();
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let pid = id(alice.post("/projects", Some(json!({ "name": "Website" }))).await.assert_status(201).data());
        let p2 = id(alice.post("/projects", Some(json!({ "name": "Shop" }))).await.assert_status(201).data());
        let tid = id(alice.post("/tasks", Some(json!({ "project_id": pid, "title": "Login" }))).await.assert_status(201).data());

        let created = alice
            .post("/time-entries", Some(json!({ "started_at": "2026-03-02T09:00:00Z", "stopped_at": "2026-03-02T10:30:00Z", "project_id": pid, "task_id": tid, "description": "Login page", "hourly_rate": 9000 })))
            .await;
        let first = created.assert_status(201).data().clone();
        assert_eq!(first["duration_secs"], 5400);
        assert_eq!(first["started_at"], "2026-03-02T09:00:00Z");
        assert_eq!(first["hourly_rate"], 9000);
        assert_eq!(first["invoice_id"], Value::Null);
        let e1 = id(&first);
        // A task alone brings its project.
        let e2 = entry(&alice, json!({ "started_at": "2026-03-03T09:00:00Z", "stopped_at": "2026-03-03T09:15:00Z", "task_id": tid })).await;
        let e3 = entry(&alice, json!({ "started_at": "2026-03-05T23:30:00Z", "stopped_at": "2026-03-06T00:30:00Z", "project_id": p2, "billable": false })).await;
        let b1 = entry(&bob, json!({ "org_id": org, "started_at": "2026-03-04T08:00:00Z", "stopped_at": "2026-03-04T12:00:00Z", "project_id": pid })).await;
        let got = alice.get(&format!("/time-entries/{e2}"), None).await;
        assert_eq!(got.assert_status(200).data()["project_id"], pid.as_str());

        // Invalid spans.
        for (start, stop) in [("2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"), ("2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"), ("2026-03-01T00:00:00Z", "2026-03-09T00:00:00Z")] {
            alice.post("/time-entries", Some(json!({ "started_at": start, "stopped_at": stop }))).await.assert_error(422, "VALIDATION_ERROR");
        }
        alice.post("/time-entries", Some(json!({ "started_at": "yesterday", "stopped_at": "2026-03-02T09:00:00Z" }))).await.assert_error(400, "VALIDATION_ERROR");
        alice.patch(&format!("/time-entries/{e1}"), Some(json!({ "stopped_at": "2026-03-02T08:00:00Z" }))).await.assert_error(422, "VALIDATION_ERROR");

        // Every filter (alice, the owner, sees everyone's).
        let list = |q: &str| format!("/time-entries?{q}");
        let cases: Vec<(String, Vec<&String>)> = vec![
            (list(""), vec![&e3, &b1, &e2, &e1]),
            (list("from=2026-03-03"), vec![&e3, &b1, &e2]),
            (list("to=2026-03-03"), vec![&e2, &e1]),
            (list("from=2026-03-03&to=2026-03-04"), vec![&b1, &e2]),
            (list(&format!("project_id={pid}")), vec![&b1, &e2, &e1]),
            (list(&format!("task_id={tid}")), vec![&e2, &e1]),
            (list(&format!("user_id={bob_id}")), vec![&b1]),
            (list("billable=false"), vec![&e3]),
            (list("billable=true&per_page=2&page=2"), vec![&e1]),
        ];
        for (path, expected) in cases {
            let r = alice.get(&path, None).await;
            let expected: Vec<String> = expected.into_iter().cloned().collect();
            assert_eq!(ids(r.assert_status(200).data()), expected, "{path}");
        }
        let paged = alice.get("/time-entries?per_page=3", None).await;
        assert_eq!(paged.body["pagination"]["total"], 4);
        assert_eq!(paged.body["pagination"]["total_pages"], 2);
        alice.get("/time-entries?from=2026-13-01", None).await.assert_error(400, "VALIDATION_ERROR");

        // Bob (no view_reports) sees his own only, and cannot touch alice's.
        let own = bob.get(&format!("/time-entries?org_id={org}"), None).await;
        assert_eq!(ids(own.assert_status(200).data()), [b1.as_str()]);
        let alice_id = alice.get("/auth/me", None).await.data()["id"].as_str().expect("id").to_owned();
        bob.get(&format!("/time-entries?org_id={org}&user_id={alice_id}"), None).await.assert_error(403, "FORBIDDEN");
        bob.get(&format!("/time-entries/{e1}"), None).await.assert_error(403, "FORBIDDEN");
        bob.patch(&format!("/time-entries/{e1}"), Some(json!({ "description": "Mine now" }))).await.assert_error(403, "FORBIDDEN");
        bob.delete(&format!("/time-entries/{e1}"), None).await.assert_error(403, "FORBIDDEN");
        bob.post(&format!("/time-entries/{e1}/stop"), None).await.assert_error(403, "FORBIDDEN");
        // Nor may alice edit bob's, even as owner.
        alice.patch(&format!("/time-entries/{b1}"), Some(json!({ "description": "Hers now" }))).await.assert_error(403, "FORBIDDEN");
        // With view_reports (a manager) bob reads everyone's.
        alice.patch(&format!("/organizations/{org}/members/{bob_id}"), Some(json!({ "role": "manager" }))).await.assert_status(200);
        let everyone = bob.get(&format!("/time-entries?org_id={org}&user_id={alice_id}"), None).await;
        assert_eq!(everyone.assert_status(200).body["pagination"]["total"], 3);
        bob.get(&format!("/time-entries/{e1}"), None).await.assert_status(200);

        // Update recomputes the duration; delete removes.
        let updated = alice.patch(&format!("/time-entries/{e1}"), Some(json!({ "stopped_at": "2026-03-02T11:00:00Z", "description": null, "billable": false }))).await;
        let updated = updated.assert_status(200).data().clone();
        assert_eq!(updated["duration_secs"], 7200);
        assert_eq!(updated["description"], Value::Null);
        assert_eq!(updated["billable"], false);
        let moved = alice.patch(&format!("/time-entries/{e1}"), Some(json!({ "project_id": p2 }))).await;
        let moved = moved.assert_status(200).data().clone();
        assert_eq!(moved["project_id"], p2.as_str());
        assert_eq!(moved["task_id"], Value::Null, "a task of the old project is dropped");
        alice.delete(&format!("/time-entries/{e1}"), None).await.assert_status(204);
        alice.get(&format!("/time-entries/{e1}"), None).await.assert_error(404, "NOT_FOUND");
        // (An invoiced entry — `invoice_id` set — refuses update and delete with CONFLICT; there
        // is no way to set `invoice_id` through the API until invoices exist.)
    }
}
