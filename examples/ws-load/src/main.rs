//! `stint-ws-load`: opens many authenticated `/ws` connections to a running Stint server, reports
//! the server's memory per idle connection, then creates tasks over REST and measures how long each
//! `EntityChanged` takes to reach every connection.
//!
//! ```sh
//! ulimit -n 20000
//! cargo run --release -p stint-ws-load -- --url http://127.0.0.1:8080 --connections 10000 \
//!     --server-pid "$(pgrep -f 'stint serve')"
//! ```
//!
//! The server must run with `STINT_RATE_LIMIT_PER_MINUTE=0` (setup registers many users). Each user
//! may hold 5 connections, so `connections / 5` users are registered and invited into one
//! organization (with `--server-log`, through the invitation links the server logs). Connections
//! are spread over `--sources` loopback addresses so that one machine can exceed the ephemeral
//! port range of a single address; raise the server's `STINT_WS_PENDING_PER_ADDRESS`.
//!
//! With `--protocol graphql` the same connections are GraphQL subscriptions instead
//! (`graphql-transport-ws` at `/graphql`, the token in `connection_init`, one
//! `entityChanged(types: ["task"])` subscription each), so the two fan-outs compare in one run.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpSocket;

use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "WebSocket connection and fan-out load test for Stint")]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Connections to open.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Connections per user (the server allows 5).
    #[arg(long, default_value_t = 5)]
    per_user: usize,
    /// Loopback source addresses to spread connections over (127.0.0.1 … 127.0.0.N).
    #[arg(long, default_value_t = 1)]
    sources: u8,
    /// The server's pid, to read its RSS from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Events to fan out (one task creation each).
    #[arg(long, default_value_t = 5)]
    events: usize,
    /// Seconds to hold the connections idle before measuring memory.
    #[arg(long, default_value_t = 3)]
    settle_secs: u64,
    /// Unique prefix for e-mail addresses (default: derived from the time).
    #[arg(long)]
    run_id: Option<String>,
    /// The server's log file (its stderr, mail logged there): the invited users join through
    /// the invitation links mailed to them. Without it, registering after the invitation is
    /// assumed to join (servers before invitation links).
    #[arg(long)]
    server_log: Option<std::path::PathBuf>,
    /// `ws` (Stint's `/ws`) or `graphql` (subscriptions over `graphql-transport-ws`).
    #[arg(long, default_value = "ws")]
    protocol: String,
}

/// The token of the last invitation link mailed to each address in a server log (one event per
/// line), by address.
fn invitation_tokens(log: &str) -> std::collections::HashMap<String, String> {
    const LINK: &str = "accept-invitation?token=";
    let mut out = std::collections::HashMap::new();
    for line in log.lines().filter(|l| l.contains(LINK)) {
        let Some(to) = line.split_once("to=").map(|(_, rest)| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        }) else {
            continue;
        };
        let Some(at) = line.find(LINK) else { continue };
        let token: String = line[at + LINK.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        out.insert(to, token);
    }
    out
}

/// Waits until `n` connections have authenticated.
async fn wait_ready(ready: &(AtomicUsize, Notify), n: usize) {
    loop {
        let notified = ready.1.notified();
        if ready.0.load(Ordering::SeqCst) >= n {
            return;
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {url} → {status}: {value}");
    }
    Ok(value)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Opens a `graphql-transport-ws` connection from `source` and subscribes to task changes.
async fn subscribe_graphql(
    url: &str,
    host: SocketAddr,
    source: IpAddr,
    token: &str,
) -> anyhow::Result<Socket> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    let tcp = socket.connect(host).await?;
    let (mut ws, _) = tokio_tungstenite::client_async(request, tcp).await?;
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    ws.send(Message::Text(init.to_string().into())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("connection_ack") => break,
            Some(Ok(Message::Text(t))) => bail!("connection_init failed: {t}"),
            Some(Ok(_)) => continue,
            other => bail!("connection ended during connection_init: {other:?}"),
        }
    }
    let query = "subscription { entityChanged(types: [\"task\"]) { entity_type entity } }";
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": query}});
    ws.send(Message::Text(subscribe.to_string().into())).await?;
    Ok(ws)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let api = format!("{}/api/v1", args.url.trim_end_matches('/'));
    let http = reqwest::Client::new();
    let run = args.run_id.clone().unwrap_or_else(|| {
        format!(
            "{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        )
    });
    let users = args.connections.div_ceil(args.per_user.max(1));
    eprintln!("registering {users} users …");

    let owner = post(&http, &format!("{api}/auth/register"), None, json!({"email": format!("load-{run}-0@example.com"), "password": "load-password", "name": "Load 0"})).await?;
    let owner_token = owner["access_token"].as_str().context("token")?.to_owned();
    let org = post(
        &http,
        &format!("{api}/organizations"),
        Some(&owner_token),
        json!({"name": format!("Load {run}")}),
    )
    .await?;
    let org_id = org["data"]["id"].as_str().context("org id")?.to_owned();
    let project = post(
        &http,
        &format!("{api}/projects"),
        Some(&owner_token),
        json!({"name": "Fan-out"}),
    )
    .await?;
    let project_id = project["data"]["id"]
        .as_str()
        .context("project id")?
        .to_owned();

    let mut tokens = vec![owner_token.clone()];
    let mut set = tokio::task::JoinSet::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(16));
    for i in 1..users {
        let (http, api, owner_token, org_id, sem, run) = (
            http.clone(),
            api.clone(),
            owner_token.clone(),
            org_id.clone(),
            sem.clone(),
            run.clone(),
        );
        set.spawn(async move {
            let _permit = sem.acquire().await?;
            let email = format!("load-{run}-{i}@example.com");
            post(
                &http,
                &format!("{api}/organizations/{org_id}/members"),
                Some(&owner_token),
                json!({"email": email, "role": "viewer"}),
            )
            .await?;
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    let links = match &args.server_log {
        Some(path) => invitation_tokens(&std::fs::read_to_string(path)?),
        None => Default::default(),
    };
    let links = Arc::new(links);
    let mut registering = tokio::task::JoinSet::new();
    for i in 1..users {
        let (http, api, sem, run, links) = (
            http.clone(),
            api.clone(),
            sem.clone(),
            run.clone(),
            links.clone(),
        );
        registering.spawn(async move {
            let _permit = sem.acquire().await?;
            let email = format!("load-{run}-{i}@example.com");
            let mut body =
                json!({"email": email, "password": "load-password", "name": format!("Load {i}")});
            if let Some(token) = links.get(&email) {
                body["invitation_token"] = json!(token);
            }
            let r = post(&http, &format!("{api}/auth/register"), None, body).await?;
            anyhow::Ok(r["access_token"].as_str().context("token")?.to_owned())
        });
    }
    while let Some(r) = registering.join_next().await {
        tokens.push(r??);
    }

    eprintln!("opening {} connections …", args.connections);
    let graphql = match args.protocol.as_str() {
        "ws" => false,
        "graphql" => true,
        other => bail!("--protocol is ws or graphql, not {other}"),
    };
    let ws_url = format!(
        "{}/{}",
        args.url.trim_end_matches('/').replacen("http", "ws", 1),
        if graphql { "graphql" } else { "ws" }
    );
    let host: SocketAddr = reqwest::Url::parse(&args.url)?
        .socket_addrs(|| Some(8080))?
        .into_iter()
        .next()
        .context("server address")?;
    let (latency_tx, mut latency_rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    // Connections report readiness and then keep reading (so they answer the server's pings)
    // instead of blocking until every connection is open.
    let ready = Arc::new((AtomicUsize::new(0), Notify::new()));
    let started = Instant::now();
    let mut conns = tokio::task::JoinSet::new();
    let half = args.connections / 2;
    let mut rss_half = None;
    for n in 0..args.connections {
        if n == half && half > 0 {
            wait_ready(&ready, half).await;
            tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;
            rss_half = args.server_pid.and_then(rss_kib);
        }
        let token = tokens[n / args.per_user.max(1)].clone();
        let (http, api, ws_url, ready, latency_tx) = (
            http.clone(),
            api.clone(),
            ws_url.clone(),
            ready.clone(),
            latency_tx.clone(),
        );
        let source = IpAddr::from([127, 0, 0, 1 + (n % usize::from(args.sources.max(1))) as u8]);
        let sem = sem.clone();
        conns.spawn(async move {
            let stream = if graphql {
                let _permit = sem.acquire().await?;
                subscribe_graphql(&ws_url, host, source, &token).await?
            } else {
                let _permit = sem.acquire().await?;
                let ticket = post(&http, &format!("{api}/auth/ws-ticket"), Some(&token), json!({})).await?;
                let ticket = ticket["ticket"].as_str().context("ticket")?.to_owned();
                let socket = TcpSocket::new_v4()?;
                socket.bind(SocketAddr::new(source, 0))?;
                let tcp = socket.connect(host).await?;
                let (mut ws, _) = tokio_tungstenite::client_async(ws_url.as_str(), tcp).await?;
                ws.send(Message::Text(json!({"action": "authenticate", "payload": {"ticket": ticket}, "request_id": "a"}).to_string().into())).await?;
                loop {
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) if t.contains("\"request_id\":\"a\"") => {
                            if !t.contains("\"ok\"") {
                                bail!("authenticate failed: {t}");
                            }
                            break;
                        }
                        Some(Ok(_)) => continue,
                        other => bail!("connection ended during authenticate: {other:?}"),
                    }
                }
                ws
            };
            ready.0.fetch_add(1, Ordering::SeqCst);
            ready.1.notify_waiters();
            let mut ws = stream;
            while let Some(msg) = ws.next().await {
                if let Ok(Message::Text(t)) = msg
                    && t.contains("\"entity_type\":\"task\"")
                    && let Some(pos) = t.find("load event ")
                {
                    let rest = &t[pos + "load event ".len()..];
                    let idx: usize = rest.split('"').next().and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
                    let _ = latency_tx.send((idx, Instant::now()));
                }
            }
            anyhow::Ok(())
        });
    }
    drop(latency_tx);
    wait_ready(&ready, args.connections).await;
    eprintln!(
        "{} connections open in {:.1?}",
        args.connections,
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;
    let after = args.server_pid.and_then(rss_kib);
    if let (Some(h), Some(a)) = (rss_half, after) {
        // The slope between half and all connections leaves out what setup left behind.
        let per = a.saturating_sub(h) as f64 / (args.connections - half) as f64;
        println!(
            "server RSS: {h} KiB with {half} connections, {a} KiB with {} → {per:.1} KiB per additional connection",
            args.connections
        );
    }

    let mut all = Vec::new();
    for i in 0..args.events {
        let sent = Instant::now();
        post(
            &http,
            &format!("{api}/tasks"),
            Some(&owner_token),
            json!({"title": format!("load event {i}"), "project_id": project_id}),
        )
        .await?;
        let mut latencies = Vec::with_capacity(args.connections);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while latencies.len() < args.connections {
            match tokio::time::timeout_at(deadline, latency_rx.recv()).await {
                Ok(Some((idx, at))) if idx == i => latencies.push(at.duration_since(sent)),
                Ok(Some(_)) => continue,
                _ => break,
            }
        }
        latencies.sort();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        println!(
            "event {i}: delivered to {}/{} connections; p50 {:.1?}, p99 {:.1?}, max {:.1?}",
            latencies.len(),
            args.connections,
            pct(0.50),
            pct(0.99),
            latencies.last().copied().unwrap_or_default()
        );
        all.extend(latencies);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    all.sort();
    if !all.is_empty() {
        let p99 = all[((all.len() as f64 * 0.99) as usize).min(all.len() - 1)];
        println!("all events: {} deliveries, p99 {:.1?}", all.len(), p99);
    }
    conns.abort_all();
    Ok(())
}
