//! Task groups: ordered sections (or board columns) of a project. Deleting one leaves its tasks
//! in the project, ungrouped.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::events;
use crate::domain::sidebar::{self, CollapsedState};
use crate::domain::{Cx, projects, validate};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::task_groups::TaskGroup;

crate::entity!(TaskGroup, "task_group");

/// A group as listed for the caller, with their collapsed state.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListedTaskGroup {
    /// The group.
    #[serde(flatten)]
    pub group: TaskGroup,
    /// Collapsed for the caller.
    pub collapsed: bool,
}

/// `task_groups.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListTaskGroups {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Project.
    pub project_id: String,
}

/// `task_groups.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskGroup {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Project.
    pub project_id: String,
    /// Name.
    pub name: String,
}

/// `task_groups.update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskGroup {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Project the group must belong to.
    pub project_id: String,
    /// `grp_…`
    pub group_id: String,
    /// New name.
    pub name: String,
}

/// `task_groups.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteTaskGroup {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Project the group must belong to.
    pub project_id: String,
    /// `grp_…`
    pub group_id: String,
}

/// `task_groups.reorder`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReorderTaskGroups {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Project.
    pub project_id: String,
    /// Every group id of the project, in the new order.
    pub order: Vec<String>,
}

/// `task_groups.toggle_collapsed`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ToggleTaskGroupCollapsed {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Project the group must belong to.
    pub project_id: String,
    /// `grp_…`
    pub group_id: String,
}

/// Loads a group of the scoped organization that belongs to `project_id`.
pub async fn load(
    cx: &Cx<'_>,
    ex: &mut impl store::Exec,
    project_id: &str,
    id: &str,
) -> Result<TaskGroup> {
    let g = store::task_groups::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("task group"))?;
    cx.same_org(&g.org_id, "task group")?;
    if g.project_id != project_id {
        return Err(Error::not_found("task group"));
    }
    Ok(g)
}

/// A project's groups in order, with the caller's collapsed state.
pub async fn list(cx: &Cx<'_>, input: ListTaskGroups) -> Result<Vec<ListedTaskGroup>> {
    let project = projects::load(cx, &mut cx.db(), &input.project_id).await?;
    let groups = store::task_groups::list(&mut cx.db(), &project.id).await?;
    let collapsed =
        store::sidebar::collapsed(&mut cx.db(), cx.user_id(), &project.org_id, "grp_").await?;
    Ok(groups
        .into_iter()
        .map(|group| ListedTaskGroup {
            collapsed: collapsed.contains(&group.id),
            group,
        })
        .collect())
}

/// Creates a group at the end of the project.
pub async fn create(cx: &Cx<'_>, input: CreateTaskGroup) -> Result<TaskGroup> {
    let mut tx = cx.db().begin().await?;
    let project = projects::load(cx, &mut tx, &input.project_id).await?;
    let now = crate::clock::now();
    let position = store::task_groups::list(&mut tx, &project.id).await?.len() as i64;
    let g = TaskGroup {
        id: ids::new_id("grp"),
        org_id: project.org_id,
        project_id: project.id,
        name: validate::name("name", &input.name, 200)?,
        position,
        created_at: now,
        updated_at: now,
    };
    store::task_groups::insert(&mut tx, &g).await?;
    events::created(&mut tx, cx, &g).await?;
    tx.commit().await?;
    Ok(g)
}

/// Renames a group.
pub async fn update(cx: &Cx<'_>, input: UpdateTaskGroup) -> Result<TaskGroup> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.project_id, &input.group_id).await?;
    let mut g = before.clone();
    g.name = validate::name("name", &input.name, 200)?;
    g.updated_at = crate::clock::now();
    store::task_groups::update(&mut tx, &g).await?;
    events::updated(&mut tx, cx, &before, &g).await?;
    tx.commit().await?;
    Ok(g)
}

/// Deletes a group; its tasks become ungrouped and the remaining groups close the gap.
pub async fn delete(cx: &Cx<'_>, input: DeleteTaskGroup) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let g = load(cx, &mut tx, &input.project_id, &input.group_id).await?;
    store::task_groups::delete(&mut tx, &g.id).await?;
    let rest = store::task_groups::list(&mut tx, &g.project_id).await?;
    for (i, other) in rest.iter().enumerate() {
        store::task_groups::set_position(&mut tx, &other.id, i as i64).await?;
    }
    events::deleted(&mut tx, cx, &g).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts the project's groups in the given order; `order` must list each group exactly once.
pub async fn reorder(cx: &Cx<'_>, input: ReorderTaskGroups) -> Result<Vec<TaskGroup>> {
    let mut tx = cx.db().begin().await?;
    let project = projects::load(cx, &mut tx, &input.project_id).await?;
    let groups = store::task_groups::list(&mut tx, &project.id).await?;
    let mut given = input.order.clone();
    given.sort();
    given.dedup();
    let mut existing: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    existing.sort();
    if given.len() != input.order.len() || given != existing {
        return Err(Error::rule(
            "order",
            "order must list every task group of the project exactly once",
        ));
    }
    let now = crate::clock::now();
    let mut result = Vec::with_capacity(groups.len());
    for (i, id) in input.order.iter().enumerate() {
        let before = groups
            .iter()
            .find(|g| &g.id == id)
            .cloned()
            .ok_or_else(|| Error::not_found("task group"))?;
        let mut after = before.clone();
        after.position = i as i64;
        if after.position != before.position {
            after.updated_at = now;
            store::task_groups::set_position(&mut tx, id, after.position).await?;
            events::updated(&mut tx, cx, &before, &after).await?;
        }
        result.push(after);
    }
    tx.commit().await?;
    Ok(result)
}

/// Flips the caller's collapsed state of a group.
pub async fn toggle_collapsed(
    cx: &Cx<'_>,
    input: ToggleTaskGroupCollapsed,
) -> Result<CollapsedState> {
    let g = load(cx, &mut cx.db(), &input.project_id, &input.group_id).await?;
    sidebar::toggle(cx, &g.id).await
}
