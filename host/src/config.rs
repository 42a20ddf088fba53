//! Configuration: command-line flags, `STINT_*` environment variables and an optional `stint.yaml`.
//!
//! Precedence, highest first: flag, environment variable, `stint.yaml`, built-in default. With none
//! of them the server listens on 127.0.0.1:8080 and keeps everything under `./stint-data/`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use serde::Deserialize;

/// Settings shared by `serve` and `migrate`, as flags and environment variables.
#[derive(Debug, Clone, Args, Default)]
pub struct ConfigArgs {
    /// YAML file with any of the settings below (snake_case keys). Optional.
    #[arg(long, env = "STINT_CONFIG", default_value = "stint.yaml")]
    pub config: PathBuf,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "STINT_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite file, uploads, plugin cache and the generated JWT secret
    /// [default: ./stint-data].
    #[arg(long, env = "STINT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite:PATH` or `postgres://USER@HOST/DB` [default: sqlite:DATA_DIR/stint.db].
    #[arg(long, env = "STINT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Redis URL for multi-process deployments (`redis://127.0.0.1:6379`). Optional.
    #[arg(long, env = "STINT_REDIS_URL")]
    pub redis_url: Option<String>,
    /// HS256 secret for access tokens; generated and kept in DATA_DIR/jwt-secret when unset.
    #[arg(long, env = "STINT_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Public base URL used in e-mailed links [default: http://LISTEN].
    #[arg(long, env = "STINT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SMTP server for outgoing mail, e.g. `smtps://user:pass@mail.example.com`. Without it, mail
    /// (password-reset links, invitations) is written to the log instead.
    #[arg(long, env = "STINT_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address for outgoing mail [default: stint@localhost].
    #[arg(long, env = "STINT_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// REST requests per minute per user (and per IP for unauthenticated routes); 0 disables
    /// [default: 100].
    #[arg(long, env = "STINT_RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: Option<u32>,
    /// Largest accepted request body in bytes [default: 1048576].
    #[arg(long, env = "STINT_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Database connections per process [default: 16].
    #[arg(long, env = "STINT_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "STINT_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Days delivered real-time events are kept for clients that resume [default: 7].
    #[arg(long, env = "STINT_EVENT_RETENTION_DAYS")]
    pub event_retention_days: Option<u32>,
    /// Seconds a WebSocket ticket stays valid [default: 30].
    #[arg(long, env = "STINT_WS_TICKET_TTL_SECS")]
    pub ws_ticket_ttl_secs: Option<u32>,
    /// Seconds an OAuth access token (`stint_oat_…`, issued to MCP clients) stays valid; the
    /// client refreshes it with its rotating refresh token [default: 3600].
    #[arg(long, env = "STINT_OAUTH_ACCESS_TOKEN_TTL_SECS")]
    pub oauth_access_token_ttl_secs: Option<u32>,
    /// Consecutive failed calls after which a plugin is disabled [default: 5].
    #[arg(long, env = "STINT_PLUGIN_FAILURE_THRESHOLD")]
    pub plugin_failure_threshold: Option<u32>,
    /// Largest accepted plugin component upload in bytes [default: 20971520].
    #[arg(long, env = "STINT_PLUGIN_MAX_UPLOAD_BYTES")]
    pub plugin_max_upload_bytes: Option<usize>,
    /// Seconds between runs of the background jobs (overdue invoices); they also run once at
    /// start-up [default: 60].
    #[arg(long, env = "STINT_JOBS_INTERVAL_SECS")]
    pub jobs_interval_secs: Option<u32>,
    /// Seconds between passes of the recurrence scheduler; 0 disables it in this process
    /// [default: 30].
    #[arg(long, env = "STINT_SCHEDULER_INTERVAL_SECS")]
    pub scheduler_interval_secs: Option<u32>,
    /// Most missed occurrences of one recurrence created after downtime (the latest ones; older
    /// ones are skipped), 1 to 1000 [default: 100].
    #[arg(long, env = "STINT_SCHEDULER_MAX_CATCH_UP")]
    pub scheduler_max_catch_up: Option<u32>,
    /// Shortest interval, in seconds, between two occurrences of a task recurrence: patterns
    /// that repeat faster are refused, whatever plugin computes them [default: 3600].
    #[arg(long, env = "STINT_RECURRENCE_MIN_INTERVAL_SECS")]
    pub recurrence_min_interval_secs: Option<u32>,
    /// Failed logins per account in 15 minutes after which its logins are refused until the
    /// window passes [default: 10].
    #[arg(long, env = "STINT_LOGIN_FAILURES_PER_ACCOUNT")]
    pub login_failures_per_account: Option<u32>,
    /// Seconds between the server's WebSocket pings [default: 30].
    #[arg(long, env = "STINT_WS_PING_INTERVAL_SECS")]
    pub ws_ping_interval_secs: Option<u32>,
    /// Seconds a WebSocket client has to answer a ping before it is closed with 4002 [default: 10].
    #[arg(long, env = "STINT_WS_PONG_TIMEOUT_SECS")]
    pub ws_pong_timeout_secs: Option<u32>,
    /// Seconds without a client message after which a WebSocket is closed with 4000 [default: 300].
    #[arg(long, env = "STINT_WS_IDLE_TIMEOUT_SECS")]
    pub ws_idle_timeout_secs: Option<u32>,
    /// Seconds without a client message after which a WebSocket user is announced `away`
    /// (`UserPresence`); 0 never [default: 120].
    #[arg(long, env = "STINT_PRESENCE_AWAY_SECS")]
    pub presence_away_secs: Option<u32>,
    /// WebSocket connections one client address may hold open before authenticating; more are
    /// refused with 429. Raise it behind a reverse proxy (every client has the proxy's address)
    /// [default: 64].
    #[arg(long, env = "STINT_WS_PENDING_PER_ADDRESS")]
    pub ws_pending_per_address: Option<u32>,
    /// Deepest nesting a GraphQL query may have [default: 16].
    #[arg(long, env = "STINT_GRAPHQL_MAX_DEPTH")]
    pub graphql_max_depth: Option<u32>,
    /// Largest complexity (fields selected, aliases included) a GraphQL query may have
    /// [default: 2000].
    #[arg(long, env = "STINT_GRAPHQL_MAX_COMPLEXITY")]
    pub graphql_max_complexity: Option<u32>,
    /// Most operations in one batched GraphQL request [default: 10].
    #[arg(long, env = "STINT_GRAPHQL_MAX_BATCH")]
    pub graphql_max_batch: Option<u32>,
    /// Whether GraphQL introspection (`__schema`, `__type`) is answered [default: true].
    #[arg(long, env = "STINT_GRAPHQL_INTROSPECTION", action = clap::ArgAction::Set)]
    pub graphql_introspection: Option<bool>,
    /// Webhook delivery settings (`STINT_WEBHOOK_*`).
    #[command(flatten)]
    pub webhooks: crate::webhooks::settings::WebhookArgs,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The keys `stint.yaml` accepts; every one is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    redis_url: Option<String>,
    jwt_secret: Option<String>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    rate_limit_per_minute: Option<u32>,
    max_body_bytes: Option<usize>,
    db_max_connections: Option<u32>,
    log_format: Option<LogFormat>,
    event_retention_days: Option<u32>,
    ws_ticket_ttl_secs: Option<u32>,
    oauth_access_token_ttl_secs: Option<u32>,
    plugin_failure_threshold: Option<u32>,
    plugin_max_upload_bytes: Option<usize>,
    jobs_interval_secs: Option<u32>,
    scheduler_interval_secs: Option<u32>,
    scheduler_max_catch_up: Option<u32>,
    recurrence_min_interval_secs: Option<u32>,
    login_failures_per_account: Option<u32>,
    ws_ping_interval_secs: Option<u32>,
    ws_pong_timeout_secs: Option<u32>,
    ws_idle_timeout_secs: Option<u32>,
    presence_away_secs: Option<u32>,
    ws_pending_per_address: Option<u32>,
    graphql_max_depth: Option<u32>,
    graphql_max_complexity: Option<u32>,
    graphql_max_batch: Option<u32>,
    graphql_introspection: Option<bool>,
    webhooks: Option<crate::webhooks::settings::WebhookFile>,
}

/// WebSocket keep-alive, idle timing and the unauthenticated-connection cap (`STINT_WS_*`).
#[derive(Debug, Clone, Copy)]
pub struct WsTiming {
    /// Between two server pings.
    pub ping_interval: Duration,
    /// For the pong after a ping (close 4002 after).
    pub pong_timeout: Duration,
    /// Without a client message (close 4000 after).
    pub idle_timeout: Duration,
    /// Connections per client address not yet authenticated.
    pub pending_per_address: usize,
    /// Without a client message, a user is announced `away` after this (`None`: never).
    pub away_after: Option<Duration>,
}

/// GraphQL's limits (`STINT_GRAPHQL_*`).
#[derive(Debug, Clone, Copy)]
pub struct GraphqlLimits {
    /// Deepest nesting of a query.
    pub max_depth: usize,
    /// Largest complexity (every selected field counts 1, aliases included).
    pub max_complexity: usize,
    /// Most operations in one batched request.
    pub max_batch: usize,
    /// Whether introspection is answered.
    pub introspection: bool,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits {
            max_depth: 16,
            max_complexity: 2000,
            max_batch: 10,
            introspection: true,
        }
    }
}

/// A setting in seconds (at least 1), or its default.
fn secs(value: Option<u32>, default: u32) -> Duration {
    Duration::from_secs(u64::from(value.unwrap_or(default).max(1)))
}

/// Outgoing mail settings.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Server URL in lettre's format (`smtp://`, `smtps://`, with optional credentials).
    pub url: String,
    /// Sender address.
    pub from: String,
}

/// The resolved configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Socket address to bind.
    pub listen: SocketAddr,
    /// Directory for local state.
    pub data_dir: PathBuf,
    /// Database URL (`sqlite:` or `postgres://`).
    pub database_url: String,
    /// Redis URL, when several processes serve one deployment.
    pub redis_url: Option<String>,
    /// Secret for signing access tokens (resolved at start-up, see [`Config::resolve_jwt_secret`]).
    pub jwt_secret: Option<String>,
    /// Base URL for links in e-mails.
    pub public_url: String,
    /// SMTP settings, when mail should really be sent.
    pub smtp: Option<SmtpConfig>,
    /// Requests per minute per user; 0 disables the limit.
    pub rate_limit_per_minute: u32,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Log format.
    pub log_format: LogFormat,
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_token_ttl: Duration,
    /// Lifetime of WebSocket tickets.
    pub ws_ticket_ttl: Duration,
    /// Lifetime of OAuth access tokens (`STINT_OAUTH_ACCESS_TOKEN_TTL_SECS`).
    pub oauth_access_token_ttl: Duration,
    /// Lifetime of password-reset links.
    pub password_reset_ttl: Duration,
    /// Lifetime of invitation links.
    pub invitation_ttl: Duration,
    /// Failed logins per account per 15 minutes before the account's logins are refused (429)
    /// until the window passes.
    pub login_failures_per_account: u32,
    /// Lifetime of e-mail verification links.
    pub email_verification_ttl: Duration,
    /// How long delivered events stay in the outbox for resuming clients.
    pub event_retention: Duration,
    /// Consecutive failed calls after which a plugin is disabled.
    pub plugin_failure_threshold: u32,
    /// Largest accepted plugin component upload.
    pub plugin_max_upload_bytes: usize,
    /// Interval of the background jobs (overdue invoices).
    pub jobs_interval: Duration,
    /// Time between recurrence scheduler passes; zero disables the scheduler.
    pub scheduler_interval: Duration,
    /// Most missed occurrences of one recurrence created after downtime.
    pub scheduler_max_catch_up: u32,
    /// Shortest interval between two occurrences of a recurrence.
    pub recurrence_min_interval: Duration,
    /// GraphQL's limits.
    pub graphql: GraphqlLimits,
    /// WebSocket keep-alive, idle timing and the unauthenticated-connection cap.
    pub ws: WsTiming,
    /// Webhook delivery: address policy, retries, timeouts (`STINT_WEBHOOK_*`).
    pub webhooks: crate::webhooks::settings::WebhookSettings,
}

impl Config {
    /// Merges flags and environment (already parsed by clap) with `stint.yaml` and the defaults.
    pub fn load(args: &ConfigArgs) -> anyhow::Result<Config> {
        let file = read_file(&args.config)?;
        let listen = args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| ([127, 0, 0, 1], 8080).into());
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("stint-data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite:{}", data_dir.join("stint.db").display()));
        let smtp_url = args.smtp_url.clone().or(file.smtp_url);
        let smtp_from = args
            .smtp_from
            .clone()
            .or(file.smtp_from)
            .unwrap_or_else(|| "stint@localhost".to_owned());
        Ok(Config {
            listen,
            database_url,
            redis_url: args.redis_url.clone().or(file.redis_url),
            jwt_secret: args.jwt_secret.clone().or(file.jwt_secret),
            public_url: args
                .public_url
                .clone()
                .or(file.public_url)
                .unwrap_or_else(|| format!("http://{listen}")),
            smtp: smtp_url.map(|url| SmtpConfig {
                url,
                from: smtp_from,
            }),
            rate_limit_per_minute: args
                .rate_limit_per_minute
                .or(file.rate_limit_per_minute)
                .unwrap_or(100),
            max_body_bytes: args
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(1024 * 1024),
            db_max_connections: args
                .db_max_connections
                .or(file.db_max_connections)
                .unwrap_or(16)
                .max(1),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            data_dir,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            ws_ticket_ttl: Duration::from_secs(u64::from(
                args.ws_ticket_ttl_secs
                    .or(file.ws_ticket_ttl_secs)
                    .unwrap_or(30)
                    .max(1),
            )),
            oauth_access_token_ttl: secs(
                args.oauth_access_token_ttl_secs
                    .or(file.oauth_access_token_ttl_secs),
                3600,
            ),
            password_reset_ttl: Duration::from_secs(3600),
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            login_failures_per_account: args
                .login_failures_per_account
                .or(file.login_failures_per_account)
                .unwrap_or(10)
                .max(1),
            email_verification_ttl: Duration::from_secs(48 * 3600),
            jobs_interval: Duration::from_secs(u64::from(
                args.jobs_interval_secs
                    .or(file.jobs_interval_secs)
                    .unwrap_or(60)
                    .max(1),
            )),
            event_retention: Duration::from_secs(
                86_400
                    * u64::from(
                        args.event_retention_days
                            .or(file.event_retention_days)
                            .unwrap_or(7),
                    ),
            ),
            plugin_failure_threshold: args
                .plugin_failure_threshold
                .or(file.plugin_failure_threshold)
                .unwrap_or(crate::plugins::DEFAULT_FAILURE_THRESHOLD)
                .max(1),
            plugin_max_upload_bytes: args
                .plugin_max_upload_bytes
                .or(file.plugin_max_upload_bytes)
                .unwrap_or(20 * 1024 * 1024),
            scheduler_interval: Duration::from_secs(u64::from(
                args.scheduler_interval_secs
                    .or(file.scheduler_interval_secs)
                    .unwrap_or(30),
            )),
            scheduler_max_catch_up: args
                .scheduler_max_catch_up
                .or(file.scheduler_max_catch_up)
                .unwrap_or(100)
                .clamp(1, 1000),
            ws: WsTiming {
                ping_interval: secs(
                    args.ws_ping_interval_secs.or(file.ws_ping_interval_secs),
                    30,
                ),
                pong_timeout: secs(args.ws_pong_timeout_secs.or(file.ws_pong_timeout_secs), 10),
                idle_timeout: secs(args.ws_idle_timeout_secs.or(file.ws_idle_timeout_secs), 300),
                pending_per_address: args
                    .ws_pending_per_address
                    .or(file.ws_pending_per_address)
                    .unwrap_or(64)
                    .max(1) as usize,
                away_after: match args.presence_away_secs.or(file.presence_away_secs) {
                    Some(0) => None,
                    value => Some(Duration::from_secs(u64::from(value.unwrap_or(120)))),
                },
            },
            graphql: {
                let d = GraphqlLimits::default();
                GraphqlLimits {
                    max_depth: args
                        .graphql_max_depth
                        .or(file.graphql_max_depth)
                        .map_or(d.max_depth, |v| v.max(1) as usize),
                    max_complexity: args
                        .graphql_max_complexity
                        .or(file.graphql_max_complexity)
                        .map_or(d.max_complexity, |v| v.max(1) as usize),
                    max_batch: args
                        .graphql_max_batch
                        .or(file.graphql_max_batch)
                        .map_or(d.max_batch, |v| v.max(1) as usize),
                    introspection: args
                        .graphql_introspection
                        .or(file.graphql_introspection)
                        .unwrap_or(d.introspection),
                }
            },
            recurrence_min_interval: Duration::from_secs(u64::from(
                args.recurrence_min_interval_secs
                    .or(file.recurrence_min_interval_secs)
                    .unwrap_or(3600)
                    .max(1),
            )),
            webhooks: crate::webhooks::settings::WebhookSettings::load(
                &args.webhooks,
                file.webhooks.as_ref(),
            )?,
        })
    }

    /// The JWT secret: configured, or read from (and on first start written to) `DATA_DIR/jwt-secret`.
    pub fn resolve_jwt_secret(&self) -> anyhow::Result<String> {
        if let Some(secret) = &self.jwt_secret {
            anyhow::ensure!(
                secret.len() >= 32,
                "STINT_JWT_SECRET must be at least 32 characters"
            );
            return Ok(secret.clone());
        }
        let path = self.data_dir.join("jwt-secret");
        match std::fs::read_to_string(&path) {
            Ok(secret) if !secret.trim().is_empty() => Ok(secret.trim().to_owned()),
            _ => {
                std::fs::create_dir_all(&self.data_dir)?;
                let secret = crate::ids::secret(48);
                write_private(&path, &secret)
                    .with_context(|| format!("writing {}", path.display()))?;
                Ok(secret)
            }
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_saphyr::from_str(&text)
            .with_context(|| format!("reading configuration file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_nothing() {
        let args = ConfigArgs {
            config: "/nonexistent/stint.yaml".into(),
            ..Default::default()
        };
        let config = Config::load(&args).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite:stint-data/stint.db");
        assert_eq!(config.rate_limit_per_minute, 100);
    }

    #[test]
    fn yaml_fills_what_flags_leave_open_and_rejects_typos() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stint.yaml");
        std::fs::write(&path, "listen: 127.0.0.1:9999\nrate_limit_per_minute: 7\n").unwrap();
        let args = ConfigArgs {
            config: path.clone(),
            rate_limit_per_minute: Some(3),
            ..Default::default()
        };
        let config = Config::load(&args).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.rate_limit_per_minute, 3);

        std::fs::write(&path, "lisen: 127.0.0.1:9999\n").unwrap();
        assert!(Config::load(&args).is_err());
    }
}
