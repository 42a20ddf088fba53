//! Portable access to SQLite and PostgreSQL.
//!
//! Stint keeps one SQL text per query wherever the two dialects agree (sqlx binds `$1, $2…` on both)
//! and a [`Sql::split`] pair where they do not. Arguments are typed ([`Arg`]) so that a `NULL` is bound
//! with the column's type on PostgreSQL, and row types derive `sqlx::FromRow` for both drivers.
//! The domain never sees which database is in use.
//!
//! ```ignore
//! let task: Option<TaskRow> = db.fetch_optional(q!("SELECT * FROM tasks WHERE id = $1", id)).await?;
//! ```

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, Postgres, SqlStr, Sqlite, Transaction};

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file in WAL mode; the embedded default.
    Sqlite,
    /// A PostgreSQL server, for deployments of several processes.
    Postgres,
}

/// Rows a SQLite connection's thread may produce ahead of the caller.
const SQLITE_ROW_BUFFER: usize = 4096;

/// A handle to the database: cheap to clone, shared by the whole process.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
    /// Signalled after every successful commit, so the event dispatcher publishes without polling.
    committed: Arc<tokio::sync::Notify>,
}

#[derive(Clone, Debug)]
enum Pools {
    /// SQLite: readers share a pool, writes go through a single connection so that writers queue
    /// in-process instead of failing with `SQLITE_BUSY`.
    Sqlite {
        /// Connections for reads outside transactions.
        read: SqlitePool,
        /// The one connection that opens write transactions.
        write: SqlitePool,
    },
    /// PostgreSQL: the main pool, and a small side pool for short out-of-band statements taken
    /// while the caller holds a main-pool transaction (see [`Db::side`]); sharing one pool would
    /// let those callers exhaust it and wait on each other forever.
    Postgres {
        /// Connections for reads and transactions.
        main: PgPool,
        /// Connections for out-of-band autocommit statements.
        side: PgPool,
    },
}

/// An open transaction on either backend. Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    inner: TxInner,
    committed: Arc<tokio::sync::Notify>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// SQL text for one query: shared by both dialects, split per dialect, or built at run time from
/// static fragments (filters), which the caller vouches for.
#[derive(Debug, Clone)]
pub enum Sql {
    /// The same text runs on both engines.
    Both(&'static str),
    /// Dialect-specific texts.
    Split {
        /// Text for SQLite.
        sqlite: &'static str,
        /// Text for PostgreSQL.
        postgres: &'static str,
    },
    /// Built at run time from static fragments and placeholders only — never from user input.
    Built(String),
}

impl Sql {
    /// A query whose text differs between the dialects.
    pub const fn split(sqlite: &'static str, postgres: &'static str) -> Self {
        Sql::Split { sqlite, postgres }
    }

    fn for_backend(self, backend: Backend) -> SqlStr {
        use sqlx::SqlSafeStr;
        match (self, backend) {
            (Sql::Both(s), _) => s.into_sql_str(),
            (Sql::Split { sqlite, .. }, Backend::Sqlite) => sqlite.into_sql_str(),
            (Sql::Split { postgres, .. }, Backend::Postgres) => postgres.into_sql_str(),
            (Sql::Built(s), _) => AssertSqlSafe(s).into_sql_str(),
        }
    }
}

impl From<&'static str> for Sql {
    fn from(s: &'static str) -> Self {
        Sql::Both(s)
    }
}

/// A bound argument, typed so that `NULL`s carry their column type.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `TEXT`.
    Text(Option<String>),
    /// `BIGINT` / `INTEGER`.
    Int(Option<i64>),
    /// `BOOLEAN`.
    Bool(Option<bool>),
    /// `TIMESTAMPTZ` / RFC 3339 text.
    Time(Option<DateTime<Utc>>),
    /// `DATE` / `YYYY-MM-DD` text.
    Date(Option<NaiveDate>),
}

macro_rules! arg_from {
    ($($t:ty => $variant:ident $(, $conv:expr)?);* $(;)?) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self { Arg::$variant(Some(arg_from!(@conv v $(, $conv)?))) }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Self { Arg::$variant(v.map(|v| arg_from!(@conv v $(, $conv)?))) }
        }
    )*};
    (@conv $v:ident) => { $v };
    (@conv $v:ident, $conv:expr) => { ($conv)($v) };
}

arg_from! {
    String => Text;
    &str => Text, |s: &str| s.to_owned();
    &String => Text, |s: &String| s.clone();
    i64 => Int;
    i32 => Int, i64::from;
    u32 => Int, i64::from;
    bool => Bool;
    DateTime<Utc> => Time;
    NaiveDate => Date;
}

/// A query ready to run: SQL text plus its arguments. Build it with [`q!`](crate::q).
#[derive(Debug, Clone)]
pub struct Query {
    sql: Sql,
    args: Vec<Arg>,
}

impl Query {
    /// A query without arguments yet.
    pub fn new(sql: impl Into<Sql>) -> Self {
        Query {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    /// Appends the next positional argument (`$n`).
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Replaces the whole argument list (used by the dynamic filter builder).
    pub fn with_args(mut self, args: Vec<Arg>) -> Self {
        self.args = args;
        self
    }
}

/// Builds a [`Query`]: `q!("SELECT … WHERE id = $1", id)`.
#[macro_export]
macro_rules! q {
    ($sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::store::db::Query::new($sql) $(.bind($arg))*
    };
}

/// A row type that decodes from both drivers.
pub trait DbRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}
impl<T> DbRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Text(v) => query.bind(v),
                Arg::Int(v) => query.bind(v),
                Arg::Bool(v) => query.bind(v),
                Arg::Time(v) => query.bind(v),
                Arg::Date(v) => query.bind(v),
            };
        }
        query
    }};
}

tokio::task_local! {
    /// Counts the statements run inside [`counting`].
    static STATEMENTS: Arc<std::sync::atomic::AtomicU64>;
}

/// Runs `f`, counting into `counter` every statement it (and what it awaits in the same task)
/// runs: how an interface measures what one request cost the database.
pub async fn counting<F: std::future::Future>(
    counter: Arc<std::sync::atomic::AtomicU64>,
    f: F,
) -> F::Output {
    STATEMENTS.scope(counter, f).await
}

fn count_statement() {
    let _ = STATEMENTS.try_with(|c| c.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
}

/// `$from, $from+1, …` for `n` arguments: the inside of an `IN (…)` list.
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who reads, for queries that return only what a user may see: the organizations they are a
/// member of, and of those only `bound_org` when set (a personal access token's).
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The user.
    pub user_id: &'a str,
    /// The one organization the credential may see, if any.
    pub bound_org: Option<&'a str>,
}

impl Reader<'_> {
    /// `{column} IN (the reader's organizations)`, its arguments appended to `args`.
    pub fn orgs_condition(&self, column: &str, args: &mut Vec<Arg>) -> String {
        args.push(self.user_id.into());
        let mut sql = format!(
            "{column} IN (SELECT org_id FROM org_members WHERE user_id = ${}",
            args.len()
        );
        if let Some(org) = self.bound_org {
            args.push(org.into());
            sql.push_str(&format!(" AND org_id = ${}", args.len()));
        }
        sql.push(')');
        sql
    }
}

/// The rows of `{select} WHERE {id_column} IN (ids) AND {org_column} IN (the reader's
/// organizations)`: those among `ids` that `reader` may see (none for no ids, without a query).
pub async fn fetch_visible<T: DbRow>(
    ex: &mut impl Exec,
    select: &str,
    (id_column, org_column): (&str, &str),
    ids: &[String],
    reader: Reader<'_>,
) -> sqlx::Result<Vec<T>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Arg> = ids.iter().map(Arg::from).collect();
    let orgs = reader.orgs_condition(org_column, &mut args);
    let sql = format!(
        "{select} WHERE {id_column} IN ({}) AND {orgs}",
        placeholders(1, ids.len())
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(args))
        .await
}

/// The connection or transaction a query runs on.
#[doc(hidden)]
pub enum Executor<'a> {
    SqliteRead(&'a SqlitePool),
    SqliteWrite(&'a SqlitePool),
    Postgres(&'a PgPool),
    SqliteTx(&'a mut Transaction<'static, Sqlite>),
    PostgresTx(&'a mut Transaction<'static, Postgres>),
}

impl Executor<'_> {
    async fn fetch_all<T: DbRow>(self, q: Query) -> sqlx::Result<Vec<T>> {
        count_statement();
        match self {
            Executor::SqliteRead(p) | Executor::SqliteWrite(p) => {
                let sql = q.sql.for_backend(Backend::Sqlite);
                bind_args!(sqlx::query_as::<Sqlite, T>(sql), q.args)
                    .fetch_all(p)
                    .await
            }
            Executor::SqliteTx(tx) => {
                let sql = q.sql.for_backend(Backend::Sqlite);
                bind_args!(sqlx::query_as::<Sqlite, T>(sql), q.args)
                    .fetch_all(&mut **tx)
                    .await
            }
            Executor::Postgres(p) => {
                let sql = q.sql.for_backend(Backend::Postgres);
                bind_args!(sqlx::query_as::<Postgres, T>(sql), q.args)
                    .fetch_all(p)
                    .await
            }
            Executor::PostgresTx(tx) => {
                let sql = q.sql.for_backend(Backend::Postgres);
                bind_args!(sqlx::query_as::<Postgres, T>(sql), q.args)
                    .fetch_all(&mut **tx)
                    .await
            }
        }
    }

    async fn fetch_optional<T: DbRow>(self, q: Query) -> sqlx::Result<Option<T>> {
        count_statement();
        match self {
            Executor::SqliteRead(p) | Executor::SqliteWrite(p) => {
                let sql = q.sql.for_backend(Backend::Sqlite);
                bind_args!(sqlx::query_as::<Sqlite, T>(sql), q.args)
                    .fetch_optional(p)
                    .await
            }
            Executor::SqliteTx(tx) => {
                let sql = q.sql.for_backend(Backend::Sqlite);
                bind_args!(sqlx::query_as::<Sqlite, T>(sql), q.args)
                    .fetch_optional(&mut **tx)
                    .await
            }
            Executor::Postgres(p) => {
                let sql = q.sql.for_backend(Backend::Postgres);
                bind_args!(sqlx::query_as::<Postgres, T>(sql), q.args)
                    .fetch_optional(p)
                    .await
            }
            Executor::PostgresTx(tx) => {
                let sql = q.sql.for_backend(Backend::Postgres);
                bind_args!(sqlx::query_as::<Postgres, T>(sql), q.args)
                    .fetch_optional(&mut **tx)
                    .await
            }
        }
    }

    async fn execute(self, q: Query) -> sqlx::Result<u64> {
        count_statement();
        match self {
            Executor::SqliteRead(p) | Executor::SqliteWrite(p) => {
                let sql = q.sql.for_backend(Backend::Sqlite);
                Ok(bind_args!(sqlx::query::<Sqlite>(sql), q.args)
                    .execute(p)
                    .await?
                    .rows_affected())
            }
            Executor::SqliteTx(tx) => {
                let sql = q.sql.for_backend(Backend::Sqlite);
                Ok(bind_args!(sqlx::query::<Sqlite>(sql), q.args)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected())
            }
            Executor::Postgres(p) => {
                let sql = q.sql.for_backend(Backend::Postgres);
                Ok(bind_args!(sqlx::query::<Postgres>(sql), q.args)
                    .execute(p)
                    .await?
                    .rows_affected())
            }
            Executor::PostgresTx(tx) => {
                let sql = q.sql.for_backend(Backend::Postgres);
                Ok(bind_args!(sqlx::query::<Postgres>(sql), q.args)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected())
            }
        }
    }
}

/// The operations shared by [`Db`] (auto-commit) and [`Tx`] (inside a transaction).
#[allow(async_fn_in_trait)]
pub trait Exec {
    /// The engine behind this executor.
    fn backend(&self) -> Backend;
    #[doc(hidden)]
    fn executor(&mut self) -> Executor<'_>;

    /// All rows.
    async fn fetch_all<T: DbRow>(&mut self, q: Query) -> sqlx::Result<Vec<T>> {
        self.executor().fetch_all(q).await
    }
    /// The first row, if any.
    async fn fetch_optional<T: DbRow>(&mut self, q: Query) -> sqlx::Result<Option<T>> {
        self.executor().fetch_optional(q).await
    }
    /// Exactly one row; `RowNotFound` otherwise.
    async fn fetch_one<T: DbRow>(&mut self, q: Query) -> sqlx::Result<T> {
        self.executor()
            .fetch_optional(q)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
    /// Runs a statement and returns the number of rows it touched.
    async fn execute(&mut self, q: Query) -> sqlx::Result<u64> {
        self.executor().execute(q).await
    }
}

/// A [`Db`] used as an executor runs reads on the read pool and statements on the writer.
pub struct AutoCommit<'a>(&'a Db);

impl Exec for AutoCommit<'_> {
    fn backend(&self) -> Backend {
        self.0.backend()
    }
    fn executor(&mut self) -> Executor<'_> {
        match &self.0.pools {
            Pools::Sqlite { write, .. } => Executor::SqliteWrite(write),
            Pools::Postgres { main, .. } => Executor::Postgres(main),
        }
    }
}

/// Out-of-band autocommit statements (PostgreSQL's side pool; SQLite's writer).
pub struct Side<'a>(&'a Db);

impl Exec for Side<'_> {
    fn backend(&self) -> Backend {
        self.0.backend()
    }
    fn executor(&mut self) -> Executor<'_> {
        match &self.0.pools {
            Pools::Sqlite { write, .. } => Executor::SqliteWrite(write),
            Pools::Postgres { side, .. } => Executor::Postgres(side),
        }
    }
}

impl Exec for &Db {
    fn backend(&self) -> Backend {
        Db::backend(self)
    }
    fn executor(&mut self) -> Executor<'_> {
        match &self.pools {
            Pools::Sqlite { read, .. } => Executor::SqliteRead(read),
            Pools::Postgres { main, .. } => Executor::Postgres(main),
        }
    }
}

impl Exec for Tx {
    fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }
    fn executor(&mut self) -> Executor<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Executor::SqliteTx(tx),
            TxInner::Postgres(tx) => Executor::PostgresTx(tx),
        }
    }
}

impl Tx {
    /// Commits the transaction and wakes whoever waits for commits (the event dispatcher).
    pub async fn commit(self) -> sqlx::Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        self.committed.notify_one();
        Ok(())
    }
}

/// How many connections to open and how long to wait for one.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Upper bound on open connections (readers for SQLite).
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Db {
    /// Connects to `url` (`sqlite:path` or `postgres://…`), creating the SQLite file if needed.
    pub async fn connect(url: &str, settings: &PoolSettings) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options: PgConnectOptions = url.parse()?;
            let main = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(settings.acquire_timeout)
                .connect_with(options.clone())
                .await?;
            let side = PgPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(settings.acquire_timeout)
                .connect_with(options)
                .await?;
            Ok(Db::new(Pools::Postgres { main, side }))
        } else if url.starts_with("sqlite:") {
            let options: SqliteConnectOptions = url
                .parse::<SqliteConnectOptions>()?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-16000")
                .pragma("temp_store", "memory")
                // Rows travel from the connection's thread to the caller through a channel;
                // sqlx's 50 makes the thread stop every 50 rows of a large read (an invoice
                // over 100,000 entries) until the caller catches up.
                .row_buffer_size(SQLITE_ROW_BUFFER);
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(settings.acquire_timeout.max(Duration::from_secs(30)))
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(settings.acquire_timeout)
                .connect_with(options.read_only(true))
                .await?;
            Ok(Db::new(Pools::Sqlite { read, write }))
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite:PATH or postgres://…")
        }
    }

    fn new(pools: Pools) -> Db {
        Db {
            pools,
            committed: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The engine behind this handle.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Resolves after the next commit made through this handle (or at once if one happened since
    /// the last wait): how the event dispatcher learns of new outbox rows without polling.
    pub async fn committed(&self) {
        self.committed.notified().await
    }

    /// An executor that writes without an explicit transaction (single statements).
    pub fn auto_commit(&self) -> AutoCommit<'_> {
        AutoCommit(self)
    }

    /// An executor for short autocommit statements issued while the caller holds a transaction.
    /// On SQLite this is the writer (do not use it while holding a SQLite transaction).
    pub fn side(&self) -> Side<'_> {
        Side(self)
    }

    /// Opens a write transaction.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => TxInner::Sqlite(write.begin().await?),
            Pools::Postgres { main, .. } => TxInner::Postgres(main.begin().await?),
        };
        Ok(Tx {
            inner,
            committed: self.committed.clone(),
        })
    }

    /// Applies the embedded migrations for this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                sqlx::migrate!("../migrations/sqlite").run(write).await?
            }
            Pools::Postgres { main, .. } => {
                sqlx::migrate!("../migrations/postgres").run(main).await?
            }
        }
        Ok(())
    }

    /// The versions of the embedded migrations not yet applied (successfully) to this database:
    /// empty when the schema is current.
    pub async fn pending_migrations(&self) -> anyhow::Result<Vec<i64>> {
        let migrator = match self.backend() {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres"),
        };
        let applied: Vec<(i64,)> = (&mut { self })
            .fetch_all(Query::new(
                "SELECT version FROM _sqlx_migrations WHERE success",
            ))
            .await
            .unwrap_or_default();
        let applied: std::collections::BTreeSet<i64> = applied.into_iter().map(|(v,)| v).collect();
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .map(|m| m.version)
            .collect())
    }

    /// Closes every connection (used at shutdown so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres { main, side } => {
                main.close().await;
                side.close().await;
            }
        }
    }
}

/// A filtered, ordered listing for [`fetch_page`]. Every part is built from static fragments;
/// values go in the arguments.
pub struct Listing<'a> {
    /// Everything before `WHERE`: `SELECT … FROM table [JOIN …]`.
    pub select: &'a str,
    /// The table (and alias) the total is counted over, e.g. `tasks t`.
    pub from: &'a str,
    /// The `WHERE` condition, with `$n` placeholders numbered from 1.
    pub filter: &'a str,
    /// The `ORDER BY` list.
    pub order: &'a str,
}

/// One page of a listing plus the total across pages: a `COUNT(*)` and the page's rows, both with
/// the filter's `args`; `LIMIT` and `OFFSET` are bound after them.
pub async fn fetch_page<T: DbRow>(
    ex: &mut impl Exec,
    listing: Listing<'_>,
    args: Vec<Arg>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<T>, i64)> {
    let Listing {
        select,
        from,
        filter,
        order,
    } = listing;
    let count = format!("SELECT COUNT(*) FROM {from} WHERE {filter}");
    let (total,): (i64,) = ex
        .fetch_one(Query::new(Sql::Built(count)).with_args(args.clone()))
        .await?;
    let n = args.len();
    let page = format!(
        "{select} WHERE {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = ex
        .fetch_all(
            Query::new(Sql::Built(page))
                .with_args(args)
                .bind(limit)
                .bind(offset),
        )
        .await?;
    Ok((rows, total))
}

/// True when `err` is a unique-constraint violation (either engine).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// True when `err` is a foreign-key violation (either engine).
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_foreign_key_violation())
}
