//! Several processes, one deployment: a Redis pub/sub channel carries what the database does not —
//! ephemeral signals (typing, presence) — and wakes the other processes' dispatchers when this one
//! committed events, so they publish them to their own connections at once instead of at their
//! next poll.
//!
//! The channel is named after the database URL, so processes of one deployment share it and other
//! deployments on the same Redis do not hear it. Each message names its origin process, which
//! ignores its own messages.
//!
//! Redis also counts each user's WebSocket connections across the deployment (the per-user limit
//! and presence hold for all processes together): a sorted set per user whose members are this
//! process's connections, scored by an expiry that the owning process keeps pushing forward. A
//! process that dies stops refreshing, and its connections fall out of the count within
//! [`CONNECTION_TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// How long a connection counts without its process refreshing it.
pub const CONNECTION_TTL: Duration = Duration::from_secs(60);

/// How often a process refreshes its connections' entries.
const CONNECTION_REFRESH: Duration = Duration::from_secs(20);

/// Drops expired members, then adds ARGV[3] with expiry ARGV[2] unless the user already holds
/// ARGV[4] connections. Returns the count after adding, or -1 when full.
const CLAIM: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('ZCARD', KEYS[1])
";

/// Removes ARGV[2] and expired members; returns how many connections remain.
const RELEASE: &str = r"
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
";

/// The publishing side, shared by the process.
pub struct Relay {
    origin: String,
    channel: String,
    /// Prefix of the per-user connection sets.
    connections_prefix: String,
    conn: redis::aio::MultiplexedConnection,
    /// This process's live connections: member → user id, for refreshing.
    live: Mutex<HashMap<String, String>>,
}

impl Relay {
    /// Connects to Redis for the deployment whose database is `database_url`.
    pub async fn connect(
        redis_url: &str,
        database_url: &str,
    ) -> anyhow::Result<(Arc<Relay>, redis::Client)> {
        let client = redis::Client::open(redis_url)?;
        let conn = client.get_multiplexed_async_connection().await?;
        let deployment = &crate::ids::hash_secret(database_url)[..16];
        Ok((
            Arc::new(Relay {
                origin: crate::ids::secret(12),
                channel: format!("stint:events:{deployment}"),
                connections_prefix: format!("stint:conns:{deployment}:"),
                conn,
                live: Mutex::new(HashMap::new()),
            }),
            client,
        ))
    }

    /// Counts a new connection of `user_id` across the deployment: `Some(n)` with the user's
    /// connections including this one, or `None` when they already hold `max`. The returned
    /// member name releases it.
    pub async fn claim_connection(
        &self,
        user_id: &str,
        max: usize,
    ) -> redis::RedisResult<Option<(usize, String)>> {
        let member = format!("{}:{}", self.origin, crate::ids::secret(8));
        let now = now_ms();
        let count: i64 = redis::Script::new(CLAIM)
            .key(self.connections_key(user_id))
            .arg(now)
            .arg(now + CONNECTION_TTL.as_millis() as i64)
            .arg(&member)
            .arg(max)
            .arg(CONNECTION_TTL.as_millis() as i64)
            .invoke_async(&mut self.conn.clone())
            .await?;
        if count < 0 {
            return Ok(None);
        }
        self.live_connections()
            .insert(member.clone(), user_id.to_owned());
        Ok(Some((count as usize, member)))
    }

    /// Releases a connection claimed with [`Relay::claim_connection`]; returns how many
    /// connections the user still holds across the deployment.
    pub async fn release_connection(
        &self,
        user_id: &str,
        member: &str,
    ) -> redis::RedisResult<usize> {
        self.live_connections().remove(member);
        let remaining: i64 = redis::Script::new(RELEASE)
            .key(self.connections_key(user_id))
            .arg(now_ms())
            .arg(member)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(remaining.max(0) as usize)
    }

    /// Keeps this process's connections counted until the process stops.
    pub async fn refresh_connections(self: Arc<Self>) {
        loop {
            tokio::time::sleep(CONNECTION_REFRESH).await;
            let live: Vec<(String, String)> = self
                .live_connections()
                .iter()
                .map(|(m, u)| (m.clone(), u.clone()))
                .collect();
            if live.is_empty() {
                continue;
            }
            let expiry = now_ms() + CONNECTION_TTL.as_millis() as i64;
            let mut pipe = redis::pipe();
            for (member, user_id) in &live {
                let key = self.connections_key(user_id);
                pipe.cmd("ZADD")
                    .arg(&key)
                    .arg("XX")
                    .arg(expiry)
                    .arg(member)
                    .ignore();
                pipe.cmd("PEXPIRE")
                    .arg(&key)
                    .arg(CONNECTION_TTL.as_millis() as i64)
                    .ignore();
            }
            if let Err(e) = pipe.query_async::<()>(&mut self.conn.clone()).await {
                tracing::warn!(error = %e, "refreshing connection counts in Redis failed");
            }
        }
    }

    fn connections_key(&self, user_id: &str) -> String {
        format!("{}{user_id}", self.connections_prefix)
    }

    fn live_connections(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
    pub async fn listen(self: Arc<Self>, client: redis::Client, bus: Arc<Bus>, wake: Arc<Notify>) {
        loop {
            if let Err(e) = self.listen_once(&client, &bus, &wake).await {
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

/// Milliseconds since the Unix epoch (processes of a deployment are assumed to keep their clocks
/// in sync, as NTP does, within a small fraction of [`CONNECTION_TTL`]).
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
