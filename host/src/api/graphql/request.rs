//! What every resolver of one request (or one subscription connection) shares: the application,
//! the authenticated caller, and the request's batched lookups.

use serde_json::{Value, json};

use crate::actions::Reply;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{Error, Result};

/// The per-request context, in the request's data.
#[derive(Clone)]
pub struct RequestCx {
    /// The application.
    pub app: App,
    /// Who calls.
    pub caller: Caller,
}

impl RequestCx {
    /// Calls the action `name` with a JSON payload, through the registry.
    pub async fn invoke(&self, name: &str, payload: Value) -> Result<Reply> {
        let entry = self
            .app
            .registry
            .get(name)
            .ok_or_else(|| Error::NotFound(format!("no action {name}")))?;
        entry.invoke(&self.app, &self.caller, payload).await
    }

    /// The caller's account, as the `User` type shows it.
    pub async fn me(&self) -> Result<Value> {
        let user = crate::domain::accounts::me(&self.app, &self.caller.principal).await?;
        Ok(json!({
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "avatar_url": user.avatar_url,
            "created_at": user.created_at,
        }))
    }
}
