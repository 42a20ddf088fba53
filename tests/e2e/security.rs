//! Security classes of `docs/security.md`, each reproduced as an attacker or a careless client
//! would and checked on both engines: a personal access token keeps its limits on the socket, an
//! invitation goes only to whoever owns the invited address, pushed events obey the same read
//! rule as REST (live and on replay), and sessions end when they should. (Privilege escalation:
//! `escalation.rs`; money and the recurrence floor: `money.rs`.)

use serde_json::{Value, json};

use crate::harness::{Backend, Client, PASSWORD, Server, created_id, id};
use crate::ws::Ws;

const INVITE_LINK: &str = "accept-invitation?token=";
const VERIFY_LINK: &str = "verify-email?token=";
const RESET_LINK: &str = "reset-password?token=";

/// Events pushed to `ws` up to and including the `EntityChanged` of `marker` (an entity every
/// member may see, changed last): since events arrive in commit order, everything before the
/// marker that this connection may see has arrived by then.
async fn events_until(ws: &mut Ws, marker: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let e = ws.event().await;
        let done = e["data"]["entity_id"] == marker;
        seen.push(e);
        if done {
            return seen;
        }
    }
}

/// The entity ids of the `EntityChanged` events in `events`.
fn changed_ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "EntityChanged")
        .filter_map(|e| e["data"]["entity_id"].as_str().map(str::to_owned))
        .collect()
}

both! {
    /// Reproduction 1: a token bound to organization A, whose user also owns B, opened a `/ws`
    /// session with the full powers of the user. Now the session keeps the token's limits.
    async fn a_personal_token_keeps_its_limits_on_the_socket(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org_a) = server.register_with_org("alice@example.com", "Alice", "Org A").await;
        let org_b = created_id(&alice.post("/organizations", Some(json!({ "name": "Org B" }))).await);
        let project_a = created_id(&alice.post("/projects", Some(json!({ "org_id": org_a, "name": "In A" }))).await);
        let project_b = created_id(&alice.post("/projects", Some(json!({ "org_id": org_b, "name": "In B" }))).await);
        let marker_a = created_id(&alice.post("/projects", Some(json!({ "org_id": org_a, "name": "Marker" }))).await);
        let created = alice.post("/auth/tokens", Some(json!({ "name": "ci", "org_id": org_a }))).await;
        created.assert_status(201);
        let token_id = id(created.data());
        let pat = server.client().with_token(created.data()["token"].as_str().expect("token secret"));

        // Replay from the beginning: A's events, none of B's.
        let mut ws = Ws::resume(&server, &pat, Some(0)).await;
        let replayed = changed_ids(&events_until(&mut ws, &marker_a).await);
        let in_a = ws.request("projects.list", json!({ "org_id": org_a })).await;
        assert_eq!(in_a["status"], "ok", "{in_a}");
        assert!(replayed.contains(&project_a), "A's events are replayed: {replayed:?}");
        assert!(!replayed.contains(&project_b), "B's events leaked on replay: {replayed:?}");
        assert!(!replayed.contains(&org_b), "B's events leaked on replay: {replayed:?}");

        // Organization B does not exist for this session, and nothing account-wide is allowed.
        let list_b = ws.request("projects.list", json!({ "org_id": org_b })).await;
        assert_eq!(list_b["error"]["code"], "NOT_FOUND", "{list_b}");
        let update_b = ws.request("organizations.update", json!({ "id": org_b, "name": "Taken" })).await;
        assert_eq!(update_b["error"]["code"], "NOT_FOUND", "{update_b}");
        let create = ws.request("organizations.create", json!({ "name": "Mine now" })).await;
        assert_eq!(create["error"]["code"], "FORBIDDEN", "{create}");
        let listed = ws.request("organizations.list", json!({})).await;
        let listed: Vec<&Value> = listed["data"].as_array().expect("list").iter().map(|o| &o["id"]).collect();
        assert_eq!(listed, vec![&json!(org_a)], "only the token's organization is listed");
        let b = alice.get(&format!("/organizations/{org_b}"), None).await;
        assert_eq!(b.assert_status(200).data()["name"], "Org B", "B is unchanged");
        assert_eq!(alice.get("/organizations", None).await.data().as_array().map(Vec::len), Some(2));

        // Live: B's changes never arrive, A's do.
        let later_b = created_id(&alice.post("/projects", Some(json!({ "org_id": org_b, "name": "Later B" }))).await);
        let later_a = created_id(&alice.post("/projects", Some(json!({ "org_id": org_a, "name": "Later A" }))).await);
        let live = events_until(&mut ws, &later_a).await;
        assert!(!changed_ids(&live).contains(&later_b), "B's live event leaked: {live:?}");

        // A ticket outlives nothing: once the token is revoked, its ticket opens no session.
        let r = pat.post("/auth/ws-ticket", None).await;
        let ticket = r.assert_status(200).body["ticket"].as_str().expect("ticket").to_owned();
        alice.delete(&format!("/auth/tokens/{token_id}"), None).await.assert_status(204);
        let mut late = Ws::connect(&server).await;
        let refused = late.request("authenticate", json!({ "ticket": ticket })).await;
        assert_eq!(refused["error"]["code"], "UNAUTHORIZED", "{refused}");
        assert_eq!(late.closed().await, 4003);
    }

    /// Reproduction 2: whoever registered an invited address got the invited role. Now an
    /// invitation is accepted only with its mailed link, or by an account whose address is
    /// verified; and the answer to an invitation does not tell whether the address has an account.
    async fn an_invitation_goes_only_to_who_owns_the_address(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let invited = alice
            .post(&format!("/organizations/{org}/members"), Some(json!({ "email": "newhire@example.com", "role": "admin" })))
            .await;
        invited.assert_status(201);
        assert_eq!(invited.data()["status"], "invited", "{}", invited.body);
        let invitation_id = id(&invited.data()["invitation"]);

        // Mallory registers the address first: she gains nothing.
        let (mallory, _) = server.register("newhire@example.com", "Mallory").await;
        assert_eq!(mallory.get("/organizations", None).await.assert_status(200).data(), &json!([]));
        mallory.get(&format!("/organizations/{org}"), None).await.assert_error(404, "NOT_FOUND");
        assert_eq!(mallory.get("/auth/invitations", None).await.assert_status(200).data(), &json!([]));
        mallory
            .post(&format!("/auth/invitations/{invitation_id}/accept"), None)
            .await
            .assert_error(403, "FORBIDDEN");
        mallory
            .post("/auth/invitations/accept", Some(json!({ "token": "not-the-link" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        let members = alice.get(&format!("/organizations/{org}/members"), None).await;
        assert_eq!(members.body["pagination"]["total"], 1, "{}", members.body);

        // Inviting an address with an account answers exactly like one without.
        let (_bob, _) = server.register("bob@example.com", "Bob").await;
        let with_account = alice.post(&format!("/organizations/{org}/members"), Some(json!({ "email": "bob@example.com" }))).await;
        let without = alice.post(&format!("/organizations/{org}/members"), Some(json!({ "email": "nobody@example.com" }))).await;
        with_account.assert_status(201);
        without.assert_status(201);
        let keys = |r: &crate::harness::Resp| {
            let mut k: Vec<String> = r.data()["invitation"].as_object().expect("invitation").keys().cloned().collect();
            k.sort();
            (r.data()["status"].clone(), k)
        };
        assert_eq!(keys(&with_account), keys(&without));

        // The owner of the mailbox follows the link, from whichever account they use: once.
        let token = server.mailed_token("newhire@example.com", INVITE_LINK).await;
        let (real, _) = server.register("real.newhire@example.com", "Real Newhire").await;
        let joined = real.post("/auth/invitations/accept", Some(json!({ "token": token }))).await;
        assert_eq!(joined.assert_status(201).data()["role"], "admin", "{}", joined.body);
        real.get(&format!("/organizations/{org}"), None).await.assert_status(200);
        real.post("/auth/invitations/accept", Some(json!({ "token": token })))
            .await
            .assert_error(400, "VALIDATION_ERROR");

        // A verified address sees its invitations and may accept by id.
        let (carol, _) = server.register("carol@example.com", "Carol").await;
        assert!(carol.get("/auth/me", None).await.data()["email_verified_at"].is_null());
        alice.post(&format!("/organizations/{org}/members"), Some(json!({ "email": "carol@example.com", "role": "viewer" })))
            .await
            .assert_status(201);
        assert_eq!(carol.get("/auth/invitations", None).await.data(), &json!([]), "unverified: none listed");
        let verify = server.mailed_token("carol@example.com", VERIFY_LINK).await;
        let anon = server.client();
        anon.post("/auth/verify-email", Some(json!({ "token": "forged" }))).await.assert_error(400, "VALIDATION_ERROR");
        anon.post("/auth/verify-email", Some(json!({ "token": verify }))).await.assert_status(204);
        anon.post("/auth/verify-email", Some(json!({ "token": verify }))).await.assert_error(400, "VALIDATION_ERROR");
        assert!(carol.get("/auth/me", None).await.data()["email_verified_at"].is_string());
        let pending = carol.get("/auth/invitations", None).await;
        let pending = pending.assert_status(200).data().as_array().expect("list").clone();
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert_eq!(pending[0]["org_name"], "Acme");
        let accepted = carol.post(&format!("/auth/invitations/{}/accept", id(&pending[0])), None).await;
        assert_eq!(accepted.assert_status(201).data()["role"], "viewer");
        carol.get(&format!("/organizations/{org}"), None).await.assert_status(200);
    }

    /// Reproduction 4: `/ws` pushed what REST forbids (time entries to viewers, plugin
    /// configuration, webhooks). For every kind of event, each role receives it — live and on
    /// replay — exactly when that role may read the entity over REST.
    async fn pushed_events_follow_the_rest_read_rule(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")]).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let mut people: Vec<(&str, Client)> = vec![("owner", alice.clone())];
        for (email, role) in [("maria@example.com", "manager"), ("bob@example.com", "member"), ("vera@example.com", "viewer")] {
            let (client, _) = server.register(email, role).await;
            server.join(&alice, &org, &client, email, role).await;
            people.push((role, client));
        }
        let bob = people[2].1.clone();
        let bob_id = id(bob.get("/auth/me", None).await.data());
        // Live connections, open before anything happens.
        let mut live = Vec::new();
        for (_, client) in &people {
            live.push(Ws::open(&server, client).await);
        }

        // One change of each kind, with the REST path that reads it.
        let project = created_id(&alice.post("/projects", Some(json!({ "name": "Website" }))).await);
        let task = created_id(&alice.post("/tasks", Some(json!({ "title": "T", "project_id": project }))).await);
        let bob_entry = created_id(&bob.post("/time-entries", Some(json!({
            "started_at": "2026-03-02T09:00:00Z", "stopped_at": "2026-03-02T10:00:00Z", "project_id": project, "description": "secret work"
        }))).await);
        let alice_entry = created_id(&alice.post("/time-entries", Some(json!({
            "started_at": "2026-03-02T11:00:00Z", "stopped_at": "2026-03-02T12:00:00Z", "project_id": project, "hourly_rate": 9000
        }))).await);
        let plugins = alice.get("/plugins?per_page=100", None).await;
        let invoicing = plugins.data().as_array().expect("plugins").iter()
            .find(|p| p["name"] == "invoicing-standard").map(id).expect("built-in invoicing plugin");
        alice.json("PUT", &format!("/plugins/{invoicing}/config"), Some(json!({ "config": { "group_by": "task" } })))
            .await
            .assert_status(200);
        let webhook = created_id(&alice.post("/webhooks", Some(json!({ "url": "http://127.0.0.1:9/hook", "events": ["task.created"] }))).await);
        let client = created_id(&alice.post("/clients", Some(json!({ "name": "Globex" }))).await);
        let invoice = created_id(&alice.post("/invoices", Some(json!({
            "client_id": client, "issue_date": "2026-04-01", "due_date": "2026-04-30",
            "lines": [{ "description": "Consulting", "quantity": 1, "unit_price": 5000 }]
        }))).await);
        let rate = created_id(&alice.post(&format!("/organizations/{org}/members/{bob_id}/rates"), Some(json!({ "client_rate": 10000 }))).await);
        let cases = [
            ("task", task.clone(), format!("/tasks/{task}")),
            ("bob's time entry", bob_entry.clone(), format!("/time-entries/{bob_entry}")),
            ("alice's time entry", alice_entry.clone(), format!("/time-entries/{alice_entry}")),
            ("plugin configuration", invoicing.clone(), format!("/plugins/{invoicing}/config")),
            ("webhook", webhook.clone(), format!("/webhooks/{webhook}")),
            ("invoice", invoice.clone(), format!("/invoices/{invoice}")),
            ("rate of bob", rate.clone(), format!("/organizations/{org}/members/{bob_id}/rates")),
        ];
        let marker = created_id(&alice.post("/tasks", Some(json!({ "title": "marker", "project_id": project }))).await);

        for (i, (role, client)) in people.iter().enumerate() {
            let live_ids = changed_ids(&events_until(&mut live[i], &marker).await);
            let mut replay = Ws::resume(&server, client, Some(0)).await;
            let replay_ids = changed_ids(&events_until(&mut replay, &marker).await);
            for (what, entity, path) in &cases {
                let readable = client.get(path, None).await.status == 200;
                assert_eq!(live_ids.contains(entity), readable, "{role}, live, {what}: REST readable = {readable}");
                assert_eq!(replay_ids.contains(entity), readable, "{role}, replay, {what}: REST readable = {readable}");
            }
        }
        // The rule is not vacuous: the viewer reads the task but not bob's entry; bob reads his own.
        assert_eq!(people[3].1.get(&format!("/time-entries/{bob_entry}"), None).await.status, 403);
        assert_eq!(bob.get(&format!("/time-entries/{bob_entry}"), None).await.status, 200);
        assert_eq!(people[3].1.get(&format!("/tasks/{task}"), None).await.status, 200);
    }

    /// Reproduction 7: a password change ends the other sessions, a used reset link ends the
    /// others, and a member who leaves leaves their private channels.
    async fn sessions_end_when_they_should(backend: Backend) {
        let server = Server::start(backend).await;
        let (_, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let laptop = server.login("alice@example.com", PASSWORD).await;
        let phone = server.login("alice@example.com", PASSWORD).await;
        let laptop_client = server.client().with_token(laptop.body["access_token"].as_str().expect("token"));
        laptop_client
            .post("/auth/change-password", Some(json!({ "current_password": PASSWORD, "new_password": "a new passphrase here" })))
            .await
            .assert_status(204);
        let anon = server.client();
        let refresh = |r: &crate::harness::Resp| json!({ "refresh_token": r.body["refresh_token"] });
        anon.post("/auth/refresh", Some(refresh(&phone))).await.assert_error(401, "UNAUTHORIZED");
        anon.post("/auth/refresh", Some(refresh(&laptop))).await.assert_status(200);

        // Two reset links; using the second voids the first.
        anon.post("/auth/forgot-password", Some(json!({ "email": "alice@example.com" }))).await.assert_status(202);
        let first = server.mailed_token("alice@example.com", RESET_LINK).await;
        anon.post("/auth/forgot-password", Some(json!({ "email": "alice@example.com" }))).await.assert_status(202);
        let mut second = server.mailed_token("alice@example.com", RESET_LINK).await;
        for _ in 0..50 {
            if second != first {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            second = server.mailed_token("alice@example.com", RESET_LINK).await;
        }
        assert_ne!(first, second);
        anon.post("/auth/reset-password", Some(json!({ "token": second, "password": "the third passphrase" })))
            .await
            .assert_status(204);
        anon.post("/auth/reset-password", Some(json!({ "token": first, "password": "a fourth passphrase" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        server.login("alice@example.com", "the third passphrase").await.assert_status(200);
        let alice = server.client().with_token(
            server.login("alice@example.com", "the third passphrase").await.body["access_token"].as_str().expect("token"),
        );

        // Bob leaves the organization: he leaves its private channel too.
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let bob_id = id(bob.get("/auth/me", None).await.data());
        let private = created_id(&alice.post("/chat/channels", Some(json!({ "name": "secret", "kind": "private", "member_ids": [bob_id] }))).await);
        bob.get(&format!("/chat/channels/{private}/messages"), None).await.assert_status(200);
        alice.delete(&format!("/organizations/{org}/members/{bob_id}"), None).await.assert_status(204);
        alice.post(&format!("/chat/channels/{private}/messages"), Some(json!({ "content": "while bob was away" }))).await.assert_status(201);
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let channels = bob.get("/chat/channels", None).await;
        let ids: Vec<String> = channels.assert_status(200).data().as_array().expect("list").iter().map(id).collect();
        assert!(!ids.contains(&private), "re-invited, bob is back in the private channel: {ids:?}");
        let read = bob.get(&format!("/chat/channels/{private}/messages"), None).await;
        assert!(read.status == 403 || read.status == 404, "bob reads the private channel: {}", read.body);
    }

    /// Text logs keep one event per line: a mail body (or anything a client sends) cannot
    /// start a forged log line.
    async fn log_lines_cannot_be_forged(backend: Backend) {
        let server = Server::start(backend).await;
        server.register("eve@example.com", "Eve").await;
        // The verification mail (a body of several lines) is in the log by now.
        server.mailed_token("eve@example.com", VERIFY_LINK).await;
        let log = server.log();
        for line in log.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                line.trim_start().starts_with(|c: char| c.is_ascii_digit()),
                "a log line that is not an event: {line:?}"
            );
        }
    }

    /// The edges: per-account login throttling, avatar links, oversized socket messages,
    /// unauthenticated socket floods and slow request headers.
    async fn the_edges_hold(backend: Backend) {
        let server = Server::start_with(
            backend,
            &[("STINT_LOGIN_FAILURES_PER_ACCOUNT", "3"), ("STINT_WS_PENDING_PER_ADDRESS", "32")],
        )
        .await;
        let (alice, _) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        server.register("bob@example.com", "Bob").await;

        // Guessing alice's password: after three failures even the right one waits; bob is not
        // affected.
        for _ in 0..3 {
            server.login("alice@example.com", "wrong guess").await.assert_error(401, "UNAUTHORIZED");
        }
        let locked = server.login("alice@example.com", PASSWORD).await;
        locked.assert_error(429, "RATE_LIMIT_EXCEEDED");
        assert!(locked.header("retry-after").is_some(), "429 says when to retry");
        server.login("bob@example.com", PASSWORD).await.assert_status(200);

        // Avatars: https, or http on loopback; nothing else.
        for bad in ["javascript:alert(1)", "http://tracker.example.com/a.png", "data:image/png;base64,AAAA", "file:///etc/passwd"] {
            alice.patch("/auth/me", Some(json!({ "avatar_url": bad }))).await.assert_error(400, "VALIDATION_ERROR");
        }
        alice.patch("/auth/me", Some(json!({ "avatar_url": "https://cdn.example.com/alice.png" }))).await.assert_status(200);
        alice.patch("/auth/me", Some(json!({ "avatar_url": "http://127.0.0.1:9000/alice.png" }))).await.assert_status(200);

        // A message far over 64 KB still gets its close frame (1009), not a reset.
        use futures::SinkExt;
        let mut ws = Ws::open(&server, &alice).await;
        let big = json!({ "action": "ping", "payload": { "pad": "x".repeat(512 * 1024) } });
        ws.stream
            .send(tokio_tungstenite::tungstenite::Message::Text(big.to_string().into()))
            .await
            .expect("sent");
        assert_eq!(ws.closed().await, 1009);

        // Unauthenticated sockets from one address are capped; authenticating frees the place.
        let mut idle = Vec::new();
        let url = format!("{}/ws", server.base.replacen("http", "ws", 1));
        let refused = loop {
            match tokio_tungstenite::connect_async(url.as_str()).await {
                Ok((stream, _)) => idle.push(stream),
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => break response.status().as_u16(),
                Err(e) => panic!("unexpected failure: {e}"),
            }
            assert!(idle.len() <= 64, "no cap on unauthenticated sockets");
        };
        assert_eq!(refused, 429);
        assert_eq!(idle.len(), 32);
        drop(idle);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Ws::open(&server, &alice).await;

        // Slow headers: the connection is closed after the header-read timeout (10 s).
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = server.base.trim_start_matches("http://").to_owned();
        let mut slow = tokio::net::TcpStream::connect(addr.as_str()).await.expect("connects");
        slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.expect("written");
        let mut buf = [0u8; 1024];
        let read = tokio::time::timeout(std::time::Duration::from_secs(20), slow.read(&mut buf))
            .await
            .expect("the server closes a slow-header connection within 20 s");
        match read {
            Ok(n) => assert!(n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"), "answered {:?}", String::from_utf8_lossy(&buf[..n])),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
    }
}
