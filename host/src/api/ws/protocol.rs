//! The `/ws` wire format: requests, responses, pushed events and close codes.
//!
//! Requests are `{"action", "payload"?, "request_id"?}` (TRCR's blog uses `id`; both are accepted
//! and whichever the client sent is echoed). Responses are `{"status": "ok", "data", "pagination"?}`
//! or `{"status": "error", "error": {"code", "message", "details"?}}` plus the echoed id. Pushed
//! events are `{"event", "event_id"?, "data"}`.

use serde_json::{Map, Value, json};

use crate::actions::Reply;
use crate::error::Error;

/// Close codes Stint uses (documented in `docs/websocket.md`).
pub mod close {
    /// Normal closure (the client closed).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down (resume with `last_event_id` once it is back).
    pub const GOING_AWAY: u16 = 1001;
    /// Binary frames are not part of the protocol.
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// The client kept sending after being told it exceeded the rate limit.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A message exceeded 64 KB.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// No message from the client for 5 minutes.
    pub const IDLE_TIMEOUT: u16 = 4000;
    /// No `authenticate` within 10 seconds of connecting.
    pub const AUTH_TIMEOUT: u16 = 4001;
    /// No pong within 10 seconds of a ping.
    pub const PONG_TIMEOUT: u16 = 4002;
    /// The ticket was invalid, expired or already used.
    pub const AUTH_FAILED: u16 = 4003;
    /// The user already has the maximum number of connections.
    pub const TOO_MANY_CONNECTIONS: u16 = 4029;
}

/// Which key the client used to correlate, so the reply uses the same one.
#[derive(Debug, Clone)]
pub enum Correlation {
    /// No id given.
    None,
    /// `request_id`.
    RequestId(Value),
    /// `id` (as in TRCR's blog examples).
    Id(Value),
}

impl Correlation {
    fn apply(&self, frame: &mut Map<String, Value>) {
        match self {
            Correlation::None => {}
            Correlation::RequestId(v) => {
                frame.insert("request_id".into(), v.clone());
            }
            Correlation::Id(v) => {
                frame.insert("id".into(), v.clone());
            }
        }
    }
}

/// A parsed client message.
#[derive(Debug)]
pub struct Request {
    /// The action name.
    pub action: String,
    /// The payload (`{}` when absent).
    pub payload: Value,
    /// The correlation id to echo.
    pub correlation: Correlation,
}

/// Parses a text frame. On failure returns the error and whatever correlation id could be read.
pub fn parse(text: &str) -> Result<Request, (Error, Correlation)> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        (
            Error::invalid(format!("malformed JSON: {e}")),
            Correlation::None,
        )
    })?;
    let Value::Object(mut map) = value else {
        return Err((
            Error::invalid("a message must be a JSON object"),
            Correlation::None,
        ));
    };
    let correlation = match (map.remove("request_id"), map.remove("id")) {
        (Some(v), _) => Correlation::RequestId(v),
        (None, Some(v)) => Correlation::Id(v),
        (None, None) => Correlation::None,
    };
    let action = match map.remove("action") {
        Some(Value::String(a)) if !a.is_empty() => a,
        Some(_) => {
            return Err((
                Error::invalid_field("action", "action must be a non-empty string"),
                correlation,
            ));
        }
        None => {
            return Err((
                Error::invalid_field("action", "action is required"),
                correlation,
            ));
        }
    };
    let payload = match map.remove("payload") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v,
        Some(_) => {
            return Err((
                Error::invalid_field("payload", "payload must be a JSON object"),
                correlation,
            ));
        }
    };
    Ok(Request {
        action,
        payload,
        correlation,
    })
}

/// `{"status": "ok", "data", "pagination"?}` with the echoed id.
pub fn ok(reply: Reply, correlation: &Correlation) -> String {
    let mut frame = Map::new();
    frame.insert("status".into(), json!("ok"));
    frame.insert("data".into(), reply.data);
    if let Some(p) = reply.pagination {
        frame.insert(
            "pagination".into(),
            serde_json::to_value(p).unwrap_or(Value::Null),
        );
    }
    correlation.apply(&mut frame);
    Value::Object(frame).to_string()
}

/// `{"status": "error", "error": {…}}` with the echoed id.
pub fn error(err: &Error, correlation: &Correlation) -> String {
    if let Error::Internal(e) = err {
        tracing::error!(error = ?e, "internal error in a WebSocket action");
    }
    let mut frame = Map::new();
    frame.insert("status".into(), json!("error"));
    frame.insert("error".into(), err.envelope()["error"].clone());
    correlation.apply(&mut frame);
    Value::Object(frame).to_string()
}

/// An error frame with a WebSocket-specific code (`TOO_MANY_CONNECTIONS`, `RATE_LIMIT_EXCEEDED`),
/// with the echoed id.
pub fn error_code(code: &str, message: &str, correlation: &Correlation) -> String {
    let mut frame = Map::new();
    frame.insert("status".into(), json!("error"));
    frame.insert("error".into(), json!({ "code": code, "message": message }));
    correlation.apply(&mut frame);
    Value::Object(frame).to_string()
}

/// The reply to the `ping` action.
pub fn pong(correlation: &Correlation) -> String {
    let mut frame = Map::new();
    frame.insert("action".into(), json!("pong"));
    frame.insert("timestamp".into(), json!(crate::clock::now()));
    correlation.apply(&mut frame);
    Value::Object(frame).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests_and_echoes_the_id_key_used() {
        let r = parse(r#"{"action":"tasks.list","id":7}"#).unwrap();
        assert_eq!(r.action, "tasks.list");
        assert_eq!(r.payload, json!({}));
        let reply = Reply {
            data: json!([]),
            pagination: None,
        };
        let frame: Value = serde_json::from_str(&ok(reply, &r.correlation)).unwrap();
        assert_eq!(frame, json!({"status": "ok", "data": [], "id": 7}));

        let (err, corr) = parse(r#"{"request_id":"r1","payload":{}}"#).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_ERROR");
        let frame: Value = serde_json::from_str(&error(&err, &corr)).unwrap();
        assert_eq!(frame["request_id"], "r1");
        assert!(parse("[1]").is_err());
        assert!(parse(r#"{"action":"x","payload":[1]}"#).is_err());
    }
}
