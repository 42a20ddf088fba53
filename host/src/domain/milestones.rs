//! Milestones: dated goals within a project, listed by target date.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::{Cx, projects, validate, wire};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::milestones::Milestone;

/// Colour of a milestone created without one.
pub const DEFAULT_COLOR: &str = "#6366f1";

crate::entity!(Milestone, "milestone");

/// `milestones.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListMilestones {
    /// Organization (optional; must match the project's).
    pub org_id: Option<String>,
    /// Project.
    pub project_id: String,
}

/// `milestones.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMilestone {
    /// Organization (optional; must match the project's).
    pub org_id: Option<String>,
    /// Project.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// `YYYY-MM-DD`.
    pub target_date: String,
    /// Colour (default `#6366f1`).
    pub color: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// `milestones.update`: omit a field to keep it; `description: null` clears it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMilestone {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ms_…`
    pub milestone_id: String,
    /// New title.
    pub title: Option<String>,
    /// New target date.
    pub target_date: Option<String>,
    /// New colour.
    pub color: Option<String>,
    /// New description; `null` clears.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
}

/// `milestones.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteMilestone {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ms_…`
    pub milestone_id: String,
}

/// A project's milestones by target date.
pub async fn list(cx: &Cx<'_>, input: ListMilestones) -> Result<Vec<Milestone>> {
    let project = projects::load(cx, &mut cx.db(), &input.project_id).await?;
    Ok(store::milestones::list(&mut cx.db(), &project.id).await?)
}

/// Creates a milestone.
pub async fn create(cx: &Cx<'_>, input: CreateMilestone) -> Result<Milestone> {
    let mut tx = cx.db().begin().await?;
    let project = projects::load(cx, &mut tx, &input.project_id).await?;
    let now = crate::clock::now();
    let m = Milestone {
        id: ids::new_id("ms"),
        org_id: project.org_id,
        project_id: project.id,
        title: validate::name("title", &input.title, 200)?,
        description: validate::text("description", input.description.as_deref(), 10_000)?,
        target_date: validate::date("target_date", &input.target_date)?,
        color: validate::color("color", input.color.as_deref().unwrap_or(DEFAULT_COLOR))?,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
    };
    store::milestones::insert(&mut tx, &m).await?;
    events::created(&mut tx, cx, &m).await?;
    tx.commit().await?;
    Ok(m)
}

/// Loads a milestone of the scoped organization.
pub async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<Milestone> {
    let m = store::milestones::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("milestone"))?;
    cx.same_org(&m.org_id, "milestone")?;
    Ok(m)
}

/// Updates a milestone.
pub async fn update(cx: &Cx<'_>, input: UpdateMilestone) -> Result<Milestone> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.milestone_id).await?;
    let mut m = before.clone();
    if let Some(t) = &input.title {
        m.title = validate::name("title", t, 200)?;
    }
    if let Some(d) = &input.target_date {
        m.target_date = validate::date("target_date", d)?;
    }
    if let Some(c) = &input.color {
        m.color = validate::color("color", c)?;
    }
    if let Some(d) = &input.description {
        m.description = validate::text("description", d.as_deref(), 10_000)?;
    }
    m.updated_at = crate::clock::now();
    store::milestones::update(&mut tx, &m).await?;
    events::updated(&mut tx, cx, &before, &m).await?;
    tx.commit().await?;
    Ok(m)
}

/// Deletes a milestone; its tasks stay.
pub async fn delete(cx: &Cx<'_>, input: DeleteMilestone) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let m = load(cx, &mut tx, &input.milestone_id).await?;
    store::milestones::delete(&mut tx, &m.id).await?;
    events::deleted(&mut tx, cx, &m).await?;
    tx.commit().await?;
    Ok(())
}
