//! The task domain end to end, as an API client would use it: organization, project, groups and
//! statuses, tasks with filters, sorting and pagination, status changes, comments, checklists,
//! dependencies, labels, milestones, the sidebar, the dashboard and the audit trail.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, id};

/// Titles of a list response, in order.
fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("data is a list")
        .iter()
        .map(|t| t["title"].as_str().expect("task has a title").to_owned())
        .collect()
}

async fn create_task(c: &Client, body: Value) -> Value {
    let r = c.post("/tasks", Some(body)).await;
    r.assert_status(201);
    r.data().clone()
}

both! {
    async fn the_whole_task_flow(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        let bob_id = id(bob.get("/auth/me", None).await.assert_status(200).data());
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;

        // Project and groups.
        let project = alice.post("/projects", Some(json!({ "name": "Website", "color": "#6366F1" }))).await;
        project.assert_status(201);
        let project = project.data().clone();
        assert_eq!(project["color"], "#6366f1");
        let pid = id(&project);
        let todo = id(alice.post(&format!("/projects/{pid}/task-groups"), Some(json!({ "name": "To do" }))).await.assert_status(201).data());
        let doing = id(alice.post(&format!("/projects/{pid}/task-groups"), Some(json!({ "name": "Doing" }))).await.assert_status(201).data());
        let groups = alice.get(&format!("/projects/{pid}/task-groups"), None).await;
        assert_eq!(groups.assert_status(200).data().as_array().map(Vec::len), Some(2));
        let reordered = alice.post(&format!("/projects/{pid}/task-groups/reorder"), Some(json!({ "order": [doing, todo] }))).await;
        assert_eq!(reordered.assert_status(200).data()[0]["id"], doing.as_str());
        let collapsed = alice.post(&format!("/projects/{pid}/task-groups/{todo}/toggle-collapsed"), None).await;
        assert_eq!(collapsed.assert_status(200).data()["collapsed"], true);
        let groups = alice.get(&format!("/projects/{pid}/task-groups"), None).await;
        let todo_listed = groups.data().as_array().expect("list").iter().find(|g| g["id"] == todo.as_str()).cloned();
        assert_eq!(todo_listed.expect("todo group listed")["collapsed"], true);

        // Statuses: the defaults plus a custom one.
        let statuses = alice.get("/task-statuses", None).await;
        let codes: Vec<&str> = statuses.assert_status(200).data().as_array().expect("list").iter().filter_map(|s| s["code"].as_str()).collect();
        assert_eq!(codes, ["open", "in_progress", "review", "done"]);
        alice.post("/task-statuses", Some(json!({ "code": "blocked", "label": "Blocked", "color": "#ef4444" }))).await.assert_status(201);

        // Labels and milestones.
        let bug = id(alice.post("/labels", Some(json!({ "name": "bug", "color": "#ef4444" }))).await.assert_status(201).data());
        alice.post("/labels", Some(json!({ "name": "feature", "color": "#22c55e" }))).await.assert_status(201);
        let m2 = alice.post("/milestones", Some(json!({ "project_id": pid, "title": "Launch", "target_date": "2027-03-01", "description": "Go live" }))).await;
        assert_eq!(m2.assert_status(201).data()["color"], "#6366f1");
        let m2 = id(m2.data());
        alice.post("/milestones", Some(json!({ "project_id": pid, "title": "Beta", "target_date": "2027-01-15" }))).await.assert_status(201);
        let ms = alice.get(&format!("/milestones?project_id={pid}"), None).await;
        let ms_titles: Vec<&str> = ms.assert_status(200).data().as_array().expect("list").iter().filter_map(|m| m["title"].as_str()).collect();
        assert_eq!(ms_titles, ["Beta", "Launch"], "milestones come ordered by target date");
        let cleared = alice.patch(&format!("/milestones/{m2}"), Some(json!({ "description": null }))).await;
        assert_eq!(cleared.assert_status(200).data()["description"], Value::Null);
        assert_eq!(cleared.data()["title"], "Launch", "omitted fields stay");

        // Tasks.
        let login = create_task(&alice, json!({
            "title": "Login page", "project_id": pid, "group_id": todo, "priority": "high",
            "assignee_ids": [bob_id], "label_ids": [bug], "start_date": "2026-11-01", "due_date": "2026-12-01",
            "estimate_minutes": 90, "milestone_id": m2,
        })).await;
        assert_eq!(login["status"], "open");
        assert_eq!(login["number"], 1);
        assert_eq!(login["assignee_ids"], json!([bob_id]));
        assert_eq!(login["label_ids"], json!([bug]));
        assert_eq!(login["start_date"], "2026-11-01");
        let login_id = id(&login);
        let signup = id(&create_task(&alice, json!({ "title": "Signup page", "project_id": pid, "group_id": todo, "priority": "low" })).await);
        let bulk = alice.post("/tasks/bulk", Some(json!({ "tasks": [
            { "title": "Reset password", "project_id": pid, "group_id": todo, "priority": "urgent", "due_date": "2026-01-10" },
            { "title": "Deploy", "project_id": pid, "group_id": doing, "start_date": "2026-12-01" },
        ]}))).await;
        assert_eq!(bulk.assert_status(201).data().as_array().map(Vec::len), Some(2));
        let reset = id(&bulk.data()[0]);
        let deploy = id(&bulk.data()[1]);

        // Filters, sorting, pagination.
        let page1 = alice.get(&format!("/tasks?project_id={pid}&per_page=2&page=1&sort=number"), None).await;
        page1.assert_status(200);
        assert_eq!(page1.body["pagination"], json!({ "total": 4, "page": 1, "per_page": 2, "total_pages": 2 }));
        assert_eq!(titles(page1.data()), ["Login page", "Signup page"]);
        let page2 = alice.get(&format!("/tasks?project_id={pid}&per_page=2&page=2&sort=number"), None).await;
        assert_eq!(titles(page2.data()), ["Reset password", "Deploy"]);
        let mine = alice.get(&format!("/tasks?assignee_id={bob_id}"), None).await;
        assert_eq!(titles(mine.data()), ["Login page"]);
        let by_label = alice.get(&format!("/tasks?label_id={bug}"), None).await;
        assert_eq!(titles(by_label.data()), ["Login page"]);
        let by_priority = alice.get("/tasks?sort=priority&order=desc&per_page=2", None).await;
        assert_eq!(titles(by_priority.data()), ["Reset password", "Login page"]);
        let in_group = alice.get(&format!("/tasks?group_id={doing}"), None).await;
        assert_eq!(titles(in_group.data()), ["Deploy"]);
        let searched = alice.get("/tasks?search=PAGE", None).await;
        assert_eq!(searched.body["pagination"]["total"], 2);
        let due = alice.get("/tasks?due_from=2026-11-15&due_to=2026-12-31", None).await;
        assert_eq!(titles(due.data()), ["Login page"]);

        // Reorder within the group: Signup to the top.
        let moved = alice.post(&format!("/tasks/{signup}/reorder"), Some(json!({ "position": 0 }))).await;
        assert_eq!(moved.assert_status(200).data()["position"], 0);
        let order = alice.get(&format!("/tasks?group_id={todo}"), None).await;
        assert_eq!(titles(order.data()), ["Signup page", "Login page", "Reset password"]);
        // Move Deploy into To do, at index 1.
        let moved = alice.post(&format!("/tasks/{deploy}/reorder"), Some(json!({ "position": 1, "group_id": todo }))).await;
        assert_eq!(moved.assert_status(200).data()["group_id"], todo.as_str());
        let order = alice.get(&format!("/tasks?group_id={todo}"), None).await;
        assert_eq!(titles(order.data()), ["Signup page", "Deploy", "Login page", "Reset password"]);

        // Update and status.
        let updated = alice.patch(&format!("/tasks/{login_id}"), Some(json!({ "title": "Login form", "description": "OAuth too", "due_date": null }))).await;
        assert_eq!(updated.assert_status(200).data()["title"], "Login form");
        assert_eq!(updated.data()["due_date"], Value::Null);
        assert_eq!(updated.data()["start_date"], "2026-11-01");
        let done = alice.post(&format!("/tasks/{login_id}/status"), Some(json!({ "status": "done" }))).await;
        assert_eq!(done.assert_status(200).data()["status"], "done");
        assert!(done.data()["completed_at"].is_string(), "a done task records completed_at");
        let fetched = alice.get(&format!("/tasks/{login_id}"), None).await;
        assert_eq!(fetched.assert_status(200).data()["status"], "done");
        let reopened = bob.post(&format!("/tasks/{login_id}/status"), Some(json!({ "status": "in_progress", "org_id": org }))).await;
        assert_eq!(reopened.assert_status(200).data()["completed_at"], Value::Null);

        // Comments.
        let comment = alice.post(&format!("/tasks/{login_id}/comments"), Some(json!({ "body": "Looks good" }))).await;
        let comment_id = id(comment.assert_status(201).data());
        bob.post(&format!("/tasks/{login_id}/comments"), Some(json!({ "body": "Thanks", "org_id": org }))).await.assert_status(201);
        let comments = alice.get(&format!("/tasks/{login_id}/comments"), None).await;
        assert_eq!(comments.assert_status(200).data().as_array().map(Vec::len), Some(2));
        alice.delete(&format!("/tasks/{login_id}/comments/{comment_id}"), None).await.assert_status(204);
        let comments = alice.get(&format!("/tasks/{login_id}/comments"), None).await;
        assert_eq!(comments.data()[0]["body"], "Thanks");

        // Checklist.
        let item = alice.post(&format!("/tasks/{login_id}/checklist"), Some(json!({ "title": "Write tests" }))).await;
        let item_id = id(item.assert_status(201).data());
        assert_eq!(item.data()["completed"], false);
        let toggled = alice.post(&format!("/checklist-items/{item_id}/toggle"), None).await;
        assert_eq!(toggled.assert_status(200).data()["completed"], true);
        let list = alice.get(&format!("/tasks/{login_id}/checklist"), None).await;
        assert_eq!(list.data()[0]["completed"], true);
        alice.delete(&format!("/checklist-items/{item_id}"), None).await.assert_status(204);
        assert_eq!(alice.get(&format!("/tasks/{login_id}/checklist"), None).await.data(), &json!([]));

        // Dependencies: reset is blocked by login; signup blocks reset.
        let dep = alice.post(&format!("/tasks/{reset}/dependencies"), Some(json!({ "depends_on_id": login_id, "dependency_type": "blocked_by" }))).await;
        let dep_id = id(dep.assert_status(201).data());
        assert_eq!(dep.data()["blocker_id"], login_id.as_str());
        alice.post(&format!("/tasks/{signup}/dependencies"), Some(json!({ "depends_on_id": reset, "dependency_type": "blocks" }))).await.assert_status(201);
        let deps = alice.get(&format!("/tasks/{reset}/dependencies"), None).await;
        assert_eq!(deps.assert_status(200).data()["blocked_by"].as_array().map(Vec::len), Some(2));
        assert_eq!(deps.data()["blocks"], json!([]));
        let all = alice.get(&format!("/task-dependencies?org_id={org}"), None).await;
        assert_eq!(all.assert_status(200).data().as_array().map(Vec::len), Some(2));
        let cycle = alice.post(&format!("/tasks/{reset}/dependencies"), Some(json!({ "depends_on_id": signup, "dependency_type": "blocks" }))).await;
        cycle.assert_error(422, "VALIDATION_ERROR");
        alice.delete(&format!("/tasks/{reset}/dependencies/{dep_id}"), None).await.assert_status(204);
        let all = alice.get("/task-dependencies", None).await;
        assert_eq!(all.data().as_array().map(Vec::len), Some(1));

        // Sidebar.
        let toggled = alice.post("/sidebar/toggle-collapsed", Some(json!({ "project_id": pid }))).await;
        assert_eq!(toggled.assert_status(200).data()["collapsed"], true);
        assert_eq!(alice.get("/sidebar/collapsed", None).await.data(), &json!([pid]));
        assert_eq!(bob.get(&format!("/sidebar/collapsed?org_id={org}"), None).await.data(), &json!([]), "collapsed state is per user");

        // Dashboard: 4 tasks, none done now, reset (due 2026-01-10) overdue.
        let summary = alice.get("/dashboard/summary", None).await;
        let s = summary.assert_status(200).data();
        assert_eq!(s["total_tasks"], 4);
        assert_eq!(s["done"], 0);
        assert_eq!(s["overdue"], 1);
        assert_eq!(s["by_priority"]["urgent"], 1);
        let bobs = bob.get(&format!("/dashboard/summary?org_id={org}"), None).await;
        assert_eq!(bobs.assert_status(200).data()["my_open_tasks"], 1);

        // Delete a task; its links go with it.
        alice.delete(&format!("/tasks/{login_id}"), None).await.assert_status(204);
        alice.get(&format!("/tasks/{login_id}"), None).await.assert_error(404, "NOT_FOUND");
        assert_eq!(alice.get("/tasks", None).await.body["pagination"]["total"], 3);

        // The audit trail recorded it all, with changes for updates.
        let audit = alice.get("/audit?action=task.updated&per_page=200", None).await;
        let entries = audit.assert_status(200).data().as_array().expect("list").clone();
        assert!(entries.iter().any(|e| e["details"]["title"] == json!({ "from": "Login page", "to": "Login form" })), "audit lacks the title change: {entries:?}");
        let deleted = alice.get("/audit?action=task.deleted", None).await;
        assert_eq!(deleted.data()[0]["entity_id"], login_id.as_str());
    }

    async fn projects_list_filters_and_updates(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        for (name, status) in [("Alpha site", "active"), ("Beta app", "active"), ("Gamma", "archived")] {
            alice.post("/projects", Some(json!({ "name": name, "status": status, "hourly_rate": 15000 }))).await.assert_status(201);
        }
        let active = alice.get("/projects?status=active", None).await;
        assert_eq!(active.assert_status(200).body["pagination"]["total"], 2);
        let search = alice.get("/projects?search=app", None).await;
        assert_eq!(search.data()[0]["name"], "Beta app");
        let search = alice.get("/projects?search=%25", None).await;
        assert_eq!(search.body["pagination"]["total"], 0, "LIKE wildcards in search are literal");
        let gamma = id(&alice.get("/projects?status=archived", None).await.data()[0]);
        let patched = alice.patch(&format!("/projects/{gamma}"), Some(json!({ "status": "active", "hourly_rate": null }))).await;
        assert_eq!(patched.assert_status(200).data()["hourly_rate"], Value::Null);
        assert_eq!(alice.get("/projects?status=active", None).await.body["pagination"]["total"], 3);
        alice.delete(&format!("/projects/{gamma}"), None).await.assert_status(204);
        alice.get(&format!("/projects/{gamma}"), None).await.assert_error(404, "NOT_FOUND");
        alice.patch("/organizations/nope", Some(json!({ "name": "x" }))).await.assert_error(404, "NOT_FOUND");
    }

    async fn organizations_and_members(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let me = alice.get("/auth/me", None).await;
        assert_eq!(me.data()["current_org_id"], org.as_str(), "the first organization becomes current");
        let renamed = alice.patch(&format!("/organizations/{org}"), Some(json!({ "name": "Acme Inc", "timezone": "Europe/Berlin", "currency": "eur" }))).await;
        renamed.assert_status(200);
        assert_eq!(renamed.data()["settings"], json!({ "timezone": "Europe/Berlin", "currency": "EUR" }));
        alice.patch(&format!("/organizations/{org}"), Some(json!({ "timezone": "Mars/Olympus" }))).await.assert_error(400, "VALIDATION_ERROR");
        let second = alice.post("/organizations", Some(json!({ "name": "Side gig", "slug": "side-gig" }))).await;
        assert_eq!(second.assert_status(201).data()["slug"], "side-gig");
        alice.post("/organizations", Some(json!({ "name": "Clash", "slug": "side-gig" }))).await.assert_error(409, "CONFLICT");
        let orgs = alice.get("/organizations", None).await;
        assert_eq!(orgs.assert_status(200).data().as_array().map(Vec::len), Some(2));

        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "Bob@Example.com", "manager").await;
        alice.post(&format!("/organizations/{org}/members"), Some(json!({ "email": "bob@example.com" }))).await.assert_error(409, "CONFLICT");
        let managers = alice.get(&format!("/organizations/{org}/members?role=manager"), None).await;
        let managers = managers.assert_status(200).data().as_array().expect("list").clone();
        assert_eq!(managers.len(), 1);
        assert_eq!(managers[0]["email"], "bob@example.com");
        let bob_id = managers[0]["user_id"].as_str().expect("user_id").to_owned();
        let changed = alice.patch(&format!("/organizations/{org}/members/{bob_id}"), Some(json!({ "role": "member", "permissions": { "view_reports": true } }))).await;
        let perms = changed.assert_status(200).data()["permissions"].clone();
        assert_eq!(perms, json!(["manage_tasks", "track_time", "view_reports"]));
        alice.delete(&format!("/organizations/{org}/members/{bob_id}"), None).await.assert_status(204);
        assert_eq!(alice.get(&format!("/organizations/{org}/members"), None).await.body["pagination"]["total"], 1);

        let side = id(second.data());
        alice.delete(&format!("/organizations/{side}"), None).await.assert_status(204);
        alice.get(&format!("/organizations/{side}"), None).await.assert_error(404, "NOT_FOUND");
    }

    async fn concurrent_creates_get_unique_numbers(backend: Backend) {
        // More concurrent creations than the server has pooled connections: none may wait on
        // another forever, and every task gets its own number.
        let server = Server::start(backend).await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let project = alice.post("/projects", Some(json!({ "name": "Busy" }))).await;
        let pid = id(project.assert_status(201).data());
        let creates = (0..40).map(|i| {
            let (alice, pid) = (alice.clone(), pid.clone());
            async move { alice.post("/tasks", Some(json!({ "title": format!("task {i}"), "project_id": pid }))).await }
        });
        let results = tokio::time::timeout(std::time::Duration::from_secs(60), futures::future::join_all(creates))
            .await
            .expect("40 concurrent creations finish within a minute");
        let mut numbers: Vec<i64> = results
            .iter()
            .map(|r| r.assert_status(201).data()["number"].as_i64().expect("number"))
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=40).collect::<Vec<i64>>(), "numbers are unique and without gaps");
    }
}
