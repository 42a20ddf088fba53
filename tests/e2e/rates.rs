//! The rates cascade and project budgets end to end: organization-member and project-member
//! rates with effective dates (one in the middle of the period, one crossing midnight in the
//! organization's time zone), the per-entry override and the client's rate as fallback, rate
//! history, who may read and set rates, and a project's budget use computed through the cascade.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, created_id, id};

/// Registers alice with an organization in Europe/Berlin (EUR) and bob as a plain member.
/// Returns (alice, bob, org id, bob's user id, alice's user id).
pub async fn berlin_org(server: &Server) -> (Client, Client, String, String, String) {
    let (alice, alice_auth) = server.register("alice@example.com", "Alice").await;
    let org = created_id(
        &alice
            .post(
                "/organizations",
                Some(json!({ "name": "Acme", "timezone": "Europe/Berlin", "currency": "EUR" })),
            )
            .await,
    );
    let (bob, bob_auth) = server.register("bob@example.com", "Bob").await;
    server
        .join(&alice, &org, &bob, "bob@example.com", "member")
        .await;
    bob.patch("/auth/me", Some(json!({ "current_org_id": org })))
        .await
        .assert_status(200);
    let bob_id = bob_auth["user"]["id"].as_str().unwrap().to_owned();
    let alice_id = alice_auth["user"]["id"].as_str().unwrap().to_owned();
    (alice, bob, org, bob_id, alice_id)
}

/// Creates a finished manual entry and returns its id.
pub async fn entry(c: &Client, project: &str, start: &str, stop: &str, extra: Value) -> String {
    let mut body = json!({ "project_id": project, "started_at": start, "stopped_at": stop });
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    created_id(&c.post("/time-entries", Some(body)).await)
}

both! {
    async fn rate_cascade_with_effective_dates_and_budget(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, bob_id, alice_id) = berlin_org(&server).await;
        let client = created_id(&alice.post("/clients", Some(json!({ "name": "Globex", "hourly_rate": 9000, "tax_rate_bp": 1900 }))).await);
        let project = alice
            .post("/projects", Some(json!({ "name": "Website", "client_id": client, "budget_minutes": 600, "budget_amount": 100000 })))
            .await;
        project.assert_status(201);
        assert_eq!(project.data()["budget_minutes"], 600);
        assert_eq!(project.data()["budget_amount"], 100000);
        let pid = id(project.data());
        alice.post("/projects", Some(json!({ "name": "Bad", "budget_minutes": -1 }))).await.assert_error(400, "VALIDATION_ERROR");

        // Bob's organization-wide rates change on 2026-03-15; on Website they change again on 03-20
        // (client rate only: the worker rate falls through to the organization's).
        let org_rates = format!("/organizations/{org}/members/{bob_id}/rates");
        let r1 = alice.post(&org_rates, Some(json!({ "worker_rate": 4000, "client_rate": 10000, "effective_from": "2026-03-01" }))).await;
        r1.assert_status(201);
        assert!(id(r1.data()).starts_with("rt_"), "{}", r1.body);
        assert_eq!(r1.data()["project_id"], Value::Null);
        assert_eq!(r1.data()["effective_from"], "2026-03-01");
        created_id(&alice.post(&org_rates, Some(json!({ "worker_rate": 5000, "client_rate": 12000, "effective_from": "2026-03-15" }))).await);
        let prj_rates = format!("/projects/{pid}/members/{bob_id}/rates");
        let project_rate = created_id(&alice.post(&prj_rates, Some(json!({ "client_rate": 15000, "effective_from": "2026-03-20" }))).await);

        // History, newest first; a change is a new row.
        let history = alice.get(&org_rates, None).await;
        let history = history.assert_status(200).data().as_array().unwrap().clone();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["effective_from"], "2026-03-15");
        assert_eq!(history[0]["client_rate"], 12000);
        assert_eq!(history[1]["effective_from"], "2026-03-01");
        let on_project = alice.get(&prj_rates, None).await;
        let on_project = on_project.assert_status(200).data().as_array().unwrap().clone();
        assert_eq!(on_project.len(), 1);
        assert_eq!(on_project[0]["project_id"], pid.as_str());
        assert_eq!(on_project[0]["worker_rate"], Value::Null);

        // Refusals.
        alice.post(&org_rates, Some(json!({ "client_rate": -1 }))).await.assert_error(400, "VALIDATION_ERROR");
        alice.post(&org_rates, Some(json!({ "effective_from": "2026-03-01" }))).await.assert_error(400, "VALIDATION_ERROR");
        alice.post(&org_rates, Some(json!({ "client_rate": 1, "effective_from": "15.03.2026" }))).await.assert_error(400, "VALIDATION_ERROR");
        let (_carol, carol_auth) = server.register("carol@example.com", "Carol").await;
        let carol_id = carol_auth["user"]["id"].as_str().unwrap().to_owned();
        alice.post(&format!("/organizations/{org}/members/{carol_id}/rates"), Some(json!({ "client_rate": 1 }))).await.assert_error(422, "VALIDATION_ERROR");
        bob.post(&org_rates, Some(json!({ "client_rate": 1 }))).await.assert_error(403, "FORBIDDEN");
        bob.get(&org_rates, None).await.assert_status(200);
        bob.get(&format!("/organizations/{org}/members/{alice_id}/rates"), None).await.assert_error(403, "FORBIDDEN");
        bob.get(&format!("/projects/{pid}/budget"), None).await.assert_error(403, "FORBIDDEN");

        // Bob's time on Website. Client rate per entry:
        entry(&bob, &pid, "2026-02-20T09:00:00Z", "2026-02-20T10:00:00Z", json!({})).await; // before any rate: the client's 9000 → 9000
        entry(&bob, &pid, "2026-03-10T09:00:00Z", "2026-03-10T10:00:00Z", json!({})).await; // org rate 10000 → 10000
        // 23:30 UTC on 03-14 is 00:30 on 03-15 in Berlin: the 03-15 rate applies → 12000.
        entry(&bob, &pid, "2026-03-14T23:30:00Z", "2026-03-15T00:30:00Z", json!({})).await;
        entry(&bob, &pid, "2026-03-20T08:00:00Z", "2026-03-20T09:30:00Z", json!({})).await; // project rate 15000 × 1.5 h → 22500
        // An entry's own rate needs manage_invoices: bob holds it for this one entry.
        let bob_member = format!("/organizations/{org}/members/{bob_id}");
        alice.patch(&bob_member, Some(json!({ "permissions": { "manage_invoices": true } }))).await.assert_status(200);
        entry(&bob, &pid, "2026-03-21T08:00:00Z", "2026-03-21T09:00:00Z", json!({ "hourly_rate": 20000 })).await; // entry override → 20000
        alice.patch(&bob_member, Some(json!({ "permissions": { "manage_invoices": null } }))).await.assert_status(200);
        entry(&bob, &pid, "2026-03-22T08:00:00Z", "2026-03-22T09:00:00Z", json!({ "billable": false })).await; // minutes only
        // Alice has no rates: the client's 9000 × 2 h → 18000.
        entry(&alice, &pid, "2026-03-16T08:00:00Z", "2026-03-16T10:00:00Z", json!({})).await;
        // Running entries count nothing.
        bob.post("/time-entries/start", Some(json!({ "project_id": pid }))).await.assert_status(201);

        let budget = alice.get(&format!("/projects/{pid}/budget"), None).await;
        let b = budget.assert_status(200).data().clone();
        assert_eq!(b["currency"], "EUR");
        assert_eq!(b["spent_minutes"], 60 + 60 + 60 + 90 + 60 + 60 + 120);
        let spent = 9000 + 10000 + 12000 + 22500 + 20000 + 18000;
        assert_eq!(b["spent_amount"], spent, "{b}");
        assert_eq!(b["remaining_minutes"], 600 - 510);
        assert_eq!(b["remaining_amount"], 100000 - spent);
        assert_eq!(b["percent_used_minutes"], 85.0);
        assert_eq!(b["percent_used_amount"], 91.5);

        // Deleting the project rate: the 03-20 entry falls back to the organization's 12000.
        alice.delete(&format!("/rates/{project_rate}"), None).await.assert_status(204);
        alice.delete(&format!("/rates/{project_rate}"), None).await.assert_error(404, "NOT_FOUND");
        let b = alice.get(&format!("/projects/{pid}/budget"), None).await.assert_status(200).data().clone();
        assert_eq!(b["spent_amount"], spent - 22500 + 18000);

        // A later organization rate does not touch earlier periods; a budget can be removed.
        created_id(&alice.post(&org_rates, Some(json!({ "client_rate": 1, "effective_from": "2026-04-01" }))).await);
        let b = alice.get(&format!("/projects/{pid}/budget"), None).await.assert_status(200).data().clone();
        assert_eq!(b["spent_amount"], spent - 22500 + 18000);
        let patched = alice.patch(&format!("/projects/{pid}"), Some(json!({ "budget_amount": null }))).await;
        assert_eq!(patched.assert_status(200).data()["budget_amount"], Value::Null);
        let b = alice.get(&format!("/projects/{pid}/budget"), None).await.assert_status(200).data().clone();
        assert_eq!(b["remaining_amount"], Value::Null);
        assert_eq!(b["percent_used_amount"], Value::Null);
        assert_eq!(b["remaining_minutes"], 90);
    }
}
