//! The generic REST handler: path parameters, query string and body become one action payload.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::extract::{Body, CallerExt};
use crate::actions::{Action, Reply, dispatch, dispatch_typed};
use crate::app::App;
use crate::error::Error;

/// Merges the parts of a request into a payload: body fields, then query parameters that the body
/// did not set, then path parameters, which always win (the URL names the resource).
pub fn payload(
    body: Map<String, Value>,
    query: Option<&str>,
    path: Vec<(String, String)>,
) -> Value {
    let mut payload = body;
    if let Some(q) = query {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            payload
                .entry(k.into_owned())
                .or_insert(Value::String(v.into_owned()));
        }
    }
    for (k, v) in path {
        payload.insert(k, Value::String(v));
    }
    Value::Object(payload)
}

/// Renders a reply: `{"data": …}` (plus `pagination`), or no body for 204.
pub fn render(status: StatusCode, reply: Reply) -> Response {
    if status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    let body = match reply.pagination {
        Some(p) => json!({ "data": reply.data, "pagination": p }),
        None => json!({ "data": reply.data }),
    };
    (status, axum::Json(body)).into_response()
}

/// Handler for action `A`, answering with `STATUS` on success.
pub async fn call<A: Action, const STATUS: u16>(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    path: Option<Path<Vec<(String, String)>>>,
    RawQuery(query): RawQuery,
    Body(body): Body,
) -> Result<Response, Error> {
    let path = path.map(|Path(p)| p).unwrap_or_default();
    let reply = dispatch::<A>(&app, &caller, payload(body, query.as_deref(), path)).await?;
    Ok(render(
        StatusCode::from_u16(STATUS).unwrap_or(StatusCode::OK),
        reply,
    ))
}

/// An action output that REST sends as a file rather than JSON.
pub trait FileOutput {
    /// The MIME type, e.g. `application/pdf`.
    fn content_type(&self) -> &'static str;
    /// The suggested file name for `Content-Disposition`.
    fn filename(&self) -> &str;
    /// The bytes.
    fn into_bytes(self) -> Vec<u8>;
}

impl FileOutput for crate::domain::invoices::Document {
    fn content_type(&self) -> &'static str {
        self.content_type
    }
    fn filename(&self) -> &str {
        &self.filename
    }
    fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Handler for action `A` whose output is a file: 200 with its bytes, content type and an
/// `inline` `Content-Disposition`. Errors are the usual JSON.
pub async fn file<A>(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    path: Option<Path<Vec<(String, String)>>>,
    RawQuery(query): RawQuery,
    Body(body): Body,
) -> Result<Response, Error>
where
    A: Action,
    A::Output: FileOutput,
{
    let path = path.map(|Path(p)| p).unwrap_or_default();
    let out = dispatch_typed::<A>(&app, &caller, payload(body, query.as_deref(), path)).await?;
    let content_type = out.content_type();
    let safe: String = out
        .filename()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let disposition = format!("inline; filename=\"{safe}\"");
    Ok((
        StatusCode::OK,
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        out.into_bytes(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_wins_over_body_and_query_fills_gaps() {
        let mut body = Map::new();
        body.insert("id".into(), json!("from-body"));
        body.insert("title".into(), json!("t"));
        let p = payload(
            body,
            Some("title=q&page=2"),
            vec![("id".into(), "from-path".into())],
        );
        assert_eq!(p, json!({"id": "from-path", "title": "t", "page": "2"}));
    }
}
