//! Tasks, with their assignee and label links.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::tasks::{Priority, Task};
use crate::q;
use crate::store::db::{Arg, Backend, Exec, Listing, Query, Sql, fetch_page};

/// A task row with its links aggregated into comma-separated lists.
#[derive(Debug, sqlx::FromRow)]
struct TaskRow {
    id: String,
    org_id: String,
    number: i64,
    project_id: String,
    group_id: Option<String>,
    milestone_id: Option<String>,
    title: String,
    description: Option<String>,
    status: String,
    #[sqlx(try_from = "String")]
    priority: Priority,
    reporter_id: Option<String>,
    start_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    estimate_minutes: Option<i64>,
    position: i64,
    completed_at: Option<DateTime<Utc>>,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    recurrence_id: Option<String>,
    occurrence_at: Option<DateTime<Utc>>,
    template_recurrence_id: Option<String>,
    assignee_csv: Option<String>,
    label_csv: Option<String>,
}

fn split(csv: Option<String>) -> Vec<String> {
    let mut ids: Vec<String> = csv
        .map(|c| {
            c.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

impl From<TaskRow> for Task {
    fn from(r: TaskRow) -> Task {
        Task {
            id: r.id,
            org_id: r.org_id,
            number: r.number,
            project_id: r.project_id,
            group_id: r.group_id,
            milestone_id: r.milestone_id,
            title: r.title,
            description: r.description,
            status: r.status,
            priority: r.priority,
            assignee_ids: split(r.assignee_csv),
            reporter_id: r.reporter_id,
            label_ids: split(r.label_csv),
            start_date: r.start_date,
            due_date: r.due_date,
            estimate_minutes: r.estimate_minutes,
            position: r.position,
            completed_at: r.completed_at,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            recurrence_id: r.recurrence_id,
            occurrence_at: r.occurrence_at,
            template_recurrence_id: r.template_recurrence_id,
        }
    }
}

macro_rules! select_tasks {
    ($agg:literal) => {
        concat!(
            "SELECT t.id, t.org_id, t.number, t.project_id, t.group_id, t.milestone_id, t.title, t.description,
                    t.status, t.priority, t.reporter_id, t.start_date, t.due_date, t.estimate_minutes, t.position,
                    t.completed_at, t.created_by, t.created_at, t.updated_at, t.recurrence_id, t.occurrence_at,
                    (SELECT r.id FROM task_recurrences r WHERE r.task_id = t.id) AS template_recurrence_id,
                    (SELECT ", $agg, "(a.user_id, ',') FROM task_assignees a WHERE a.task_id = t.id) AS assignee_csv,
                    (SELECT ", $agg, "(l.label_id, ',') FROM task_labels l WHERE l.task_id = t.id) AS label_csv
             FROM tasks t"
        )
    };
}

const SELECT_SQLITE: &str = select_tasks!("group_concat");
const SELECT_POSTGRES: &str = select_tasks!("string_agg");

fn select(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => SELECT_SQLITE,
        Backend::Postgres => SELECT_POSTGRES,
    }
}

/// Inserts a task with its assignees and labels.
pub async fn insert(ex: &mut impl Exec, t: &Task) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO tasks (id, org_id, number, project_id, group_id, milestone_id, title, description, status, priority,
                            reporter_id, start_date, due_date, estimate_minutes, position, completed_at, created_by,
                            created_at, updated_at, recurrence_id, occurrence_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        &t.id, &t.org_id, t.number, &t.project_id, t.group_id.as_ref(), t.milestone_id.as_ref(), &t.title,
        t.description.as_ref(), &t.status, t.priority.as_str(), t.reporter_id.as_ref(), t.start_date, t.due_date,
        t.estimate_minutes, t.position, t.completed_at, &t.created_by, t.created_at, t.updated_at,
        t.recurrence_id.as_ref(), t.occurrence_at
    ))
    .await?;
    for user_id in &t.assignee_ids {
        ex.execute(q!(
            "INSERT INTO task_assignees (task_id, user_id) VALUES ($1, $2)",
            &t.id,
            user_id
        ))
        .await?;
    }
    for label_id in &t.label_ids {
        ex.execute(q!(
            "INSERT INTO task_labels (task_id, label_id) VALUES ($1, $2)",
            &t.id,
            label_id
        ))
        .await?;
    }
    Ok(())
}

/// A task by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Task>> {
    let sql = Sql::split(
        concat!(select_tasks!("group_concat"), " WHERE t.id = $1"),
        concat!(select_tasks!("string_agg"), " WHERE t.id = $1"),
    );
    let row: Option<TaskRow> = ex.fetch_optional(Query::new(sql).bind(id)).await?;
    Ok(row.map(Task::from))
}

/// The tasks among `ids` that `reader` may see.
pub async fn by_ids(
    ex: &mut impl Exec,
    ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<Task>> {
    let rows: Vec<TaskRow> = crate::store::db::fetch_visible(
        ex,
        select(ex.backend()),
        ("t.id", "t.org_id"),
        ids,
        reader,
    )
    .await?;
    Ok(rows.into_iter().map(Task::from).collect())
}

/// Filters of a task listing; `org_id` is always applied.
#[derive(Debug, Default)]
pub struct TaskFilter {
    /// Organization.
    pub org_id: String,
    /// Project.
    pub project_id: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Assigned user.
    pub assignee_id: Option<String>,
    /// Group.
    pub group_id: Option<String>,
    /// Label.
    pub label_id: Option<String>,
    /// Milestone.
    pub milestone_id: Option<String>,
    /// Priority.
    pub priority: Option<String>,
    /// Title substring.
    pub search: Option<String>,
    /// Due on or after.
    pub due_from: Option<NaiveDate>,
    /// Due on or before.
    pub due_to: Option<NaiveDate>,
}

const PRIORITY_RANK: &str = "CASE t.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END";

/// Tasks matching `f`, sorted by `sort` (a validated column name), with the total.
pub async fn list(
    ex: &mut impl Exec,
    f: &TaskFilter,
    sort: &str,
    descending: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Task>, i64)> {
    let mut wh = String::from("t.org_id = $1");
    let mut args: Vec<Arg> = vec![f.org_id.as_str().into()];
    let mut add = |clause: &str, arg: Arg| {
        args.push(arg);
        wh.push_str(" AND ");
        wh.push_str(&clause.replace("$?", &format!("${}", args.len())));
    };
    if let Some(v) = &f.project_id {
        add("t.project_id = $?", v.into());
    }
    if let Some(v) = &f.status {
        add("t.status = $?", v.into());
    }
    if let Some(v) = &f.assignee_id {
        add(
            "EXISTS (SELECT 1 FROM task_assignees a WHERE a.task_id = t.id AND a.user_id = $?)",
            v.into(),
        );
    }
    if let Some(v) = &f.group_id {
        add("t.group_id = $?", v.into());
    }
    if let Some(v) = &f.label_id {
        add(
            "EXISTS (SELECT 1 FROM task_labels l WHERE l.task_id = t.id AND l.label_id = $?)",
            v.into(),
        );
    }
    if let Some(v) = &f.milestone_id {
        add("t.milestone_id = $?", v.into());
    }
    if let Some(v) = &f.priority {
        add("t.priority = $?", v.into());
    }
    if let Some(v) = &f.search {
        let pattern = format!(
            "%{}%",
            crate::store::projects::escape_like(&v.to_lowercase())
        );
        add("LOWER(t.title) LIKE $? ESCAPE '\\'", pattern.into());
    }
    if let Some(v) = f.due_from {
        add("t.due_date >= $?", v.into());
    }
    if let Some(v) = f.due_to {
        add("t.due_date <= $?", v.into());
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let order = match sort {
        "position" => format!("t.project_id, t.group_id, t.position {direction}"),
        "priority" => format!("{PRIORITY_RANK} {direction}"),
        // Tasks without a due date sort last either way.
        "due_date" => {
            format!("CASE WHEN t.due_date IS NULL THEN 1 ELSE 0 END, t.due_date {direction}")
        }
        other => format!("t.{other} {direction}"),
    };
    let listing = Listing {
        select: select(ex.backend()),
        from: "tasks t",
        filter: &wh,
        order: &format!("{order}, t.number {direction}"),
    };
    let (rows, total): (Vec<TaskRow>, i64) = fetch_page(ex, listing, args, limit, offset).await?;
    Ok((rows.into_iter().map(Task::from).collect(), total))
}

/// The position after the last task of a group (or of the ungrouped tasks).
pub async fn next_position(
    ex: &mut impl Exec,
    project_id: &str,
    group_id: Option<&str>,
) -> sqlx::Result<i64> {
    // Two texts rather than `group_id = $2 OR (… IS NULL)`, so both use the (project, group,
    // position) index and MAX is a single index probe instead of a scan of the project.
    let query = match group_id {
        Some(g) => q!(
            "SELECT MAX(position) + 1 FROM tasks WHERE project_id = $1 AND group_id = $2",
            project_id,
            g
        ),
        None => q!(
            "SELECT MAX(position) + 1 FROM tasks WHERE project_id = $1 AND group_id IS NULL",
            project_id
        ),
    };
    let (n,): (Option<i64>,) = ex.fetch_one(query).await?;
    Ok(n.unwrap_or(0))
}

/// Task ids of a group (or of the ungrouped tasks) in order.
pub async fn ids_in_group(
    ex: &mut impl Exec,
    project_id: &str,
    group_id: Option<&str>,
) -> sqlx::Result<Vec<String>> {
    let query = match group_id {
        Some(g) => q!(
            "SELECT id FROM tasks WHERE project_id = $1 AND group_id = $2 ORDER BY position, number",
            project_id,
            g
        ),
        None => q!(
            "SELECT id FROM tasks WHERE project_id = $1 AND group_id IS NULL ORDER BY position, number",
            project_id
        ),
    };
    let rows: Vec<(String,)> = ex.fetch_all(query).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Writes a task's own columns (not its links).
pub async fn update(ex: &mut impl Exec, t: &Task) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE tasks SET group_id = $2, milestone_id = $3, title = $4, description = $5, status = $6, priority = $7,
                reporter_id = $8, start_date = $9, due_date = $10, estimate_minutes = $11, position = $12,
                completed_at = $13, updated_at = $14
         WHERE id = $1",
        &t.id, t.group_id.as_ref(), t.milestone_id.as_ref(), &t.title, t.description.as_ref(), &t.status, t.priority.as_str(),
        t.reporter_id.as_ref(), t.start_date, t.due_date, t.estimate_minutes, t.position, t.completed_at, t.updated_at
    ))
    .await
    .map(drop)
}

/// Replaces a task's assignees.
pub async fn set_assignees(
    ex: &mut impl Exec,
    task_id: &str,
    user_ids: &[String],
) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM task_assignees WHERE task_id = $1", task_id))
        .await?;
    for user_id in user_ids {
        ex.execute(q!(
            "INSERT INTO task_assignees (task_id, user_id) VALUES ($1, $2)",
            task_id,
            user_id
        ))
        .await?;
    }
    Ok(())
}

/// Replaces a task's labels.
pub async fn set_labels(
    ex: &mut impl Exec,
    task_id: &str,
    label_ids: &[String],
) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM task_labels WHERE task_id = $1", task_id))
        .await?;
    for label_id in label_ids {
        ex.execute(q!(
            "INSERT INTO task_labels (task_id, label_id) VALUES ($1, $2)",
            task_id,
            label_id
        ))
        .await?;
    }
    Ok(())
}

/// Deletes a task (links, comments, checklist and dependencies go by cascade).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM tasks WHERE id = $1", id))
        .await
        .map(drop)
}

/// Task counts of an organization for the dashboard.
#[derive(Debug, sqlx::FromRow)]
pub struct TaskCounts {
    /// All tasks.
    pub total: i64,
    /// Tasks in a done status.
    pub done: Option<i64>,
    /// Open tasks past their due date.
    pub overdue: Option<i64>,
    /// Open tasks due within the next 7 days.
    pub due_soon: Option<i64>,
}

/// Counts for the dashboard; `today` is the organization's local date.
pub async fn counts(
    ex: &mut impl Exec,
    org_id: &str,
    today: NaiveDate,
    assignee: Option<&str>,
) -> sqlx::Result<TaskCounts> {
    let soon = today + chrono::Days::new(7);
    ex.fetch_one(q!(
        "SELECT COUNT(*) AS total,
                CAST(SUM(CASE WHEN s.is_done THEN 1 ELSE 0 END) AS BIGINT) AS done,
                CAST(SUM(CASE WHEN NOT COALESCE(s.is_done, FALSE) AND t.due_date < $2 THEN 1 ELSE 0 END) AS BIGINT) AS overdue,
                CAST(SUM(CASE WHEN NOT COALESCE(s.is_done, FALSE) AND t.due_date >= $2 AND t.due_date <= $3 THEN 1 ELSE 0 END) AS BIGINT) AS due_soon
         FROM tasks t LEFT JOIN task_statuses s ON s.org_id = t.org_id AND s.code = t.status
         WHERE t.org_id = $1
           AND ($4 IS NULL OR EXISTS (SELECT 1 FROM task_assignees a WHERE a.task_id = t.id AND a.user_id = $4))",
        org_id,
        today,
        soon,
        assignee
    ))
    .await
}

/// `(key, count)` pairs of an organization's tasks grouped by `status` or `priority`.
pub async fn count_by(
    ex: &mut impl Exec,
    org_id: &str,
    column: &'static str,
) -> sqlx::Result<Vec<(String, i64)>> {
    let sql = match column {
        "status" => {
            "SELECT status, COUNT(*) FROM tasks WHERE org_id = $1 GROUP BY status ORDER BY status"
        }
        _ => {
            "SELECT priority, COUNT(*) FROM tasks WHERE org_id = $1 GROUP BY priority ORDER BY priority"
        }
    };
    ex.fetch_all(q!(sql, org_id)).await
}
