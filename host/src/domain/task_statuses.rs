//! Custom task statuses per organization. Tasks refer to a status by its `code`; codes are fixed
//! once created, labels and colours can change. A status in use cannot be deleted.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::{Cx, validate};
use crate::error::{Error, OnConstraint, Result};
use crate::{ids, store};

pub use crate::model::task_statuses::TaskStatus;

crate::entity!(TaskStatus, "task_status");

/// The statuses every new organization starts with: `(code, label, colour, done)`.
pub const DEFAULTS: [(&str, &str, &str, bool); 4] = [
    ("open", "Open", "#6b7280", false),
    ("in_progress", "In progress", "#3b82f6", false),
    ("review", "In review", "#f59e0b", false),
    ("done", "Done", "#10b981", true),
];

/// `task_statuses.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListTaskStatuses {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// `task_statuses.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskStatus {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Code, `a-z0-9_`, unique in the organization.
    pub code: String,
    /// Label.
    pub label: String,
    /// Colour like `#6366f1`.
    pub color: String,
    /// Sort order (default: last).
    pub position: Option<i64>,
    /// Counts as done (default false).
    pub is_done: Option<bool>,
}

/// `task_statuses.update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskStatus {
    /// Organization the status must belong to (optional).
    pub org_id: Option<String>,
    /// `sts_…`
    pub id: String,
    /// New label.
    pub label: Option<String>,
    /// New colour.
    pub color: Option<String>,
    /// New sort order.
    pub position: Option<i64>,
    /// New done flag.
    pub is_done: Option<bool>,
}

/// `task_statuses.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteTaskStatus {
    /// Organization the status must belong to (optional).
    pub org_id: Option<String>,
    /// `sts_…`
    pub id: String,
}

fn code(value: &str) -> Result<String> {
    let c = value.trim();
    if (1..=40).contains(&c.len())
        && c.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
    {
        Ok(c.to_owned())
    } else {
        Err(Error::invalid_field(
            "code",
            "code must be 1–40 characters of a–z, 0–9 and _",
        ))
    }
}

/// Creates the default statuses of a new organization.
pub async fn seed_defaults(tx: &mut store::Tx, org_id: &str, now: DateTime<Utc>) -> Result<()> {
    for (i, (code, label, color, is_done)) in DEFAULTS.into_iter().enumerate() {
        let s = TaskStatus {
            id: ids::new_id("sts"),
            org_id: org_id.to_owned(),
            code: code.to_owned(),
            label: label.to_owned(),
            color: color.to_owned(),
            position: i as i64,
            is_done,
            created_at: now,
            updated_at: now,
        };
        store::task_statuses::insert(tx, &s).await?;
    }
    Ok(())
}

/// The organization's statuses in order.
pub async fn list(cx: &Cx<'_>, _: ListTaskStatuses) -> Result<Vec<TaskStatus>> {
    Ok(store::task_statuses::list(&mut cx.db(), cx.org_id()?).await?)
}

/// Creates a status.
pub async fn create(cx: &Cx<'_>, input: CreateTaskStatus) -> Result<TaskStatus> {
    let org_id = cx.org_id()?.to_owned();
    let now = crate::clock::now();
    let mut tx = cx.db().begin().await?;
    let position = match input.position {
        Some(p) => p,
        None => store::task_statuses::list(&mut tx, &org_id)
            .await?
            .iter()
            .map(|s| s.position + 1)
            .max()
            .unwrap_or(0),
    };
    let status = TaskStatus {
        id: ids::new_id("sts"),
        org_id,
        code: code(&input.code)?,
        label: validate::name("label", &input.label, 100)?,
        color: validate::color("color", &input.color)?,
        position,
        is_done: input.is_done.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    store::task_statuses::insert(&mut tx, &status)
        .await
        .on_unique("a status with this code already exists")?;
    events::created(&mut tx, cx, &status).await?;
    tx.commit().await?;
    Ok(status)
}

async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<TaskStatus> {
    let s = store::task_statuses::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("task status"))?;
    cx.same_org(&s.org_id, "task status")?;
    Ok(s)
}

/// Updates a status's label, colour, order or done flag.
pub async fn update(cx: &Cx<'_>, input: UpdateTaskStatus) -> Result<TaskStatus> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut s = before.clone();
    if let Some(l) = &input.label {
        s.label = validate::name("label", l, 100)?;
    }
    if let Some(c) = &input.color {
        s.color = validate::color("color", c)?;
    }
    if let Some(p) = input.position {
        s.position = p;
    }
    if let Some(d) = input.is_done {
        s.is_done = d;
    }
    s.updated_at = crate::clock::now();
    store::task_statuses::update(&mut tx, &s).await?;
    events::updated(&mut tx, cx, &before, &s).await?;
    tx.commit().await?;
    Ok(s)
}

/// Deletes a status that no task uses and that is not the last one.
pub async fn delete(cx: &Cx<'_>, input: DeleteTaskStatus) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let s = load(cx, &mut tx, &input.id).await?;
    let in_use = store::task_statuses::tasks_using(&mut tx, &s.org_id, &s.code).await?;
    if in_use > 0 {
        return Err(Error::Conflict(format!(
            "{in_use} task(s) still have status {:?}; move them first",
            s.code
        )));
    }
    if store::task_statuses::list(&mut tx, &s.org_id).await?.len() <= 1 {
        return Err(Error::Conflict(
            "an organization needs at least one task status".into(),
        ));
    }
    store::task_statuses::delete(&mut tx, &s.id).await?;
    events::deleted(&mut tx, cx, &s).await?;
    tx.commit().await?;
    Ok(())
}
