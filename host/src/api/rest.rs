//! REST under `/api/v1`: JSON in and out, `{"data": …}` envelopes, errors as
//! `{"error": {"code", "message", "details"?}}`.

mod auth;
mod extract;
mod invoke;
mod plugins;
mod reports;
pub mod routes;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use extract::{Body, BodyLimit, CallerExt, bearer_token, caller, strip_bearer};

/// The extension that tells extractors the configured body cap.
pub fn extract_body_limit(limit: usize) -> BodyLimit {
    BodyLimit(limit)
}
pub use routes::{RouteInfo, router};

use crate::error::Error;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.envelope())).into_response();
        error_headers(&self, response.headers_mut());
        response
    }
}

/// The headers an error answer carries besides its body: `Retry-After` when rate-limited, and
/// `Connection: close` after an oversized body.
pub fn error_headers(err: &Error, headers: &mut axum::http::HeaderMap) {
    match err {
        Error::RateLimited { retry_after_secs } => {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
        }
        // The rest of the oversized body is not read, so the connection cannot be reused; say
        // so, or a keep-alive client's next request fails on a closed socket.
        Error::PayloadTooLarge { .. } => {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        _ => {}
    }
}
