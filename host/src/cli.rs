//! The `stint` command line: `serve`, `migrate`, `routes`, `actions`, `plugin …`.

mod log_writer;
mod plugin;
mod plugin_admin;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigArgs, LogFormat};

/// Stint: time tracking, projects, invoicing and team chat.
#[derive(Debug, Parser)]
#[command(name = "stint", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default). Applies pending migrations first.
    Serve(ConfigArgs),
    /// Apply pending database migrations and exit.
    Migrate(ConfigArgs),
    /// Print the REST route table as JSON.
    Routes,
    /// Print the action registry (names, permissions, payload schemas) as JSON.
    Actions,
    /// Print the GraphQL schema (SDL), as `docs/schema.graphql` holds it.
    GraphqlSchema,
    /// Serve MCP over stdio for desktop assistants, acting as the owner of `STINT_TOKEN`: on the
    /// configured database, or with `--url` as a bridge to a remote server's `/mcp`.
    Mcp(McpArgs),
    /// Print the instance's own audit entries (the operator's plugin installs and removals from
    /// this CLI), newest first, as JSON.
    Audit(AuditArgs),
    /// Work with WebAssembly plugins.
    Plugin {
        #[command(subcommand)]
        command: plugin::PluginCommand,
    },
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stint: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli
            .command
            .unwrap_or_else(|| Command::Serve(ConfigArgs::parse_env()))
        {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Routes => print_json(&crate::route_table()),
            Command::Actions => print_json(&actions_json()),
            Command::GraphqlSchema => {
                let registry = crate::actions::build_registry();
                let sdl = crate::api::graphql::sdl(&registry)
                    .map_err(|e| anyhow::anyhow!("building the GraphQL schema: {e}"))?;
                print_line(sdl.trim_end())
            }
            Command::Mcp(args) => mcp(args).await,
            Command::Audit(args) => audit(args).await,
            Command::Plugin { command } => plugin::run(command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stint: {e:#}");
            ExitCode::FAILURE
        }
    }
}

impl ConfigArgs {
    /// Settings from the environment and defaults only (for a bare `stint`).
    fn parse_env() -> ConfigArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ConfigArgs,
        }
        Only::parse_from(["stint"]).args
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        // Text logs keep one event per line whatever the values contain; JSON escapes them.
        LogFormat::Text => builder
            .with_writer(log_writer::OneLineStderr)
            .with_ansi(ansi)
            .try_init(),
        LogFormat::Json => builder
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .json()
            .try_init(),
    };
}

async fn serve(args: ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    init_tracing(config.log_format);
    let listen = config.listen;
    let backend = if config.database_url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let app = crate::app::App::start(config).await?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, backend, "stint listening");
    crate::serve(app, listener, shutdown_signal()).await
}

/// `stint mcp`.
#[derive(Debug, clap::Args)]
struct McpArgs {
    /// A remote Stint to bridge to (`https://stint.example.com`, or its `/mcp` URL) instead of
    /// opening the database here.
    #[arg(long)]
    url: Option<String>,
    /// The personal access token (or login access token) to act with.
    #[arg(long, env = "STINT_TOKEN", hide_env_values = true)]
    token: String,
    #[command(flatten)]
    config: ConfigArgs,
}

async fn mcp(args: McpArgs) -> anyhow::Result<()> {
    // stdout carries the protocol: logs go to stderr, as always.
    let config = Config::load(&args.config)?;
    init_tracing(config.log_format);
    if let Some(url) = &args.url {
        let url = url.trim_end_matches('/');
        let endpoint = if url.ends_with("/mcp") {
            url.to_owned()
        } else {
            format!("{url}/mcp")
        };
        return crate::api::mcp::bridge(&endpoint, &args.token).await;
    }
    let app = crate::app::App::start(config).await?;
    crate::api::mcp::serve_in_process(app, &args.token).await
}

/// `stint audit`.
#[derive(Debug, clap::Args)]
struct AuditArgs {
    /// Most entries printed.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    #[command(flatten)]
    config: ConfigArgs,
}

async fn audit(args: AuditArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let db = open_db(&config).await?;
    let entries = crate::domain::audit::instance_entries(&db, args.limit).await?;
    db.close().await;
    print_json(&entries)
}

async fn migrate(args: ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    init_tracing(config.log_format);
    open_db(&config).await?.close().await;
    tracing::info!("migrations applied");
    Ok(())
}

/// The database of a one-off command (a small pool), with its data directory and migrations
/// applied.
pub(crate) async fn open_db(config: &Config) -> anyhow::Result<crate::store::Db> {
    std::fs::create_dir_all(&config.data_dir)?;
    let db = crate::store::Db::connect(
        &config.database_url,
        &crate::store::db::PoolSettings {
            max_connections: 2,
            acquire_timeout: std::time::Duration::from_secs(10),
        },
    )
    .await?;
    db.migrate().await?;
    Ok(db)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    print_line(&serde_json::to_string_pretty(value)?)
}

/// Prints a line on stdout. A reader that went away (`stint actions | head`) ends the output
/// quietly instead of failing.
pub(crate) fn print_line(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn actions_json() -> serde_json::Value {
    let registry = crate::actions::build_registry();
    serde_json::Value::Array(
        registry
            .entries()
            .map(|e| {
                serde_json::json!({
                    "name": e.name,
                    "description": e.description,
                    "permission": e.permission,
                    "payload_schema": (e.schema)(),
                    "output_schema": (e.output_schema)(),
                })
            })
            .collect(),
    )
}
