//! Tasks: the work items of a project, with assignees, reporter, labels, priority, dates, an
//! estimate, a status from the organization's custom statuses, and a position within their group.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events::{self, Entity};
use crate::domain::notifications::{self, Mail, Notification};
use crate::domain::page::{Page, PageQuery};
use crate::domain::task_statuses::TaskStatus;
use crate::domain::{Cx, Scope, milestones, projects, task_groups, validate, wire};
use crate::error::{Error, Result};
use crate::ids;
use crate::store::{self, Exec, Tx};

pub use crate::model::tasks::{Priority, Task};

/// Most tasks one `create_bulk` call accepts.
pub const MAX_BULK: usize = 100;

crate::entity!(Task, "task");

/// `tasks.create`, and each item of `tasks.create_bulk`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    /// Organization (optional; must match the project's).
    pub org_id: Option<String>,
    /// Title.
    pub title: String,
    /// Project.
    pub project_id: String,
    /// Group in the project.
    pub group_id: Option<String>,
    /// Milestone in the project.
    pub milestone_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Status code (default: the organization's first status).
    pub status: Option<String>,
    /// Priority (default `none`).
    pub priority: Option<String>,
    /// Assignees (organization members).
    #[serde(default)]
    pub assignee_ids: Vec<String>,
    /// Reporter (default: the caller).
    pub reporter_id: Option<String>,
    /// Labels.
    #[serde(default)]
    pub label_ids: Vec<String>,
    /// `YYYY-MM-DD`, on or before `due_date`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Estimate in minutes.
    pub estimate_minutes: Option<i64>,
}

/// `tasks.create_bulk`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTasksBulk {
    /// Organization (optional; must match every project's).
    pub org_id: Option<String>,
    /// Up to 100 tasks, created together or not at all.
    pub tasks: Vec<CreateTask>,
}

impl CreateTasksBulk {
    /// Scoped by the first task's project (every other project is checked against it).
    pub fn scope(&self) -> Scope<'_> {
        match self.tasks.first() {
            Some(first) => Scope::entity(&first.project_id, &self.org_id),
            None => Scope::org(&self.org_id),
        }
    }
}

/// `tasks.list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListTasks {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this status code.
    pub status: Option<String>,
    /// Only tasks assigned to this user.
    pub assignee_id: Option<String>,
    /// Only this group.
    pub group_id: Option<String>,
    /// Only tasks with this label.
    pub label_id: Option<String>,
    /// Only this milestone.
    pub milestone_id: Option<String>,
    /// Only this priority.
    pub priority: Option<String>,
    /// Case-insensitive substring of the title.
    pub search: Option<String>,
    /// Due on or after (`YYYY-MM-DD`).
    pub due_from: Option<String>,
    /// Due on or before (`YYYY-MM-DD`).
    pub due_to: Option<String>,
    /// `position` (default), `number`, `title`, `priority`, `due_date`, `created_at`, `updated_at`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `tasks.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetTask {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `tsk_…`
    pub id: String,
}

/// `tasks.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteTask {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `tsk_…`
    pub id: String,
}

/// `tasks.update`: omitted fields stay; `null` clears nullable ones.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `tsk_…`
    pub id: String,
    /// New title.
    pub title: Option<String>,
    /// New description.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// New group (in the same project); `null` ungroups.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub group_id: Option<Option<String>>,
    /// New milestone; `null` detaches.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub milestone_id: Option<Option<String>>,
    /// New status code.
    pub status: Option<String>,
    /// New priority.
    pub priority: Option<String>,
    /// New assignees (replaces the list).
    pub assignee_ids: Option<Vec<String>>,
    /// New reporter; `null` clears.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub reporter_id: Option<Option<String>>,
    /// New labels (replaces the list).
    pub label_ids: Option<Vec<String>>,
    /// New start date; `null` clears.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub start_date: Option<Option<String>>,
    /// New due date; `null` clears.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub due_date: Option<Option<String>>,
    /// New estimate; `null` clears.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<i64>")]
    pub estimate_minutes: Option<Option<i64>>,
}

/// `tasks.update_status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskStatus {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `tsk_…`
    pub id: String,
    /// New status code.
    pub status: String,
}

/// `tasks.reorder`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderTask {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `tsk_…`
    pub task_id: String,
    /// New index within the group, from 0 (clamped to the end).
    pub position: i64,
    /// Move to this group of the same project; `null` ungroups; omit to stay.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub group_id: Option<Option<String>>,
}

fn priority(value: &str) -> Result<Priority> {
    Priority::parse(value).ok_or_else(|| {
        Error::invalid_field(
            "priority",
            format!("priority must be one of {}", Priority::codes()),
        )
    })
}

fn estimate(value: Option<i64>) -> Result<Option<i64>> {
    match value {
        Some(v) if !(0..=1_000_000).contains(&v) => Err(Error::invalid_field(
            "estimate_minutes",
            "estimate_minutes must be between 0 and 1000000",
        )),
        v => Ok(v),
    }
}

async fn status_of(ex: &mut impl Exec, org_id: &str, code: Option<&str>) -> Result<TaskStatus> {
    let found = match code {
        Some(c) => store::task_statuses::by_code(ex, org_id, c).await?,
        None => store::task_statuses::list(ex, org_id)
            .await?
            .into_iter()
            .next(),
    };
    found.ok_or_else(|| match code {
        Some(c) => Error::rule(
            "status",
            format!("unknown status {c:?}; see task_statuses.list"),
        ),
        None => Error::Conflict("the organization has no task statuses".into()),
    })
}

/// Checks that every id is a member of the organization; returns the sorted, de-duplicated list.
async fn members(
    ex: &mut impl Exec,
    org_id: &str,
    field: &str,
    ids: &[String],
) -> Result<Vec<String>> {
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    for id in &set {
        if store::access::membership(ex, org_id, id).await?.is_none() {
            return Err(Error::rule(
                field,
                format!("{id} is not a member of the organization"),
            ));
        }
    }
    Ok(set.into_iter().collect())
}

async fn labels(ex: &mut impl Exec, org_id: &str, ids: &[String]) -> Result<Vec<String>> {
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    let list: Vec<String> = set.into_iter().collect();
    if store::labels::count_in_org(ex, org_id, &list).await? != list.len() {
        return Err(Error::rule(
            "label_ids",
            "every label must exist in the organization",
        ));
    }
    Ok(list)
}

async fn check_group(
    cx: &Cx<'_>,
    ex: &mut impl Exec,
    project_id: &str,
    group_id: Option<&str>,
) -> Result<()> {
    if let Some(g) = group_id {
        task_groups::load(cx, ex, project_id, g)
            .await
            .map_err(|_| Error::rule("group_id", "the group is not in the task's project"))?;
    }
    Ok(())
}

async fn check_milestone(
    cx: &Cx<'_>,
    ex: &mut impl Exec,
    project_id: &str,
    milestone_id: Option<&str>,
) -> Result<()> {
    if let Some(m) = milestone_id {
        let ms = milestones::load(cx, ex, m)
            .await
            .map_err(|_| Error::rule("milestone_id", "unknown milestone"))?;
        if ms.project_id != project_id {
            return Err(Error::rule(
                "milestone_id",
                "the milestone is not in the task's project",
            ));
        }
    }
    Ok(())
}

/// Loads a task of the scoped organization.
pub async fn load(cx: &Cx<'_>, ex: &mut impl Exec, id: &str) -> Result<Task> {
    let task = store::tasks::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("task"))?;
    cx.same_org(&task.org_id, "task")?;
    Ok(task)
}

async fn insert_new(
    cx: &Cx<'_>,
    tx: &mut Tx,
    input: CreateTask,
    mails: &mut Vec<Mail>,
) -> Result<Task> {
    let org_id = cx.org_id()?.to_owned();
    if input.org_id.as_deref().is_some_and(|o| o != org_id) {
        return Err(Error::not_found("project"));
    }
    let title = validate::name("title", &input.title, 500)?;
    let project = projects::load(cx, tx, &input.project_id).await?;
    check_group(cx, tx, &project.id, input.group_id.as_deref()).await?;
    check_milestone(cx, tx, &project.id, input.milestone_id.as_deref()).await?;
    let start_date = validate::opt_date("start_date", input.start_date.as_deref())?;
    let due_date = validate::opt_date("due_date", input.due_date.as_deref())?;
    validate::date_order(start_date, due_date)?;
    let status = status_of(tx, &org_id, input.status.as_deref()).await?;
    let assignee_ids = members(tx, &org_id, "assignee_ids", &input.assignee_ids).await?;
    let reporter_id = match input.reporter_id {
        Some(r) => members(tx, &org_id, "reporter_id", &[r]).await?.pop(),
        None => Some(cx.user_id().to_owned()),
    };
    let label_ids = labels(tx, &org_id, &input.label_ids).await?;
    let description = validate::text("description", input.description.as_deref(), 100_000)?;
    let priority = priority(input.priority.as_deref().unwrap_or("none"))?;
    let estimate_minutes = estimate(input.estimate_minutes)?;
    // Every check has passed: only now take a number, so a refused task leaves no gap.
    let number = store::organizations::reserve_task_numbers(cx.db(), tx, &org_id, 1).await?;
    let now = crate::clock::now();
    let task = Task {
        id: ids::new_id("tsk"),
        number,
        position: store::tasks::next_position(tx, &project.id, input.group_id.as_deref()).await?,
        org_id: org_id.clone(),
        project_id: project.id,
        group_id: input.group_id,
        milestone_id: input.milestone_id,
        title,
        description,
        priority,
        assignee_ids,
        reporter_id,
        label_ids,
        start_date,
        due_date,
        estimate_minutes,
        completed_at: status.is_done.then_some(now),
        status: status.code,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
        recurrence_id: None,
        occurrence_at: None,
        template_recurrence_id: None,
    };
    store::tasks::insert(tx, &task).await?;
    events::created(tx, cx, &task).await?;
    let assigned = notify_assigned(cx, tx, &task, &task.assignee_ids).await?;
    mails.extend(notifications::mails(tx, &assigned, &mail_body(&task)).await?);
    Ok(task)
}

/// Where an instance of a recurring task comes from and when it is due.
#[derive(Debug, Clone)]
pub struct Occurrence<'a> {
    /// `rec_…`
    pub recurrence_id: &'a str,
    /// The occurrence.
    pub at: DateTime<Utc>,
    /// The instance's start date.
    pub start_date: Option<NaiveDate>,
    /// The instance's due date.
    pub due_date: Option<NaiveDate>,
}

/// Creates the instance of a recurring task for one occurrence, inside the scheduler's claim
/// transaction: a copy of the template's title, description, project, group, assignees (those
/// still members), labels, priority and estimate, in the organization's first status, with the
/// occurrence's dates. Records it and notifies the assignees; returns the e-mails to send after
/// the commit.
pub async fn insert_instance(
    cx: &Cx<'_>,
    tx: &mut Tx,
    template: &Task,
    occurrence: Occurrence<'_>,
) -> Result<(Task, Vec<Mail>)> {
    let org_id = template.org_id.clone();
    let status = status_of(tx, &org_id, None).await?;
    let mut assignee_ids = Vec::with_capacity(template.assignee_ids.len());
    for a in &template.assignee_ids {
        if store::access::membership(tx, &org_id, a).await?.is_some() {
            assignee_ids.push(a.clone());
        }
    }
    let number = store::organizations::reserve_task_numbers(cx.db(), tx, &org_id, 1).await?;
    let now = crate::clock::now();
    let task = Task {
        id: ids::new_id("tsk"),
        number,
        position: store::tasks::next_position(
            tx,
            &template.project_id,
            template.group_id.as_deref(),
        )
        .await?,
        org_id,
        project_id: template.project_id.clone(),
        group_id: template.group_id.clone(),
        milestone_id: None,
        title: template.title.clone(),
        description: template.description.clone(),
        priority: template.priority,
        assignee_ids,
        reporter_id: template.reporter_id.clone(),
        label_ids: template.label_ids.clone(),
        start_date: occurrence.start_date,
        due_date: occurrence.due_date,
        estimate_minutes: template.estimate_minutes,
        completed_at: status.is_done.then_some(now),
        status: status.code,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
        recurrence_id: Some(occurrence.recurrence_id.to_owned()),
        occurrence_at: Some(occurrence.at),
        template_recurrence_id: None,
    };
    store::tasks::insert(tx, &task).await?;
    events::created(tx, cx, &task).await?;
    let assigned = notify_assigned(cx, tx, &task, &task.assignee_ids).await?;
    let mails = notifications::mails(tx, &assigned, &mail_body(&task)).await?;
    Ok((task, mails))
}

/// The line under an e-mail's title naming the task.
fn mail_body(task: &Task) -> String {
    format!("Task #{}: {}", task.number, task.title)
}

/// Notifies `users` that they were assigned to `task` (`task_assigned`).
async fn notify_assigned(
    cx: &Cx<'_>,
    tx: &mut Tx,
    task: &Task,
    users: &[String],
) -> Result<Vec<Notification>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let title = format!("You were assigned to '{}'", task.title);
    notifications::notify(
        tx,
        cx,
        users,
        notifications::NotificationKind::TaskAssigned,
        &title,
        Task::TYPE,
        &task.id,
    )
    .await
}

/// Notifies about a saved change from `before` to `after`: users newly added to the assignees
/// (`task_assigned`), and, when the status changed, the reporter and the assignees
/// (`status_changed`; someone just assigned gets only the assignment). Returns the e-mails to
/// send after the commit.
async fn notify_change(cx: &Cx<'_>, tx: &mut Tx, before: &Task, after: &Task) -> Result<Vec<Mail>> {
    let added: Vec<String> = after
        .assignee_ids
        .iter()
        .filter(|a| !before.assignee_ids.contains(a))
        .cloned()
        .collect();
    let body = mail_body(after);
    let assigned = notify_assigned(cx, tx, after, &added).await?;
    let mut mails = notifications::mails(tx, &assigned, &body).await?;
    if after.status != before.status {
        let status = status_of(tx, &after.org_id, Some(&after.status)).await?;
        let title = format!("'{}' moved to {}", after.title, status.label);
        let recipients: Vec<String> = after
            .reporter_id
            .iter()
            .chain(after.assignee_ids.iter())
            .filter(|u| !added.contains(u))
            .cloned()
            .collect();
        let changed = notifications::notify(
            tx,
            cx,
            &recipients,
            notifications::NotificationKind::StatusChanged,
            &title,
            Task::TYPE,
            &after.id,
        )
        .await?;
        mails.extend(notifications::mails(tx, &changed, &body).await?);
    }
    Ok(mails)
}

/// Creates a task at the end of its group.
pub async fn create(cx: &Cx<'_>, input: CreateTask) -> Result<Task> {
    let mut tx = cx.db().begin().await?;
    let mut mails = Vec::new();
    let task = insert_new(cx, &mut tx, input, &mut mails).await?;
    tx.commit().await?;
    notifications::send_mails(cx, mails);
    Ok(task)
}

/// Creates several tasks atomically: all of them, or none when any is invalid.
pub async fn create_bulk(cx: &Cx<'_>, input: CreateTasksBulk) -> Result<Vec<Task>> {
    if input.tasks.is_empty() {
        return Err(Error::invalid_field(
            "tasks",
            "tasks must contain at least one task",
        ));
    }
    if input.tasks.len() > MAX_BULK {
        return Err(Error::invalid_field(
            "tasks",
            format!("at most {MAX_BULK} tasks per call"),
        ));
    }
    let mut tx = cx.db().begin().await?;
    let mut created = Vec::with_capacity(input.tasks.len());
    let mut mails = Vec::new();
    for (i, item) in input.tasks.into_iter().enumerate() {
        let task = insert_new(cx, &mut tx, item, &mut mails)
            .await
            .map_err(|e| at_index(e, i))?;
        created.push(task);
    }
    tx.commit().await?;
    notifications::send_mails(cx, mails);
    Ok(created)
}

/// Prefixes a validation error's field with the bulk item's index (`tasks[3].due_date`).
fn at_index(e: Error, i: usize) -> Error {
    let prefix = |details: Option<serde_json::Value>| {
        let field = details
            .as_ref()
            .and_then(|d| d["field"].as_str())
            .unwrap_or("")
            .to_owned();
        Some(serde_json::json!({ "field": format!("tasks[{i}].{field}").trim_end_matches('.') }))
    };
    match e {
        Error::Validation { message, details } => Error::Validation {
            message: format!("tasks[{i}]: {message}"),
            details: prefix(details),
        },
        Error::Unprocessable { message, details } => Error::Unprocessable {
            message: format!("tasks[{i}]: {message}"),
            details: prefix(details),
        },
        Error::NotFound(m) => Error::NotFound(format!("tasks[{i}]: {m}")),
        other => other,
    }
}

/// Tasks of the organization, filtered, sorted and paginated.
pub async fn list(cx: &Cx<'_>, input: ListTasks) -> Result<Page<Task>> {
    let request = input.page.resolve()?;
    if let Some(p) = &input.priority {
        priority(p)?;
    }
    let sort = match input.sort.as_deref().unwrap_or("position") {
        s @ ("position" | "number" | "title" | "priority" | "due_date" | "created_at"
        | "updated_at") => s,
        _ => {
            return Err(Error::invalid_field(
                "sort",
                "sort must be one of position, number, title, priority, due_date, created_at, updated_at",
            ));
        }
    };
    let descending = match input.order.as_deref().unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        _ => return Err(Error::invalid_field("order", "order must be asc or desc")),
    };
    let filter = store::tasks::TaskFilter {
        org_id: cx.org_id()?.to_owned(),
        project_id: input.project_id,
        status: input.status,
        assignee_id: input.assignee_id,
        group_id: input.group_id,
        label_id: input.label_id,
        milestone_id: input.milestone_id,
        priority: input.priority,
        search: input
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        due_from: validate::opt_date("due_from", input.due_from.as_deref())?,
        due_to: validate::opt_date("due_to", input.due_to.as_deref())?,
    };
    let (items, total) = store::tasks::list(
        &mut cx.db(),
        &filter,
        sort,
        descending,
        request.limit(),
        request.offset(),
    )
    .await?;
    Ok(Page {
        items,
        request,
        total,
    })
}

/// One task.
pub async fn get(cx: &Cx<'_>, input: GetTask) -> Result<Task> {
    load(cx, &mut cx.db(), &input.id).await
}

async fn save(cx: &Cx<'_>, tx: &mut Tx, before: &Task, after: &mut Task) -> Result<()> {
    after.updated_at = crate::clock::now();
    store::tasks::update(tx, after).await?;
    if after.assignee_ids != before.assignee_ids {
        store::tasks::set_assignees(tx, &after.id, &after.assignee_ids).await?;
    }
    if after.label_ids != before.label_ids {
        store::tasks::set_labels(tx, &after.id, &after.label_ids).await?;
    }
    events::updated(tx, cx, before, after).await
}

async fn apply_status(tx: &mut Tx, task: &mut Task, code: &str) -> Result<()> {
    let status = status_of(tx, &task.org_id, Some(code)).await?;
    if status.code != task.status {
        task.completed_at = if status.is_done {
            Some(crate::clock::now())
        } else {
            None
        };
        task.status = status.code;
    }
    Ok(())
}

/// Updates a task's fields.
pub async fn update(cx: &Cx<'_>, input: UpdateTask) -> Result<Task> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut t = before.clone();
    if let Some(title) = &input.title {
        t.title = validate::name("title", title, 500)?;
    }
    if let Some(d) = &input.description {
        t.description = validate::text("description", d.as_deref(), 100_000)?;
    }
    if let Some(g) = input.group_id {
        check_group(cx, &mut tx, &t.project_id, g.as_deref()).await?;
        if g != t.group_id {
            t.position = store::tasks::next_position(&mut tx, &t.project_id, g.as_deref()).await?;
        }
        t.group_id = g;
    }
    if let Some(m) = input.milestone_id {
        check_milestone(cx, &mut tx, &t.project_id, m.as_deref()).await?;
        t.milestone_id = m;
    }
    if let Some(s) = &input.status {
        apply_status(&mut tx, &mut t, s).await?;
    }
    if let Some(p) = &input.priority {
        t.priority = priority(p)?;
    }
    if let Some(a) = &input.assignee_ids {
        t.assignee_ids = members(&mut tx, &t.org_id, "assignee_ids", a).await?;
    }
    if let Some(r) = input.reporter_id {
        t.reporter_id = match r {
            Some(r) => members(&mut tx, &t.org_id, "reporter_id", &[r])
                .await?
                .pop(),
            None => None,
        };
    }
    if let Some(l) = &input.label_ids {
        t.label_ids = labels(&mut tx, &t.org_id, l).await?;
    }
    if let Some(d) = &input.start_date {
        t.start_date = validate::opt_date("start_date", d.as_deref())?;
    }
    if let Some(d) = &input.due_date {
        t.due_date = validate::opt_date("due_date", d.as_deref())?;
    }
    validate::date_order(t.start_date, t.due_date)?;
    if let Some(e) = input.estimate_minutes {
        t.estimate_minutes = estimate(e)?;
    }
    save(cx, &mut tx, &before, &mut t).await?;
    let mails = notify_change(cx, &mut tx, &before, &t).await?;
    tx.commit().await?;
    notifications::send_mails(cx, mails);
    Ok(t)
}

/// Moves a task to another status, notifying its reporter and assignees (in-app and by e-mail).
pub async fn update_status(cx: &Cx<'_>, input: UpdateTaskStatus) -> Result<Task> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut t = before.clone();
    apply_status(&mut tx, &mut t, &input.status).await?;
    let mut mails = Vec::new();
    if t != before {
        save(cx, &mut tx, &before, &mut t).await?;
        mails = notify_change(cx, &mut tx, &before, &t).await?;
    }
    tx.commit().await?;
    notifications::send_mails(cx, mails);
    Ok(t)
}

/// Deletes a task with its comments, checklist and dependency links.
pub async fn delete(cx: &Cx<'_>, input: DeleteTask) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let task = load(cx, &mut tx, &input.id).await?;
    store::tasks::delete(&mut tx, &task.id).await?;
    events::deleted(&mut tx, cx, &task).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a task to an index within its (or another) group and renumbers the group, recording a
/// change for every task whose position moved.
pub async fn reorder(cx: &Cx<'_>, input: ReorderTask) -> Result<Task> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.task_id).await?;
    let target_group = match input.group_id {
        Some(g) => {
            check_group(cx, &mut tx, &before.project_id, g.as_deref()).await?;
            g
        }
        None => before.group_id.clone(),
    };
    if input.position < 0 {
        return Err(Error::invalid_field(
            "position",
            "position must not be negative",
        ));
    }
    let mut order: Vec<String> =
        store::tasks::ids_in_group(&mut tx, &before.project_id, target_group.as_deref())
            .await?
            .into_iter()
            .filter(|id| id != &before.id)
            .collect();
    let index = usize::try_from(input.position)
        .unwrap_or(usize::MAX)
        .min(order.len());
    order.insert(index, before.id.clone());
    let mut moved = before.clone();
    for (i, id) in order.iter().enumerate() {
        let position = i as i64;
        if id == &before.id {
            moved.group_id = target_group.clone();
            moved.position = position;
            if moved != before {
                save(cx, &mut tx, &before, &mut moved).await?;
            }
        } else if let Some(sibling) = store::tasks::get(&mut tx, id).await?
            && sibling.position != position
        {
            let mut after = sibling.clone();
            after.position = position;
            save(cx, &mut tx, &sibling, &mut after).await?;
        }
    }
    tx.commit().await?;
    Ok(moved)
}
