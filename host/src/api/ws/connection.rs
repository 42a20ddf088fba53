//! One WebSocket connection: authenticate, replay what was missed, then serve requests and push
//! events until either side closes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until};

use super::limits::Slot;
use super::protocol::{self, Correlation, close};
use crate::app::App;
use crate::auth::Caller;
use crate::domain::permissions::PermissionSet;
use crate::error::Error;
use crate::events::{Audience, Delivery, dispatcher};
use crate::store;

type Sink = SplitSink<WebSocket, Message>;
type Source = SplitStream<WebSocket>;

/// A slow client gets this long to accept a frame before the connection is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Replay reads the outbox in batches of this size.
const REPLAY_BATCH: i64 = 500;

/// The authenticated side of a connection.
struct Session {
    caller: Caller,
    /// Organizations the user belongs to (only the bound one for a personal access token's
    /// session), with the user's effective permissions there; re-read from the database when a
    /// membership event about the user passes, so revoked permissions stop events at once.
    orgs: HashMap<String, PermissionSet>,
    /// Highest event id delivered, so replayed and live events are never sent twice.
    last_sent: i64,
    /// The connection's place in the per-user count; released when the connection ends.
    slot: Option<Slot>,
}

impl Session {
    fn user_id(&self) -> &str {
        &self.caller.principal.user_id
    }
}

/// Runs a connection to the end.
pub async fn run(app: App, socket: WebSocket, ip: IpAddr, pending: super::limits::PendingSlot) {
    let (mut sink, mut source) = socket.split();
    let authenticated = authenticate(&app, &mut sink, &mut source, ip).await;
    drop(pending);
    let Some((mut session, resume)) = authenticated else {
        return;
    };
    let user_id = session.user_id().to_owned();
    if session.slot.as_ref().is_some_and(|slot| slot.first) {
        presence(&app, &session, "online");
    }
    let _ = serve(&app, &mut sink, &mut source, &mut session, resume).await;
    let orgs = session.orgs.clone();
    let slot = session.slot.take();
    drop(session);
    let last = match slot {
        Some(slot) => slot.release().await,
        None => false,
    };
    if last {
        for org in orgs.keys() {
            signal_presence(&app, org, &user_id, "offline");
        }
    }
}

/// `authenticate` payload.
#[derive(Deserialize)]
struct Authenticate {
    ticket: String,
    last_event_id: Option<i64>,
}

/// Where to resume from and what to answer `authenticate` with.
struct Resume {
    from: Option<i64>,
    correlation: Correlation,
}

async fn authenticate(
    app: &App,
    sink: &mut Sink,
    source: &mut Source,
    ip: IpAddr,
) -> Option<(Session, Resume)> {
    let deadline = Instant::now() + super::AUTH_TIMEOUT;
    loop {
        let text = tokio::select! {
            _ = sleep_until(deadline) => {
                shut(sink, close::AUTH_TIMEOUT, "authentication timeout").await;
                return None;
            }
            message = source.next() => match incoming(sink, message).await? {
                Some(text) => text,
                None => continue,
            },
        };
        let request = match protocol::parse(&text) {
            Ok(r) => r,
            Err((e, c)) => {
                send(sink, protocol::error(&e, &c)).await?;
                continue;
            }
        };
        match request.action.as_str() {
            "ping" => send(sink, protocol::pong(&request.correlation)).await?,
            "authenticate" => {
                let auth: Authenticate = match crate::actions::decode_payload(request.payload) {
                    Ok(a) => a,
                    Err(e) => {
                        send(sink, protocol::error(&e, &request.correlation)).await?;
                        continue;
                    }
                };
                let principal =
                    match crate::domain::accounts::redeem_ws_ticket(app, &auth.ticket).await {
                        Ok(p) => p,
                        Err(e) => {
                            send(sink, protocol::error(&e, &request.correlation)).await?;
                            shut(sink, close::AUTH_FAILED, "authentication failed").await;
                            return None;
                        }
                    };
                let user_id = principal.user_id.clone();
                let Some(slot) = app
                    .ws_limits
                    .acquire(app.bus.relay(), &user_id, super::CONNECTIONS_PER_USER)
                    .await
                else {
                    let message = format!(
                        "at most {} connections per user",
                        super::CONNECTIONS_PER_USER
                    );
                    send(
                        sink,
                        protocol::error_code(
                            "TOO_MANY_CONNECTIONS",
                            &message,
                            &request.correlation,
                        ),
                    )
                    .await?;
                    shut(sink, close::TOO_MANY_CONNECTIONS, "too many connections").await;
                    return None;
                };
                let orgs = match crate::domain::members::permissions_by_org(&app.db, &user_id).await
                {
                    // A session opened with a personal access token's ticket sees only the
                    // token's organization, as the token itself does.
                    Ok(mut orgs) => {
                        orgs.retain(|o, _| principal.bound_org().is_none_or(|b| b == o));
                        orgs
                    }
                    Err(e) => {
                        send(sink, protocol::error(&e, &request.correlation)).await?;
                        return None;
                    }
                };
                let caller = Caller {
                    principal,
                    ip: Some(ip),
                };
                let session = Session {
                    caller,
                    orgs,
                    last_sent: auth.last_event_id.unwrap_or(0),
                    slot: Some(slot),
                };
                return Some((
                    session,
                    Resume {
                        from: auth.last_event_id,
                        correlation: request.correlation,
                    },
                ));
            }
            _ => {
                let e = Error::Unauthorized("authenticate first: send {\"action\": \"authenticate\", \"payload\": {\"ticket\": …}}".into());
                send(sink, protocol::error(&e, &request.correlation)).await?;
            }
        }
    }
}

async fn serve(
    app: &App,
    sink: &mut Sink,
    source: &mut Source,
    session: &mut Session,
    resume: Resume,
) -> Option<()> {
    // Subscribe before reading the outbox, so nothing committed meanwhile falls between the two;
    // `last_sent` removes what arrives both ways.
    let mut bus = app.bus.subscribe();
    let complete = match resume.from {
        Some(from) => store::events::oldest_outbox_id(&mut &app.db)
            .await
            .ok()
            .flatten()
            .is_none_or(|oldest| oldest <= from + 1),
        None => true,
    };
    let data = json!({ "user_id": session.user_id(), "resumed_from": resume.from, "resume_complete": complete });
    send(
        sink,
        protocol::ok(
            crate::actions::Reply {
                data,
                pagination: None,
            },
            &resume.correlation,
        ),
    )
    .await?;
    if let Some(from) = resume.from {
        replay(app, sink, session, from).await?;
    }

    let limiter = governor::RateLimiter::direct(governor::Quota::per_minute(
        NonZeroU32::new(super::MESSAGES_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
    ));
    let mut refused = 0u32;
    let mut ping =
        tokio::time::interval_at(Instant::now() + super::PING_INTERVAL, super::PING_INTERVAL);
    let mut pong_due: Option<Instant> = None;
    // One timer each for the idle and pong deadlines, moved when they change: a timer created
    // per loop turn would be registered and dropped again for every event pushed.
    let idle = tokio::time::sleep(super::IDLE_TIMEOUT);
    let pong = tokio::time::sleep(super::PONG_TIMEOUT);
    tokio::pin!(idle, pong);
    loop {
        tokio::select! {
            message = source.next() => {
                let Some(text) = incoming(sink, message.inspect(|m| {
                    if let Ok(Message::Pong(_)) = m { pong_due = None; }
                })).await? else { continue };
                idle.as_mut().reset(Instant::now() + super::IDLE_TIMEOUT);
                if limiter.check().is_err() {
                    refused += 1;
                    if refused > super::MESSAGES_PER_MINUTE {
                        shut(sink, close::POLICY_VIOLATION, "rate limit exceeded repeatedly").await;
                        return None;
                    }
                    let correlation = protocol::parse(&text).map(|r| r.correlation).unwrap_or_else(|(_, c)| c);
                    let message = "Too many messages. Please slow down.";
                    send(sink, protocol::error_code("RATE_LIMIT_EXCEEDED", message, &correlation)).await?;
                    continue;
                }
                refused = 0;
                let reply = handle(app, session, &text).await;
                send(sink, reply).await?;
            }
            delivery = bus.recv() => match delivery {
                Ok(d) => deliver(app, sink, session, &d).await?,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, user_id = session.user_id(), "connection lagged; replaying from the outbox");
                    let from = session.last_sent;
                    replay(app, sink, session, from).await?;
                }
                Err(RecvError::Closed) => {
                    shut(sink, close::NORMAL, "server shutting down").await;
                    return None;
                }
            },
            _ = ping.tick() => {
                timed(sink.send(Message::Ping(Default::default()))).await?;
                if pong_due.is_none() {
                    let due = Instant::now() + super::PONG_TIMEOUT;
                    pong_due = Some(due);
                    pong.as_mut().reset(due);
                }
            }
            _ = &mut pong, if pong_due.is_some() => {
                shut(sink, close::PONG_TIMEOUT, "no pong").await;
                return None;
            }
            _ = &mut idle => {
                shut(sink, close::IDLE_TIMEOUT, "idle timeout").await;
                return None;
            }
        }
    }
}

/// Answers one request.
async fn handle(app: &App, session: &Session, text: &str) -> String {
    let request = match protocol::parse(text) {
        Ok(r) => r,
        Err((e, c)) => return protocol::error(&e, &c),
    };
    match request.action.as_str() {
        "ping" => protocol::pong(&request.correlation),
        "authenticate" => protocol::error(
            &Error::invalid("this connection is already authenticated"),
            &request.correlation,
        ),
        name => match app.registry.get(name) {
            None => protocol::error(
                &Error::invalid_field("action", format!("unknown action {name:?}")),
                &request.correlation,
            ),
            Some(entry) => match entry.invoke(app, &session.caller, request.payload).await {
                Ok(reply) => protocol::ok(reply, &request.correlation),
                Err(e) => protocol::error(&e, &request.correlation),
            },
        },
    }
}

/// Sends the outbox events after `from` that the session may see, in order — up to what the
/// dispatcher has published; anything later reaches the session live from the bus.
async fn replay(app: &App, sink: &mut Sink, session: &mut Session, from: i64) -> Option<()> {
    let orgs: Vec<String> = session.orgs.keys().cloned().collect();
    let until = app.events_published.get();
    let mut after = from;
    while after < until {
        let rows = match store::events::outbox_after(&mut &app.db, after, Some(&orgs), REPLAY_BATCH)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "replay failed");
                return Some(());
            }
        };
        let Some(last) = rows.last().map(|r| r.id) else {
            return Some(());
        };
        for row in rows.into_iter().take_while(|r| r.id <= until) {
            deliver(app, sink, session, &dispatcher::delivery(row)).await?;
        }
        after = last;
    }
    Some(())
}

/// Sends one delivery if the session may see it and has not had it yet.
async fn deliver(app: &App, sink: &mut Sink, session: &mut Session, d: &Delivery) -> Option<()> {
    if d.event_id.is_some_and(|id| id <= session.last_sent) {
        return Some(());
    }
    let about_me = matches!(&d.entity, Some((t, id)) if t == "member" && id == session.user_id());
    let about_me = about_me
        && session
            .caller
            .principal
            .bound_org()
            .is_none_or(|b| b == d.org_id);
    let removed = d.action.as_deref() == Some("deleted");
    // A member sees the event that adds or changes them with their new permissions, and the
    // one that removes them with their old ones.
    if about_me && !removed {
        refresh_membership(app, session, &d.org_id).await;
    }
    let visible = match session.orgs.get(&d.org_id) {
        None => false,
        Some(perms) => {
            match d
                .audience
                .admits(session.user_id(), |name| perms.contains_named(name))
            {
                Some(admitted) => admitted,
                None => match &d.audience {
                    Audience::Channel(c) => in_channel(app, d, c, session.user_id()).await,
                    _ => false,
                },
            }
        }
    };
    if visible {
        timed(sink.send(Message::Text(d.frame.clone()))).await?;
    }
    if let Some(id) = d.event_id {
        session.last_sent = id;
    }
    let org_gone = matches!(&d.entity, Some((t, _)) if t == "organization")
        && d.action.as_deref() == Some("deleted");
    if org_gone {
        session.orgs.remove(&d.org_id);
    } else if about_me && removed {
        refresh_membership(app, session, &d.org_id).await;
    }
    Some(())
}

/// Re-reads the session user's membership in `org_id` (joined, changed or left).
async fn refresh_membership(app: &App, session: &mut Session, org_id: &str) {
    match store::access::membership(&mut &app.db, org_id, session.user_id()).await {
        Ok(Some(row)) => {
            let (_, perms) = crate::domain::members::effective(&row);
            session.orgs.insert(org_id.to_owned(), perms);
        }
        Ok(None) => {
            session.orgs.remove(org_id);
        }
        Err(e) => {
            // Withhold rather than guess: events of this organization stop until the next
            // membership event or reconnection.
            tracing::warn!(error = %e, "membership refresh failed; organization withheld");
            session.orgs.remove(org_id);
        }
    }
}

/// Whether the user may see a chat channel's event. The channel's audience is read from the
/// database once per event, when it is delivered, and shared by every connection.
async fn in_channel(app: &App, d: &Delivery, channel_id: &str, user_id: &str) -> bool {
    let members = d
        .channel_members
        .get_or_try_init(|| crate::domain::chat::channel_audience(&app.db, channel_id))
        .await;
    match members {
        Ok(None) => true,
        Ok(Some(ids)) => ids.contains(user_id),
        Err(e) => {
            tracing::warn!(error = %e, "channel visibility check failed; event withheld");
            false
        }
    }
}

fn presence(app: &App, session: &Session, status: &str) {
    for org in session.orgs.keys() {
        signal_presence(app, org, session.user_id(), status);
    }
}

fn signal_presence(app: &App, org_id: &str, user_id: &str, status: &str) {
    let data = json!({ "user_id": user_id, "status": status, "last_seen": crate::clock::now() });
    app.bus
        .signal(org_id, Audience::Org, "UserPresence", user_id, &data);
}

/// Turns the next incoming message into text to handle: `Some(Some(text))`; `Some(None)` for
/// control frames; `None` when the connection is over (closing it with the right code first).
async fn incoming(
    sink: &mut Sink,
    message: Option<Result<Message, axum::Error>>,
) -> Option<Option<String>> {
    match message {
        None => None,
        Some(Err(e)) => {
            let too_big = std::error::Error::source(&e)
                .map(|s| s.to_string().contains("too long") || s.to_string().contains("too big"))
                .unwrap_or(false)
                || e.to_string().contains("too long");
            if too_big {
                shut(sink, close::MESSAGE_TOO_BIG, "message larger than 64 KB").await;
            }
            None
        }
        Some(Ok(Message::Text(t))) if t.len() > super::MAX_MESSAGE_BYTES => {
            shut(sink, close::MESSAGE_TOO_BIG, "message larger than 64 KB").await;
            None
        }
        Some(Ok(Message::Text(t))) => Some(Some(t.to_string())),
        Some(Ok(Message::Binary(_))) => {
            shut(
                sink,
                close::UNSUPPORTED_DATA,
                "binary frames are not supported; send JSON text",
            )
            .await;
            None
        }
        Some(Ok(Message::Close(_))) => None,
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Some(None),
    }
}

async fn send(sink: &mut Sink, text: String) -> Option<()> {
    timed(sink.send(Message::Text(text.into()))).await
}

async fn timed(f: impl Future<Output = Result<(), axum::Error>>) -> Option<()> {
    match tokio::time::timeout(SEND_TIMEOUT, f).await {
        Ok(Ok(())) => Some(()),
        _ => None,
    }
}

async fn shut(sink: &mut Sink, code: u16, reason: &str) {
    tracing::debug!(code, reason, "closing WebSocket connection");
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}
