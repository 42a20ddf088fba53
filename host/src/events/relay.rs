//! Several processes, one deployment: a Redis pub/sub channel carries what the database does not —
//! ephemeral signals (typing, presence) — and wakes the other processes' dispatchers when this one
//! committed events, so they publish them to their own connections at once instead of at their
//! next poll.
//!
//! The channel is named after the database URL, so processes of one deployment share it and other
//! deployments on the same Redis do not hear it. Each message names its origin process, which
//! ignores its own messages.

use std::sync::Arc;

use futures::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Notify;

use crate::events::{Audience, Bus};

/// What travels between processes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    /// New outbox rows were committed; read the outbox.
    Wake { origin: String },
    /// An ephemeral signal to deliver to local connections.
    Signal {
        origin: String,
        org_id: String,
        audience: Option<String>,
        event: String,
        user_id: String,
        data: Value,
    },
}

/// The publishing side, shared by the process.
pub struct Relay {
    origin: String,
    channel: String,
    conn: redis::aio::MultiplexedConnection,
}

impl Relay {
    /// Connects to Redis for the deployment whose database is `database_url`.
    pub async fn connect(
        redis_url: &str,
        database_url: &str,
    ) -> anyhow::Result<(Arc<Relay>, redis::Client)> {
        let client = redis::Client::open(redis_url)?;
        let conn = client.get_multiplexed_async_connection().await?;
        let channel = format!(
            "stint:events:{}",
            &crate::ids::hash_secret(database_url)[..16]
        );
        Ok((
            Arc::new(Relay {
                origin: crate::ids::secret(12),
                channel,
                conn,
            }),
            client,
        ))
    }

    fn send(&self, wire: &Wire) {
        let Ok(payload) = serde_json::to_string(wire) else {
            return;
        };
        let mut conn = self.conn.clone();
        let channel = self.channel.clone();
        tokio::spawn(async move {
            if let Err(e) = conn.publish::<_, _, i64>(channel, payload).await {
                tracing::warn!(error = %e, "publishing to Redis failed");
            }
        });
    }

    /// Tells the other processes that new events are in the outbox.
    pub fn wake_others(&self) {
        self.send(&Wire::Wake {
            origin: self.origin.clone(),
        });
    }

    /// Sends an ephemeral signal to the other processes.
    pub fn signal(
        &self,
        org_id: &str,
        audience: &Audience,
        event: &str,
        user_id: &str,
        data: &Value,
    ) {
        self.send(&Wire::Signal {
            origin: self.origin.clone(),
            org_id: org_id.to_owned(),
            audience: audience.to_column().map(str::to_owned),
            event: event.to_owned(),
            user_id: user_id.to_owned(),
            data: data.clone(),
        });
    }

    /// Listens to the other processes until the process stops, re-subscribing after failures:
    /// their signals go to the local bus, their wake-ups to the local dispatcher.
    pub async fn listen(self: Arc<Self>, client: redis::Client, app: crate::app::App) {
        loop {
            if let Err(e) = self.listen_once(&client, &app.bus, &app.outbox_wake).await {
                tracing::warn!(error = %e, "Redis subscription lost; reconnecting");
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    async fn listen_once(
        &self,
        client: &redis::Client,
        bus: &Bus,
        wake: &Notify,
    ) -> anyhow::Result<()> {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(&self.channel).await?;
        // Anything committed while we were not listening is picked up from the outbox.
        wake.notify_one();
        let mut messages = pubsub.on_message();
        while let Some(message) = messages.next().await {
            let Ok(payload) = message.get_payload::<String>() else {
                continue;
            };
            match serde_json::from_str::<Wire>(&payload) {
                Ok(Wire::Wake { origin }) if origin != self.origin => wake.notify_one(),
                Ok(Wire::Signal {
                    origin,
                    org_id,
                    audience,
                    event,
                    user_id,
                    data,
                }) if origin != self.origin => {
                    bus.deliver_signal(
                        &org_id,
                        Audience::from_column(audience.as_deref()),
                        &event,
                        &user_id,
                        &data,
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "ignoring a malformed relay message"),
            }
        }
        anyhow::bail!("the subscription ended")
    }
}
