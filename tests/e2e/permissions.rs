//! Roles, permission overrides and membership rules inside one organization:
//!
//! * a member whose `manage_tasks` is revoked cannot add checklist items but can still tick them;
//! * a viewer reads and comments but creates neither tasks nor projects;
//! * comments are deleted by their author or by someone with `manage_tasks`;
//! * the audit log is for `manage_org` holders, with its filters;
//! * the last owner can neither leave nor be demoted, admins cannot make owners, members can leave,
//!   and invitations to addresses without an account turn into memberships at registration;
//! * a personal access token bound to one organization sees nothing of another one its user
//!   belongs to.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Resp, Server, created_id};

/// Organization A: alice (owner), bob (member), carol (viewer), dave (admin), a project, a task
/// with one checklist item and one comment of alice's.
struct Team {
    alice: Client,
    bob: Client,
    carol: Client,
    dave: Client,
    org_id: String,
    alice_id: String,
    bob_id: String,
    carol_id: String,
    project_id: String,
    task_id: String,
    item_id: String,
    comment_id: String,
}

/// Registers a user and returns the client and the user id.
async fn user(server: &Server, email: &str, name: &str) -> (Client, String) {
    server.register_user(email, name).await
}

/// `POST /organizations/{org_id}/members {email, role}` as `by`, asserting 201.
async fn invite(by: &Client, org_id: &str, email: &str, role: &str) -> Resp {
    let resp = by
        .post(
            &format!("/organizations/{org_id}/members"),
            Some(json!({ "email": email, "role": role })),
        )
        .await;
    resp.assert_status(201);
    resp
}

/// Builds [`Team`].
async fn team(server: &Server) -> Team {
    let (alice, alice_id) = user(server, "alice@example.com", "Alice").await;
    let org_id = created_id(
        &alice
            .post("/organizations", Some(json!({ "name": "Org A" })))
            .await,
    );
    let (bob, bob_id) = user(server, "bob@example.com", "Bob").await;
    let (carol, carol_id) = user(server, "carol@example.com", "Carol").await;
    let (dave, _) = user(server, "dave@example.com", "Dave").await;
    for (client, email, role) in [
        (&bob, "bob@example.com", "member"),
        (&carol, "carol@example.com", "viewer"),
        (&dave, "dave@example.com", "admin"),
    ] {
        let member = server.join(&alice, &org_id, client, email, role).await;
        assert_eq!(member["role"], role, "{member}");
    }
    let project_id = created_id(
        &alice
            .post(
                "/projects",
                Some(json!({ "org_id": org_id, "name": "Apollo" })),
            )
            .await,
    );
    let task_id = created_id(
        &alice
            .post(
                "/tasks",
                Some(json!({ "project_id": project_id, "title": "Launch" })),
            )
            .await,
    );
    let item_id = created_id(
        &alice
            .post(
                &format!("/tasks/{task_id}/checklist"),
                Some(json!({ "title": "Fuel" })),
            )
            .await,
    );
    let comment_id = created_id(
        &alice
            .post(
                &format!("/tasks/{task_id}/comments"),
                Some(json!({ "body": "Alice's note" })),
            )
            .await,
    );
    Team {
        alice,
        bob,
        carol,
        dave,
        org_id,
        alice_id,
        bob_id,
        carol_id,
        project_id,
        task_id,
        item_id,
        comment_id,
    }
}

impl Team {
    /// `PATCH /organizations/{org}/members/{user_id}` as alice with a `permissions` map.
    async fn set_overrides(&self, user_id: &str, permissions: Value) -> Resp {
        let resp = self
            .alice
            .patch(
                &format!("/organizations/{}/members/{user_id}", self.org_id),
                Some(json!({ "permissions": permissions })),
            )
            .await;
        resp.assert_status(200);
        resp
    }

    /// The task's checklist, as alice reads it.
    async fn checklist(&self) -> Vec<Value> {
        let resp = self
            .alice
            .get(&format!("/tasks/{}/checklist", self.task_id), None)
            .await;
        resp.assert_status(200);
        resp.data()
            .as_array()
            .expect("the checklist is a list")
            .clone()
    }

    /// The task's comments, as alice reads them.
    async fn comments(&self) -> Vec<Value> {
        let resp = self
            .alice
            .get(&format!("/tasks/{}/comments", self.task_id), None)
            .await;
        resp.assert_status(200);
        resp.data().as_array().expect("comments are a list").clone()
    }

    /// `pagination.total` of a list alice reads.
    async fn total(&self, path: &str) -> i64 {
        let resp = self.alice.get(path, None).await;
        resp.assert_status(200);
        resp.body["pagination"]["total"]
            .as_i64()
            .unwrap_or_else(|| panic!("{path}: no pagination.total in {}", resp.body))
    }

    /// The members of the organization by user id, with their roles, as alice reads them.
    async fn roles(&self) -> Vec<(String, String)> {
        let resp = self
            .alice
            .get(&format!("/organizations/{}/members", self.org_id), None)
            .await;
        resp.assert_status(200);
        let mut roles: Vec<(String, String)> = resp
            .data()
            .as_array()
            .expect("members are a list")
            .iter()
            .map(|m| {
                (
                    m["user_id"].as_str().unwrap_or_default().to_owned(),
                    m["role"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        roles.sort();
        roles
    }

    /// `POST /tasks/{task}/comments` as `who`, returning the comment id.
    async fn comment(&self, who: &Client, body: &str) -> String {
        created_id(
            &who.post(
                &format!("/tasks/{}/comments", self.task_id),
                Some(json!({ "body": body })),
            )
            .await,
        )
    }

    /// `DELETE /tasks/{task}/comments/{id}` as `who`.
    async fn delete_comment(&self, who: &Client, id: &str) -> Resp {
        who.delete(&format!("/tasks/{}/comments/{id}", self.task_id), None)
            .await
    }
}

both! {
    /// A member whose manage_tasks is revoked cannot add checklist items (403) but can still tick
    /// one off; removing the override restores the role's default.
    async fn revoked_manage_tasks_still_ticks_checklist(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let checklist_path = format!("/tasks/{}/checklist", t.task_id);

        // As a plain member bob may add items.
        t.bob
            .post(&checklist_path, Some(json!({ "title": "Oxygen" })))
            .await
            .assert_status(201);

        let member = t.set_overrides(&t.bob_id, json!({ "manage_tasks": false })).await;
        assert_eq!(member.data()["permission_overrides"], json!({ "manage_tasks": false }), "{}", member.body);
        let perms = member.data()["permissions"].as_array().expect("effective permissions").clone();
        assert!(!perms.contains(&json!("manage_tasks")), "{}", member.body);
        assert!(perms.contains(&json!("track_time")), "{}", member.body);

        let before = t.checklist().await;
        assert_eq!(before.len(), 2);
        t.bob
            .post(&checklist_path, Some(json!({ "title": "Snacks" })))
            .await
            .assert_error(403, "FORBIDDEN");
        t.bob
            .post("/tasks", Some(json!({ "project_id": t.project_id, "title": "Bob's" })))
            .await
            .assert_error(403, "FORBIDDEN");
        t.bob
            .patch(&format!("/tasks/{}", t.task_id), Some(json!({ "title": "Renamed" })))
            .await
            .assert_error(403, "FORBIDDEN");
        t.bob
            .delete(&format!("/checklist-items/{}", t.item_id), None)
            .await
            .assert_error(403, "FORBIDDEN");
        assert_eq!(t.checklist().await, before);
        let task = t.alice.get(&format!("/tasks/{}", t.task_id), None).await;
        assert_eq!(task.data()["title"], "Launch", "{}", task.body);

        // Ticking is open to every member.
        let toggled = t.bob.post(&format!("/checklist-items/{}/toggle", t.item_id), None).await;
        toggled.assert_status(200);
        assert_eq!(toggled.data()["completed"], true, "{}", toggled.body);
        assert_eq!(toggled.data()["completed_by"], t.bob_id.as_str(), "{}", toggled.body);
        let item = t.checklist().await.into_iter().find(|i| i["id"] == t.item_id.as_str());
        assert_eq!(item.expect("the item is still there")["completed"], true);
        let untoggled = t.bob.post(&format!("/checklist-items/{}/toggle", t.item_id), None).await;
        untoggled.assert_status(200);
        assert_eq!(untoggled.data()["completed"], false, "{}", untoggled.body);

        // `null` removes the override: the member role grants manage_tasks again.
        let member = t.set_overrides(&t.bob_id, json!({ "manage_tasks": null })).await;
        assert_eq!(member.data()["permission_overrides"], json!({}), "{}", member.body);
        t.bob
            .post(&checklist_path, Some(json!({ "title": "Snacks" })))
            .await
            .assert_status(201);
        assert_eq!(t.checklist().await.len(), 3);
    }

    /// A viewer cannot create tasks, projects, checklist items or labels, but can list tasks,
    /// read one, comment and tick checklist items.
    async fn viewer_reads_and_comments_only(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let c = &t.carol;
        let org = &t.org_id;
        c.post("/tasks", Some(json!({ "project_id": t.project_id, "title": "Carol's" })))
            .await
            .assert_error(403, "FORBIDDEN");
        c.post("/projects", Some(json!({ "org_id": org, "name": "Carol's" })))
            .await
            .assert_error(403, "FORBIDDEN");
        c.post(&format!("/tasks/{}/checklist", t.task_id), Some(json!({ "title": "x" })))
            .await
            .assert_error(403, "FORBIDDEN");
        c.post("/labels", Some(json!({ "org_id": org, "name": "x", "color": "#000000" })))
            .await
            .assert_error(403, "FORBIDDEN");
        c.patch(&format!("/tasks/{}", t.task_id), Some(json!({ "title": "Renamed" })))
            .await
            .assert_error(403, "FORBIDDEN");
        assert_eq!(t.total(&format!("/tasks?org_id={org}")).await, 1);
        assert_eq!(t.total(&format!("/projects?org_id={org}")).await, 1);

        let list = c.get(&format!("/tasks?org_id={org}"), None).await;
        list.assert_status(200);
        assert_eq!(list.body["pagination"]["total"], 1, "{}", list.body);
        assert_eq!(list.data()[0]["id"], t.task_id.as_str(), "{}", list.body);
        c.get(&format!("/tasks/{}", t.task_id), None).await.assert_status(200);
        c.get(&format!("/projects/{}", t.project_id), None).await.assert_status(200);

        let comment = c
            .post(&format!("/tasks/{}/comments", t.task_id), Some(json!({ "body": "Looks good" })))
            .await;
        comment.assert_status(201);
        assert_eq!(comment.data()["user_id"], t.carol_id.as_str(), "{}", comment.body);
        assert_eq!(t.comments().await.len(), 2);
        c.post(&format!("/checklist-items/{}/toggle", t.item_id), None)
            .await
            .assert_status(200);
    }

    /// Authors delete their own comments (204) with or without manage_tasks; deleting someone
    /// else's needs manage_tasks (403 otherwise).
    async fn comment_deletion_rules(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let own = t.comment(&t.bob, "Bob's first").await;
        t.delete_comment(&t.bob, &own).await.assert_status(204);
        assert_eq!(t.comments().await.len(), 1);

        t.set_overrides(&t.bob_id, json!({ "manage_tasks": false })).await;
        t.delete_comment(&t.bob, &t.comment_id).await.assert_error(403, "FORBIDDEN");
        t.delete_comment(&t.carol, &t.comment_id).await.assert_error(403, "FORBIDDEN");
        let comments = t.comments().await;
        assert_eq!(comments.len(), 1);
        assert_eq!(comments[0]["id"], t.comment_id.as_str());
        assert_eq!(comments[0]["body"], "Alice's note");

        let own = t.comment(&t.bob, "Bob's second").await;
        t.delete_comment(&t.bob, &own).await.assert_status(204);
        let carols = t.comment(&t.carol, "Carol's").await;
        t.delete_comment(&t.bob, &carols).await.assert_error(403, "FORBIDDEN");
        // The comment must be addressed under its own task.
        let other_task = created_id(
            &t.alice
                .post("/tasks", Some(json!({ "project_id": t.project_id, "title": "Other" })))
                .await,
        );
        t.alice
            .delete(&format!("/tasks/{other_task}/comments/{carols}"), None)
            .await
            .assert_error(404, "NOT_FOUND");
        // With manage_tasks, anyone's.
        t.delete_comment(&t.alice, &carols).await.assert_status(204);
        let comments = t.comments().await;
        assert_eq!(comments.len(), 1, "{comments:?}");
        assert_eq!(comments[0]["id"], t.comment_id.as_str());
    }

    /// The audit log is readable with manage_org only (owner, admin) and filters by entity type,
    /// action and user.
    async fn audit_log_for_admins_only(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let org = &t.org_id;
        let bobs_task = created_id(
            &t.bob
                .post("/tasks", Some(json!({ "project_id": t.project_id, "title": "Bob's" })))
                .await,
        );
        t.bob.get(&format!("/audit?org_id={org}"), None).await.assert_error(403, "FORBIDDEN");
        t.carol.get(&format!("/audit?org_id={org}"), None).await.assert_error(403, "FORBIDDEN");
        t.dave.get(&format!("/audit?org_id={org}"), None).await.assert_status(200);

        let all = t.alice.get(&format!("/audit?org_id={org}"), None).await;
        all.assert_status(200);
        let entries = all.data().as_array().expect("audit entries are a list");
        assert!(entries.iter().any(|e| e["action"] == "task.created"), "{}", all.body);
        assert!(all.body["pagination"]["total"].as_i64().is_some_and(|n| n >= 5), "{}", all.body);

        let filtered = |query: String| {
            let alice = t.alice.clone();
            async move {
                let resp = alice.get(&format!("/audit?org_id={org}&{query}"), None).await;
                resp.assert_status(200);
                resp.data().as_array().expect("audit entries are a list").clone()
            }
        };
        let tasks = filtered("entity_type=task".into()).await;
        assert_eq!(tasks.len(), 2, "{tasks:?}");
        assert!(tasks.iter().all(|e| e["entity_type"] == "task"), "{tasks:?}");

        let created = filtered("action=task.created".into()).await;
        assert_eq!(created.len(), 2, "{created:?}");
        assert!(created.iter().all(|e| e["action"] == "task.created"), "{created:?}");
        let mut ids: Vec<&str> = created.iter().filter_map(|e| e["entity_id"].as_str()).collect();
        ids.sort();
        let mut expected = vec![t.task_id.as_str(), bobs_task.as_str()];
        expected.sort();
        assert_eq!(ids, expected);

        let by_bob = filtered(format!("user_id={}", t.bob_id)).await;
        assert!(!by_bob.is_empty());
        assert!(by_bob.iter().all(|e| e["user_id"] == t.bob_id.as_str()), "{by_bob:?}");
        assert!(
            by_bob.iter().any(|e| e["action"] == "task.created" && e["entity_id"] == bobs_task.as_str()),
            "{by_bob:?}"
        );
        let by_alice = filtered(format!("user_id={}&action=task.created", t.alice_id)).await;
        assert_eq!(by_alice.len(), 1, "{by_alice:?}");
        assert_eq!(by_alice[0]["entity_id"], t.task_id.as_str());

        let prefix = filtered("action=comment.".into()).await;
        assert!(!prefix.is_empty());
        assert!(prefix.iter().all(|e| e["action"].as_str().is_some_and(|a| a.starts_with("comment."))), "{prefix:?}");
        assert!(filtered("entity_type=no_such_thing".into()).await.is_empty());
    }

    /// The last owner can neither leave nor be demoted (409); an admin cannot make owners or
    /// touch the owner (403); a member can leave (204) and then sees nothing of the organization;
    /// an invitation to an address without an account becomes a membership at registration.
    async fn membership_rules(backend: Backend) {
        let server = Server::start(backend).await;
        let t = team(&server).await;
        let org = &t.org_id;
        let member_path = |user_id: &str| format!("/organizations/{org}/members/{user_id}");
        let roles = t.roles().await;

        t.alice.delete(&member_path(&t.alice_id), None).await.assert_error(409, "CONFLICT");
        t.alice
            .patch(&member_path(&t.alice_id), Some(json!({ "role": "admin" })))
            .await
            .assert_error(409, "CONFLICT");
        assert_eq!(t.roles().await, roles);

        t.dave
            .patch(&member_path(&t.bob_id), Some(json!({ "role": "owner" })))
            .await
            .assert_error(403, "FORBIDDEN");
        t.dave
            .post(
                &format!("/organizations/{org}/members"),
                Some(json!({ "email": "newowner@example.com", "role": "owner" })),
            )
            .await
            .assert_error(403, "FORBIDDEN");
        t.dave
            .patch(&member_path(&t.alice_id), Some(json!({ "role": "member" })))
            .await
            .assert_error(403, "FORBIDDEN");
        t.dave.delete(&member_path(&t.alice_id), None).await.assert_error(403, "FORBIDDEN");
        t.carol.delete(&member_path(&t.bob_id), None).await.assert_error(403, "FORBIDDEN");
        t.alice
            .post(
                &format!("/organizations/{org}/members"),
                Some(json!({ "email": "carol@example.com", "role": "member" })),
            )
            .await
            .assert_error(409, "CONFLICT");
        assert_eq!(t.roles().await, roles);

        // Bob leaves and no longer sees anything of the organization.
        t.bob.delete(&member_path(&t.bob_id), None).await.assert_status(204);
        t.bob.get(&format!("/organizations/{org}"), None).await.assert_error(404, "NOT_FOUND");
        t.bob.get(&format!("/tasks?org_id={org}"), None).await.assert_error(404, "NOT_FOUND");
        t.bob.get(&format!("/tasks/{}", t.task_id), None).await.assert_error(404, "NOT_FOUND");
        let orgs = t.bob.get("/organizations", None).await;
        orgs.assert_status(200);
        assert_eq!(orgs.data(), &json!([]), "{}", orgs.body);
        assert!(t.roles().await.iter().all(|(id, _)| id != &t.bob_id));

        // Erin is invited before she has an account and is a member once she registers with
        // the mailed link (which also proves her address).
        let invited = invite(&t.alice, org, "Erin@Example.com", "member").await;
        assert_eq!(invited.data()["status"], "invited", "{}", invited.body);
        assert_eq!(invited.data()["invitation"]["email"], "erin@example.com", "{}", invited.body);
        let token = server.mailed_token("erin@example.com", "accept-invitation?token=").await;
        let registered = server
            .client()
            .post(
                "/auth/register",
                Some(json!({ "email": "erin@example.com", "password": crate::harness::PASSWORD, "name": "Erin", "invitation_token": token })),
            )
            .await;
        registered.assert_status(201);
        let erin = server.client().with_token(registered.body["access_token"].as_str().expect("access_token"));
        let erin_id = registered.body["user"]["id"].as_str().expect("user.id").to_owned();
        let me = erin.get("/auth/me", None).await;
        assert!(me.data()["email_verified_at"].is_string(), "the link proves the address: {}", me.body);
        let orgs = erin.get("/organizations", None).await;
        orgs.assert_status(200);
        let listed = orgs
            .data()
            .as_array()
            .expect("organizations are a list")
            .iter()
            .find(|o| o["id"] == org.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("erin is not in org A: {}", orgs.body));
        assert_eq!(listed["role"], "member", "{}", orgs.body);
        let me = erin.get("/auth/me", None).await;
        assert_eq!(me.data()["current_org_id"], org.as_str(), "{}", me.body);
        erin.get(&format!("/tasks/{}", t.task_id), None).await.assert_status(200);
        assert!(t.roles().await.contains(&(erin_id, "member".to_owned())));
    }

    /// A personal access token bound to organization A sees nothing of organization B, although
    /// its user owns B; with the user's access token B is reachable and unchanged.
    async fn token_bound_to_one_org(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org_a) = server.register_with_org("alice@example.com", "Alice", "Org A").await;
        let (frank, org_b) = server.register_with_org("frank@example.com", "Frank", "Org B").await;
        server.join(&alice, &org_a, &frank, "frank@example.com", "member").await;
        let project_a = created_id(
            &alice.post("/projects", Some(json!({ "org_id": org_a, "name": "Apollo" }))).await,
        );
        let task_a = created_id(
            &alice.post("/tasks", Some(json!({ "project_id": project_a, "title": "In A" }))).await,
        );
        let project_b = created_id(
            &frank.post("/projects", Some(json!({ "org_id": org_b, "name": "Gemini" }))).await,
        );
        let task_b = created_id(
            &frank.post("/tasks", Some(json!({ "project_id": project_b, "title": "In B" }))).await,
        );
        let label_b = created_id(
            &frank
                .post("/labels", Some(json!({ "org_id": org_b, "name": "b", "color": "#123456" })))
                .await,
        );
        let token = frank.post("/auth/tokens", Some(json!({ "name": "cli", "org_id": org_a }))).await;
        token.assert_status(201);
        assert_eq!(token.data()["org_id"], org_a.as_str(), "{}", token.body);
        let pat = server
            .client()
            .with_token(token.data()["token"].as_str().expect("the token's secret"));

        let denied: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", format!("/organizations/{org_b}"), None),
            ("GET", format!("/organizations/{org_b}/members"), None),
            ("GET", format!("/projects?org_id={org_b}"), None),
            ("GET", format!("/projects/{project_b}"), None),
            ("PATCH", format!("/projects/{project_b}"), Some(json!({ "name": "Taken" }))),
            ("GET", format!("/tasks?org_id={org_b}"), None),
            ("GET", format!("/tasks/{task_b}"), None),
            ("PATCH", format!("/tasks/{task_b}"), Some(json!({ "title": "Taken" }))),
            ("DELETE", format!("/tasks/{task_b}"), None),
            ("POST", "/tasks".to_owned(), Some(json!({ "project_id": project_b, "title": "Via token" }))),
            ("POST", format!("/tasks/{task_b}/comments"), Some(json!({ "body": "Via token" }))),
            ("GET", format!("/labels?org_id={org_b}"), None),
            ("DELETE", format!("/labels/{label_b}"), None),
            ("GET", format!("/dashboard/summary?org_id={org_b}"), None),
            ("GET", format!("/audit?org_id={org_b}"), None),
            ("PATCH", "/auth/me".to_owned(), Some(json!({ "current_org_id": org_b }))),
        ];
        for (method, path, body) in denied {
            pat.json(method, &path, body).await.assert_error(404, "NOT_FOUND");
        }

        // The token works in A, which is also its default organization.
        pat.get(&format!("/projects/{project_a}"), None).await.assert_status(200);
        let tasks = pat.get("/tasks", None).await;
        tasks.assert_status(200);
        assert_eq!(tasks.body["pagination"]["total"], 1, "{}", tasks.body);
        assert_eq!(tasks.data()[0]["id"], task_a.as_str(), "{}", tasks.body);
        let orgs = pat.get("/organizations", None).await;
        orgs.assert_status(200);
        let ids: Vec<&str> = orgs
            .data()
            .as_array()
            .expect("organizations are a list")
            .iter()
            .filter_map(|o| o["id"].as_str())
            .collect();
        assert_eq!(ids, vec![org_a.as_str()], "{}", orgs.body);

        // B is untouched, as frank's access token shows.
        let task = frank.get(&format!("/tasks/{task_b}"), None).await;
        task.assert_status(200);
        assert_eq!(task.data()["title"], "In B", "{}", task.body);
        let comments = frank.get(&format!("/tasks/{task_b}/comments"), None).await;
        assert_eq!(comments.data(), &json!([]), "{}", comments.body);
        let project = frank.get(&format!("/projects/{project_b}"), None).await;
        assert_eq!(project.data()["name"], "Gemini", "{}", project.body);
        let tasks = frank.get(&format!("/tasks?org_id={org_b}"), None).await;
        assert_eq!(tasks.body["pagination"]["total"], 1, "{}", tasks.body);
        let labels = frank.get(&format!("/labels?org_id={org_b}"), None).await;
        assert_eq!(labels.data().as_array().map(Vec::len), Some(1), "{}", labels.body);
    }
}
