//! Stint's errors as GraphQL errors: `extensions.code` is the REST envelope's code
//! (`NOT_FOUND`, `VALIDATION_ERROR`, `FORBIDDEN`, …), `extensions.details` its details, and for a
//! bad argument `extensions.field` names it as the client wrote it (camelCase).

use async_graphql::ErrorExtensions;
use serde_json::Value;

use super::types::{camel, to_const};
use crate::error::Error;

/// Converts an error (logging internal ones, whose text stays in the log).
pub fn to_graphql(err: Error) -> async_graphql::Error {
    to_graphql_ref(&err)
}

/// [`to_graphql`] for a borrowed error.
pub fn to_graphql_ref(err: &Error) -> async_graphql::Error {
    if let Error::Internal(e) = err {
        tracing::error!(error = ?e, "internal error");
    }
    let message = match err {
        Error::Internal(_) => "internal error".to_owned(),
        other => other.to_string(),
    };
    let details = err.details();
    async_graphql::Error::new(message).extend_with(|_, ext| {
        ext.set("code", err.code());
        if let Some(details) = &details {
            if let Some(field) = details.get("field").and_then(Value::as_str) {
                ext.set("field", camel_path(field));
            }
            ext.set("details", to_const(details));
        }
        if let Error::RateLimited { retry_after_secs } = err {
            ext.set("retry_after_secs", *retry_after_secs);
        }
    })
}

/// `tasks[1].due_date` → `tasks[1].dueDate`.
fn camel_path(path: &str) -> String {
    path.split('.').map(camel).collect::<Vec<_>>().join(".")
}

/// A GraphQL error with a code of its own (for what happens before any action runs).
pub fn coded(code: &'static str, message: impl Into<String>) -> async_graphql::ServerError {
    let mut e = async_graphql::ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    e
}
