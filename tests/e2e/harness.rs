//! The harness: start a real `stint serve` process per test and talk to it over HTTP.
//!
//! * [`Server::start`] spawns the binary on a free port with a private temporary data directory,
//!   a fixed JWT secret ([`JWT_SECRET`]), the rate limit disabled and, for
//!   [`Backend::Postgres`], a freshly created database that is dropped again when the server is.
//!   The child's stdout and stderr go to files in the data directory ([`Server::log`] reads the
//!   log); the child is killed when the [`Server`] is dropped.
//! * [`Client`] sends JSON to `/api/v1` (paths are relative to it) and returns a [`Resp`] with the
//!   status, the parsed body and the headers; it never panics on an HTTP error status, only on a
//!   transport failure.
//! * [`both!`] turns one `async fn name(backend: Backend)` into two `#[tokio::test]`s,
//!   `name::sqlite` and `name::postgres`.
//!
//! Every test owns its server and database, so tests run in parallel safely.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sqlx::Connection as _;
use tempfile::TempDir;

/// The HS256 secret every test server signs access tokens with (48 characters), so tests can
/// mint their own tokens with `jsonwebtoken`.
pub const JWT_SECRET: &str = "stint-e2e-test-secret-0123456789abcdefghijklmnop";

/// The password [`Server::register`] gives every account.
pub const PASSWORD: &str = "correct horse battery staple";

/// How long a server may take to answer `GET /api/health` after it was spawned.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How often [`Server::start`] retries when the chosen port was taken in the meantime.
const START_ATTEMPTS: usize = 5;

/// The database engine a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:` in the server's temporary data directory.
    Sqlite,
    /// A fresh database on the local PostgreSQL server.
    Postgres,
}

/// The token of the last `link` mailed to `email` in `log`: the last log line that is a mail to
/// `email` and contains `link`.
pub fn find_mailed_token(log: &str, email: &str, link: &str) -> Option<String> {
    let to = format!("to={email}");
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains(&to) && l.contains(link))?;
    let at = line.find(link)? + link.len();
    let token: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

/// Every action's output JSON Schema, by action name, from `stint actions`.
pub fn output_schemas() -> std::collections::HashMap<String, Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_stint"))
        .arg("actions")
        .output()
        .expect("stint actions runs");
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).expect("stint actions prints JSON");
    list.into_iter()
        .map(|a| {
            let name = a["name"].as_str().expect("name").to_owned();
            let schema = a["output_schema"].clone();
            assert!(
                schema.is_object() && schema.as_object().is_some_and(|o| !o.is_empty()),
                "{name} has no output_schema"
            );
            (name, schema)
        })
        .collect()
}

/// Asserts that `data` (a response's `data`) is valid against `action`'s output schema.
pub fn assert_output(
    schemas: &std::collections::HashMap<String, Value>,
    action: &str,
    data: &Value,
) {
    let schema = schemas
        .get(action)
        .unwrap_or_else(|| panic!("no output schema for {action}"));
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("{action}: output schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(data)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{action}: response does not match its output schema: {errors:?}\n{data}"
    );
}

/// Defines tests that run once per backend.
///
/// ```ignore
/// both! {
///     /// What the test checks.
///     async fn register_returns_tokens(backend: Backend) {
///         let server = Server::start(backend).await;
///         // …
///     }
/// }
/// ```
///
/// expands to the function itself plus a module of the same name holding two `#[tokio::test]`s,
/// `register_returns_tokens::sqlite` and `register_returns_tokens::postgres` (`macro_rules!` cannot
/// glue identifiers into `name_sqlite`; the module path filters the same way:
/// `cargo test --test e2e -- postgres`). Several functions may share one `both!` block.
macro_rules! both {
    ($(
        $(#[$meta:meta])*
        async fn $name:ident($backend:ident : $backend_type:ty) $body:block
    )+) => {$(
        $(#[$meta])*
        async fn $name($backend: $backend_type) $body

        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::harness::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::harness::Backend::Postgres).await;
            }
        }
    )+};
}

/// A running `stint serve` child process. Dropping it kills the process and drops its PostgreSQL
/// database.
pub struct Server {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    /// The backend the server runs on.
    pub backend: Backend,
    child: Option<Child>,
    http: reqwest::Client,
    _dir: TempDir,
    /// The server's data directory (inside `_dir`).
    data_dir: PathBuf,
    /// The PostgreSQL database created for this server, dropped on `Drop`.
    pg_db: Option<String>,
    /// The extra environment it was started with, for restarts.
    extra_env: Vec<(String, String)>,
}

/// How a start attempt ended.
enum Start {
    Ready,
    /// The port was taken between choosing and binding it; try another.
    PortTaken,
}

impl Server {
    /// Starts a server with the default test settings.
    pub async fn start(backend: Backend) -> Server {
        Server::start_with(backend, &[]).await
    }

    /// Starts a server with extra environment variables, which override the defaults (e.g.
    /// `&[("STINT_RATE_LIMIT_PER_MINUTE", "5")]`).
    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("stint-e2e-")
            .tempdir()
            .expect("create a temporary directory for the server");
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("create the server's data directory");
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("build the HTTP client");
        let mut server = Server {
            base: String::new(),
            backend,
            child: None,
            http,
            _dir: dir,
            data_dir,
            pg_db: None,
            extra_env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        // Registered in `server` before anything can panic, so `Drop` removes it.
        if backend == Backend::Postgres {
            server.pg_db = Some(create_pg_database().await);
        }
        for _ in 0..START_ATTEMPTS {
            match server.spawn(env).await {
                Start::Ready => return server,
                Start::PortTaken => continue,
            }
        }
        panic!("could not start stint: the port was taken {START_ATTEMPTS} times in a row");
    }

    /// Starts a second process of the same deployment: the same PostgreSQL database and the same
    /// extra environment (e.g. `STINT_REDIS_URL`), its own port and data directory. The database
    /// stays owned by `self`.
    pub async fn start_peer(&self) -> Server {
        let db = self
            .pg_db
            .as_ref()
            .expect("processes of one deployment share a PostgreSQL database");
        let url = format!("{}/{db}", pg_server_url().await);
        let mut env: Vec<(&str, &str)> = self
            .extra_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.push(("STINT_DATABASE_URL", &url));
        // Started as "SQLite" so no database of its own is created; the URL above wins.
        let mut peer = Server::start_with(Backend::Sqlite, &env).await;
        peer.backend = Backend::Postgres;
        peer
    }

    /// The environment under which another `stint` command (e.g. `stint mcp`) works on this
    /// server's data: its data directory, database, JWT secret, and no configuration file.
    pub async fn command_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "STINT_DATA_DIR".to_owned(),
                self.data_dir.display().to_string(),
            ),
            (
                "STINT_CONFIG".to_owned(),
                self.data_dir
                    .join("no-such-stint.yaml")
                    .display()
                    .to_string(),
            ),
            ("STINT_JWT_SECRET".to_owned(), JWT_SECRET.to_owned()),
            ("STINT_LOG".to_owned(), "warn".to_owned()),
        ];
        if let Some(db) = &self.pg_db {
            env.push((
                "STINT_DATABASE_URL".to_owned(),
                format!("{}/{db}", pg_server_url().await),
            ));
        }
        env
    }

    /// Kills the server with SIGKILL — no graceful shutdown — and starts it again on the same data
    /// (and database). It listens on a new port: take new clients from [`Server::client`].
    pub async fn kill_and_restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let env = self.extra_env.clone();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for _ in 0..START_ATTEMPTS {
            if let Start::Ready = self.spawn(&env).await {
                return;
            }
        }
        panic!("could not restart stint: the port was taken {START_ATTEMPTS} times in a row");
    }

    /// Sends SIGTERM (a graceful shutdown) and returns at once; [`Server::exited`] waits for it.
    pub fn terminate(&self) {
        let pid = self.child.as_ref().expect("the server runs").id();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM delivered");
    }

    /// Waits (up to 15 s) for the process to exit and returns its status.
    pub async fn exited(&mut self) -> std::process::ExitStatus {
        let child = self.child.as_mut().expect("the server runs");
        for _ in 0..300 {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not exit within 15 s");
    }

    /// One start attempt on a newly chosen port.
    async fn spawn(&mut self, extra_env: &[(&str, &str)]) -> Start {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut env: Vec<(String, String)> = vec![
            ("STINT_LISTEN".into(), listen.clone()),
            ("STINT_DATA_DIR".into(), self.data_dir.display().to_string()),
            // Never pick up a stint.yaml from wherever the tests run.
            (
                "STINT_CONFIG".into(),
                self.data_dir
                    .join("no-such-stint.yaml")
                    .display()
                    .to_string(),
            ),
            ("STINT_JWT_SECRET".into(), JWT_SECRET.into()),
            ("STINT_RATE_LIMIT_PER_MINUTE".into(), "0".into()),
            // Mail without SMTP is logged at info under `stint::mail`; tests read reset links there.
            ("STINT_LOG".into(), "warn,stint::mail=info".into()),
            ("NO_COLOR".into(), "1".into()),
        ];
        if let Some(db) = &self.pg_db {
            env.push((
                "STINT_DATABASE_URL".into(),
                format!("{}/{db}", pg_server_url().await),
            ));
        }
        for (key, value) in extra_env {
            env.retain(|(k, _)| k != key);
            env.push(((*key).into(), (*value).into()));
        }

        let stdout = File::create(self.stdout_path()).expect("create the server's stdout file");
        let stderr = File::create(self.stderr_path()).expect("create the server's stderr file");
        // `STINT_E2E_BIN` overrides the binary (worktrees sharing one target directory overwrite
        // each other's `target/debug/stint`).
        let bin =
            std::env::var_os("STINT_E2E_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_stint").into());
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .current_dir(&self.data_dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        // Settings of the developer's shell must not leak into the test server.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("STINT_") {
                command.env_remove(&key);
            }
        }
        command.envs(env);
        let child = command.spawn().expect("spawn the stint binary");
        self.child = Some(child);
        self.base = format!("http://{listen}");

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                let log = self.log();
                if log.contains("Address already in use") || log.contains("address already in use")
                {
                    return Start::PortTaken;
                }
                panic!("stint exited during start-up ({status}); its stderr:\n{log}");
            }
            let health = self
                .http
                .get(format!("{}/api/health", self.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if health.is_ok_and(|r| r.status().as_u16() == 200) {
                return Start::Ready;
            }
            if Instant::now() > deadline {
                panic!(
                    "stint did not answer GET /api/health within {} s; its stderr:\n{}",
                    READY_TIMEOUT.as_secs(),
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn stdout_path(&self) -> PathBuf {
        self.data_dir.join("stdout.log")
    }

    fn stderr_path(&self) -> PathBuf {
        self.data_dir.join("stderr.log")
    }

    /// The server's log (its stderr) so far, with any ANSI colour codes removed.
    pub fn log(&self) -> String {
        let raw = std::fs::read(self.stderr_path()).unwrap_or_default();
        strip_ansi(&String::from_utf8_lossy(&raw))
    }

    /// The token of the last link of kind `link` (`"accept-invitation?token="`,
    /// `"verify-email?token="`, `"reset-password?token="`) mailed to `email`, read from the log
    /// (mail is logged, one event per line, when no SMTP server is configured); waits up to five
    /// seconds for the line to be written.
    pub async fn mailed_token(&self, email: &str, link: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            if let Some(token) = find_mailed_token(&log, email, link) {
                return token;
            }
            assert!(
                Instant::now() < deadline,
                "no {link} link for {email} in the server log:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `by` invites `email` into `org_id` as `role` (asserting 201, a pending invitation), and
    /// `invitee` accepts with the mailed link (asserting 201). Returns the new membership.
    pub async fn join(
        &self,
        by: &Client,
        org_id: &str,
        invitee: &Client,
        email: &str,
        role: &str,
    ) -> Value {
        let invited = by
            .post(
                &format!("/organizations/{org_id}/members"),
                Some(json!({ "email": email, "role": role })),
            )
            .await;
        invited.assert_status(201);
        assert_eq!(invited.data()["status"], "invited", "{}", invited.body);
        let token = self
            .mailed_token(&email.to_lowercase(), "accept-invitation?token=")
            .await;
        let accepted = invitee
            .post("/auth/invitations/accept", Some(json!({ "token": token })))
            .await;
        accepted.assert_status(201);
        assert_eq!(accepted.data()["role"], role, "{}", accepted.body);
        accepted.data().clone()
    }

    /// An anonymous client.
    pub fn client(&self) -> Client {
        Client {
            http: self.http.clone(),
            base: self.base.clone(),
            authorization: None,
        }
    }

    /// Registers an account with [`PASSWORD`] (asserting 201) and returns a client
    /// authenticated with its access token, plus the whole auth response.
    pub async fn register(&self, email: &str, name: &str) -> (Client, Value) {
        let resp = self
            .client()
            .post(
                "/auth/register",
                Some(json!({ "email": email, "password": PASSWORD, "name": name })),
            )
            .await;
        resp.assert_status(201);
        let token = resp.body["access_token"]
            .as_str()
            .expect("register returns an access_token");
        (self.client().with_token(token), resp.body.clone())
    }

    /// Registers an account (asserting 201) and returns its client and user id.
    pub async fn register_user(&self, email: &str, name: &str) -> (Client, String) {
        let (client, auth) = self.register(email, name).await;
        let id = auth["user"]["id"]
            .as_str()
            .expect("register returns user.id")
            .to_owned();
        (client, id)
    }

    /// Registers an account and creates an organization for it (which becomes its current one);
    /// returns the authenticated client and the organization's id.
    pub async fn register_with_org(
        &self,
        email: &str,
        name: &str,
        org_name: &str,
    ) -> (Client, String) {
        let (client, _) = self.register(email, name).await;
        let org = client
            .post("/organizations", Some(json!({ "name": org_name })))
            .await;
        org.assert_status(201);
        let id = org.body["data"]["id"]
            .as_str()
            .expect("a created organization has data.id")
            .to_owned();
        (client, id)
    }

    /// `POST /auth/login`, returning the raw response.
    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.client()
            .post(
                "/auth/login",
                Some(json!({ "email": email, "password": password })),
            )
            .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(db) = self.pg_db.take() {
            drop_pg_database(db);
        }
    }
}

/// A port that was free a moment ago (the listener is dropped before returning).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a local port to find a free one")
}

/// Removes ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one fresh database per server.

/// `postgres://USER@HOST:PORT` of the test PostgreSQL server, without a database. Taken from
/// `STINT_E2E_PG`, else the first of the users `postgres` and `root` that can connect to the
/// database `test` on 127.0.0.1:5432.
async fn pg_server_url() -> String {
    if let Some(url) = PG_URL.get() {
        return url.clone();
    }
    let url = match std::env::var("STINT_E2E_PG") {
        Ok(url) => url.trim_end_matches('/').to_owned(),
        Err(_) => {
            let mut errors = Vec::new();
            let mut found = None;
            for user in ["postgres", "root"] {
                let url = format!("postgres://{user}@127.0.0.1:5432");
                match sqlx::PgConnection::connect(&format!("{url}/test")).await {
                    Ok(conn) => {
                        let _ = conn.close().await;
                        found = Some(url);
                        break;
                    }
                    Err(e) => errors.push(format!("{url}/test: {e}")),
                }
            }
            found.unwrap_or_else(|| {
                panic!(
                    "cannot reach PostgreSQL for the e2e tests: {}",
                    errors.join("; ")
                )
            })
        }
    };
    PG_URL.get_or_init(|| url).clone()
}

/// The answer of [`pg_server_url`], once known.
static PG_URL: OnceLock<String> = OnceLock::new();

/// Creates `stint_t_<random hex>` and returns its name.
async fn create_pg_database() -> String {
    let server = pg_server_url().await;
    let name = format!("stint_t_{:016x}", rand::random::<u64>());
    let mut conn = sqlx::PgConnection::connect(&format!("{server}/test"))
        .await
        .expect("connect to PostgreSQL to create a test database");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .expect("create the test database");
    let _ = conn.close().await;
    name
}

/// Drops a test database, best effort, on a thread of its own so it works from `Drop` inside or
/// outside a Tokio runtime. Never panics.
fn drop_pg_database(name: String) {
    // The database was created through `pg_server_url`, so its answer is known by now.
    let Some(server) = PG_URL.get().cloned() else {
        return;
    };
    let worker = std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let drop = async {
                let mut conn = sqlx::PgConnection::connect(&format!("{server}/test"))
                    .await
                    .ok()?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await;
                let _ = conn.close().await;
                Some(())
            };
            let _ = tokio::time::timeout(Duration::from_secs(10), drop).await;
        });
    });
    let _ = worker.join();
}

// ---------------------------------------------------------------------------------------------
// HTTP client.

/// `value["id"]` as a string; panics naming the value when it has none.
#[track_caller]
pub fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// `data.id` of a creation response, after asserting `201 Created`.
#[track_caller]
pub fn created_id(resp: &Resp) -> String {
    resp.assert_status(201);
    resp.data()["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no data.id in {}", resp.request, resp.body))
        .to_owned()
}

/// A small JSON client for `/api/v1`, optionally authenticated.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// The whole `Authorization` header value, e.g. `Bearer …`.
    authorization: Option<String>,
}

/// A response: status, body (JSON when it parses, else a JSON string of the text, `null` when
/// empty) and headers.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status code.
    pub status: u16,
    /// The parsed body.
    pub body: Value,
    /// Response headers.
    pub headers: HeaderMap,
    /// `METHOD /path`, for assertion messages.
    pub request: String,
}

impl Client {
    /// The same client with `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> Client {
        self.with_authorization(&format!("Bearer {token}"))
    }

    /// The same client sending this exact `Authorization` header value (e.g. `Basic xyz`).
    pub fn with_authorization(&self, value: &str) -> Client {
        Client {
            authorization: Some(value.to_owned()),
            ..self.clone()
        }
    }

    /// The same client without credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            authorization: None,
            ..self.clone()
        }
    }

    /// The bearer token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
    }

    /// The absolute URL of `path`: paths starting with `/api/` are taken from the server root,
    /// all others are relative to `/api/v1`.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/api/") || path.starts_with("/graphql") {
            format!("{}{path}", self.base)
        } else {
            format!("{}/api/v1{path}", self.base)
        }
    }

    /// `GET path` (a body, if given, is sent as JSON).
    pub async fn get(&self, path: &str, body: Option<Value>) -> Resp {
        self.json("GET", path, body).await
    }

    /// `POST path` with an optional JSON body.
    pub async fn post(&self, path: &str, body: Option<Value>) -> Resp {
        self.json("POST", path, body).await
    }

    /// `PATCH path` with an optional JSON body.
    pub async fn patch(&self, path: &str, body: Option<Value>) -> Resp {
        self.json("PATCH", path, body).await
    }

    /// `DELETE path` with an optional JSON body.
    pub async fn delete(&self, path: &str, body: Option<Value>) -> Resp {
        self.json("DELETE", path, body).await
    }

    /// `POST /graphql` with a query and its variables.
    pub async fn graphql(&self, query: &str, variables: Value) -> Resp {
        self.post(
            "/graphql",
            Some(serde_json::json!({ "query": query, "variables": variables })),
        )
        .await
    }

    /// Any method with an optional JSON body.
    pub async fn json(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| {
            (
                "application/json",
                serde_json::to_vec(&b).expect("serialize a JSON body"),
            )
        });
        self.send(method, path, body, &[]).await
    }

    /// Any method with arbitrary bytes and content type (for malformed or oversized bodies).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        bytes: impl Into<Vec<u8>>,
    ) -> Resp {
        self.send(method, path, Some((content_type, bytes.into())), &[])
            .await
    }

    /// The general form: method, path, optional `(content type, bytes)` body and extra headers.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let method_value =
            reqwest::Method::from_bytes(method.as_bytes()).expect("a valid HTTP method");
        let mut request = self.http.request(method_value, self.url(path));
        if let Some(auth) = &self.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, auth);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, bytes)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        let label = format!("{method} {path}");
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{label}: request failed: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{label}: reading the body failed: {e}"));
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp {
            status,
            body,
            headers,
            request: label,
        }
    }
}

impl Resp {
    /// Panics, showing the request and the body, unless the status is `expected`.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status, expected,
            "{}: expected HTTP {expected}, got {} with body {}",
            self.request, self.status, self.body
        );
        self
    }

    /// Panics unless this is the error envelope `{"error": {"code", "message", …}}` with this
    /// status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.error_code(),
            code,
            "{}: wrong error code in {}",
            self.request,
            self.body
        );
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}: the error envelope lacks a message: {}",
            self.request,
            self.body
        );
        self
    }

    /// `error.code` of the error envelope, or `""` when there is none.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// `data` of a success envelope (`null` when absent).
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Python packages the client tests use, installed once into a private virtual environment.
const PYTHON_PACKAGES: &[&str] = &["gql[aiohttp,websockets]==4.4.0", "mcp==2.3.0"];

/// The Python interpreter of the tests' private virtual environment (under cargo's target
/// directory), created with [`PYTHON_PACKAGES`] on first use. Safe to call from several tests
/// and several test processes at once: one creates it, the others wait for it.
pub fn python() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-python");
            let python = root.join("bin").join("python");
            let marker = format!("ready-{}", PYTHON_PACKAGES.join(",").len());
            prepare_once(&root, &marker, "Python environment", || {
                let status = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&root)
                    .status()
                    .map_err(|e| format!("python3 -m venv: {e}"))?;
                if !status.success() {
                    return Err(format!("python3 -m venv failed: {status}"));
                }
                let mut pip = Command::new(&python);
                pip.args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PYTHON_PACKAGES);
                installed("pip install", pip)
            });
            python
        })
        .clone()
}

/// Runs `setup` to fill `root` once across tests and test processes: the first caller takes a
/// lock folder, empties `root`, runs `setup` and leaves `marker` in `root`; the others wait for
/// the marker (up to 10 minutes).
fn prepare_once(
    root: &std::path::Path,
    marker: &str,
    what: &str,
    setup: impl FnOnce() -> Result<(), String>,
) {
    let marker = root.join(marker);
    let lock = root.with_extension("lock");
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if marker.exists() {
            return;
        }
        if std::fs::create_dir(&lock).is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "waited 10 minutes for {}",
            root.display()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let result = (|| {
        let _ = std::fs::remove_dir_all(root);
        std::fs::create_dir_all(root).map_err(|e| e.to_string())?;
        setup()?;
        File::create(&marker).map_err(|e| e.to_string())?;
        Ok::<_, String>(())
    })();
    let _ = std::fs::remove_dir(&lock);
    if let Err(e) = result {
        panic!("setting up the tests' {what}: {e}");
    }
}

/// Runs an installer command; its stderr is the error when it fails.
fn installed(what: &str, mut command: Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs a client script of `tests/e2e/clients/` with the tests' Python and `args`; its stdout
/// parsed as JSON.
pub async fn run_python_client(script: &str, args: &[&str]) -> Value {
    let python = tokio::task::spawn_blocking(python)
        .await
        .expect("the Python environment is set up");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/e2e/clients")
        .join(script);
    let mut command = tokio::process::Command::new(python);
    command.arg(&path).args(args);
    run_json_client(script, command).await
}

/// npm packages the Node.js client tests use, installed once into cargo's target directory.
const NODE_PACKAGES: &[&str] = &["@modelcontextprotocol/sdk@1.32.2"];

/// A folder with [`NODE_PACKAGES`] installed (created on first use; safe across tests and test
/// processes, like [`python`]).
pub fn node_modules() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-node");
            let marker = format!("ready-{}", NODE_PACKAGES.join(",")).replace('/', "_");
            prepare_once(&root, &marker, "Node.js packages", || {
                std::fs::write(
                    root.join("package.json"),
                    r#"{"private": true, "type": "module"}"#,
                )
                .map_err(|e| e.to_string())?;
                let mut npm = Command::new("npm");
                npm.args(["install", "--no-audit", "--no-fund", "--silent"])
                    .args(NODE_PACKAGES)
                    .current_dir(&root);
                installed("npm install", npm)
            });
            root
        })
        .clone()
}

/// Runs a Node.js client script of `tests/e2e/clients/` (copied beside [`node_modules`] so its
/// imports resolve) with `args`; its stdout parsed as JSON.
pub async fn run_node_client(script: &str, args: &[&str]) -> Value {
    let root = tokio::task::spawn_blocking(node_modules)
        .await
        .expect("the Node.js packages are installed");
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/e2e/clients")
        .join(script);
    let copy = root.join(format!("{}-{script}", std::process::id()));
    std::fs::copy(&source, &copy).expect("copy the client script");
    let mut command = tokio::process::Command::new("node");
    command.arg(&copy).args(args);
    run_json_client(script, command).await
}

/// Runs a client script's `command` (up to 60 s), asserts it succeeded, and parses its stdout as
/// JSON.
async fn run_json_client(script: &str, mut command: tokio::process::Command) -> Value {
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .unwrap_or_else(|_| panic!("{script} did not finish within 60 s"))
        .unwrap_or_else(|e| panic!("running {script}: {e}"));
    assert!(
        output.status.success(),
        "{script} failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
