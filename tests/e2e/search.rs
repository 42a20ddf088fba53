//! Full-text search (`GET /search?q=&type=&limit=`): matching by word and prefix, ranking, the
//! type filter and the limit, tenant isolation, an index that follows every change in the same
//! transaction, and queries that try to break the query language.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, created_id};

/// Percent-encodes a query-string value (everything but unreserved characters).
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `data.id` of a created resource (asserting 201).
async fn create(c: &Client, path: &str, body: Value) -> String {
    created_id(&c.post(path, Some(body)).await)
}

/// `GET /search?q=…&extra`, asserting 200; the list of hits.
async fn search(c: &Client, q: &str, extra: &str) -> Vec<Value> {
    let r = c.get(&format!("/search?q={}{extra}", enc(q)), None).await;
    r.assert_status(200);
    r.data()
        .as_array()
        .unwrap_or_else(|| panic!("search {q:?} did not answer a list: {}", r.body))
        .clone()
}

/// The ids of a list of hits, in order.
fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["id"].as_str().expect("a hit has an id").to_owned())
        .collect()
}

/// An organization with one project, two tasks and a comment, all about logging in.
struct OrgA {
    project: String,
    login_task: String,
    reset_task: String,
    comment: String,
}

async fn seed_a(alice: &Client) -> OrgA {
    let project = create(
        alice,
        "/projects",
        json!({ "name": "Website", "description": "The customer portal" }),
    )
    .await;
    let login_task = create(
        alice,
        "/tasks",
        json!({ "project_id": project, "title": "Login page", "description": "Users sign in here" }),
    )
    .await;
    let reset_task = create(
        alice,
        "/tasks",
        json!({ "project_id": project, "title": "Password reset", "description": "A link below the login form" }),
    )
    .await;
    let comment = create(
        alice,
        &format!("/tasks/{reset_task}/comments"),
        json!({ "body": "The login button overlaps the footer" }),
    )
    .await;
    OrgA {
        project,
        login_task,
        reset_task,
        comment,
    }
}

both! {
    /// Words and prefixes match, a title match ranks above a description-only match, results
    /// carry the documented fields, and `type` and `limit` narrow them.
    async fn finds_ranks_filters_and_limits(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let a = seed_a(&alice).await;

        let hits = search(&alice, "login", "").await;
        let found = ids(&hits);
        assert_eq!(found.len(), 3, "{hits:?}");
        assert_eq!(found[0], a.login_task, "the title match comes first: {hits:?}");
        assert!(found.contains(&a.reset_task) && found.contains(&a.comment), "{hits:?}");
        let ranks: Vec<f64> = hits.iter().map(|h| h["rank"].as_f64().expect("rank is a number")).collect();
        assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "ranked best first: {ranks:?}");
        assert!(ranks[0] > ranks[1], "a title match outranks a description match: {hits:?}");

        let top = &hits[0];
        assert_eq!(top["type"], "task");
        assert_eq!(top["title"], "Login page");
        assert_eq!(top["project_id"], a.project.as_str());
        assert!(top.get("task_id").is_none(), "tasks carry no task_id: {top}");
        let snippet = top["snippet"].as_str().expect("snippet is text");
        assert!(snippet.contains("<mark>Login</mark>"), "snippet marks the match: {snippet}");

        let comment = hits.iter().find(|h| h["id"] == a.comment.as_str()).expect("the comment is found");
        assert_eq!(comment["type"], "comment");
        assert_eq!(comment["task_id"], a.reset_task.as_str());
        assert_eq!(comment["title"], "Password reset", "a comment shows its task's title");
        assert_eq!(comment["project_id"], a.project.as_str());
        assert!(comment["snippet"].as_str().is_some_and(|s| s.contains("<mark>login</mark>")), "{comment}");

        // Prefixes, case, several words.
        assert_eq!(ids(&search(&alice, "logi", "").await)[0], a.login_task);
        assert_eq!(ids(&search(&alice, "LOGIN", "").await)[0], a.login_task);
        assert_eq!(ids(&search(&alice, "login pag", "").await), [a.login_task.as_str()]);
        assert_eq!(ids(&search(&alice, "sign in", "").await), [a.login_task.as_str()]);
        assert!(search(&alice, "logout", "").await.is_empty());

        // Projects by name and by description.
        let projects = search(&alice, "portal", "").await;
        assert_eq!(ids(&projects), [a.project.as_str()]);
        assert_eq!(projects[0]["type"], "project");
        assert_eq!(projects[0]["title"], "Website");
        assert_eq!(projects[0]["project_id"], a.project.as_str());
        assert_eq!(ids(&search(&alice, "webs", "").await), [a.project.as_str()]);

        // The type filter.
        assert_eq!(ids(&search(&alice, "login", "&type=comment").await), [a.comment.as_str()]);
        let tasks = ids(&search(&alice, "login", "&type=task").await);
        assert_eq!(tasks, [a.login_task.as_str(), a.reset_task.as_str()]);
        assert!(search(&alice, "login", "&type=project").await.is_empty());
        let bad = alice.get("/search?q=login&type=receipt", None).await;
        bad.assert_status(400);
        assert_eq!(bad.error_code(), "VALIDATION_ERROR");
        assert_eq!(bad.body["error"]["details"]["field"], "type");

        // The limit: applied, default 20, capped at 50, at least 1.
        assert_eq!(ids(&search(&alice, "login", "&limit=1").await), [a.login_task.as_str()]);
        assert_eq!(search(&alice, "login", "&limit=2").await.len(), 2);
        assert_eq!(search(&alice, "login", "&limit=500").await.len(), 3);
        for _ in 0..23 {
            create(&alice, "/tasks", json!({ "project_id": a.project, "title": "Bulk widget" })).await;
        }
        assert_eq!(search(&alice, "widget", "").await.len(), 20);
        assert_eq!(search(&alice, "widget", "&limit=50").await.len(), 23);
        alice.get("/search?q=login&limit=0", None).await.assert_status(400);
        alice.get("/search?q=login&limit=many", None).await.assert_status(400);
    }

    /// A member sees only their own organization's rows, and naming another organization is 404.
    async fn never_shows_another_organization(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org_a) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (mallory, org_b) = server.register_with_org("mallory@example.com", "Mallory", "Evil").await;
        let a = seed_a(&alice).await;
        let b = seed_a(&mallory).await;
        let a_ids = [&a.project, &a.login_task, &a.reset_task, &a.comment];
        let b_ids = [&b.project, &b.login_task, &b.reset_task, &b.comment];

        for q in ["login", "logi", "portal", "website", "password", "footer"] {
            let seen_by_a = ids(&search(&alice, q, "").await);
            let seen_by_b = ids(&search(&mallory, q, "").await);
            assert!(!seen_by_a.is_empty() && !seen_by_b.is_empty(), "{q}: both find their own");
            assert!(seen_by_a.iter().all(|id| a_ids.contains(&id)), "{q}: alice saw {seen_by_a:?}");
            assert!(seen_by_b.iter().all(|id| b_ids.contains(&id)), "{q}: mallory saw {seen_by_b:?}");
        }
        assert_eq!(search(&alice, "login", "").await.len(), 3);

        // Naming the other organization is refused like an unknown one.
        let foreign = mallory.get(&format!("/search?q=login&org_id={org_a}"), None).await;
        foreign.assert_status(404);
        assert_eq!(foreign.error_code(), "NOT_FOUND");
        alice.get(&format!("/search?q=login&org_id={org_b}"), None).await.assert_status(404);
        // Naming one's own works.
        assert_eq!(search(&alice, "login", &format!("&org_id={org_a}")).await.len(), 3);
        // Without a token: 401.
        server.client().get("/search?q=login", None).await.assert_status(401);
    }

    /// Updates and deletes reach the index in the same transaction.
    async fn the_index_follows_every_change(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let project = create(&alice, "/projects", json!({ "name": "Orbit" })).await;
        let task = create(&alice, "/tasks", json!({ "project_id": project, "title": "Alpha rocket" })).await;
        assert_eq!(ids(&search(&alice, "rocket", "").await), [task.as_str()]);

        // A new title is found by its new word and no longer by the old one.
        alice.patch(&format!("/tasks/{task}"), Some(json!({ "title": "Beta spaceship" }))).await.assert_status(200);
        assert_eq!(ids(&search(&alice, "spaceship", "").await), [task.as_str()]);
        assert!(search(&alice, "rocket", "").await.is_empty(), "the old title is gone from the index");
        // So is a new description.
        alice.patch(&format!("/tasks/{task}"), Some(json!({ "description": "Needs more fuel" }))).await.assert_status(200);
        assert_eq!(ids(&search(&alice, "fuel", "").await), [task.as_str()]);
        // And a renamed project.
        alice.patch(&format!("/projects/{project}"), Some(json!({ "name": "Galaxy" }))).await.assert_status(200);
        assert_eq!(ids(&search(&alice, "galaxy", "").await), [project.as_str()]);
        assert!(search(&alice, "orbit", "").await.is_empty());

        // A deleted comment disappears.
        let comment = create(&alice, &format!("/tasks/{task}/comments"), json!({ "body": "Countdown started" })).await;
        assert_eq!(ids(&search(&alice, "countdown", "").await), [comment.as_str()]);
        alice.delete(&format!("/tasks/{task}/comments/{comment}"), None).await.assert_status(204);
        assert!(search(&alice, "countdown", "").await.is_empty());

        // A deleted task disappears, with its comments.
        create(&alice, &format!("/tasks/{task}/comments"), json!({ "body": "Liftoff soon" })).await;
        assert_eq!(search(&alice, "liftoff", "").await.len(), 1);
        alice.delete(&format!("/tasks/{task}"), None).await.assert_status(204);
        assert!(search(&alice, "spaceship", "").await.is_empty());
        assert!(search(&alice, "liftoff", "").await.is_empty(), "the task's comments went with it");

        // Deleting a project removes it and its tasks.
        let other = create(&alice, "/tasks", json!({ "project_id": project, "title": "Telescope mirror" })).await;
        assert_eq!(ids(&search(&alice, "telescope", "").await), [other.as_str()]);
        alice.delete(&format!("/projects/{project}"), None).await.assert_status(204);
        assert!(search(&alice, "telescope", "").await.is_empty());
        assert!(search(&alice, "galaxy", "").await.is_empty());
    }

    /// Query syntax in user input never breaks the query: always 200 with a list, except an empty
    /// or too long `q` (400).
    async fn hostile_queries_never_break_it(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let a = seed_a(&alice).await;
        let long = "a".repeat(200);
        let long_words = "login ".repeat(33) + "lo";
        let hostile = [
            "\"", "\"\"", "*", "**", "AND OR NOT", "NOT", "(", ")", "(login", ":", "title:login", "'",
            "''", "\\", "\\'", "🎉", "🎉🎉 login", "-login", "login -", "login*", "\"login", "login\"",
            "NEAR(login page)", "login & page", "login | page", "!login", "login:*", "<->", "a<->b",
            "^login", "{login}", "[", "%", "_", ";", "'; DROP TABLE tasks; --", "login OR 1=1",
            "café", "東京", long.as_str(), long_words.as_str(),
        ];
        for q in hostile {
            let r = alice.get(&format!("/search?q={}", enc(q)), None).await;
            assert_eq!(r.status, 200, "q={q:?}: {}", r.body);
            assert!(r.data().is_array(), "q={q:?}: {}", r.body);
        }
        // Punctuation only: an empty list.
        for q in ["\"", "*", "(", ":", "'", "\\", "🎉", "<->", "!"] {
            assert!(search(&alice, q, "").await.is_empty(), "q={q:?}");
        }
        // Syntax characters around a word are ignored: the word still matches.
        for q in ["\"login", "login\"", "(login", "login*", "login:*", "!login", "-login", "🎉🎉 login"] {
            let found = ids(&search(&alice, q, "").await);
            assert!(found.contains(&a.login_task), "q={q:?} found {found:?}");
        }
        // Empty, blank, missing and too long queries are malformed.
        for path in ["/search?q=", "/search?q=%20%20%20", "/search"] {
            let r = alice.get(path, None).await;
            r.assert_status(400);
            assert_eq!(r.error_code(), "VALIDATION_ERROR", "{path}: {}", r.body);
        }
        let too_long = alice.get(&format!("/search?q={}", "a".repeat(201)), None).await;
        too_long.assert_status(400);
        assert_eq!(too_long.body["error"]["details"]["field"], "q");
        // The data is untouched.
        alice.get(&format!("/tasks/{}", a.login_task), None).await.assert_status(200);
    }

    /// Chat messages are found by their words, carry their channel, and only in channels the
    /// caller can see: the org-wide channel for every member, a private channel for its members
    /// only, nothing of another organization; deleting a message removes it.
    async fn chat_messages_follow_channel_visibility(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        let (carol, carol_auth) = server.register("carol@example.com", "Carol").await;
        for (client, email) in [(&bob, "bob@example.com"), (&carol, "carol@example.com")] {
            server.join(&alice, &org, client, email, "member").await;
        }
        for c in [&bob, &carol] {
            c.patch("/auth/me", Some(json!({ "current_org_id": org })))
                .await
                .assert_status(200);
        }
        let carol_id = carol_auth["user"]["id"].as_str().expect("user.id").to_owned();
        let (mallory, _) = server.register_with_org("mallory@example.com", "Mallory", "Evil").await;

        let channels = alice.get(&format!("/chat/channels?org_id={org}"), None).await;
        let general = channels.assert_status(200).data().as_array().expect("channels are a list").iter()
            .find(|c| c["kind"] == "org")
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no org channel in {}", channels.body))
            .to_owned();
        let public = create(&alice, &format!("/chat/channels/{general}/messages"), json!({ "content": "Deploying the zeppelin tonight" })).await;

        let hits = search(&bob, "zeppelin", "").await;
        assert_eq!(ids(&hits), [public.as_str()], "{hits:?}");
        let hit = &hits[0];
        assert_eq!(hit["type"], "chat_message");
        assert_eq!(hit["channel_id"], general.as_str());
        assert_eq!(hit["title"], "general", "a message shows its channel's name");
        assert_eq!(hit["project_id"], Value::Null);
        assert!(hit["snippet"].as_str().is_some_and(|s| s.contains("<mark>zeppelin</mark>")), "{hit}");
        assert_eq!(ids(&search(&bob, "zeppel", "&type=chat_message").await), [public.as_str()]);
        assert!(search(&bob, "zeppelin", "&type=task").await.is_empty());
        assert!(search(&bob, "zeppelin", "&type=client").await.is_empty());
        assert!(search(&mallory, "zeppelin", "").await.is_empty(), "another organization sees nothing");

        // A private channel with alice and carol: bob (same organization) does not see it.
        let private = create(&alice, "/chat/channels", json!({ "name": "Secret plans", "kind": "private" })).await;
        alice
            .post(&format!("/chat/channels/{private}/members"), Some(json!({ "user_id": carol_id })))
            .await
            .assert_status(201);
        let secret = create(&alice, &format!("/chat/channels/{private}/messages"), json!({ "content": "The quokka surprise party" })).await;
        for (who, client) in [("alice", &alice), ("carol", &carol)] {
            let hits = search(client, "quokka", "").await;
            assert_eq!(ids(&hits), [secret.as_str()], "{who}: {hits:?}");
            assert_eq!(hits[0]["channel_id"], private.as_str(), "{who}");
            assert_eq!(hits[0]["title"], "Secret plans", "{who}");
            assert_eq!(ids(&search(client, "quokka", "&type=chat_message").await), [secret.as_str()], "{who}");
        }
        for (who, client) in [("bob", &bob), ("mallory", &mallory)] {
            assert!(search(client, "quokka", "").await.is_empty(), "{who} sees a private message");
            assert!(search(client, "quokka", "&type=chat_message").await.is_empty(), "{who}");
        }

        // Deleting a message removes it from the results.
        alice
            .delete(&format!("/chat/channels/{private}/messages/{secret}"), None)
            .await
            .assert_status(204);
        assert!(search(&alice, "quokka", "").await.is_empty());
        assert!(search(&carol, "quokka", "&type=chat_message").await.is_empty());
        alice
            .delete(&format!("/chat/channels/{general}/messages/{public}"), None)
            .await
            .assert_status(204);
        assert!(search(&bob, "zeppelin", "").await.is_empty());
    }

    /// Clients are found by name and by a word of their notes or e-mail, by every member of the
    /// organization and by no one else; `type=client` keeps only them.
    async fn clients_are_searchable(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        bob.patch("/auth/me", Some(json!({ "current_org_id": org })))
            .await
            .assert_status(200);
        let (mallory, _) = server.register_with_org("mallory@example.com", "Mallory", "Evil").await;

        let client = create(
            &alice,
            "/clients",
            json!({ "name": "Globex Corporation", "email": "billing@globex.example", "notes": "Prefers invoices by fax" }),
        )
        .await;
        create(&alice, "/projects", json!({ "name": "Fax migration", "description": "Old machines" })).await;

        for (who, c) in [("alice", &alice), ("bob", &bob)] {
            let hits = search(c, "globex", "").await;
            assert_eq!(ids(&hits), [client.as_str()], "{who}: {hits:?}");
            assert_eq!(hits[0]["type"], "client");
            assert_eq!(hits[0]["title"], "Globex Corporation");
            assert_eq!(hits[0]["project_id"], Value::Null);
            assert!(hits[0].get("channel_id").is_none(), "{}", hits[0]);
        }
        // A word of the notes: the project named "Fax…" matches too, the filter keeps the client.
        let fax = ids(&search(&alice, "fax", "").await);
        assert_eq!(fax.len(), 2, "{fax:?}");
        assert!(fax.contains(&client));
        assert_eq!(ids(&search(&alice, "fax", "&type=client").await), [client.as_str()]);
        assert_eq!(ids(&search(&alice, "prefers", "").await), [client.as_str()]);
        assert!(search(&alice, "globex", "&type=chat_message").await.is_empty());
        assert!(search(&mallory, "globex", "").await.is_empty(), "another organization sees nothing");

        // Edits and deletion follow.
        alice
            .patch(&format!("/clients/{client}"), Some(json!({ "name": "Initech", "notes": null })))
            .await
            .assert_status(200);
        assert!(search(&alice, "globex corporation", "").await.is_empty());
        assert!(search(&alice, "prefers", "").await.is_empty());
        assert_eq!(ids(&search(&alice, "initech", "&type=client").await), [client.as_str()]);
        alice.delete(&format!("/clients/{client}"), None).await.assert_status(204);
        assert!(search(&alice, "initech", "").await.is_empty());
    }
}
