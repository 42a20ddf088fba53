//! Dependencies between tasks of one organization. A link is stored one way — `blocker_id` blocks
//! `blocked_id` — and can be created from either end (`blocks` / `blocked_by`). A link that would
//! close a cycle is refused.

use std::collections::{HashMap, HashSet, VecDeque};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::events;
use crate::domain::{Cx, tasks};
use crate::error::{Error, OnConstraint, Result};
use crate::{ids, store};

pub use crate::model::dependencies::Dependency;

crate::entity!(Dependency, "task_dependency");

/// A task's links, seen from the task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskDependencies {
    /// The task.
    pub task_id: String,
    /// Links whose blocker must finish before this task.
    pub blocked_by: Vec<Dependency>,
    /// Links this task blocks.
    pub blocks: Vec<Dependency>,
}

/// Which way a new link points, seen from `task_id`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyType {
    /// `task_id` blocks `depends_on_id`.
    Blocks,
    /// `task_id` is blocked by `depends_on_id`.
    BlockedBy,
}

/// `tasks.dependency.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDependencies {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task.
    pub task_id: String,
}

/// `tasks.dependency.add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDependency {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task.
    pub task_id: String,
    /// The other task.
    pub depends_on_id: String,
    /// `blocks` or `blocked_by`.
    pub dependency_type: DependencyType,
}

/// `tasks.dependency.remove`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RemoveDependency {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// One of the link's tasks.
    pub task_id: String,
    /// `dep_…`
    pub dependency_id: String,
}

/// `tasks.dependencies.list_all`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListAllDependencies {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// What blocks a task and what it blocks.
pub async fn list(cx: &Cx<'_>, input: ListDependencies) -> Result<TaskDependencies> {
    let task = tasks::load(cx, &mut cx.db(), &input.task_id).await?;
    let links = store::task_extras::dependencies_of(&mut cx.db(), &task.id).await?;
    let (blocked_by, blocks) = links.into_iter().partition(|d| d.blocked_id == task.id);
    Ok(TaskDependencies {
        task_id: task.id,
        blocked_by,
        blocks,
    })
}

/// Whether `from` reaches `to` following blocker → blocked links.
fn reaches(edges: &[Dependency], from: &str, to: &str) -> bool {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in edges {
        next.entry(e.blocker_id.as_str())
            .or_default()
            .push(e.blocked_id.as_str());
    }
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        if node == to {
            return true;
        }
        if seen.insert(node) {
            queue.extend(next.get(node).into_iter().flatten());
        }
    }
    false
}

/// Adds a link, refusing self-links, duplicates and cycles.
pub async fn add(cx: &Cx<'_>, input: AddDependency) -> Result<Dependency> {
    let mut tx = cx.db().begin().await?;
    let org_id = cx.org_id()?.to_owned();
    // Serialise link changes per organization so two concurrent additions cannot form a cycle.
    store::task_extras::lock_dependencies(&mut tx, &org_id).await?;
    let task = tasks::load(cx, &mut tx, &input.task_id).await?;
    let other = tasks::load(cx, &mut tx, &input.depends_on_id)
        .await
        .map_err(|_| Error::not_found("task (depends_on_id)"))?;
    if task.id == other.id {
        return Err(Error::rule(
            "depends_on_id",
            "a task cannot depend on itself",
        ));
    }
    let (blocker, blocked) = match input.dependency_type {
        DependencyType::Blocks => (task.id, other.id),
        DependencyType::BlockedBy => (other.id, task.id),
    };
    let edges = store::task_extras::dependencies_in_org(&mut tx, &org_id).await?;
    if edges
        .iter()
        .any(|e| e.blocker_id == blocker && e.blocked_id == blocked)
    {
        return Err(Error::Conflict("this dependency already exists".into()));
    }
    if reaches(&edges, &blocked, &blocker) {
        return Err(Error::rule(
            "depends_on_id",
            "this dependency would create a cycle",
        ));
    }
    let dep = Dependency {
        id: ids::new_id("dep"),
        org_id,
        blocker_id: blocker,
        blocked_id: blocked,
        created_by: cx.user_id().to_owned(),
        created_at: crate::clock::now(),
    };
    store::task_extras::insert_dependency(&mut tx, &dep)
        .await
        .on_unique("this dependency already exists")?;
    events::created(&mut tx, cx, &dep).await?;
    tx.commit().await?;
    Ok(dep)
}

/// Removes a link that involves `task_id`.
pub async fn remove(cx: &Cx<'_>, input: RemoveDependency) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let dep = store::task_extras::dependency(&mut tx, &input.dependency_id)
        .await?
        .ok_or_else(|| Error::not_found("dependency"))?;
    cx.same_org(&dep.org_id, "dependency")?;
    if dep.blocker_id != input.task_id && dep.blocked_id != input.task_id {
        return Err(Error::not_found("dependency"));
    }
    store::task_extras::delete_dependency(&mut tx, &dep.id).await?;
    events::deleted(&mut tx, cx, &dep).await?;
    tx.commit().await?;
    Ok(())
}

/// Every link of the organization whose two tasks the caller can see.
pub async fn list_all(cx: &Cx<'_>, _: ListAllDependencies) -> Result<Vec<Dependency>> {
    Ok(store::task_extras::dependencies_in_org(&mut cx.db(), cx.org_id()?).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: &str, b: &str) -> Dependency {
        Dependency {
            id: format!("dep_{a}{b}"),
            org_id: "org".into(),
            blocker_id: a.into(),
            blocked_id: b.into(),
            created_by: "u".into(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn finds_paths_through_the_graph() {
        let edges = vec![edge("a", "b"), edge("b", "c"), edge("x", "y")];
        assert!(reaches(&edges, "a", "c"));
        assert!(!reaches(&edges, "c", "a"));
        assert!(!reaches(&edges, "a", "y"));
    }
}
