//! Task recurrences end to end: CRUD and validation through the organization's recurrence plugin
//! (the built-in `recurrence-standard`), the scheduler creating the instances of daily, weekly,
//! monthly, cron and RRULE patterns at the right instants across both DST changes of
//! Europe/Berlin in 2026 (each once), the catch-up bound, and two processes on one PostgreSQL
//! database creating every instance exactly once.
//!
//! Time is not faked: the series are anchored in the past and bounded by `ends_at`, so every
//! occurrence is already due when the recurrence is created and the scheduler (one pass a second
//! in these tests) creates exactly the expected set as catch-up.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, created_id, id};

/// The scheduler runs a pass every second in these tests.
const FAST: &[(&str, &str)] = &[("STINT_SCHEDULER_INTERVAL_SECS", "1")];

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

fn instant(v: &Value) -> DateTime<Utc> {
    at(v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}")))
}

/// Creates a project and returns its id.
async fn project(c: &Client) -> String {
    created_id(
        &c.post("/projects", Some(json!({ "name": "Routine" })))
            .await,
    )
}

/// Creates a task in `project_id` and returns its id.
async fn task(c: &Client, project_id: &str, body: Value) -> String {
    let mut body = body;
    body["project_id"] = json!(project_id);
    created_id(&c.post("/tasks", Some(body)).await)
}

/// The instances of `recurrence_id` (tasks titled `title`), by occurrence.
async fn instances(c: &Client, title: &str, recurrence_id: &str) -> Vec<Value> {
    let r = c
        .get(
            &format!("/tasks?search={title}&per_page=200&sort=created_at"),
            None,
        )
        .await;
    let mut list: Vec<Value> = r
        .assert_status(200)
        .data()
        .as_array()
        .expect("a task list")
        .iter()
        .filter(|t| t["recurrence_id"] == recurrence_id)
        .cloned()
        .collect();
    list.sort_by_key(|t| instant(&t["occurrence_at"]));
    list
}

/// Waits until `recurrence_id` has ended (`next_run_at` null) and returns its instances.
async fn finished(c: &Client, title: &str, recurrence_id: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = c
            .get(&format!("/task-recurrences/{recurrence_id}"), None)
            .await;
        if r.assert_status(200).data()["next_run_at"].is_null() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduler did not finish {recurrence_id}: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    instances(c, title, recurrence_id).await
}

/// Makes `task_id` repeat and returns the recurrence's id.
async fn repeat(c: &Client, task_id: &str, body: Value) -> String {
    let r = c
        .post(&format!("/tasks/{task_id}/recurrence"), Some(body))
        .await;
    r.assert_status(201);
    id(r.data())
}

both! {
    async fn recurrence_crud_and_validation(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let pid = project(&alice).await;
        let tid = task(&alice, &pid, json!({ "title": "Water the plants", "due_date": "2026-12-01" })).await;

        let created = alice
            .post(&format!("/tasks/{tid}/recurrence"), Some(json!({ "recurrence_pattern": "daily" })))
            .await;
        let rec = created.assert_status(201).data().clone();
        let rid = id(&rec);
        assert!(rid.starts_with("rec_"), "{rec}");
        assert_eq!(rec["task_id"], tid.as_str());
        assert_eq!(rec["org_id"], org.as_str());
        assert_eq!(rec["recurrence_pattern"], "daily");
        assert!(rec["ends_at"].is_null());
        assert!(rec["last_occurrence_at"].is_null());
        let starts = instant(&rec["starts_at"]);
        let next = instant(&rec["next_run_at"]);
        assert!(next > starts && next <= starts + TimeDelta::days(1), "{rec}");

        // One recurrence per task.
        alice
            .post(&format!("/tasks/{tid}/recurrence"), Some(json!({ "recurrence_pattern": "weekly" })))
            .await
            .assert_error(409, "CONFLICT");

        let got = alice.get(&format!("/task-recurrences/{rid}"), None).await;
        assert_eq!(got.assert_status(200).data(), &rec);
        let template = alice.get(&format!("/tasks/{tid}"), None).await;
        assert_eq!(template.assert_status(200).data()["template_recurrence_id"], rid.as_str());

        // An object is kept as the object it was given as.
        let weekly = json!({ "freq": "weekly", "by_weekday": ["mon", "wed"], "at": "09:00" });
        let patched = alice
            .patch(&format!("/task-recurrences/{rid}"), Some(json!({ "recurrence_pattern": weekly })))
            .await;
        let patched = patched.assert_status(200).data().clone();
        assert_eq!(patched["recurrence_pattern"], weekly);
        assert!(!patched["next_run_at"].is_null());
        let ends = alice
            .patch(&format!("/task-recurrences/{rid}"), Some(json!({ "ends_at": "2020-01-01T00:00:00Z" })))
            .await;
        ends.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(ends.body["error"]["details"]["field"], "ends_at");

        // What the plugin does not understand is refused with its explanation.
        let other = task(&alice, &pid, json!({ "title": "Other" })).await;
        for bad in [json!("every blue moon"), json!({ "freq": "fortnightly" }), json!("cron:61 * * * *"), json!("RRULE:FREQ=SOMETIMES")] {
            let r = alice
                .post(&format!("/tasks/{other}/recurrence"), Some(json!({ "recurrence_pattern": bad })))
                .await;
            r.assert_error(422, "VALIDATION_ERROR");
            assert_eq!(r.body["error"]["details"]["field"], "recurrence_pattern", "{bad}: {}", r.body);
        }
        for bad in [json!(5), json!(""), json!(["daily"])] {
            let r = alice
                .post(&format!("/tasks/{other}/recurrence"), Some(json!({ "recurrence_pattern": bad })))
                .await;
            r.assert_error(400, "VALIDATION_ERROR");
            assert_eq!(r.body["error"]["details"]["field"], "recurrence_pattern", "{bad}: {}", r.body);
        }
        alice
            .post(&format!("/tasks/{other}/recurrence"), Some(json!({ "recurrence_pattern": "daily", "starts_at": "yesterday" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        alice
            .post(&format!("/tasks/{other}/recurrence"), Some(json!({ "recurrence_pattern": "daily" , "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-02-01T00:00:00Z" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        alice.post("/tasks/tsk_nope/recurrence", Some(json!({ "recurrence_pattern": "daily" }))).await.assert_error(404, "NOT_FOUND");

        // A viewer reads but may not change; another organization sees nothing.
        let (viewer, _) = server.register("vera@example.com", "Vera").await;
        server.join(&alice, &org, &viewer, "vera@example.com", "viewer").await;
        viewer.get(&format!("/task-recurrences/{rid}?org_id={org}"), None).await.assert_status(200);
        viewer
            .patch(&format!("/task-recurrences/{rid}"), Some(json!({ "org_id": org, "recurrence_pattern": "daily" })))
            .await
            .assert_error(403, "FORBIDDEN");
        viewer.delete(&format!("/task-recurrences/{rid}?org_id={org}"), None).await.assert_error(403, "FORBIDDEN");
        let (mallory, _) = server.register_with_org("mallory@example.com", "Mallory", "Evil").await;
        mallory.get(&format!("/task-recurrences/{rid}"), None).await.assert_error(404, "NOT_FOUND");
        mallory.delete(&format!("/task-recurrences/{rid}"), None).await.assert_error(404, "NOT_FOUND");

        alice.delete(&format!("/task-recurrences/{rid}"), None).await.assert_status(204);
        alice.get(&format!("/task-recurrences/{rid}"), None).await.assert_error(404, "NOT_FOUND");
        let template = alice.get(&format!("/tasks/{tid}"), None).await;
        assert!(template.assert_status(200).data()["template_recurrence_id"].is_null());
        // The task may repeat again, and deleting the task ends its recurrence.
        let again = repeat(&alice, &tid, json!({ "recurrence_pattern": "monthly" })).await;
        alice.delete(&format!("/tasks/{tid}"), None).await.assert_status(204);
        alice.get(&format!("/task-recurrences/{again}"), None).await.assert_error(404, "NOT_FOUND");

        // Each change is in the audit log.
        let audit = alice.get("/audit?per_page=200", None).await;
        let actions: Vec<&str> = audit.assert_status(200).data().as_array().unwrap().iter()
            .filter_map(|e| e["action"].as_str()).filter(|a| a.starts_with("task_recurrence.")).collect();
        for a in ["task_recurrence.created", "task_recurrence.updated", "task_recurrence.deleted"] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
    }

    async fn patterns_across_dst_create_each_instance_once(backend: Backend) {
        let server = Server::start_with(backend, FAST).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        alice
            .patch(&format!("/organizations/{org}"), Some(json!({ "timezone": "Europe/Berlin" })))
            .await
            .assert_status(200);
        let pid = project(&alice).await;
        let (bob, bob_body) = server.register("bob@example.com", "Bob").await;
        let bob_id = bob_body["user"]["id"].as_str().expect("user id").to_owned();
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;

        // Europe/Berlin: CET (UTC+1) until 2026-03-29 02:00, CEST (UTC+2) until 2026-10-25 03:00.
        // Each case: title, pattern, starts_at, ends_at, expected occurrences (UTC).
        let cases: Vec<(&str, Value, &str, &str, Vec<&str>)> = vec![
            ("daily-shorthand", json!("daily"), "2026-03-26T09:00:00+01:00", "2026-03-31T12:00:00+02:00",
             vec!["2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z",
                  "2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"]),
            ("weekly-object", json!({ "freq": "weekly", "by_weekday": ["mon", "wed"], "at": "09:00" }),
             "2026-03-20T09:00:00+01:00", "2026-04-02T00:00:00Z",
             vec!["2026-03-23T08:00:00Z", "2026-03-25T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-01T07:00:00Z"]),
            ("monthly-shorthand", json!("monthly"), "2026-01-15T09:00:00+01:00", "2026-05-01T00:00:00Z",
             vec!["2026-02-15T08:00:00Z", "2026-03-15T08:00:00Z", "2026-04-15T07:00:00Z"]),
            ("cron-weekdays", json!("cron:0 9 * * 1-5"), "2026-03-26T12:00:00+01:00", "2026-04-01T00:00:00Z",
             vec!["2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"]),
            ("rrule-sundays", json!("RRULE:FREQ=WEEKLY;BYDAY=SU"), "2026-03-22T09:00:00+01:00", "2026-04-06T00:00:00Z",
             vec!["2026-03-29T07:00:00Z", "2026-04-05T07:00:00Z"]),
            // The autumn change, back to UTC+1.
            ("rrule-autumn", json!("RRULE:FREQ=DAILY;INTERVAL=2"), "2026-10-22T09:00:00+02:00", "2026-10-29T00:00:00Z",
             vec!["2026-10-24T07:00:00Z", "2026-10-26T08:00:00Z", "2026-10-28T08:00:00Z"]),
        ];
        let mut made = Vec::new();
        for (title, pattern, starts, ends, expected) in &cases {
            let tid = task(&alice, &pid, json!({
                "title": title, "description": "Template", "priority": "high", "estimate_minutes": 30,
                "assignee_ids": [bob_id],
            })).await;
            let rid = repeat(&alice, &tid, json!({ "recurrence_pattern": pattern, "starts_at": starts, "ends_at": ends })).await;
            made.push((title, tid, rid, expected));
        }
        for (title, tid, rid, expected) in made {
            let list = finished(&alice, title, &rid).await;
            let got: Vec<DateTime<Utc>> = list.iter().map(|t| instant(&t["occurrence_at"])).collect();
            let want: Vec<DateTime<Utc>> = expected.iter().map(|s| at(s)).collect();
            assert_eq!(got, want, "{title}: occurrences");
            for t in &list {
                assert_ne!(id(t), tid, "the template is not an instance");
                assert_eq!(t["title"], *title);
                assert_eq!(t["description"], "Template");
                assert_eq!(t["priority"], "high");
                assert_eq!(t["estimate_minutes"], 30);
                assert_eq!(t["project_id"], pid.as_str());
                assert_eq!(t["assignee_ids"], json!([bob_id]));
                assert!(t["template_recurrence_id"].is_null(), "instances do not repeat");
                // No dates on the template: due on the occurrence's local date.
                let local = instant(&t["occurrence_at"]).with_timezone(&chrono_tz::Europe::Berlin).date_naive();
                assert_eq!(t["due_date"], local.to_string(), "{title}");
            }
            let rec = alice.get(&format!("/task-recurrences/{rid}"), None).await;
            assert_eq!(instant(&rec.data()["last_occurrence_at"]), *want.last().unwrap());
            let template = alice.get(&format!("/tasks/{tid}"), None).await;
            assert!(template.assert_status(200).data()["recurrence_id"].is_null());
            assert_eq!(template.data()["template_recurrence_id"], rid.as_str());
        }

        // The template's dates move with the occurrence.
        let dated = task(&alice, &pid, json!({ "title": "dated-template", "start_date": "2026-03-25", "due_date": "2026-03-27" })).await;
        let rid = repeat(&alice, &dated, json!({
            "recurrence_pattern": "weekly", "starts_at": "2026-03-25T09:00:00+01:00", "ends_at": "2026-04-09T00:00:00Z",
        })).await;
        let list = finished(&alice, "dated-template", &rid).await;
        let dates: Vec<(Value, Value)> = list.iter().map(|t| (t["start_date"].clone(), t["due_date"].clone())).collect();
        assert_eq!(dates, vec![
            (json!("2026-04-01"), json!("2026-04-03")),
            (json!("2026-04-08"), json!("2026-04-10")),
        ]);
        assert_eq!(instant(&list[0]["occurrence_at"]), at("2026-04-01T07:00:00Z"));

        // Bob was told about every instance he was assigned to.
        let expected_total: usize = cases.iter().map(|c| c.4.len()).sum();
        let n = bob.get(&format!("/notifications?org_id={org}&per_page=200"), None).await;
        let assigned = n.assert_status(200).data().as_array().unwrap().iter()
            .filter(|x| x["type"] == "task_assigned").count();
        assert_eq!(assigned, expected_total + cases.len(), "the templates and every instance");

        // The audit log names the recurrence's owner for each created instance.
        let audit = alice.get("/audit?per_page=200&entity_type=task", None).await;
        let created = audit.assert_status(200).data().as_array().unwrap().iter()
            .filter(|e| e["action"] == "task.created").count();
        assert!(created >= expected_total + 2, "{created}");
    }

    async fn catch_up_creates_only_the_latest_missed_occurrences(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_SCHEDULER_INTERVAL_SECS", "1"), ("STINT_SCHEDULER_MAX_CATCH_UP", "3")]).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let pid = project(&alice).await;
        let tid = task(&alice, &pid, json!({ "title": "catch-up" })).await;
        // Ten daily occurrences are due; only the latest three are created.
        let anchor = (Utc::now() - TimeDelta::days(10) - TimeDelta::hours(2))
            .duration_trunc(TimeDelta::seconds(1))
            .unwrap();
        let ends = anchor + TimeDelta::days(10) + TimeDelta::hours(1);
        let rid = repeat(&alice, &tid, json!({
            "recurrence_pattern": "daily", "starts_at": anchor.to_rfc3339(), "ends_at": ends.to_rfc3339(),
        })).await;
        let list = finished(&alice, "catch-up", &rid).await;
        let got: Vec<DateTime<Utc>> = list.iter().map(|t| instant(&t["occurrence_at"])).collect();
        let want: Vec<DateTime<Utc>> = (8..=10).map(|k| anchor + TimeDelta::days(k)).collect();
        assert_eq!(got, want);
    }

    async fn a_restart_resumes_the_schedule(backend: Backend) {
        let mut server = Server::start_with(backend, FAST).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let pid = project(&alice).await;
        let tid = task(&alice, &pid, json!({ "title": "restarted" })).await;
        let anchor = (Utc::now() - TimeDelta::days(5)).duration_trunc(TimeDelta::seconds(1)).unwrap();
        let ends = anchor + TimeDelta::days(4) + TimeDelta::hours(1);
        let rid = repeat(&alice, &tid, json!({
            "recurrence_pattern": "daily", "starts_at": anchor.to_rfc3339(), "ends_at": ends.to_rfc3339(),
        })).await;
        // Killed at any point of the catch-up, the restarted process completes it without duplicates.
        tokio::time::sleep(Duration::from_millis(900)).await;
        server.kill_and_restart().await;
        let alice = server.client().with_token(alice.token().unwrap());
        let list = finished(&alice, "restarted", &rid).await;
        let got: Vec<DateTime<Utc>> = list.iter().map(|t| instant(&t["occurrence_at"])).collect();
        let want: Vec<DateTime<Utc>> = (1..=4).map(|k| anchor + TimeDelta::days(k)).collect();
        assert_eq!(got, want);
    }
}

/// Two `stint` processes on one PostgreSQL database, both running the scheduler every second:
/// every occurrence of every recurrence gets exactly one instance.
#[tokio::test]
async fn two_processes_create_each_instance_exactly_once() {
    let server = Server::start_with(Backend::Postgres, FAST).await;
    let peer = server.start_peer().await;
    let (alice, _) = server
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let pid = project(&alice).await;
    let anchor = (Utc::now() - TimeDelta::days(40))
        .duration_trunc(TimeDelta::hours(1))
        .unwrap();
    let ends = anchor + TimeDelta::days(30) + TimeDelta::minutes(30);
    let mut made = Vec::new();
    for i in 0..6 {
        let title = format!("shared-{i}");
        let tid = task(&alice, &pid, json!({ "title": title })).await;
        // Created alternately through either process.
        let via = if i % 2 == 0 {
            alice.clone()
        } else {
            peer.client().with_token(alice.token().unwrap())
        };
        let rid = repeat(&via, &tid, json!({
            "recurrence_pattern": "daily", "starts_at": anchor.to_rfc3339(), "ends_at": ends.to_rfc3339(),
        })).await;
        made.push((title, rid));
    }
    for (title, rid) in made {
        let list = finished(&alice, &title, &rid).await;
        let mut per_occurrence: BTreeMap<DateTime<Utc>, usize> = BTreeMap::new();
        for t in &list {
            *per_occurrence
                .entry(instant(&t["occurrence_at"]))
                .or_default() += 1;
        }
        let want: Vec<DateTime<Utc>> = (1..=30).map(|k| anchor + TimeDelta::days(k)).collect();
        assert_eq!(
            per_occurrence.keys().copied().collect::<Vec<_>>(),
            want,
            "{title}"
        );
        assert!(
            per_occurrence.values().all(|n| *n == 1),
            "{title}: {per_occurrence:?}"
        );
        // Task numbers are distinct too.
        let mut numbers: Vec<i64> = list.iter().map(|t| t["number"].as_i64().unwrap()).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 30);
    }
}
