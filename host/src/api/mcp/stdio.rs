//! `stint mcp`: the same tools over stdio for desktop clients (Claude Desktop, Claude Code's
//! stdio servers). In-process on the configured database, acting as the owner of the token in
//! `STINT_TOKEN`; or, with `--url`, a bridge that forwards every message to a remote server's
//! `/mcp` with that token.

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, Transport};

use super::server::StintMcp;
use crate::app::App;
use crate::auth::Caller;

/// Serves MCP on stdin/stdout as the owner of `token` (a personal access token or a login JWT),
/// until the client closes stdin.
pub async fn serve_in_process(app: App, token: &str) -> anyhow::Result<()> {
    let principal = crate::domain::accounts::authenticate(&app, token)
        .await
        .map_err(|e| anyhow::anyhow!("STINT_TOKEN: {e}"))?;
    let caller = Caller {
        principal,
        ip: None,
    };
    // This process's own events reach its subscriptions; the server process reads them from
    // the shared database as it reads every other writer's.
    let dispatcher = tokio::spawn(crate::events::dispatcher::run(
        app.db.clone(),
        app.bus.clone(),
        app.events_published.clone(),
        app.outbox_wake.clone(),
    ));
    let tools = Arc::new(super::tools::tools(&app.registry));
    let running = StintMcp::for_caller(app.clone(), tools, caller)
        .serve(rmcp::transport::stdio())
        .await?;
    let ended = running.waiting().await;
    app.bus.shut_down();
    dispatcher.abort();
    app.db.close().await;
    ended?;
    Ok(())
}

/// Forwards stdin/stdout to the Streamable HTTP endpoint `url`, authenticated with `token`,
/// until either side closes.
pub async fn bridge(url: &str, token: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().build()?;
    let mut remote = StreamableHttpClientTransport::with_client(
        http,
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token),
    );
    let (stdin, stdout) = rmcp::transport::stdio();
    let mut local = AsyncRwTransport::new_server(stdin, stdout);
    loop {
        tokio::select! {
            from_client = local.receive() => match from_client {
                Some(message) => remote.send(message).await?,
                None => break,
            },
            from_server = remote.receive() => match from_server {
                Some(message) => local.send(message).await?,
                None => anyhow::bail!("the server at {url} closed the connection"),
            },
        }
    }
    // The client is gone; give the transport a moment to end its session on the server, no more.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), remote.close()).await;
    Ok(())
}
