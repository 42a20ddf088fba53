//! Checklists of tasks. Adding and deleting items needs `manage_tasks`; ticking one off is open to
//! every member of the organization (as TRCR documents).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::{Cx, tasks, validate};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::checklist::ChecklistItem;

crate::entity!(ChecklistItem, "checklist_item");

/// `tasks.checklist.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListChecklist {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task.
    pub task_id: String,
}

/// `tasks.checklist.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChecklistItem {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task.
    pub task_id: String,
    /// Text.
    pub title: String,
}

/// `tasks.checklist.toggle`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ToggleChecklistItem {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `chk_…`
    pub item_id: String,
}

/// `tasks.checklist.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteChecklistItem {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `chk_…`
    pub item_id: String,
}

/// A task's checklist in order.
pub async fn list(cx: &Cx<'_>, input: ListChecklist) -> Result<Vec<ChecklistItem>> {
    let task = tasks::load(cx, &mut cx.db(), &input.task_id).await?;
    Ok(store::task_extras::checklist(&mut cx.db(), &task.id).await?)
}

/// Adds an item at the end.
pub async fn create(cx: &Cx<'_>, input: CreateChecklistItem) -> Result<ChecklistItem> {
    let mut tx = cx.db().begin().await?;
    let task = tasks::load(cx, &mut tx, &input.task_id).await?;
    let now = crate::clock::now();
    let position = store::task_extras::checklist(&mut tx, &task.id)
        .await?
        .len() as i64;
    let item = ChecklistItem {
        id: ids::new_id("chk"),
        org_id: task.org_id,
        task_id: task.id,
        title: validate::name("title", &input.title, 500)?,
        completed: false,
        position,
        completed_by: None,
        completed_at: None,
        created_at: now,
        updated_at: now,
    };
    store::task_extras::insert_checklist_item(&mut tx, &item).await?;
    events::created(&mut tx, cx, &item).await?;
    tx.commit().await?;
    Ok(item)
}

async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<ChecklistItem> {
    let item = store::task_extras::checklist_item(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("checklist item"))?;
    cx.same_org(&item.org_id, "checklist item")?;
    Ok(item)
}

/// Ticks or unticks an item.
pub async fn toggle(cx: &Cx<'_>, input: ToggleChecklistItem) -> Result<ChecklistItem> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.item_id).await?;
    let now = crate::clock::now();
    let mut item = before.clone();
    item.completed = !before.completed;
    item.completed_by = item.completed.then(|| cx.user_id().to_owned());
    item.completed_at = item.completed.then_some(now);
    item.updated_at = now;
    store::task_extras::update_checklist_item(&mut tx, &item).await?;
    events::updated(&mut tx, cx, &before, &item).await?;
    tx.commit().await?;
    Ok(item)
}

/// Deletes an item.
pub async fn delete(cx: &Cx<'_>, input: DeleteChecklistItem) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let item = load(cx, &mut tx, &input.item_id).await?;
    store::task_extras::delete_checklist_item(&mut tx, &item.id).await?;
    events::deleted(&mut tx, cx, &item).await?;
    tx.commit().await?;
    Ok(())
}
