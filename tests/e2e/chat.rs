//! Chat over REST: the org-wide `general` channel, private and project channels, direct
//! messages, paging with `before`/`limit`, replies, deletion rules, reactions, the typing
//! indicator, and the audit trail of chat events.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, id};

/// The contents of a list of messages, in order.
fn contents(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|m| {
            m["content"]
                .as_str()
                .expect("a message has content")
                .to_owned()
        })
        .collect()
}

/// An organization with alice (owner) and bob (member); returns their clients, ids and the org.
async fn team(server: &Server) -> (Client, Client, String, String, String) {
    let (alice, org) = server
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let (bob, bob_auth) = server.register("bob@example.com", "Bob").await;
    server
        .join(&alice, &org, &bob, "bob@example.com", "member")
        .await;
    let alice_id = id(alice.get("/auth/me", None).await.assert_status(200).data());
    let bob_id = bob_auth["user"]["id"].as_str().expect("user.id").to_owned();
    (alice, bob, org, alice_id, bob_id)
}

/// The `general` channel's id as `client` lists it.
async fn general(client: &Client, org: &str) -> String {
    let list = client
        .get(&format!("/chat/channels?org_id={org}"), None)
        .await;
    list.assert_status(200);
    let general = list
        .data()
        .as_array()
        .expect("channels are a list")
        .iter()
        .find(|c| c["kind"] == "org")
        .cloned()
        .unwrap_or_else(|| panic!("no org channel in {}", list.body));
    assert_eq!(general["name"], "general");
    assert_eq!(general["member_ids"], Value::Null, "{general}");
    id(&general)
}

async fn send(client: &Client, channel: &str, content: &str) -> Value {
    let r = client
        .post(
            &format!("/chat/channels/{channel}/messages"),
            Some(json!({ "content": content })),
        )
        .await;
    r.assert_status(201);
    r.data().clone()
}

both! {
    /// Both members see `general` first, post to it and read each other's messages, newest first.
    async fn general_channel_is_shared(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, alice_id, bob_id) = team(&server).await;
        let ch = general(&alice, &org).await;
        assert_eq!(general(&bob, &org).await, ch, "one general channel per organization");

        let first = send(&alice, &ch, "Hello team!").await;
        assert_eq!(first["user_id"], alice_id.as_str());
        assert_eq!(first["user_name"], "Alice");
        assert_eq!(first["channel_id"], ch.as_str());
        assert!(first["id"].as_str().is_some_and(|i| i.starts_with("msg_")), "{first}");
        assert_eq!(first["reactions"], json!([]));
        let second = send(&bob, &ch, "Hi Alice").await;
        assert_eq!(second["user_name"], "Bob");
        assert_eq!(second["user_id"], bob_id.as_str());

        for client in [&alice, &bob] {
            let list = client.get(&format!("/chat/channels/{ch}/messages"), None).await;
            assert_eq!(contents(list.assert_status(200).data()), ["Hi Alice", "Hello team!"]);
        }

        // Bad content.
        alice
            .post(&format!("/chat/channels/{ch}/messages"), Some(json!({ "content": "   " })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        alice
            .post(&format!("/chat/channels/{ch}/messages"), Some(json!({ "content": "x".repeat(10_001) })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        alice
            .post(&format!("/chat/channels/{ch}/messages"), Some(json!({ "content": "x".repeat(10_000) })))
            .await
            .assert_status(201);

        // The message was recorded (outbox and audit log, same transaction).
        let audit = alice.get("/audit?entity_type=chat_message", None).await;
        audit.assert_status(200);
        let actions: Vec<&str> = audit.data().as_array().expect("list").iter()
            .filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "chat_message.created").count(), 3, "{}", audit.body);
        let entry = audit.data().as_array().expect("list").iter()
            .find(|e| e["entity_id"] == first["id"]).cloned();
        assert!(entry.is_some(), "no audit entry for the first message: {}", audit.body);
    }

    /// `before` and `limit` page backwards through a channel.
    async fn messages_page_backwards(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _bob, org, _, _) = team(&server).await;
        let ch = general(&alice, &org).await;
        let mut ids = Vec::new();
        for i in 1..=5 {
            ids.push(id(&send(&alice, &ch, &format!("m{i}")).await));
        }
        let page = alice.get(&format!("/chat/channels/{ch}/messages?limit=2"), None).await;
        assert_eq!(contents(page.assert_status(200).data()), ["m5", "m4"]);
        let page = alice.get(&format!("/chat/channels/{ch}/messages?limit=2&before={}", ids[3]), None).await;
        assert_eq!(contents(page.assert_status(200).data()), ["m3", "m2"]);
        let page = alice.get(&format!("/chat/channels/{ch}/messages?limit=2&before={}", ids[1]), None).await;
        assert_eq!(contents(page.assert_status(200).data()), ["m1"]);
        let page = alice.get(&format!("/chat/channels/{ch}/messages?before={}", ids[0]), None).await;
        assert_eq!(page.assert_status(200).data(), &json!([]));
        let all = alice.get(&format!("/chat/channels/{ch}/messages?limit=1000"), None).await;
        assert_eq!(contents(all.assert_status(200).data()), ["m5", "m4", "m3", "m2", "m1"]);
        alice
            .get(&format!("/chat/channels/{ch}/messages?limit=0"), None)
            .await
            .assert_error(400, "VALIDATION_ERROR");
        alice
            .get(&format!("/chat/channels/{ch}/messages?limit=abc"), None)
            .await
            .assert_error(400, "VALIDATION_ERROR");
        // `before` naming a message of another channel.
        let private = alice
            .post("/chat/channels", Some(json!({ "name": "side", "kind": "private" })))
            .await;
        let side = id(private.assert_status(201).data());
        let elsewhere = id(&send(&alice, &side, "elsewhere").await);
        alice
            .get(&format!("/chat/channels/{ch}/messages?before={elsewhere}"), None)
            .await
            .assert_error(422, "VALIDATION_ERROR");
    }

    /// Replies stay within their channel.
    async fn replies_must_be_in_the_same_channel(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _bob, org, _, _) = team(&server).await;
        let ch = general(&alice, &org).await;
        let question = id(&send(&alice, &ch, "Lunch?").await);
        let answer = alice
            .post(&format!("/chat/channels/{ch}/messages"), Some(json!({ "content": "Yes", "reply_to": question })))
            .await;
        assert_eq!(answer.assert_status(201).data()["reply_to"], question.as_str());
        let side = id(alice
            .post("/chat/channels", Some(json!({ "name": "side", "kind": "private" })))
            .await
            .assert_status(201)
            .data());
        alice
            .post(&format!("/chat/channels/{side}/messages"), Some(json!({ "content": "Re", "reply_to": question })))
            .await
            .assert_error(422, "VALIDATION_ERROR");
        alice
            .post(&format!("/chat/channels/{ch}/messages"), Some(json!({ "content": "Re", "reply_to": "msg_nope" })))
            .await
            .assert_error(422, "VALIDATION_ERROR");
    }

    /// A private channel is invisible to an organization member outside it and to other
    /// organizations, until a member adds them; project channels need a project of the
    /// organization.
    async fn private_channels_hide_from_non_members(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, alice_id, bob_id) = team(&server).await;
        let (mallory, other_org) = server.register_with_org("mallory@example.com", "Mallory", "Evil").await;
        let created = alice
            .post("/chat/channels", Some(json!({ "name": "Secret plans", "kind": "private" })))
            .await;
        created.assert_status(201);
        assert_eq!(created.data()["kind"], "private");
        assert_eq!(created.data()["member_ids"], json!([alice_id]));
        let ch = id(created.data());
        assert!(ch.starts_with("ch_"), "{ch}");
        let msg = id(&send(&alice, &ch, "psst").await);

        for (who, client, org_id) in [("bob", &bob, &org), ("mallory", &mallory, &other_org)] {
            let paths = [
                ("GET", format!("/chat/channels/{ch}/messages"), None),
                ("POST", format!("/chat/channels/{ch}/messages"), Some(json!({ "content": "hi" }))),
                ("POST", format!("/chat/channels/{ch}/typing"), None),
                ("POST", format!("/chat/channels/{ch}/members"), Some(json!({ "user_id": bob_id }))),
                ("DELETE", format!("/chat/channels/{ch}/members/{alice_id}"), None),
                ("DELETE", format!("/chat/channels/{ch}/messages/{msg}"), None),
                ("POST", format!("/chat/messages/{msg}/reactions"), Some(json!({ "emoji": "ok" }))),
                ("DELETE", format!("/chat/messages/{msg}/reactions/ok"), None),
            ];
            for (method, path, body) in paths {
                let r = client.json(method, &path, body).await;
                assert_eq!(r.status, 404, "{who}: {method} {path}: {}", r.body);
                assert_eq!(r.error_code(), "NOT_FOUND", "{who}: {method} {path}");
            }
            let list = client.get(&format!("/chat/channels?org_id={org_id}"), None).await;
            let ids: Vec<&str> = list.assert_status(200).data().as_array().expect("list").iter()
                .filter_map(|c| c["id"].as_str()).collect();
            assert!(!ids.contains(&ch.as_str()), "{who} lists the private channel: {}", list.body);
        }

        // Added by a member, bob sees it and can post; mallory cannot be added.
        alice
            .post(&format!("/chat/channels/{ch}/members"), Some(json!({ "user_id": mallory_id(&mallory).await })))
            .await
            .assert_error(422, "VALIDATION_ERROR");
        let added = alice
            .post(&format!("/chat/channels/{ch}/members"), Some(json!({ "user_id": bob_id })))
            .await;
        let mut expected = vec![alice_id.clone(), bob_id.clone()];
        expected.sort();
        assert_eq!(added.assert_status(201).data()["member_ids"], json!(expected));
        let list = bob.get(&format!("/chat/channels/{ch}/messages"), None).await;
        assert_eq!(contents(list.assert_status(200).data()), ["psst"]);
        send(&bob, &ch, "count me in").await;
        let listed = bob.get(&format!("/chat/channels?org_id={org}"), None).await;
        assert!(listed.data().as_array().expect("list").iter().any(|c| c["id"] == ch.as_str()));
        // Bob may leave but not remove alice; alice (creator) may remove bob.
        bob.delete(&format!("/chat/channels/{ch}/members/{alice_id}"), None).await.assert_error(403, "FORBIDDEN");
        alice.delete(&format!("/chat/channels/{ch}/members/{bob_id}"), None).await.assert_status(204);
        bob.get(&format!("/chat/channels/{ch}/messages"), None).await.assert_error(404, "NOT_FOUND");
        alice.delete(&format!("/chat/channels/{ch}/members/{bob_id}"), None).await.assert_error(404, "NOT_FOUND");

        // Members cannot be changed in general.
        let general_id = general(&alice, &org).await;
        alice
            .post(&format!("/chat/channels/{general_id}/members"), Some(json!({ "user_id": bob_id })))
            .await
            .assert_error(422, "VALIDATION_ERROR");

        // Project channels.
        let project = id(alice.post("/projects", Some(json!({ "name": "Website" }))).await.assert_status(201).data());
        let pc = alice
            .post("/chat/channels", Some(json!({ "name": "website", "kind": "project", "project_id": project, "member_ids": [bob_id] })))
            .await;
        pc.assert_status(201);
        assert_eq!(pc.data()["project_id"], project.as_str());
        assert_eq!(pc.data()["member_ids"], json!(expected));
        alice
            .post("/chat/channels", Some(json!({ "name": "x", "kind": "project" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        alice
            .post("/chat/channels", Some(json!({ "name": "x", "kind": "direct" })))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        let foreign_project = id(mallory.post("/projects", Some(json!({ "name": "Evil" }))).await.assert_status(201).data());
        alice
            .post("/chat/channels", Some(json!({ "name": "x", "kind": "project", "project_id": foreign_project })))
            .await
            .assert_error(404, "NOT_FOUND");
    }

    /// Authors delete their own messages; others need manage_org.
    async fn deleting_messages(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, _, _) = team(&server).await;
        let ch = general(&alice, &org).await;
        let alices = id(&send(&alice, &ch, "from alice").await);
        let bobs1 = id(&send(&bob, &ch, "bob one").await);
        let bobs2 = id(&send(&bob, &ch, "bob two").await);
        bob.delete(&format!("/chat/channels/{ch}/messages/{alices}"), None).await.assert_error(403, "FORBIDDEN");
        bob.delete(&format!("/chat/channels/{ch}/messages/{bobs1}"), None).await.assert_status(204);
        alice.delete(&format!("/chat/channels/{ch}/messages/{bobs2}"), None).await.assert_status(204);
        alice.delete(&format!("/chat/channels/{ch}/messages/{bobs2}"), None).await.assert_error(404, "NOT_FOUND");
        let list = alice.get(&format!("/chat/channels/{ch}/messages"), None).await;
        assert_eq!(contents(list.assert_status(200).data()), ["from alice"]);
        // The message must be addressed through its own channel.
        let side = id(alice
            .post("/chat/channels", Some(json!({ "name": "side", "kind": "private" })))
            .await
            .assert_status(201)
            .data());
        alice.delete(&format!("/chat/channels/{side}/messages/{alices}"), None).await.assert_error(404, "NOT_FOUND");
        let audit = alice.get("/audit?action=chat_message.deleted", None).await;
        assert_eq!(audit.assert_status(200).body["pagination"]["total"], 2, "{}", audit.body);
    }

    /// Reactions are idempotent per user and emoji and show on listed messages.
    async fn reactions_add_and_remove(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, alice_id, bob_id) = team(&server).await;
        let ch = general(&alice, &org).await;
        let msg = id(&send(&alice, &ch, "Ship it?").await);
        let path = format!("/chat/messages/{msg}/reactions");
        let r = bob.post(&path, Some(json!({ "emoji": "👍" }))).await;
        assert_eq!(r.assert_status(201).data()["reactions"], json!([{ "emoji": "👍", "count": 1, "user_ids": [bob_id] }]));
        let again = bob.post(&path, Some(json!({ "emoji": "👍" }))).await;
        assert_eq!(again.assert_status(201).data()["reactions"][0]["count"], 1, "adding twice is a no-op");
        alice.post(&path, Some(json!({ "emoji": "👍" }))).await.assert_status(201);
        alice.post(&path, Some(json!({ "emoji": ":tada:" }))).await.assert_status(201);
        let list = alice.get(&format!("/chat/channels/{ch}/messages"), None).await;
        assert_eq!(
            list.assert_status(200).data()[0]["reactions"],
            json!([
                { "emoji": "👍", "count": 2, "user_ids": [bob_id, alice_id] },
                { "emoji": ":tada:", "count": 1, "user_ids": [alice_id] },
            ])
        );
        bob.post(&path, Some(json!({ "emoji": "a b" }))).await.assert_error(400, "VALIDATION_ERROR");
        bob.post(&path, Some(json!({ "emoji": "" }))).await.assert_error(400, "VALIDATION_ERROR");
        bob.post(&path, Some(json!({ "emoji": "x".repeat(33) }))).await.assert_error(400, "VALIDATION_ERROR");

        bob.delete(&format!("{path}/%F0%9F%91%8D"), None).await.assert_status(204);
        bob.delete(&format!("{path}/%F0%9F%91%8D"), None).await.assert_error(404, "NOT_FOUND");
        alice.delete(&format!("{path}/:tada:"), None).await.assert_status(204);
        let list = alice.get(&format!("/chat/channels/{ch}/messages"), None).await;
        assert_eq!(
            list.data()[0]["reactions"],
            json!([{ "emoji": "👍", "count": 1, "user_ids": [alice_id] }])
        );
        let audit = alice.get("/audit?action=chat_message.updated", None).await;
        assert_eq!(audit.assert_status(200).body["pagination"]["total"], 5, "{}", audit.body);
    }

    /// A direct conversation is one channel per pair, visible to those two only.
    async fn direct_messages(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, alice_id, bob_id) = team(&server).await;
        let (carol, carol_auth) = server.register("carol@example.com", "Carol").await;
        server.join(&alice, &org, &carol, "carol@example.com", "member").await;
        let first = alice.post("/chat/direct", Some(json!({ "user_id": bob_id }))).await;
        first.assert_status(200);
        assert_eq!(first.data()["kind"], "direct");
        let dm = id(first.data());
        let mut pair = vec![alice_id.clone(), bob_id.clone()];
        pair.sort();
        assert_eq!(first.data()["member_ids"], json!(pair));
        let second = alice.post("/chat/direct", Some(json!({ "user_id": bob_id }))).await;
        assert_eq!(id(second.assert_status(200).data()), dm, "opening twice returns the same channel");
        let from_bob = bob.post("/chat/direct", Some(json!({ "user_id": alice_id, "org_id": org }))).await;
        assert_eq!(id(from_bob.assert_status(200).data()), dm, "either side opens the same channel");
        send(&bob, &dm, "just us").await;
        let list = alice.get(&format!("/chat/channels/{dm}/messages"), None).await;
        assert_eq!(contents(list.assert_status(200).data()), ["just us"]);
        carol.get(&format!("/chat/channels/{dm}/messages"), None).await.assert_error(404, "NOT_FOUND");
        alice.post("/chat/direct", Some(json!({ "user_id": alice_id }))).await.assert_error(422, "VALIDATION_ERROR");
        let carol_id = carol_auth["user"]["id"].as_str().expect("user.id");
        let (_dave, dave_auth) = server.register("dave@example.com", "Dave").await;
        let dave_id = dave_auth["user"]["id"].as_str().expect("user.id");
        alice.post("/chat/direct", Some(json!({ "user_id": dave_id }))).await.assert_error(422, "VALIDATION_ERROR");
        alice.post("/chat/direct", Some(json!({ "user_id": carol_id }))).await.assert_status(200);
        let channels = alice.get("/chat/channels", None).await;
        let kinds: Vec<&str> = channels.assert_status(200).data().as_array().expect("list").iter()
            .filter_map(|c| c["kind"].as_str()).collect();
        assert_eq!(kinds, ["org", "direct", "direct"], "{}", channels.body);
        let bobs = bob.get(&format!("/chat/channels?org_id={org}"), None).await;
        assert_eq!(bobs.assert_status(200).data().as_array().map(Vec::len), Some(2), "{}", bobs.body);
        alice.post(&format!("/chat/channels/{dm}/members"), Some(json!({ "user_id": carol_id }))).await
            .assert_error(422, "VALIDATION_ERROR");
    }

    /// Typing is accepted from members and refused (404) for others.
    async fn typing_indicator(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, _, _) = team(&server).await;
        let ch = general(&alice, &org).await;
        bob.post(&format!("/chat/channels/{ch}/typing"), None).await.assert_status(204);
        let side = id(alice
            .post("/chat/channels", Some(json!({ "name": "side", "kind": "private" })))
            .await
            .assert_status(201)
            .data());
        alice.post(&format!("/chat/channels/{side}/typing"), None).await.assert_status(204);
        bob.post(&format!("/chat/channels/{side}/typing"), None).await.assert_error(404, "NOT_FOUND");
        bob.post("/chat/channels/ch_nope/typing", None).await.assert_error(404, "NOT_FOUND");
        // Nothing was stored.
        let audit = alice.get("/audit?entity_type=chat_message", None).await;
        assert_eq!(audit.assert_status(200).body["pagination"]["total"], 0, "{}", audit.body);
    }
}

/// The id of the user behind `client`.
async fn mallory_id(client: &Client) -> String {
    id(client.get("/auth/me", None).await.assert_status(200).data())
}
