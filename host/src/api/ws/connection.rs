//! One WebSocket connection: authenticate, then serve requests and push the events of its
//! [`Feed`] (replay of what was missed, then live) until either side closes. The connection is a
//! transport: who may see what is the feed's business, what an action does the registry's.

use std::future::Future;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::stream::{FuturesUnordered, SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::time::{Instant, sleep_until};

use super::protocol::{self, Correlation, close};
use crate::app::App;
use crate::auth::Caller;
use crate::error::Error;
use crate::events::feed::{Feed, Next, Subscriber};
use crate::events::presence;
use crate::rate_limit::connections::Slot;

type Sink = SplitSink<WebSocket, Message>;
type Source = SplitStream<WebSocket>;

/// A slow client gets this long to accept a frame before the connection is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What `authenticate` established.
struct Session {
    caller: Caller,
    /// The connection's place in the per-user count; released when the connection ends.
    slot: Slot,
    /// `last_event_id` asked for.
    resume_from: Option<i64>,
    correlation: Correlation,
}

type InFlight<'a> = FuturesUnordered<Pin<Box<dyn Future<Output = String> + Send + 'a>>>;

/// Runs a connection to the end.
pub async fn run(
    app: App,
    socket: WebSocket,
    ip: IpAddr,
    pending: crate::rate_limit::connections::PendingSlot,
) {
    let (mut sink, mut source) = socket.split();
    let authenticated = authenticate(&app, &mut sink, &mut source, ip).await;
    drop(pending);
    let Some(session) = authenticated else {
        linger(&mut source).await;
        return;
    };
    let Session {
        caller,
        slot,
        resume_from,
        correlation,
    } = session;
    let subscriber = Subscriber {
        user_id: caller.principal.user_id.clone(),
        bound_org: caller.principal.bound_org().map(str::to_owned),
    };
    let mut feed = match Feed::open(app.feed_source(), subscriber, resume_from).await {
        Ok(feed) => feed,
        Err(e) => {
            let _ = send(&mut sink, protocol::error(&Error::from(e), &correlation)).await;
            let _ = slot.release().await;
            return;
        }
    };
    let orgs: Vec<String> = feed.organizations().map(str::to_owned).collect();
    let user_id = caller.principal.user_id.clone();
    if slot.first {
        presence::announce(
            &app.bus,
            orgs.iter().map(String::as_str),
            &user_id,
            "online",
        );
    }
    let data = json!({ "user_id": user_id, "resumed_from": resume_from, "resume_complete": feed.resume_complete() });
    let reply = protocol::ok(
        crate::actions::Reply {
            data,
            pagination: None,
        },
        &correlation,
    );
    if send(&mut sink, reply).await.is_some() {
        let _ = serve(&app, &caller, &mut sink, &mut source, &mut feed).await;
    }
    let orgs: Vec<String> = feed.organizations().map(str::to_owned).collect();
    drop(feed);
    if slot.release().await {
        presence::announce(
            &app.bus,
            orgs.iter().map(String::as_str),
            &user_id,
            "offline",
        );
    }
    linger(&mut source).await;
}

/// After the server's close frame, reads until the client's answers it (or two seconds pass),
/// so that the client sees the close frame rather than a reset while it is still writing.
async fn linger(source: &mut Source) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(message)) = source.next().await {
            if let Message::Close(_) = message {
                break;
            }
        }
    })
    .await;
}

/// `authenticate` payload.
#[derive(Deserialize)]
struct Authenticate {
    ticket: String,
    last_event_id: Option<i64>,
}

async fn authenticate(
    app: &App,
    sink: &mut Sink,
    source: &mut Source,
    ip: IpAddr,
) -> Option<Session> {
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
                let Some(slot) = app
                    .ws_limits
                    .acquire(
                        app.bus.relay(),
                        &principal.user_id,
                        super::CONNECTIONS_PER_USER,
                    )
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
                return Some(Session {
                    caller: Caller {
                        principal,
                        ip: Some(ip),
                    },
                    slot,
                    resume_from: auth.last_event_id,
                    correlation: request.correlation,
                });
            }
            _ => {
                let e = Error::Unauthorized("authenticate first: send {\"action\": \"authenticate\", \"payload\": {\"ticket\": …}}".into());
                send(sink, protocol::error(&e, &request.correlation)).await?;
            }
        }
    }
}

/// Serves an authenticated connection: requests (several in flight at once, each answered with
/// its `request_id` when it completes), the feed's events, pings and the idle deadline.
async fn serve<'a>(
    app: &'a App,
    caller: &'a Caller,
    sink: &mut Sink,
    source: &mut Source,
    feed: &mut Feed,
) -> Option<()> {
    let timing = &app.config.ws;
    let limiter = governor::RateLimiter::direct(governor::Quota::per_minute(
        NonZeroU32::new(super::MESSAGES_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
    ));
    let mut refused = 0u32;
    let mut in_flight: InFlight<'a> = FuturesUnordered::new();
    let mut ping =
        tokio::time::interval_at(Instant::now() + timing.ping_interval, timing.ping_interval);
    let mut pong_due: Option<Instant> = None;
    // One timer each for the idle and pong deadlines, moved when they change: a timer created
    // per loop turn would be registered and dropped again for every event pushed.
    let idle = tokio::time::sleep(timing.idle_timeout);
    let pong = tokio::time::sleep(timing.pong_timeout);
    tokio::pin!(idle, pong);
    loop {
        tokio::select! {
            // At most MAX_IN_FLIGHT requests run at once: beyond that the socket is not read
            // (TCP pushes back on the client) until one completes.
            // What was missed is replayed before any request sent after `authenticate` is read,
            // so an answer marks the end of the replay.
            message = source.next(), if in_flight.len() < super::MAX_IN_FLIGHT && !feed.replaying() => {
                let Some(text) = incoming(sink, message.inspect(|m| {
                    if let Ok(Message::Pong(_)) = m { pong_due = None; }
                })).await? else { continue };
                idle.as_mut().reset(Instant::now() + timing.idle_timeout);
                feed.touch();
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
                match request(app, caller, &text) {
                    Handled::Now(reply) => send(sink, reply).await?,
                    Handled::Later(reply) => in_flight.push(reply),
                }
            }
            Some(reply) = in_flight.next(), if !in_flight.is_empty() => send(sink, reply).await?,
            next = feed.next() => match next {
                Next::Event(d) => timed(sink.send(Message::Text(d.frame.clone()))).await?,
                // Requests are read again from the next turn on.
                Next::CaughtUp => {}
                Next::Closed => {
                    shut(sink, close::GOING_AWAY, "server shutting down").await;
                    return None;
                }
            },
            _ = ping.tick() => {
                timed(sink.send(Message::Ping(Default::default()))).await?;
                if pong_due.is_none() {
                    let due = Instant::now() + timing.pong_timeout;
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

/// A request answered at once (ping, protocol errors) or an action still running.
enum Handled<'a> {
    Now(String),
    Later(Pin<Box<dyn Future<Output = String> + Send + 'a>>),
}

/// Parses one request; actions go through the registry like REST's.
fn request<'a>(app: &'a App, caller: &'a Caller, text: &str) -> Handled<'a> {
    let request = match protocol::parse(text) {
        Ok(r) => r,
        Err((e, c)) => return Handled::Now(protocol::error(&e, &c)),
    };
    match request.action.as_str() {
        "ping" => Handled::Now(protocol::pong(&request.correlation)),
        "authenticate" => Handled::Now(protocol::error(
            &Error::invalid("this connection is already authenticated"),
            &request.correlation,
        )),
        name => match app.registry.get(name) {
            None => Handled::Now(protocol::error(
                &Error::invalid_field("action", format!("unknown action {name:?}")),
                &request.correlation,
            )),
            Some(entry) => {
                let running = entry.invoke(app, caller, request.payload);
                let correlation = request.correlation;
                Handled::Later(Box::pin(async move {
                    match running.await {
                        Ok(reply) => protocol::ok(reply, &correlation),
                        Err(e) => protocol::error(&e, &correlation),
                    }
                }))
            }
        },
    }
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
        Some(Ok(Message::Close(_))) => {
            // Complete the closing handshake: the protocol queued the echoed close frame, which
            // goes out when the sink is flushed and closed.
            let _ = tokio::time::timeout(SEND_TIMEOUT, sink.close()).await;
            None
        }
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
