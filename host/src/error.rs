//! The error type every operation returns, and how it maps onto the API envelope.
//!
//! Policy: a domain function fails with [`Error`]; each variant carries what the client needs to
//! fix its request and nothing about our internals. Database and other unexpected failures become
//! [`Error::Internal`], whose details are logged and never sent. Each protocol adapter maps an
//! `Error` to its wire shape in exactly one place using [`Error::code`] and [`Error::status`].
//! `anyhow` is used only off the request path (start-up, CLI) and inside `Internal`.

use serde_json::Value;

/// Result alias for domain and adapter code.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything an operation can fail with, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed: bad JSON, a wrong type, a missing field (HTTP 400).
    #[error("{message}")]
    Validation {
        /// Human-readable explanation.
        message: String,
        /// Machine-readable context, e.g. `{"field": "email"}`.
        details: Option<Value>,
    },
    /// The request is well-formed but breaks a rule, e.g. a start date after the due date (HTTP 422).
    #[error("{message}")]
    Unprocessable {
        /// Human-readable explanation.
        message: String,
        /// Machine-readable context.
        details: Option<Value>,
    },
    /// Missing, invalid or expired credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but lacking a permission.
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist or belongs to an organization the caller is not in.
    #[error("{0}")]
    NotFound(String),
    /// The change conflicts with the current state (duplicates, resources still in use).
    #[error("{0}")]
    Conflict(String),
    /// The request body exceeds the configured cap.
    #[error("request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// Too many requests; retry after the given number of seconds.
    #[error("too many requests, retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after_secs: u64,
    },
    /// A plugin failed this call: it trapped, ran out of time or memory, panicked or returned
    /// output that breaks its contract (HTTP 502). Other calls are unaffected.
    #[error("plugin {plugin} failed: {reason}: {message}")]
    Plugin {
        /// The plugin's name.
        plugin: String,
        /// A stable reason: `trap`, `timeout`, `out_of_memory`, `panic`, `contract`, `error`,
        /// `disabled`, `unavailable`.
        reason: String,
        /// What happened, including a captured panic message.
        message: String,
    },
    /// Anything unexpected. The inner error is logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    /// A malformed request (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Validation {
            message: message.into(),
            details: None,
        }
    }

    /// A malformed request naming the offending field (400).
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Error::Validation {
            message: message.into(),
            details: Some(serde_json::json!({ "field": field })),
        }
    }

    /// A well-formed request that breaks a rule, naming the field (422).
    pub fn rule(field: &str, message: impl Into<String>) -> Self {
        Error::Unprocessable {
            message: message.into(),
            details: Some(serde_json::json!({ "field": field })),
        }
    }

    /// `NOT_FOUND` for a kind of resource, e.g. `Error::not_found("task")`.
    pub fn not_found(what: &str) -> Self {
        Error::NotFound(format!("{what} not found"))
    }

    /// `FORBIDDEN` naming the missing permission.
    pub fn missing_permission(permission: &str) -> Self {
        Error::Forbidden(format!("this requires the {permission} permission"))
    }

    /// The stable code of the error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } | Error::Unprocessable { .. } => "VALIDATION_ERROR",
            Error::Unauthorized(_) => "UNAUTHORIZED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Conflict(_) => "CONFLICT",
            Error::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Error::RateLimited { .. } => "RATE_LIMIT_EXCEEDED",
            Error::Plugin { .. } => "PLUGIN_ERROR",
            Error::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status for REST.
    pub fn status(&self) -> u16 {
        match self {
            Error::Validation { .. } => 400,
            Error::Unprocessable { .. } => 422,
            Error::Unauthorized(_) => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::Conflict(_) => 409,
            Error::PayloadTooLarge { .. } => 413,
            Error::RateLimited { .. } => 429,
            Error::Plugin { .. } => 502,
            Error::Internal(_) => 500,
        }
    }

    /// The `details` member of the envelope, if any.
    pub fn details(&self) -> Option<Value> {
        match self {
            Error::Validation { details, .. } | Error::Unprocessable { details, .. } => {
                details.clone()
            }
            Error::Plugin {
                plugin,
                reason,
                message,
            } => Some(serde_json::json!({
                "plugin": plugin, "reason": reason, "message": message,
            })),
            _ => None,
        }
    }

    /// The envelope body: `{"error": {"code", "message", "details"?}}`.
    pub fn envelope(&self) -> Value {
        let mut error = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        if let Some(details) = self.details() {
            error["details"] = details;
        }
        serde_json::json!({ "error": error })
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Error::Internal(err.into())
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        Error::Internal(err)
    }
}

/// Turns database constraint violations into the errors a client can act on.
pub trait OnConstraint<T> {
    /// Maps a unique-constraint violation to `CONFLICT` with `message`.
    fn on_unique(self, message: &str) -> Result<T>;
}

impl<T> OnConstraint<T> for std::result::Result<T, sqlx::Error> {
    fn on_unique(self, message: &str) -> Result<T> {
        self.map_err(|e| {
            if crate::store::db::is_unique_violation(&e) {
                Error::Conflict(message.to_owned())
            } else {
                e.into()
            }
        })
    }
}
