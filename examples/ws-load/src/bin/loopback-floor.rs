//! `loopback-floor`: what the kernel alone costs for the fan-out `stint-ws-load` measures, with
//! no Stint, no WebSocket framing and no JSON in the way.
//!
//! It starts a second process of itself as the "server", opens `--connections` TCP connections to
//! it over loopback (spread over `--sources` addresses, as `stint-ws-load` does), and then, for
//! each round, asks the server to write one `--bytes`-byte message to every connection in a tight
//! loop of plain blocking `write` calls (split over `--writers` threads). The receiving side reads
//! with tokio, like `stint-ws-load`, and reports per round the time from asking to each
//! connection's message being fully read. On a machine where this floor is above a latency target,
//! no server can meet the target there.
//!
//! ```sh
//! ulimit -n 20000
//! cargo run --release -p stint-ws-load --bin loopback-floor -- --connections 10000 --sources 4
//! ```

use std::io::{BufRead, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::sync::mpsc;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "Loopback fan-out floor: one write per connection, no server in the way")]
struct Args {
    /// Connections to open.
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// Loopback source addresses to spread connections over (127.0.0.1 … 127.0.0.N).
    #[arg(long, default_value_t = 4)]
    sources: u8,
    /// Threads writing in the server process, each to its share of the connections.
    #[arg(long, default_value_t = 1)]
    writers: usize,
    /// Size of the message written to every connection (a pushed `EntityChanged` for a task is
    /// about 1,000 bytes).
    #[arg(long, default_value_t = 1000)]
    bytes: usize,
    /// Rounds to measure.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Runs as the writing process instead (started by the measuring one).
    #[arg(long, hide = true)]
    serve: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.serve {
        serve(&args)
    } else {
        tokio::runtime::Runtime::new()?.block_on(measure(&args))
    }
}

/// The writing process: prints its port, accepts a control connection and then the data
/// connections, and writes one message to each data connection per byte read on the control one.
fn serve(args: &Args) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    let (mut control, _) = listener.accept()?;
    let mut conns = Vec::with_capacity(args.connections);
    while conns.len() < args.connections {
        let (conn, _) = listener.accept()?;
        conn.set_nodelay(true)?;
        conns.push(conn);
    }
    let message = vec![b'x'; args.bytes];
    let share = conns.len().div_ceil(args.writers.max(1)).max(1);
    let mut go = [0u8; 1];
    while control.read(&mut go)? == 1 {
        std::thread::scope(|s| {
            let writers: Vec<_> = conns
                .chunks_mut(share)
                .map(|part| {
                    let message = &message;
                    s.spawn(move || part.iter_mut().try_for_each(|conn| conn.write_all(message)))
                })
                .collect();
            writers.into_iter().try_for_each(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("writer panicked")))
            })
        })?;
    }
    Ok(())
}

/// The measuring process.
async fn measure(args: &Args) -> anyhow::Result<()> {
    let mut server = Command::new(std::env::current_exe()?)
        .args([
            "--serve",
            "--connections",
            &args.connections.to_string(),
            "--writers",
            &args.writers.to_string(),
            "--bytes",
            &args.bytes.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the writing process")?;
    let mut port = String::new();
    std::io::BufReader::new(server.stdout.take().context("stdout")?).read_line(&mut port)?;
    let server_addr = SocketAddr::from(([127, 0, 0, 1], port.trim().parse::<u16>()?));
    let mut control = tokio::net::TcpStream::connect(server_addr).await?;

    let (arrived_tx, mut arrived) = mpsc::unbounded_channel::<Instant>();
    let mut readers = tokio::task::JoinSet::new();
    for n in 0..args.connections {
        let source = IpAddr::from([127, 0, 0, 1 + (n % usize::from(args.sources.max(1))) as u8]);
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source, 0))?;
        let mut conn = socket.connect(server_addr).await?;
        let (bytes, arrived_tx) = (args.bytes, arrived_tx.clone());
        readers.spawn(async move {
            let mut buf = vec![0u8; bytes];
            while conn.read_exact(&mut buf).await.is_ok() {
                let _ = arrived_tx.send(Instant::now());
            }
        });
    }
    drop(arrived_tx);
    eprintln!(
        "{} connections open; {} writer thread(s), {} bytes each",
        args.connections, args.writers, args.bytes
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut all = Vec::new();
    for round in 0..args.rounds {
        let asked = Instant::now();
        control.write_all(b"g").await?;
        let mut latencies = Vec::with_capacity(args.connections);
        while latencies.len() < args.connections {
            match tokio::time::timeout(Duration::from_secs(30), arrived.recv()).await {
                Ok(Some(at)) => latencies.push(at.duration_since(asked)),
                _ => bail!("round {round}: only {} messages arrived", latencies.len()),
            }
        }
        latencies.sort();
        println!(
            "round {round}: p50 {:.1?}, p99 {:.1?}, max {:.1?}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or_default()
        );
        all.extend(latencies);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    all.sort();
    println!(
        "all rounds: {} messages, p50 {:.1?}, p99 {:.1?}",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.99)
    );
    drop(control);
    readers.abort_all();
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}
