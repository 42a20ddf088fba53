//! Where 2025-protocol MCP sessions are remembered when several processes serve one address: in
//! Redis, so that a request carrying a session id started on another process is served without
//! asking the client to initialize again. (2026-07-28 requests carry everything they need and
//! never touch it.)

use rmcp::transport::streamable_http_server::session::store::{
    SessionState, SessionStore, SessionStoreError,
};

/// How long an idle session is remembered.
const TTL_SECS: u64 = 24 * 60 * 60;

/// Sessions in Redis, one key per session, expiring after a day without being stored again.
pub struct RedisSessions {
    client: redis::Client,
    /// Connected on first use.
    conn: tokio::sync::OnceCell<redis::aio::MultiplexedConnection>,
    prefix: String,
}

impl RedisSessions {
    /// Sessions in the Redis of `client`; `deployment` keeps deployments sharing one Redis apart.
    pub fn new(client: redis::Client, deployment: &str) -> Self {
        RedisSessions {
            client,
            conn: tokio::sync::OnceCell::new(),
            prefix: format!("stint:mcp:session:{deployment}:"),
        }
    }

    async fn conn(&self) -> Result<redis::aio::MultiplexedConnection, SessionStoreError> {
        let conn = self
            .conn
            .get_or_try_init(|| self.client.get_multiplexed_async_connection())
            .await?;
        Ok(conn.clone())
    }
}

#[async_trait::async_trait]
impl SessionStore for RedisSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let mut conn = self.conn().await?;
        let raw: Option<String> = redis::cmd("GET")
            .arg(format!("{}{session_id}", self.prefix))
            .query_async(&mut conn)
            .await?;
        Ok(raw.map(|s| serde_json::from_str(&s)).transpose()?)
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let mut conn = self.conn().await?;
        let () = redis::cmd("SET")
            .arg(format!("{}{session_id}", self.prefix))
            .arg(serde_json::to_string(state)?)
            .arg("EX")
            .arg(TTL_SECS)
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        let mut conn = self.conn().await?;
        let _: i64 = redis::cmd("DEL")
            .arg(format!("{}{session_id}", self.prefix))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }
}
