//! Notifications over REST: task assignment and status changes (to the right people, never the
//! actor), mentions in comments and chat (members only; chat: channel members only), the
//! `unread` filter, `mark-read` with and without ids, and isolation between organizations.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, id};

/// Alice (owner of Acme), bob and carol (members); their clients and ids, the organization and a
/// project.
struct Team {
    alice: Client,
    bob: Client,
    carol: Client,
    alice_id: String,
    bob_id: String,
    carol_id: String,
    org: String,
    project: String,
}

async fn team(server: &Server) -> Team {
    let (alice, org) = server
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let (bob, bob_auth) = server.register("bob@example.com", "Bob").await;
    let (carol, carol_auth) = server.register("carol@example.com", "Carol").await;
    for (client, email) in [(&bob, "bob@example.com"), (&carol, "carol@example.com")] {
        server.join(&alice, &org, client, email, "member").await;
    }
    let alice_id = id(alice.get("/auth/me", None).await.assert_status(200).data());
    let project = alice
        .post("/projects", Some(json!({ "name": "Website" })))
        .await;
    let project = id(project.assert_status(201).data());
    Team {
        alice,
        bob,
        carol,
        alice_id,
        bob_id: id(&bob_auth["user"]),
        carol_id: id(&carol_auth["user"]),
        org,
        project,
    }
}

/// The caller's notifications in `org` (`query`, like `&unread=true`, is appended).
async fn notifications(client: &Client, org: &str, query: &str) -> Vec<Value> {
    let r = client
        .get(&format!("/notifications?org_id={org}{query}"), None)
        .await;
    r.assert_status(200);
    assert!(r.body["pagination"]["total"].is_number(), "{}", r.body);
    r.data()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", r.body))
        .clone()
}

/// Waits until the server log shows a mail to `to` with `subject` (mail is logged when no SMTP
/// server is configured).
async fn wait_for_mail(server: &Server, to: &str, subject: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log();
        if log
            .lines()
            .any(|l| l.contains(&format!("to={to}")) && l.contains(subject))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no mail {subject:?} to {to} in the server log:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn create_task(t: &Team, title: &str, assignees: &[&str]) -> String {
    let r = t
        .alice
        .post(
            "/tasks",
            Some(json!({ "title": title, "project_id": t.project, "assignee_ids": assignees })),
        )
        .await;
    id(r.assert_status(201).data())
}

both! {
    /// Assigning bob notifies bob (not alice, who assigned); re-saving the same assignees notifies
    /// nobody again; adding carol later notifies only carol.
    async fn assignment_notifies_the_assignee_not_the_actor(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let task = create_task(&t, "Implement login page", &[&t.bob_id, &t.alice_id]).await;

        let bob = notifications(&t.bob, &t.org, "").await;
        assert_eq!(bob.len(), 1, "{bob:?}");
        assert_eq!(bob[0]["type"], "task_assigned");
        assert_eq!(bob[0]["title"], "You were assigned to 'Implement login page'");
        assert_eq!(bob[0]["entity_type"], "task");
        assert_eq!(bob[0]["entity_id"], task.as_str());
        assert_eq!(bob[0]["actor_id"], t.alice_id.as_str());
        assert_eq!(bob[0]["read_at"], Value::Null);
        assert!(bob[0]["id"].as_str().is_some_and(|i| i.starts_with("ntf_")));
        assert!(notifications(&t.alice, &t.org, "").await.is_empty());
        assert!(notifications(&t.carol, &t.org, "").await.is_empty());
        wait_for_mail(&server, "bob@example.com", "You were assigned to 'Implement login page'").await;

        t.alice
            .patch(&format!("/tasks/{task}"), Some(json!({ "assignee_ids": [t.bob_id, t.alice_id] })))
            .await
            .assert_status(200);
        assert_eq!(notifications(&t.bob, &t.org, "").await.len(), 1);
        t.alice
            .patch(&format!("/tasks/{task}"), Some(json!({ "assignee_ids": [t.bob_id, t.carol_id] })))
            .await
            .assert_status(200);
        assert_eq!(notifications(&t.bob, &t.org, "").await.len(), 1);
        let carol = notifications(&t.carol, &t.org, "").await;
        assert_eq!(carol.len(), 1, "{carol:?}");
        assert_eq!(carol[0]["type"], "task_assigned");
        assert!(notifications(&t.alice, &t.org, "").await.is_empty());
    }

    /// `?unread=true` lists only unread ones; `mark-read` with ids marks only the caller's own
    /// (others' and unknown ids are ignored), without ids marks all.
    async fn unread_filter_and_mark_read(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        create_task(&t, "First", &[&t.bob_id]).await;
        create_task(&t, "Second", &[&t.bob_id]).await;
        create_task(&t, "Third", &[&t.bob_id, &t.carol_id]).await;
        let all = notifications(&t.bob, &t.org, "").await;
        assert_eq!(all.len(), 3);
        // Newest first.
        assert_eq!(all[0]["title"], "You were assigned to 'Third'");
        assert_eq!(all[2]["title"], "You were assigned to 'First'");
        let paged = t
            .bob
            .get(&format!("/notifications?org_id={}&per_page=2&page=2", t.org), None)
            .await;
        paged.assert_status(200);
        assert_eq!(paged.body["pagination"]["total"], 3);
        assert_eq!(paged.data().as_array().map(Vec::len), Some(1));
        let carols = id(&notifications(&t.carol, &t.org, "").await[0]);

        let marked = t
            .bob
            .post(
                "/notifications/mark-read",
                Some(json!({ "org_id": t.org, "ids": [id(&all[2]), carols, "ntf_unknown"] })),
            )
            .await;
        marked.assert_status(200);
        assert_eq!(marked.data()["updated"], 1);
        // Carol's is untouched.
        assert_eq!(notifications(&t.carol, &t.org, "&unread=true").await.len(), 1);

        let unread = notifications(&t.bob, &t.org, "&unread=true").await;
        assert_eq!(unread.len(), 2);
        assert!(unread.iter().all(|n| n["read_at"].is_null()));
        assert_eq!(notifications(&t.bob, &t.org, "&unread=false").await.len(), 3);
        let read = notifications(&t.bob, &t.org, "").await;
        assert!(read[2]["read_at"].is_string(), "{:?}", read[2]);

        // Marking it again changes nothing.
        let again = t
            .bob
            .post(
                "/notifications/mark-read",
                Some(json!({ "org_id": t.org, "ids": [id(&all[2])] })),
            )
            .await;
        assert_eq!(again.assert_status(200).data()["updated"], 0);

        let rest = t
            .bob
            .post("/notifications/mark-read", Some(json!({ "org_id": t.org })))
            .await;
        assert_eq!(rest.assert_status(200).data()["updated"], 2);
        assert!(notifications(&t.bob, &t.org, "&unread=true").await.is_empty());
        assert_eq!(notifications(&t.bob, &t.org, "").await.len(), 3);
        assert_eq!(notifications(&t.carol, &t.org, "&unread=true").await.len(), 1);
    }

    /// A status change notifies the reporter and the assignees, with the status label, but not
    /// the member who changed it; so does `tasks.update` with a new status.
    async fn status_change_notifies_reporter_and_assignees(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        // Alice reports (by default), bob and carol are assigned.
        let task = create_task(&t, "Login page", &[&t.bob_id, &t.carol_id]).await;
        t.bob
            .post(&format!("/tasks/{task}/status"), Some(json!({ "status": "done" })))
            .await
            .assert_status(200);
        for client in [&t.alice, &t.carol] {
            let list = notifications(client, &t.org, "").await;
            let changed: Vec<&Value> = list.iter().filter(|n| n["type"] == "status_changed").collect();
            assert_eq!(changed.len(), 1, "{list:?}");
            assert_eq!(changed[0]["title"], "'Login page' moved to Done");
            assert_eq!(changed[0]["entity_id"], task.as_str());
            assert_eq!(changed[0]["actor_id"], t.bob_id.as_str());
        }
        let bobs = notifications(&t.bob, &t.org, "").await;
        assert!(bobs.iter().all(|n| n["type"] != "status_changed"), "{bobs:?}");
        // Each recipient is also e-mailed (logged, as no SMTP server is configured).
        for email in ["alice@example.com", "carol@example.com"] {
            wait_for_mail(&server, email, "'Login page' moved to Done").await;
        }

        // The same status again is no change: nobody is notified.
        t.bob
            .post(&format!("/tasks/{task}/status"), Some(json!({ "status": "done" })))
            .await
            .assert_status(200);
        assert_eq!(notifications(&t.alice, &t.org, "").await.len(), 1);

        // `tasks.update` with a new status notifies too.
        t.alice
            .patch(&format!("/tasks/{task}"), Some(json!({ "status": "review" })))
            .await
            .assert_status(200);
        let bobs = notifications(&t.bob, &t.org, "").await;
        assert_eq!(bobs[0]["type"], "status_changed", "{bobs:?}");
        assert_eq!(bobs[0]["title"], "'Login page' moved to In review");
        assert_eq!(notifications(&t.alice, &t.org, "").await.len(), 1, "the actor is not notified");
    }

    /// `@bob@example.com` (any case) and `@usr_…` in a comment notify that member once; an address
    /// of someone outside the organization notifies nobody.
    async fn comment_mentions_notify_members(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let (outsider, _) = server.register("dave@example.com", "Dave").await;
        let task = create_task(&t, "Launch", &[]).await;
        let body = format!(
            "@Bob@Example.com please check, and @{}. Also @dave@example.com and @alice@example.com. Again @bob@example.com",
            t.carol_id
        );
        t.alice
            .post(&format!("/tasks/{task}/comments"), Some(json!({ "body": body })))
            .await
            .assert_status(201);
        for client in [&t.bob, &t.carol] {
            let list = notifications(client, &t.org, "").await;
            assert_eq!(list.len(), 1, "{list:?}");
            assert_eq!(list[0]["type"], "mention");
            assert_eq!(list[0]["title"], "Alice mentioned you on 'Launch'");
            assert_eq!(list[0]["entity_type"], "task");
            assert_eq!(list[0]["entity_id"], task.as_str());
        }
        assert!(notifications(&t.alice, &t.org, "").await.is_empty(), "no self-mention");
        // Dave has no organization: the list is refused, and nothing was created for him anyway.
        let r = outsider.get(&format!("/notifications?org_id={}", t.org), None).await;
        r.assert_error(404, "NOT_FOUND");
    }

    /// In a private channel, mentioning a member of the organization who is not in the channel
    /// notifies nobody; mentioning a channel member does.
    async fn chat_mentions_respect_channel_membership(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let channel = t
            .alice
            .post(
                "/chat/channels",
                Some(json!({ "name": "secret", "kind": "private", "member_ids": [t.bob_id] })),
            )
            .await;
        let channel = id(channel.assert_status(201).data());
        let message = t
            .alice
            .post(
                &format!("/chat/channels/{channel}/messages"),
                Some(json!({ "content": "hi @carol@example.com and @bob@example.com" })),
            )
            .await;
        let message = id(message.assert_status(201).data());
        assert!(notifications(&t.carol, &t.org, "").await.is_empty());
        let bob = notifications(&t.bob, &t.org, "").await;
        assert_eq!(bob.len(), 1, "{bob:?}");
        assert_eq!(bob[0]["type"], "mention");
        assert_eq!(bob[0]["title"], "Alice mentioned you in #secret");
        assert_eq!(bob[0]["entity_type"], "chat_message");
        assert_eq!(bob[0]["entity_id"], message.as_str());
    }

    /// A user of another organization never sees Acme's notifications: her own list is empty,
    /// naming Acme is 404, and she cannot mark Acme's notifications read.
    async fn other_organizations_never_see_them(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let (mallory, other_org) = server
            .register_with_org("mallory@example.com", "Mallory", "Other")
            .await;
        create_task(&t, "Secret", &[&t.bob_id]).await;
        let bobs = notifications(&t.bob, &t.org, "").await;
        assert_eq!(bobs.len(), 1);

        // Her current organization is her own.
        let own = mallory.get("/notifications", None).await;
        assert_eq!(own.assert_status(200).data(), &json!([]));
        assert!(notifications(&mallory, &other_org, "").await.is_empty());
        mallory
            .get(&format!("/notifications?org_id={}", t.org), None)
            .await
            .assert_error(404, "NOT_FOUND");
        mallory
            .post("/notifications/mark-read", Some(json!({ "org_id": t.org })))
            .await
            .assert_error(404, "NOT_FOUND");
        let marked = mallory
            .post("/notifications/mark-read", Some(json!({ "ids": [id(&bobs[0])] })))
            .await;
        assert_eq!(marked.assert_status(200).data()["updated"], 0);
        // Bob, a member of Acme only, is refused Mallory's organization.
        t.bob
            .get(&format!("/notifications?org_id={other_org}"), None)
            .await
            .assert_error(404, "NOT_FOUND");
        assert_eq!(notifications(&t.bob, &t.org, "&unread=true").await.len(), 1);
    }
}
