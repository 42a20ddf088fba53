//! Per-user collapsed state of sidebar nodes (projects); task groups use the same store.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::{Cx, projects};
use crate::error::Result;
use crate::store;

/// The state after a toggle.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CollapsedState {
    /// The node (project or task group id).
    pub node_id: String,
    /// Whether it is now collapsed.
    pub collapsed: bool,
}

/// `sidebar.get_collapsed`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetCollapsed {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// `sidebar.toggle_collapsed`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ToggleCollapsed {
    /// Organization (optional; must match the project's).
    pub org_id: Option<String>,
    /// The project node.
    pub project_id: String,
}

/// The caller's collapsed project nodes in the organization.
pub async fn get_collapsed(cx: &Cx<'_>, _: GetCollapsed) -> Result<Vec<String>> {
    Ok(store::sidebar::collapsed(&mut cx.db(), cx.user_id(), cx.org_id()?, "prj_").await?)
}

/// Flips a project node's collapsed state for the caller.
pub async fn toggle_collapsed(cx: &Cx<'_>, input: ToggleCollapsed) -> Result<CollapsedState> {
    let project = projects::load(cx, &mut cx.db(), &input.project_id).await?;
    toggle(cx, &project.id).await
}

/// Flips any node's collapsed state for the caller (the node was checked by the caller).
pub async fn toggle(cx: &Cx<'_>, node_id: &str) -> Result<CollapsedState> {
    let mut tx = cx.db().begin().await?;
    let collapsed = store::sidebar::toggle(&mut tx, cx.user_id(), cx.org_id()?, node_id).await?;
    tx.commit().await?;
    Ok(CollapsedState {
        node_id: node_id.to_owned(),
        collapsed,
    })
}
