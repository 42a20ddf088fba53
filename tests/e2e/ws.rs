//! The `/ws` protocol with real WebSocket clients: ticket authentication, the request/response
//! envelope for every registered action, pushed events and who receives them, resuming with
//! `last_event_id`, presence, and every kind of bad frame with its documented error or close code.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{Backend, Client, Server};

/// How long a test waits for a frame it expects.
const WAIT: Duration = Duration::from_secs(5);

/// A WebSocket client that keeps pushed events apart from responses.
pub(crate) struct Ws {
    pub(crate) stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Pushed events received while waiting for a response.
    pub(crate) events: Vec<Value>,
}

impl Ws {
    /// Connects without authenticating.
    pub(crate) async fn connect(server: &Server) -> Ws {
        let url = format!("{}/ws", server.base.replacen("http", "ws", 1));
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket connects");
        Ws {
            stream,
            next_id: 0,
            events: Vec::new(),
        }
    }

    /// Connects and authenticates with a fresh ticket of `client`'s user.
    pub(crate) async fn open(server: &Server, client: &Client) -> Ws {
        Ws::resume(server, client, None).await
    }

    /// Connects and authenticates, resuming after `last_event_id` when given.
    pub(crate) async fn resume(server: &Server, client: &Client, last_event_id: Option<i64>) -> Ws {
        let mut ws = Ws::connect(server).await;
        let ticket = ticket(client).await;
        let mut payload = json!({ "ticket": ticket });
        if let Some(id) = last_event_id {
            payload["last_event_id"] = json!(id);
        }
        let reply = ws.request("authenticate", payload).await;
        assert_eq!(reply["status"], "ok", "authenticate failed: {reply}");
        ws
    }

    pub(crate) async fn send(&mut self, value: Value) {
        self.stream
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("frame sent");
    }

    /// The next text frame as JSON (control frames are skipped).
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame within the wait")
                .expect("the connection is open")
                .expect("a valid frame");
            match message {
                Message::Text(t) => return serde_json::from_str(&t).expect("frames are JSON"),
                Message::Close(frame) => panic!("connection closed unexpectedly: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Sends an action with a fresh `request_id` and returns its response; events that arrive
    /// first are kept in `events`.
    pub(crate) async fn request(&mut self, action: &str, payload: Value) -> Value {
        self.next_id += 1;
        let id = format!("r{}", self.next_id);
        self.send(json!({ "action": action, "payload": payload, "request_id": id }))
            .await;
        loop {
            let frame = self.recv().await;
            if frame["request_id"] == id.as_str() {
                return frame;
            }
            assert!(
                frame.get("event").is_some(),
                "unexpected frame while waiting for {id}: {frame}"
            );
            self.events.push(frame);
        }
    }

    /// The next pushed event (from `events` first).
    pub(crate) async fn event(&mut self) -> Value {
        if !self.events.is_empty() {
            return self.events.remove(0);
        }
        let frame = self.recv().await;
        assert!(
            frame.get("event").is_some(),
            "expected an event, got {frame}"
        );
        frame
    }

    /// The next pushed event of kind `event`, skipping other kinds (presence announcements, and
    /// changes committed just before this connection subscribed, which may still arrive live).
    pub(crate) async fn next(&mut self, event: &str) -> Value {
        loop {
            let e = self.event().await;
            if e["event"] == event {
                return e;
            }
        }
    }

    /// The next `EntityChanged` about `entity_type` with `action`, skipping anything else.
    pub(crate) async fn next_change(&mut self, entity_type: &str, action: &str) -> Value {
        loop {
            let e = self.next("EntityChanged").await;
            if e["data"]["entity_type"] == entity_type && e["data"]["action"] == action {
                return e;
            }
        }
    }

    /// Asserts that none of the pending events (after a ping round trip) is of these kinds.
    pub(crate) async fn assert_none_of(&mut self, kinds: &[&str]) {
        let pong = self.request("ping", json!({})).await;
        assert_eq!(pong["action"], "pong");
        let unwanted: Vec<&Value> = self
            .events
            .iter()
            .filter(|e| kinds.iter().any(|k| e["event"] == *k))
            .collect();
        assert!(unwanted.is_empty(), "unexpected events: {unwanted:?}");
    }

    /// Asserts that no event is pending: a ping round trip returns without any event before it.
    pub(crate) async fn assert_no_events(&mut self) {
        let pong = self.request("ping", json!({})).await;
        assert_eq!(pong["action"], "pong");
        assert!(
            self.events.is_empty(),
            "unexpected events: {:?}",
            self.events
        );
    }

    /// Closes the connection from the client side.
    pub(crate) async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }

    /// Waits for the server to close the connection and returns the close code.
    pub(crate) async fn closed(&mut self) -> u16 {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(15), self.stream.next())
                .await
                .expect("the server closes within the wait");
            match message {
                Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(Message::Close(None))) | None => return u16::from(CloseCode::Status),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("connection failed instead of closing: {e}"),
            }
        }
    }
}

pub(crate) async fn ticket(client: &Client) -> String {
    let r = client.post("/auth/ws-ticket", None).await;
    r.assert_status(200);
    r.body["ticket"].as_str().expect("ticket").to_owned()
}

/// Every action name in the registry, from `stint actions`.
fn registered_actions() -> Vec<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stint"))
        .arg("actions")
        .output()
        .expect("stint actions runs");
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).expect("stint actions prints JSON");
    list.iter()
        .map(|a| a["name"].as_str().expect("name").to_owned())
        .collect()
}

both! {
    async fn authenticate_then_actions_with_the_envelope(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let mut ws = Ws::open(&server, &alice).await;

        let project = ws.request("projects.create", json!({ "name": "Website" })).await;
        assert_eq!(project["status"], "ok", "{project}");
        let pid = project["data"]["id"].as_str().expect("project id").to_owned();
        let task = ws.request("tasks.create", json!({ "title": "Over the socket", "project_id": pid })).await;
        assert_eq!(task["data"]["title"], "Over the socket");
        let list = ws.request("tasks.list", json!({ "per_page": 1 })).await;
        assert_eq!(list["pagination"]["total"], 1);

        // `id` instead of `request_id` is echoed as `id`.
        ws.send(json!({ "action": "labels.list", "id": 42 })).await;
        let mut reply = ws.recv().await;
        while reply.get("event").is_some() {
            reply = ws.recv().await;
        }
        assert_eq!(reply["id"], 42);
        assert_eq!(reply["status"], "ok");
        assert!(reply.get("request_id").is_none());

        let pong = ws.request("ping", json!({})).await;
        assert_eq!(pong["action"], "pong");
        assert!(pong["timestamp"].is_string());

        let unknown = ws.request("tasks.fly", json!({})).await;
        assert_eq!(unknown["error"]["code"], "VALIDATION_ERROR");
        let wrong = ws.request("tasks.create", json!({ "title": 5, "project_id": pid })).await;
        assert_eq!(wrong["error"]["code"], "VALIDATION_ERROR");
        assert_eq!(wrong["error"]["details"]["field"], "title");
        let missing = ws.request("tasks.get", json!({})).await;
        assert_eq!(missing["error"]["code"], "VALIDATION_ERROR");
        let foreign = ws.request("tasks.get", json!({ "id": "tsk_nope" })).await;
        assert_eq!(foreign["error"]["code"], "NOT_FOUND");
        let again = ws.request("authenticate", json!({ "ticket": "wst_x" })).await;
        assert_eq!(again["error"]["code"], "VALIDATION_ERROR");
    }

    async fn every_registered_action_answers_over_the_socket(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let mut ws = Ws::open(&server, &alice).await;
        let actions = registered_actions();
        assert!(actions.len() >= 50, "only {} actions registered", actions.len());
        let schemas = crate::harness::output_schemas();
        let mut validated = 0;
        for (i, action) in actions.iter().enumerate() {
            // A socket takes 60 messages a minute: a fresh one every 50 actions, so every action
            // is really dispatched rather than refused by the rate limit.
            if i > 0 && i % 50 == 0 {
                ws = Ws::open(&server, &alice).await;
            }
            // An empty payload: each action must answer with the envelope — ok, or an error that
            // is about the payload or the resource, never "unknown action" and never a 500.
            let reply = ws.request(action, json!({})).await;
            let status = reply["status"].as_str().unwrap_or_default();
            assert!(status == "ok" || status == "error", "{action}: no envelope: {reply}");
            if status == "error" {
                let code = reply["error"]["code"].as_str().unwrap_or_default();
                let message = reply["error"]["message"].as_str().unwrap_or_default();
                assert_ne!(code, "INTERNAL_ERROR", "{action}: {reply}");
                assert!(!message.contains("unknown action"), "{action} is not dispatched: {reply}");
            } else {
                // What an action answers is what its output schema says.
                crate::harness::assert_output(&schemas, action, &reply["data"]);
                validated += 1;
            }
        }
        assert!(validated >= 20, "only {validated} answers were checked against their schema");
    }

    async fn events_reach_those_who_may_see_them(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (mallory, _) = server.register_with_org("mallory@example.com", "Mallory", "Other").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;

        let mut alice_ws = Ws::open(&server, &alice).await;
        let mut bob_ws = Ws::open(&server, &bob).await;
        let mut mallory_ws = Ws::open(&server, &mallory).await;
        // Bob connecting is announced to alice.
        let presence = alice_ws.next("UserPresence").await;
        assert_eq!(presence["data"]["status"], "online");

        let project = alice.post("/projects", Some(json!({ "name": "Website" }))).await;
        let pid = project.data()["id"].as_str().expect("id").to_owned();
        let task = alice.post("/tasks", Some(json!({ "title": "Push me", "project_id": pid }))).await;
        let tid = task.data()["id"].as_str().expect("id").to_owned();
        alice.patch(&format!("/tasks/{tid}"), Some(json!({ "title": "Pushed" }))).await.assert_status(200);

        for ws in [&mut alice_ws, &mut bob_ws] {
            let project = ws.next_change("project", "created").await;
            assert_eq!(project["data"]["entity_id"], pid.as_str());
            let created = ws.next_change("task", "created").await;
            assert_eq!(created["data"]["entity"]["title"], "Push me");
            let updated = ws.next_change("task", "updated").await;
            assert_eq!(updated["data"]["entity_id"], tid.as_str());
            assert_eq!(updated["data"]["changes"]["title"], json!({ "from": "Push me", "to": "Pushed" }));
            assert!(updated["data"]["user_id"].is_string() && updated["data"]["timestamp"].is_string());
            let ids: Vec<i64> = [&project, &created, &updated].iter().map(|e| e["event_id"].as_i64().expect("event_id")).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "event ids increase: {ids:?}");
        }
        // Mallory, in another organization, receives none of Acme's events.
        let pong = mallory_ws.request("ping", json!({})).await;
        assert_eq!(pong["action"], "pong");
        let mallory_id = mallory.get("/auth/me", None).await.data()["id"].clone();
        let leaked: Vec<&Value> = mallory_ws
            .events
            .iter()
            .filter(|e| {
                e["data"]["entity"]["org_id"] == org.as_str()
                    || e["data"]["entity_id"] == pid.as_str()
                    || e["data"]["entity_id"] == tid.as_str()
                    || (e["event"] == "UserPresence" && e["data"]["user_id"] != mallory_id)
            })
            .collect();
        assert!(leaked.is_empty(), "mallory received Acme's events: {leaked:?}");

        // Bob leaves: alice sees him go offline; he no longer gets the organization's events.
        drop(bob_ws);
        let offline = alice_ws.next("UserPresence").await;
        assert_eq!(offline["data"]["status"], "offline");
    }

    async fn resume_replays_what_was_missed_in_order(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let project = alice.post("/projects", Some(json!({ "name": "Website" }))).await;
        let pid = project.data()["id"].as_str().expect("id").to_owned();

        let mut ws = Ws::open(&server, &alice).await;
        alice.post("/tasks", Some(json!({ "title": "seen", "project_id": pid }))).await.assert_status(201);
        let seen = ws.next_change("task", "created").await;
        assert_eq!(seen["data"]["entity"]["title"], "seen");
        let last = seen["event_id"].as_i64().expect("event_id");
        drop(ws);

        for title in ["missed 1", "missed 2", "missed 3"] {
            alice.post("/tasks", Some(json!({ "title": title, "project_id": pid }))).await.assert_status(201);
        }
        let mut ws = Ws::resume(&server, &alice, Some(last)).await;
        let mut ids = Vec::new();
        for title in ["missed 1", "missed 2", "missed 3"] {
            let e = ws.next_change("task", "created").await;
            assert_eq!(e["data"]["entity"]["title"], title);
            ids.push(e["event_id"].as_i64().expect("event_id"));
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > last, "replayed in order: {ids:?}");
        // Then live, without duplicates.
        alice.post("/tasks", Some(json!({ "title": "live", "project_id": pid }))).await.assert_status(201);
        let live = ws.next_change("task", "created").await;
        assert_eq!(live["data"]["entity"]["title"], "live");
        ws.assert_no_events().await;
    }

    /// Keep-alive and closing: a client that closes gets the closing handshake back; one that
    /// never answers pings is closed with 4002, one that says nothing with 4000, one that keeps
    /// sending past the rate limit with 1008. Requests run concurrently and each answer carries
    /// its own `request_id`.
    async fn close_codes_and_the_closing_handshake(backend: Backend) {
        let server = Server::start_with(backend, &[
            ("STINT_WS_PING_INTERVAL_SECS", "1"),
            ("STINT_WS_PONG_TIMEOUT_SECS", "1"),
            ("STINT_WS_IDLE_TIMEOUT_SECS", "4"),
        ]).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;

        let mut polite = Ws::open(&server, &alice).await;
        polite.stream.close(None).await.expect("close sent");
        loop {
            match tokio::time::timeout(WAIT, polite.stream.next()).await {
                Ok(Some(Ok(Message::Close(_)))) => break,
                Ok(Some(Ok(_))) => continue,
                other => panic!("the server did not answer the close frame: {other:?}"),
            }
        }

        let mut busy = Ws::open(&server, &alice).await;
        for i in 0..6 {
            let action = if i % 2 == 0 { "projects.list" } else { "tasks.list" };
            busy.send(json!({ "action": action, "payload": {}, "request_id": format!("c{i}") })).await;
        }
        let mut answered = Vec::new();
        while answered.len() < 6 {
            let frame = busy.recv().await;
            if let Some(id) = frame["request_id"].as_str() {
                assert_eq!(frame["status"], "ok", "{frame}");
                answered.push(id.to_owned());
            }
        }
        answered.sort();
        assert_eq!(answered, ["c0", "c1", "c2", "c3", "c4", "c5"]);

        let mut silent = Ws::open(&server, &alice).await;
        tokio::time::sleep(Duration::from_millis(3000)).await;
        assert_eq!(silent.closed().await, 4002, "no pong: 4002");

        let mut idle = Ws::open(&server, &alice).await;
        assert_eq!(idle.closed().await, 4000, "nothing said for the idle timeout: 4000");

        let mut noisy = Ws::open(&server, &alice).await;
        for _ in 0..125 {
            noisy.send(json!({ "action": "ping" })).await;
        }
        assert_eq!(noisy.closed().await, 1008, "past the rate limit, repeatedly: 1008");
    }

    async fn bad_frames_get_their_documented_answer(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;

        // Actions before authenticate are refused; the connection stays usable.
        let mut ws = Ws::connect(&server).await;
        let early = ws.request("tasks.list", json!({})).await;
        assert_eq!(early["error"]["code"], "UNAUTHORIZED");
        ws.send(json!({ "nonsense": true })).await;
        assert_eq!(ws.recv().await["error"]["code"], "VALIDATION_ERROR");
        ws.stream.send(Message::Text("{not json".into())).await.expect("sent");
        assert_eq!(ws.recv().await["error"]["code"], "VALIDATION_ERROR");
        let t = ticket(&alice).await;
        let ok = ws.request("authenticate", json!({ "ticket": t })).await;
        assert_eq!(ok["status"], "ok");

        // Binary frames close with 1003.
        ws.stream.send(Message::Binary(vec![1, 2, 3].into())).await.expect("sent");
        assert_eq!(ws.closed().await, 1003);

        // A message over 64 KB closes with 1009.
        let mut ws = Ws::open(&server, &alice).await;
        let big = json!({ "action": "ping", "payload": { "pad": "x".repeat(70 * 1024) } });
        ws.stream.send(Message::Text(big.to_string().into())).await.expect("sent");
        assert_eq!(ws.closed().await, 1009);

        // A reused ticket is refused and closes with 4003.
        let t = ticket(&alice).await;
        let mut first = Ws::connect(&server).await;
        assert_eq!(first.request("authenticate", json!({ "ticket": t })).await["status"], "ok");
        let mut second = Ws::connect(&server).await;
        let reused = second.request("authenticate", json!({ "ticket": t })).await;
        assert_eq!(reused["error"]["code"], "UNAUTHORIZED");
        assert_eq!(second.closed().await, 4003);
        drop(first);

        // A sixth connection of one user is refused with 4029 (after the server has seen the
        // earlier connections go).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut open = Vec::new();
        for _ in 0..5 {
            open.push(Ws::open(&server, &alice).await);
        }
        let mut sixth = Ws::connect(&server).await;
        let t = ticket(&alice).await;
        let refused = sixth.request("authenticate", json!({ "ticket": t })).await;
        assert_eq!(refused["error"]["code"], "TOO_MANY_CONNECTIONS");
        assert_eq!(sixth.closed().await, 4029);
        drop(open);

        // The 61st message within a minute is refused with RATE_LIMIT_EXCEEDED.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut ws = Ws::open(&server, &alice).await;
        let mut limited = None;
        for i in 0..61 {
            let reply = ws.request("ping", json!({})).await;
            if reply.get("error").is_some() {
                limited = Some((i, reply));
                break;
            }
        }
        let (at, reply) = limited.expect("the limit applies within 61 messages");
        assert_eq!(reply["error"]["code"], "RATE_LIMIT_EXCEEDED");
        assert!(at >= 59, "limited too early, at message {at}");

        // No authenticate within 10 s closes with 4001.
        let mut slow = Ws::connect(&server).await;
        assert_eq!(slow.closed().await, 4001);
    }

    async fn chat_events_reach_channel_members_only(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        let (carol, _) = server.register("carol@example.com", "Carol").await;
        for (client, email) in [(&bob, "bob@example.com"), (&carol, "carol@example.com")] {
            server.join(&alice, &org, client, email, "member").await;
        }
        let bob_id = bob.get("/auth/me", None).await.data()["id"].as_str().expect("id").to_owned();
        let private = alice.post("/chat/channels", Some(json!({ "name": "secret", "kind": "private", "member_ids": [bob_id] }))).await;
        private.assert_status(201);
        let private = private.data()["id"].as_str().expect("channel id").to_owned();
        let channels = alice.get("/chat/channels", None).await;
        let general = channels.data().as_array().expect("list").iter().find(|c| c["kind"] == "org").expect("general channel")["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let mut alice_ws = Ws::open(&server, &alice).await;
        let mut bob_ws = Ws::open(&server, &bob).await;
        let mut carol_ws = Ws::open(&server, &carol).await;

        alice.post(&format!("/chat/channels/{private}/messages"), Some(json!({ "content": "just us" }))).await.assert_status(201);
        let message = bob_ws.next("ChatMessage").await;
        assert_eq!(message["data"]["channel_id"], private.as_str());
        assert_eq!(message["data"]["message"]["content"], "just us");
        assert_eq!(message["data"]["message"]["user_name"], "Alice");
        assert_eq!(alice_ws.next("ChatMessage").await["data"]["message"]["content"], "just us");

        bob.post(&format!("/chat/channels/{private}/typing"), Some(json!({ "org_id": org }))).await.assert_status(204);
        let typing = alice_ws.next("Typing").await;
        assert_eq!(typing["data"]["channel_id"], private.as_str());
        assert!(typing.get("event_id").is_none(), "typing is ephemeral");

        alice.post(&format!("/chat/channels/{general}/messages"), Some(json!({ "content": "hello all" }))).await.assert_status(201);
        assert_eq!(carol_ws.next("ChatMessage").await["data"]["message"]["content"], "hello all");
        // Carol saw neither the private message nor the typing in the private channel.
        carol_ws.assert_none_of(&["ChatMessage", "Typing"]).await;
    }

    async fn notifications_reach_their_recipient_only(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        let (carol, _) = server.register("carol@example.com", "Carol").await;
        for (client, email) in [(&bob, "bob@example.com"), (&carol, "carol@example.com")] {
            server.join(&alice, &org, client, email, "member").await;
        }
        let bob_id = bob.get("/auth/me", None).await.data()["id"].as_str().expect("id").to_owned();
        let project = alice.post("/projects", Some(json!({ "name": "Website" }))).await;
        let pid = project.data()["id"].as_str().expect("id").to_owned();

        let mut alice_ws = Ws::open(&server, &alice).await;
        let mut bob_ws = Ws::open(&server, &bob).await;
        let mut carol_ws = Ws::open(&server, &carol).await;

        let task = alice
            .post("/tasks", Some(json!({ "title": "Implement login page", "project_id": pid, "assignee_ids": [bob_id] })))
            .await;
        task.assert_status(201);
        let tid = task.data()["id"].as_str().expect("id").to_owned();
        let pushed = bob_ws.next("NotificationCreated").await;
        assert!(pushed["event_id"].is_i64(), "{pushed}");
        let data = &pushed["data"];
        assert_eq!(data["type"], "task_assigned");
        assert_eq!(data["title"], "You were assigned to 'Implement login page'");
        assert_eq!(data["entity_type"], "task");
        assert_eq!(data["entity_id"], tid.as_str());
        assert!(data["id"].as_str().is_some_and(|i| i.starts_with("ntf_")) && data["created_at"].is_string());
        let mut keys: Vec<&str> = data.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["created_at", "entity_id", "entity_type", "id", "title", "type"]);
        // Carol (same organization, not assigned) and alice (the actor) get no notification.
        carol_ws.next_change("task", "created").await;
        carol_ws.assert_none_of(&["NotificationCreated"]).await;
        alice_ws.next_change("task", "created").await;
        alice_ws.assert_none_of(&["NotificationCreated"]).await;
    }

    async fn expired_tickets_are_refused(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_WS_TICKET_TTL_SECS", "1")]).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let stale = ticket(&alice).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let mut ws = Ws::connect(&server).await;
        let refused = ws.request("authenticate", json!({ "ticket": stale })).await;
        assert_eq!(refused["error"]["code"], "UNAUTHORIZED");
        assert_eq!(ws.closed().await, 4003);
        // A fresh ticket still works.
        let mut ws = Ws::connect(&server).await;
        let fresh = ticket(&alice).await;
        assert_eq!(ws.request("authenticate", json!({ "ticket": fresh })).await["status"], "ok");
    }

    async fn a_killed_server_loses_no_committed_event(backend: Backend) {
        let mut server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let token = alice.token().expect("alice has a token").to_owned();
        let project = alice.post("/projects", Some(json!({ "name": "Crash" }))).await;
        let pid = project.data()["id"].as_str().expect("id").to_owned();

        // Four writers create tasks until the server dies under them.
        let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let mut writers = Vec::new();
        for w in 0..4 {
            let (alice, pid, acknowledged) = (alice.clone(), pid.clone(), acknowledged.clone());
            writers.push(tokio::spawn(async move {
                for i in 0..250 {
                    let title = format!("w{w}-{i}");
                    let r = alice.post("/tasks", Some(json!({ "title": title, "project_id": pid }))).await;
                    if r.status != 201 {
                        break;
                    }
                    acknowledged.lock().expect("lock").push(title);
                }
            }));
        }
        while acknowledged.lock().expect("lock").len() < 200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill_and_restart().await;
        for w in writers {
            let _ = w.await;
        }
        let acknowledged = acknowledged.lock().expect("lock").clone();
        assert!(acknowledged.len() >= 200 && acknowledged.len() < 1000, "the kill landed mid-way: {}", acknowledged.len());

        // A client resuming from the beginning gets every committed creation once, in order;
        // the pong marks the end of the replay.
        let alice = server.client().with_token(&token);
        let mut ws = Ws::resume(&server, &alice, Some(0)).await;
        let pong = ws.request("ping", json!({})).await;
        assert_eq!(pong["action"], "pong");
        let created: Vec<&Value> = ws
            .events
            .iter()
            .filter(|e| e["data"]["entity_type"] == "task" && e["data"]["action"] == "created")
            .collect();
        let ids: Vec<i64> = ws.events.iter().filter_map(|e| e["event_id"].as_i64()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "replay is in order without duplicates");
        let titles: std::collections::BTreeSet<&str> =
            created.iter().filter_map(|e| e["data"]["entity"]["title"].as_str()).collect();
        assert_eq!(titles.len(), created.len(), "each creation is replayed once");
        for title in &acknowledged {
            assert!(titles.contains(title.as_str()), "acknowledged task {title} has no event");
        }
        // Events and data agree: every task in the project has its creation event, and no more.
        let total = alice.get(&format!("/tasks?project_id={pid}&per_page=1"), None).await.body["pagination"]["total"]
            .as_u64()
            .expect("total");
        assert_eq!(total as usize, created.len(), "one event per committed task");
    }

    async fn timer_updates_reach_the_timer_owner_only(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let pid = alice.post("/projects", Some(json!({ "name": "Website" }))).await.data()["id"].as_str().expect("id").to_owned();

        // Alice's second connection (another tab) and bob's.
        let mut tab = Ws::open(&server, &alice).await;
        let mut bob_ws = Ws::open(&server, &bob).await;

        let started = alice.post("/time-entries/start", Some(json!({ "project_id": pid, "description": "Docs" }))).await;
        started.assert_status(201);
        let eid = started.data()["id"].as_str().expect("id").to_owned();
        let on = tab.next("TimerUpdate").await;
        assert_eq!(on["data"]["running"], true, "{on}");
        assert_eq!(on["data"]["time_entry"]["id"], eid.as_str());
        assert_eq!(on["data"]["time_entry"]["description"], "Docs");
        assert_eq!(on["data"]["time_entry"]["project_id"], pid.as_str());
        assert_eq!(on["data"]["time_entry"]["start_time"], started.data()["started_at"]);
        alice.post("/time-entries/stop", None).await.assert_status(200);
        let off = tab.next("TimerUpdate").await;
        assert_eq!(off["data"]["running"], false, "{off}");
        assert_eq!(off["data"]["time_entry"]["id"], eid.as_str());

        // Bob, a member without view_reports, may not read alice's entries over REST: he gets
        // neither her TimerUpdate nor the entry's EntityChanged (up to a later task everyone sees).
        bob.get(&format!("/time-entries/{eid}"), None).await.assert_error(403, "FORBIDDEN");
        let marker = alice.post("/tasks", Some(json!({ "title": "marker", "project_id": pid }))).await;
        let marker = marker.data()["id"].as_str().expect("id").to_owned();
        loop {
            let e = bob_ws.event().await;
            assert_ne!(e["event"], "TimerUpdate", "bob received alice's timer: {e}");
            assert_ne!(e["data"]["entity_type"], "time_entry", "bob received alice's entry: {e}");
            if e["data"]["entity_id"] == marker.as_str() {
                break;
            }
        }
        bob_ws.assert_none_of(&["TimerUpdate"]).await;
    }
}

/// Two processes of one deployment (PostgreSQL + Redis) and, registered through the first, alice
/// with her organization and bob as its member. Returns (a, b, alice, bob, org id).
async fn deployment_of_two() -> (Server, Server, Client, Client, String) {
    let a = Server::start_with(
        Backend::Postgres,
        &[("STINT_REDIS_URL", "redis://127.0.0.1:6379")],
    )
    .await;
    let b = a.start_peer().await;
    let (alice, org) = a
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let (bob, _) = a.register("bob@example.com", "Bob").await;
    a.join(&alice, &org, &bob, "bob@example.com", "member")
        .await;
    (a, b, alice, bob, org)
}

/// Two `stint` processes sharing PostgreSQL and Redis serve one deployment: events, typing and
/// presence caused through one reach clients of the other, and a ticket works only once across
/// both.
#[tokio::test]
async fn two_processes_share_events_signals_and_tickets() {
    let (a, b, alice, bob_a, org) = deployment_of_two().await;
    let bob = b.client().with_token(bob_a.token().expect("bob's token"));

    let mut alice_ws = Ws::open(&a, &alice).await;
    let mut bob_ws = Ws::open(&b, &bob).await;
    // Bob came online on B; Alice, on A, hears of it.
    let online = alice_ws.next("UserPresence").await;
    assert_eq!(online["data"]["status"], "online");

    // A change made through B reaches A's client.
    let project = bob
        .post(
            "/projects",
            Some(json!({ "name": "Made on B", "org_id": org })),
        )
        .await;
    project.assert_status(403);
    let project = alice
        .post("/projects", Some(json!({ "name": "Made on A" })))
        .await;
    project.assert_status(201);
    let pid = project.data()["id"].as_str().expect("id").to_owned();
    let created = bob_ws.next_change("project", "created").await;
    assert_eq!(
        created["data"]["entity_id"],
        pid.as_str(),
        "B's client sees A's change"
    );
    let task = bob
        .post(
            "/tasks",
            Some(json!({ "title": "From B", "project_id": pid })),
        )
        .await;
    task.assert_status(201);
    let seen = alice_ws.next_change("task", "created").await;
    assert_eq!(
        seen["data"]["entity"]["title"], "From B",
        "A's client sees B's change"
    );

    // Typing through B reaches A.
    let channels = bob.get(&format!("/chat/channels?org_id={org}"), None).await;
    let general = channels
        .data()
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["kind"] == "org")
        .expect("general")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    bob.post(
        &format!("/chat/channels/{general}/typing"),
        Some(json!({ "org_id": org })),
    )
    .await
    .assert_status(204);
    let typing = alice_ws.next("Typing").await;
    assert_eq!(typing["data"]["channel_id"], general.as_str());

    // A ticket redeemed on A is refused on B.
    let t = ticket(&alice).await;
    let mut on_a = Ws::connect(&a).await;
    assert_eq!(
        on_a.request("authenticate", json!({ "ticket": t })).await["status"],
        "ok"
    );
    let mut on_b = Ws::connect(&b).await;
    let reused = on_b.request("authenticate", json!({ "ticket": t })).await;
    assert_eq!(reused["error"]["code"], "UNAUTHORIZED");
    assert_eq!(on_b.closed().await, 4003);
}

/// Two processes on one PostgreSQL + Redis: process A is killed with SIGKILL while a client writes
/// 1,000 mutations through process B. A's client, resuming on the restarted A with the last event
/// id it saw, receives every committed event exactly once, in order.
#[tokio::test]
async fn a_killed_peer_loses_no_event_committed_through_the_other() {
    let mut a = Server::start_with(
        Backend::Postgres,
        &[("STINT_REDIS_URL", "redis://127.0.0.1:6379")],
    )
    .await;
    let b = a.start_peer().await;
    let (alice, _org) = a
        .register_with_org("alice@example.com", "Alice", "Acme")
        .await;
    let token = alice.token().expect("alice has a token").to_owned();
    let through_b = b.client().with_token(&token);
    let pid = through_b
        .post("/projects", Some(json!({ "name": "Crash" })))
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // A's client records every event until A dies under it.
    let mut live = Ws::open(&a, &alice).await;
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_secs(30), live.stream.next()).await
        {
            if let Message::Text(text) = message {
                let frame: Value = serde_json::from_str(&text).expect("frames are JSON");
                if frame.get("event_id").is_some() {
                    seen.push(frame);
                }
            }
        }
        seen
    });

    // Four writers create 1,000 tasks through B; B stays up, so every write is acknowledged.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, pid, acknowledged) = (through_b.clone(), pid.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..250 {
                let title = format!("w{w}-{i}");
                let r = client
                    .post("/tasks", Some(json!({ "title": title, "project_id": pid })))
                    .await;
                r.assert_status(201);
                acknowledged.lock().expect("lock").push(title);
            }
        }));
    }
    while acknowledged.lock().expect("lock").len() < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.kill_and_restart().await;
    let before_kill = reader.await.expect("the reader ends when A dies");
    for w in writers {
        w.await.expect("every write through B succeeds");
    }
    assert!(
        acknowledged.lock().expect("lock").len() == 1000,
        "all writes acknowledged"
    );

    // Resume on the restarted A after the last event seen; read until every task is accounted for.
    let last_seen = before_kill
        .last()
        .and_then(|e| e["event_id"].as_i64())
        .unwrap_or(0);
    let alice = a.client().with_token(&token);
    let mut resumed = Ws::resume(&a, &alice, Some(last_seen)).await;
    let is_task_created =
        |e: &Value| e["data"]["entity_type"] == "task" && e["data"]["action"] == "created";
    let mut all: Vec<Value> = before_kill;
    let live_count = all.iter().filter(|e| is_task_created(e)).count();
    assert!(
        live_count < 1000,
        "the kill landed before every event was delivered live"
    );
    let mut tasks_seen = live_count;
    while tasks_seen < 1000 {
        let e = resumed.event().await;
        if is_task_created(&e) {
            tasks_seen += 1;
        }
        all.push(e);
    }
    resumed.assert_none_of(&["EntityChanged"]).await;

    let ids: Vec<i64> = all.iter().filter_map(|e| e["event_id"].as_i64()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "events arrive in order, none twice"
    );
    let titles: std::collections::BTreeSet<&str> = all
        .iter()
        .filter(|e| is_task_created(e))
        .filter_map(|e| e["data"]["entity"]["title"].as_str())
        .collect();
    assert_eq!(
        titles.len(),
        1000,
        "each of the 1,000 creations exactly once"
    );
    for title in acknowledged.lock().expect("lock").iter() {
        assert!(titles.contains(title.as_str()), "task {title} has no event");
    }
}

/// With two processes sharing Redis, the per-user connection limit and presence hold for the
/// deployment: five connections spread over both processes are the most a user may hold, and the
/// user goes offline only when the last one, on either process, closes.
#[tokio::test]
async fn connection_limit_and_presence_span_processes() {
    let (a, b, alice, bob, _org) = deployment_of_two().await;
    let alice_on_b = b.client().with_token(alice.token().expect("token"));
    let alice_id = alice.get("/auth/me", None).await.data()["id"].clone();
    let mut bob_ws = Ws::open(&a, &bob).await;

    let mut on_a = Vec::new();
    for _ in 0..3 {
        on_a.push(Ws::open(&a, &alice).await);
    }
    let online = loop {
        let e = bob_ws.next("UserPresence").await;
        if e["data"]["user_id"] == alice_id {
            break e;
        }
    };
    assert_eq!(online["data"]["status"], "online");
    let mut on_b = Vec::new();
    for _ in 0..2 {
        on_b.push(Ws::open(&b, &alice_on_b).await);
    }
    // A sixth connection is refused on either process.
    for server in [&a, &b] {
        let mut sixth = Ws::connect(server).await;
        let t = ticket(&alice).await;
        let refused = sixth.request("authenticate", json!({ "ticket": t })).await;
        assert_eq!(
            refused["error"]["code"], "TOO_MANY_CONNECTIONS",
            "{refused}"
        );
        assert_eq!(sixth.closed().await, 4029);
    }
    // B's second connection came online without a second announcement; closing all of A's keeps
    // alice online (she is still on B).
    for ws in on_a {
        ws.close().await;
    }
    // A slot freed on A is usable on B.
    let extra = Ws::open(&b, &alice_on_b).await;
    bob_ws.assert_none_of(&["UserPresence"]).await;
    extra.close().await;
    for ws in on_b {
        ws.close().await;
    }
    let offline = bob_ws.next("UserPresence").await;
    assert_eq!(offline["data"]["user_id"], alice_id);
    assert_eq!(offline["data"]["status"], "offline");
}

both! {
    /// Invoices over the socket come from the same registry: create and send a draft, receive the
    /// `EntityChanged` events, and get the PDF as base64.
    async fn invoices_over_the_socket(backend: Backend) {
        use base64::Engine;
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let mut ws = Ws::open(&server, &alice).await;
        let client = ws.request("clients.create", json!({ "name": "Globex" })).await;
        let client_id = client["data"]["id"].as_str().expect("client id").to_owned();
        // Bob, a plain member, does not manage invoices: their events never reach him.
        let mut bob_ws = Ws::open(&server, &bob).await;
        let created = ws.request("invoices.create", json!({
            "client_id": client_id, "issue_date": "2026-04-01", "due_date": "2026-04-30",
            "lines": [{ "description": "Consulting", "quantity": 2, "unit_price": 5000 }],
        })).await;
        let inv = created["data"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
        assert_eq!(created["data"]["total"], 10000);
        let change = ws.next_change("invoice", "created").await;
        assert_eq!(change["data"]["entity_id"], inv.as_str());
        let sent = ws.request("invoices.send", json!({ "id": inv })).await;
        assert_eq!(sent["data"]["number"], "INV-0001");
        let change = ws.next_change("invoice", "updated").await;
        assert_eq!(change["data"]["changes"]["status"]["to"], "sent");
        let pdf = ws.request("invoices.pdf", json!({ "id": inv })).await;
        assert_eq!(pdf["data"]["content_type"], "application/pdf");
        assert_eq!(pdf["data"]["filename"], "INV-0001.pdf");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(pdf["data"]["content_base64"].as_str().expect("base64"))
            .expect("valid base64");
        assert!(bytes.starts_with(b"%PDF-"));
        let denied = bob_ws.request("invoices.get", json!({ "id": inv, "org_id": org })).await;
        assert_eq!(denied["error"]["code"], "FORBIDDEN", "{denied}");
        bob_ws.request("ping", json!({})).await;
        let leaked: Vec<&Value> = bob_ws.events.iter().filter(|e| e["data"]["entity_type"] == "invoice").collect();
        assert!(leaked.is_empty(), "invoice events reached a member without manage_invoices: {leaked:?}");
    }
}

both! {
    /// A user whose connections send nothing for `STINT_PRESENCE_AWAY_SECS` is announced `away`
    /// to the organization, and `online` again with their next message.
    async fn an_idle_user_goes_away_and_comes_back(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_PRESENCE_AWAY_SECS", "1")]).await;
        let (alice, org) = server
            .register_with_org("alice@example.com", "Alice", "Acme")
            .await;
        let (bob, _) = server.register("bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let bob_id = bob.get("/auth/me", None).await.data()["id"].clone();
        let mut alice_ws = Ws::open(&server, &alice).await;
        let mut bob_ws = Ws::open(&server, &bob).await;
        let mut bobs = Vec::new();
        while bobs.len() < 2 {
            let e = alice_ws.next("UserPresence").await;
            if e["data"]["user_id"] == bob_id {
                bobs.push(e["data"]["status"].as_str().expect("status").to_owned());
            }
        }
        assert_eq!(bobs, ["online", "away"], "bob came online, then went idle");

        // Bob's next message brings him back; the request is answered as usual.
        let answer = bob_ws.request("projects.list", json!({})).await;
        assert!(answer.get("error").is_none(), "{answer}");
        assert_eq!(answer["pagination"]["total"], 0, "{answer}");
        let back = loop {
            let e = alice_ws.next("UserPresence").await;
            if e["data"]["user_id"] == bob_id {
                break e;
            }
        };
        assert_eq!(back["data"]["status"], "online");
    }
}

both! {
    /// On SIGTERM every WebSocket is told the server is going away (1001) before the process
    /// exits, and it exits successfully.
    async fn shutdown_closes_sockets_with_going_away(backend: Backend) {
        let mut server = Server::start(backend).await;
        let (alice, _org) = server
            .register_with_org("alice@example.com", "Alice", "Acme")
            .await;
        let mut first = Ws::open(&server, &alice).await;
        let mut second = Ws::open(&server, &alice).await;
        server.terminate();
        assert_eq!(first.closed().await, 1001);
        assert_eq!(second.closed().await, 1001);
        let status = server.exited().await;
        assert!(status.success(), "{status:?}");
    }
}
