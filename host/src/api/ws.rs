//! `/ws`: TRCR's WebSocket API. A client connects, sends `authenticate` with a single-use ticket
//! (optionally with `last_event_id` to resume), then sends actions — dispatched through the same
//! registry as REST — and receives the events it may see, pushed as they commit.

mod connection;
pub mod protocol;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};

use crate::app::App;

/// Largest accepted message: a larger one closes the connection with 1009.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// What the transport reads before giving up on a message: above [`MAX_MESSAGE_BYTES`] so that
/// an oversized message is read whole and answered with a 1009 close frame instead of a reset.
const READ_LIMIT_BYTES: usize = 1024 * 1024;
/// Time allowed between connecting and a successful `authenticate`.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests of one connection that may run at once; further messages wait unread.
pub const MAX_IN_FLIGHT: usize = 8;
/// Client messages allowed per minute per connection.
pub const MESSAGES_PER_MINUTE: u32 = 60;
/// Concurrent connections allowed per user.
pub const CONNECTIONS_PER_USER: usize = 5;

/// Upgrades `GET /ws`. Buffers are kept small: an idle connection should cost kilobytes. More
/// than `STINT_WS_PENDING_PER_ADDRESS` unauthenticated connections from one address are refused
/// (429).
pub async fn upgrade(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(pending) = app
        .ws_limits
        .pending
        .acquire(peer.ip(), app.config.ws.pending_per_address)
    else {
        return crate::error::Error::RateLimited {
            retry_after_secs: AUTH_TIMEOUT.as_secs(),
        }
        .into_response();
    };
    ws.max_message_size(READ_LIMIT_BYTES)
        .max_frame_size(READ_LIMIT_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| connection::run(app, socket, peer.ip(), pending))
}
