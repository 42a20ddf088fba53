//! The queries behind report plugins' data (`domain::reports::lender`): grouped sums over time
//! entries with rates resolved in SQL, pages of entries, members, projects, clients and task
//! counts. Every query is scoped by `org_id` (and, when the caller may not see everyone, by
//! `user_id`); the domain decides those, this module only writes them down.
//!
//! Two things are computed inside the database so that a million entries never leave it:
//!
//! * **The local date** of an entry's start, for grouping by day, week or month and for the
//!   effective dates of rates. SQLite has no time-zone database, so the host passes the UTC
//!   offsets of the organization's zone over the queried range ([`Offsets`]: a handful of
//!   transitions per year) and the SQL picks one with a `CASE` on `started_at`; PostgreSQL gets
//!   the same expression so both engines agree to the second.
//! * **The rates** of each entry, by the cascade of `domain::rates::resolve`: the entry's own
//!   rate, then the project-member rate, then the organization-member rate in effect on the local
//!   date, then the client's rate. `member_rates` rows become intervals `[effective_from, next
//!   effective_from)` with `LEAD()` over each member and level, and each entry joins the one
//!   interval containing its date. Amounts are rounded half up per entry
//!   (`(seconds × rate + 1800) / 3600`, all non-negative integers) and then summed.

use chrono::{DateTime, NaiveDate, Utc};

use crate::plugins::contract::report::{Dimension, EntryFilter, TaskDimension, TaskFilter};
use crate::store::db::{Arg, Backend, Exec, Query, Sql};

/// The UTC offsets of a time zone over a range: `first` until the first transition, then each
/// transition's offset from its instant on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offsets {
    /// Offset in seconds before the first transition.
    pub first: i32,
    /// (instant, offset in seconds from then on), ascending.
    pub transitions: Vec<(DateTime<Utc>, i32)>,
}

/// Who may be seen and where.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The organization.
    pub org_id: &'a str,
    /// `Some(user)`: only this user's time and tasks.
    pub only_user: Option<&'a str>,
}

/// One group as the database sums it.
#[derive(Debug, sqlx::FromRow)]
pub struct GroupRow {
    /// `k0|k1|…` is split by the caller; here each key is its own column, joined with U+001F.
    pub keys: String,
    /// Entries.
    pub entries: i64,
    /// Seconds.
    pub seconds: i64,
    /// Billable seconds.
    pub billable_seconds: i64,
    /// Revenue, minor units.
    pub revenue: i64,
    /// Cost, minor units.
    pub cost: i64,
}

/// The separator of keys inside [`GroupRow::keys`] (ids and dates never contain it).
pub const KEY_SEPARATOR: char = '\u{1f}';

/// One entry with resolved rates.
#[derive(Debug, sqlx::FromRow)]
pub struct EntryRow {
    /// `te_…`
    pub id: String,
    /// Who.
    pub user_id: String,
    /// Project.
    pub project_id: Option<String>,
    /// Task.
    pub task_id: Option<String>,
    /// The project's client.
    pub client_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub stopped_at: DateTime<Utc>,
    /// Seconds.
    pub duration_secs: i64,
    /// Billable.
    pub billable: bool,
    /// Invoice.
    pub invoice_id: Option<String>,
    /// Resolved client rate.
    pub client_rate: i64,
    /// Resolved worker rate.
    pub worker_rate: i64,
}

/// One task group as the database counts it.
#[derive(Debug, sqlx::FromRow)]
pub struct TaskGroupRow {
    /// Keys joined with [`KEY_SEPARATOR`].
    pub keys: String,
    /// Tasks.
    pub tasks: i64,
    /// Estimates, minutes.
    pub estimate_minutes: i64,
    /// Overdue tasks.
    pub overdue: i64,
}

/// A member as reports see them.
#[derive(Debug, sqlx::FromRow)]
pub struct MemberRow {
    /// User.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: String,
}

/// A project as reports see it.
#[derive(Debug, sqlx::FromRow)]
pub struct ProjectRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Client.
    pub client_id: Option<String>,
    /// `active` | `archived` | …
    pub status: String,
}

/// A client as reports see it.
#[derive(Debug, sqlx::FromRow)]
pub struct ClientRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Currency.
    pub currency: String,
}

/// Builds the dynamic parts of one query: arguments and their `$n` placeholders.
struct Builder {
    backend: Backend,
    args: Vec<Arg>,
}

impl Builder {
    fn new(backend: Backend) -> Builder {
        Builder {
            backend,
            args: Vec::new(),
        }
    }

    /// Binds `arg` and returns its placeholder.
    fn bind(&mut self, arg: impl Into<Arg>) -> String {
        self.args.push(arg.into());
        format!("${}", self.args.len())
    }

    fn pg(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// The offset in seconds of `e.started_at`, as an SQL integer expression.
    fn offset_expr(&mut self, offsets: &Offsets) -> String {
        if offsets.transitions.is_empty() {
            return offsets.first.to_string();
        }
        let mut sql = String::from("(CASE");
        let mut current = offsets.first;
        for (at, next) in &offsets.transitions {
            let p = self.bind(*at);
            sql.push_str(&format!(" WHEN e.started_at < {p} THEN {current}"));
            current = *next;
        }
        sql.push_str(&format!(" ELSE {current} END)"));
        sql
    }

    /// The local start as SQL, given the offset expression: text `YYYY-MM-DD HH:MM:SS` on
    /// SQLite, `timestamp` on PostgreSQL.
    fn local(&self, off: &str) -> String {
        if self.pg() {
            format!("((e.started_at AT TIME ZONE 'UTC') + make_interval(secs => {off}))")
        } else {
            format!("datetime(e.started_at, {off} || ' seconds')")
        }
    }

    /// The local date (`DATE` on PostgreSQL, `YYYY-MM-DD` text on SQLite).
    fn local_date(&self, local: &str) -> String {
        if self.pg() {
            format!("CAST({local} AS DATE)")
        } else {
            format!("date({local})")
        }
    }

    /// A period's first day as `YYYY-MM-DD` text.
    fn period(&self, dim: Dimension, local: &str) -> String {
        match (self.pg(), dim) {
            (true, Dimension::Day) => format!("to_char({local}, 'YYYY-MM-DD')"),
            (true, Dimension::Week) => {
                format!("to_char(date_trunc('week', {local}), 'YYYY-MM-DD')")
            }
            (true, _) => format!("to_char(date_trunc('month', {local}), 'YYYY-MM-DD')"),
            (false, Dimension::Day) => format!("date({local})"),
            // Back six days, then forward to the next Monday (or stay on it).
            (false, Dimension::Week) => format!("date({local}, '-6 days', 'weekday 1')"),
            (false, _) => format!("strftime('%Y-%m-01', {local})"),
        }
    }

    /// The WHERE clause of an entry query (over `time_entries e LEFT JOIN projects p`).
    fn entry_where(&mut self, scope: &Scope<'_>, f: &EntryFilter) -> String {
        let mut wh = format!(
            "e.org_id = {} AND e.stopped_at IS NOT NULL AND e.started_at >= {} AND e.started_at < {}",
            self.bind(scope.org_id),
            self.bind(f.from),
            self.bind(f.to)
        );
        if let Some(u) = scope.only_user {
            wh.push_str(&format!(" AND e.user_id = {}", self.bind(u)));
        }
        let eq = |b: &mut Builder, wh: &mut String, col: &str, v: &Option<String>| {
            if let Some(v) = v {
                wh.push_str(&format!(" AND {col} = {}", b.bind(v.as_str())));
            }
        };
        eq(self, &mut wh, "e.user_id", &f.user_id);
        eq(self, &mut wh, "e.project_id", &f.project_id);
        eq(self, &mut wh, "p.client_id", &f.client_id);
        eq(self, &mut wh, "e.task_id", &f.task_id);
        if let Some(invoice) = &f.invoice_id {
            let p = self.bind(invoice.as_str());
            wh.push_str(&format!(
                " AND e.id IN (SELECT entry_id FROM invoice_entries WHERE invoice_id = {p})"
            ));
        }
        if let Some(d) = &f.description {
            let p = self.bind(d.to_lowercase());
            let find = if self.pg() { "strpos" } else { "instr" };
            wh.push_str(&format!(
                " AND {find}(lower(COALESCE(e.description, '')), {p}) > 0"
            ));
        }
        if let Some(b) = f.billable {
            wh.push_str(if b {
                " AND e.billable"
            } else {
                " AND NOT e.billable"
            });
        }
        wh
    }

    /// The entries matching `f` as a subquery: the columns `need` asks for, the local start
    /// (`local_start`) when money or periods need it, and with `need.money` the resolved
    /// `client_rate` and `worker_rate` (`with_rates` false: the organization has no member rates,
    /// so the cascade reduces to the entry's and the client's rate).
    fn entries(
        &mut self,
        scope: &Scope<'_>,
        f: &EntryFilter,
        offsets: &Offsets,
        need: Need,
        with_rates: bool,
    ) -> String {
        let with_rates = with_rates && need.money;
        let local_start = need.money || need.local_start;
        let client = need.money || need.client || need.detail || f.client_id.is_some();
        let mut cols = String::from(
            "e.user_id, e.project_id, e.task_id, e.duration_secs AS duration_secs, e.billable",
        );
        if client {
            cols.push_str(", p.client_id");
        }
        if need.detail {
            cols.push_str(
                ", e.id, e.description, e.started_at, e.stopped_at, \
                 (SELECT ie.invoice_id FROM invoice_entries ie WHERE ie.entry_id = e.id) AS invoice_id",
            );
        }
        if need.money {
            cols.push_str(", e.hourly_rate, c.hourly_rate AS client_fallback");
        }
        if local_start {
            let off = self.offset_expr(offsets);
            cols.push_str(&format!(", {} AS local_start", self.local(&off)));
        }
        let wh = self.entry_where(scope, f);
        let mut from = String::from("time_entries e");
        if client {
            from.push_str(" LEFT JOIN projects p ON p.id = e.project_id");
        }
        if need.money {
            from.push_str(" LEFT JOIN clients c ON c.id = p.client_id");
        }
        let inner = format!("SELECT {cols} FROM {from} WHERE {wh}");
        if !need.money {
            return inner;
        }
        if !with_rates {
            return format!(
                "SELECT x.*, COALESCE(x.hourly_rate, x.client_fallback, 0) AS client_rate, \
                 0 AS worker_rate FROM ({inner}) x"
            );
        }
        let org = self.bind(scope.org_id);
        let d = self.local_date("x.local_start");
        format!(
            "SELECT x.*, \
               COALESCE(x.hourly_rate, rp.client_rate, ro.client_rate, x.client_fallback, 0) AS client_rate, \
               COALESCE(rp.worker_rate, ro.worker_rate, 0) AS worker_rate \
             FROM ({inner}) x \
             LEFT JOIN (SELECT user_id, project_id, worker_rate, client_rate, effective_from AS f, \
                 LEAD(effective_from) OVER (PARTITION BY user_id, project_id \
                   ORDER BY effective_from, created_at, id) AS t \
               FROM member_rates WHERE org_id = {org} AND project_id IS NOT NULL) rp \
               ON rp.user_id = x.user_id AND rp.project_id = x.project_id \
               AND rp.f <= {d} AND (rp.t IS NULL OR {d} < rp.t) \
             LEFT JOIN (SELECT user_id, worker_rate, client_rate, effective_from AS f, \
                 LEAD(effective_from) OVER (PARTITION BY user_id ORDER BY effective_from, created_at, id) AS t \
               FROM member_rates WHERE org_id = {org} AND project_id IS NULL) ro \
               ON ro.user_id = x.user_id AND ro.f <= {d} AND (ro.t IS NULL OR {d} < ro.t)"
        )
    }
}

/// What an entry query must produce.
#[derive(Debug, Clone, Copy, Default)]
struct Need {
    /// Resolved rates (and the columns they come from).
    money: bool,
    /// The local start, for periods.
    local_start: bool,
    /// The project's client.
    client: bool,
    /// Every column of an entry (listing).
    detail: bool,
}

/// What an aggregate sums besides time.
#[derive(Debug, Clone, Copy)]
pub struct Sums {
    /// Revenue and cost (rates resolved per entry); else both are 0.
    pub money: bool,
    /// The organization has member rates (else the rate joins are skipped).
    pub with_rates: bool,
}

/// Whether the organization has any member rate rows (else rates need no joins).
pub async fn has_member_rates(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<bool> {
    let row: Option<(String,)> = ex
        .fetch_optional(crate::q!(
            "SELECT id FROM member_rates WHERE org_id = $1 LIMIT 1",
            org_id
        ))
        .await?;
    Ok(row.is_some())
}

/// Sums per group of the entries matching `f`; at most `limit` groups, ordered by keys.
pub async fn aggregate_entries(
    ex: &mut impl Exec,
    scope: &Scope<'_>,
    f: &EntryFilter,
    group_by: &[Dimension],
    offsets: &Offsets,
    sums: Sums,
    limit: i64,
) -> sqlx::Result<Vec<GroupRow>> {
    let Sums { money, with_rates } = sums;
    let mut b = Builder::new(ex.backend());
    let need = Need {
        money,
        local_start: group_by
            .iter()
            .any(|d| matches!(d, Dimension::Day | Dimension::Week | Dimension::Month)),
        client: group_by.contains(&Dimension::Client),
        detail: false,
    };
    let inner = b.entries(scope, f, offsets, need, with_rates);
    let keys: Vec<String> = group_by
        .iter()
        .map(|dim| match dim {
            Dimension::User => "y.user_id".to_owned(),
            Dimension::Project => "COALESCE(y.project_id, '')".to_owned(),
            Dimension::Client => "COALESCE(y.client_id, '')".to_owned(),
            Dimension::Task => "COALESCE(y.task_id, '')".to_owned(),
            period => b.period(*period, "y.local_start"),
        })
        .collect();
    let key = if keys.is_empty() {
        "''".to_owned()
    } else {
        keys.join(" || char(31) || ")
    };
    let key = if b.pg() {
        key.replace("char(31)", "chr(31)")
    } else {
        key
    };
    let limit = b.bind(limit);
    let (rev, cost) = if money {
        (
            "CASE WHEN y.billable THEN (COALESCE(y.duration_secs, 0) * y.client_rate + 1800) / 3600 ELSE 0 END",
            "(COALESCE(y.duration_secs, 0) * y.worker_rate + 1800) / 3600",
        )
    } else {
        ("0", "0")
    };
    let sql = format!(
        "SELECT k AS keys, COUNT(*) AS entries, COALESCE(SUM(secs), 0) AS seconds, \
           COALESCE(SUM(bsecs), 0) AS billable_seconds, COALESCE(SUM(rev), 0) AS revenue, \
           COALESCE(SUM(cost), 0) AS cost \
         FROM (SELECT {key} AS k, COALESCE(y.duration_secs, 0) AS secs, \
                 CASE WHEN y.billable THEN COALESCE(y.duration_secs, 0) ELSE 0 END AS bsecs, \
                 {rev} AS rev, {cost} AS cost \
               FROM ({inner}) y) z \
         GROUP BY k ORDER BY k LIMIT {limit}"
    );
    let sql = if b.pg() {
        // SUM over BIGINT is NUMERIC on PostgreSQL; the sums fit in BIGINT.
        sql.replace("COALESCE(SUM(secs), 0)", "COALESCE(SUM(secs), 0)::BIGINT")
            .replace("COALESCE(SUM(bsecs), 0)", "COALESCE(SUM(bsecs), 0)::BIGINT")
            .replace("COALESCE(SUM(rev), 0)", "COALESCE(SUM(rev), 0)::BIGINT")
            .replace("COALESCE(SUM(cost), 0)", "COALESCE(SUM(cost), 0)::BIGINT")
    } else {
        sql
    };
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(b.args))
        .await
}

/// A page of the entries matching `f`, by start then id, after `after` (start, id).
pub async fn list_entries(
    ex: &mut impl Exec,
    scope: &Scope<'_>,
    f: &EntryFilter,
    offsets: &Offsets,
    with_rates: bool,
    after: Option<(DateTime<Utc>, String)>,
    limit: i64,
) -> sqlx::Result<Vec<EntryRow>> {
    let mut b = Builder::new(ex.backend());
    let need = Need {
        money: true,
        detail: true,
        ..Need::default()
    };
    let inner = b.entries(scope, f, offsets, need, with_rates);
    let mut wh = String::from("1 = 1");
    if let Some((at, id)) = after {
        let (pa, pi) = (b.bind(at), b.bind(id));
        wh = format!("(y.started_at > {pa} OR (y.started_at = {pa} AND y.id > {pi}))");
    }
    let limit = b.bind(limit);
    let sql = format!(
        "SELECT y.id, y.user_id, y.project_id, y.task_id, y.client_id, y.description, y.started_at, \
           y.stopped_at, COALESCE(y.duration_secs, 0) AS duration_secs, y.billable, y.invoice_id, \
           y.client_rate, y.worker_rate \
         FROM ({inner}) y WHERE {wh} ORDER BY y.started_at, y.id LIMIT {limit}"
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(b.args))
        .await
}

/// Counts per group of the matching tasks.
pub async fn aggregate_tasks(
    ex: &mut impl Exec,
    scope: &Scope<'_>,
    f: &TaskFilter,
    group_by: &[TaskDimension],
    today: NaiveDate,
    limit: i64,
) -> sqlx::Result<Vec<TaskGroupRow>> {
    let mut b = Builder::new(ex.backend());
    let mut wh = format!("t.org_id = {}", b.bind(scope.org_id));
    if let Some(u) = scope.only_user {
        wh.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM task_assignees o WHERE o.task_id = t.id AND o.user_id = {})",
            b.bind(u)
        ));
    }
    if let Some(p) = &f.project_id {
        wh.push_str(&format!(" AND t.project_id = {}", b.bind(p.as_str())));
    }
    if let Some(a) = &f.assignee_id {
        wh.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM task_assignees o2 WHERE o2.task_id = t.id AND o2.user_id = {})",
            b.bind(a.as_str())
        ));
    }
    if f.open_only {
        wh.push_str(" AND (s.is_done IS NULL OR NOT s.is_done)");
    }
    let by_assignee = group_by.contains(&TaskDimension::Assignee);
    let assignee_join = if by_assignee {
        // Without view_reports only the caller's own assignment is a group.
        match scope.only_user.or(f.assignee_id.as_deref()) {
            Some(u) => format!(
                "LEFT JOIN task_assignees a ON a.task_id = t.id AND a.user_id = {}",
                b.bind(u)
            ),
            None => "LEFT JOIN task_assignees a ON a.task_id = t.id".to_owned(),
        }
    } else {
        String::new()
    };
    let keys: Vec<&str> = group_by
        .iter()
        .map(|d| match d {
            TaskDimension::Assignee => "COALESCE(a.user_id, '')",
            TaskDimension::Project => "t.project_id",
            TaskDimension::Status => "t.status",
        })
        .collect();
    let sep = if b.pg() {
        " || chr(31) || "
    } else {
        " || char(31) || "
    };
    let key = if keys.is_empty() {
        "''".to_owned()
    } else {
        keys.join(sep)
    };
    let today = b.bind(today);
    let limit = b.bind(limit);
    let cast = if b.pg() { "::BIGINT" } else { "" };
    let sql = format!(
        "SELECT {key} AS keys, COUNT(*){cast} AS tasks, \
           COALESCE(SUM(COALESCE(t.estimate_minutes, 0)), 0){cast} AS estimate_minutes, \
           COALESCE(SUM(CASE WHEN t.due_date < {today} AND (s.is_done IS NULL OR NOT s.is_done) \
             THEN 1 ELSE 0 END), 0){cast} AS overdue \
         FROM tasks t \
         LEFT JOIN task_statuses s ON s.org_id = t.org_id AND s.code = t.status \
         {assignee_join} \
         WHERE {wh} GROUP BY {key} ORDER BY {key} LIMIT {limit}"
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(b.args))
        .await
}

/// The organization's members (or only `only_user`), by name.
pub async fn members(ex: &mut impl Exec, scope: &Scope<'_>) -> sqlx::Result<Vec<MemberRow>> {
    let mut b = Builder::new(ex.backend());
    let mut wh = format!("m.org_id = {}", b.bind(scope.org_id));
    if let Some(u) = scope.only_user {
        wh.push_str(&format!(" AND m.user_id = {}", b.bind(u)));
    }
    let sql = format!(
        "SELECT u.id AS user_id, u.name, u.email, m.role FROM org_members m \
         JOIN users u ON u.id = m.user_id WHERE {wh} ORDER BY u.name, u.id"
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(b.args))
        .await
}

/// The organization's projects, by name.
pub async fn projects(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Vec<ProjectRow>> {
    ex.fetch_all(crate::q!(
        "SELECT id, name, client_id, status FROM projects WHERE org_id = $1 ORDER BY name, id",
        org_id
    ))
    .await
}

/// The organization's clients, by name.
pub async fn clients(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Vec<ClientRow>> {
    ex.fetch_all(crate::q!(
        "SELECT id, name, currency FROM clients WHERE org_id = $1 ORDER BY name, id",
        org_id
    ))
    .await
}
