//! Projects: the containers of tasks, groups and milestones (TRCR's "Spaces").

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::page::{Page, PageQuery};
use crate::domain::{Cx, clients, validate, wire};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::projects::{Project, ProjectStatus};

crate::entity!(Project, "project");

/// `projects.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListProjects {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Case-insensitive substring of the name.
    pub search: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `projects.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetProject {
    /// Organization the project must belong to (optional).
    pub org_id: Option<String>,
    /// `prj_…`
    pub id: String,
}

/// `projects.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Colour like `#6366f1`.
    pub color: Option<String>,
    /// Initial status (default `active`).
    pub status: Option<String>,
    /// Billable by default (default true).
    pub billable: Option<bool>,
    /// Default client rate, minor units per hour.
    pub hourly_rate: Option<i64>,
    /// The client billed for it (`cli_…`, same organization).
    pub client_id: Option<String>,
    /// Budget in minutes of tracked time.
    pub budget_minutes: Option<i64>,
    /// Budget in minor units, billed at client rates.
    pub budget_amount: Option<i64>,
}

/// `projects.update`; omitted fields stay, `null` clears the nullable ones.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// Organization the project must belong to (optional).
    pub org_id: Option<String>,
    /// `prj_…`
    pub id: String,
    /// New name.
    pub name: Option<String>,
    /// New description.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// New colour.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub color: Option<Option<String>>,
    /// New status.
    pub status: Option<String>,
    /// New billable default.
    pub billable: Option<bool>,
    /// New default rate.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<i64>")]
    pub hourly_rate: Option<Option<i64>>,
    /// New client (`null` detaches it).
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub client_id: Option<Option<String>>,
    /// New time budget in minutes (`null` removes it).
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<i64>")]
    pub budget_minutes: Option<Option<i64>>,
    /// New money budget in minor units (`null` removes it).
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<i64>")]
    pub budget_amount: Option<Option<i64>>,
}

/// `projects.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteProject {
    /// Organization the project must belong to (optional).
    pub org_id: Option<String>,
    /// `prj_…`
    pub id: String,
}

fn status(value: &str) -> Result<ProjectStatus> {
    ProjectStatus::parse(value).ok_or_else(|| {
        Error::invalid_field(
            "status",
            format!("status must be one of {}", ProjectStatus::codes()),
        )
    })
}

fn rate(value: Option<i64>) -> Result<Option<i64>> {
    crate::domain::money::rate("hourly_rate", value)
}

fn budget(field: &str, value: Option<i64>) -> Result<Option<i64>> {
    value
        .map(|b| crate::domain::money::within(field, b, crate::domain::money::MAX_AMOUNT))
        .transpose()
}

fn color(value: Option<&str>) -> Result<Option<String>> {
    value.map(|c| validate::color("color", c)).transpose()
}

/// Loads a project of the scoped organization.
pub async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<Project> {
    let project = store::projects::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("project"))?;
    cx.same_org(&project.org_id, "project")?;
    Ok(project)
}

/// Projects of the organization.
pub async fn list(cx: &Cx<'_>, input: ListProjects) -> Result<Page<Project>> {
    let request = input.page.resolve()?;
    if let Some(s) = &input.status {
        status(s)?;
    }
    let (items, total) = store::projects::list(
        &mut cx.db(),
        cx.org_id()?,
        input.status.as_deref(),
        input
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
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

/// One project.
pub async fn get(cx: &Cx<'_>, input: GetProject) -> Result<Project> {
    load(cx, &mut cx.db(), &input.id).await
}

/// Creates a project.
pub async fn create(cx: &Cx<'_>, input: CreateProject) -> Result<Project> {
    let now = crate::clock::now();
    let project = Project {
        id: ids::new_id("prj"),
        org_id: cx.org_id()?.to_owned(),
        name: validate::name("name", &input.name, 200)?,
        description: validate::text("description", input.description.as_deref(), 10_000)?,
        color: color(input.color.as_deref())?,
        status: status(input.status.as_deref().unwrap_or("active"))?,
        billable: input.billable.unwrap_or(true),
        hourly_rate: rate(input.hourly_rate)?,
        client_id: input.client_id,
        budget_minutes: budget("budget_minutes", input.budget_minutes)?,
        budget_amount: budget("budget_amount", input.budget_amount)?,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = cx.db().begin().await?;
    if let Some(client_id) = &project.client_id {
        clients::check_in_org(cx, &mut tx, client_id).await?;
    }
    store::projects::insert(&mut tx, &project).await?;
    events::created(&mut tx, cx, &project).await?;
    tx.commit().await?;
    Ok(project)
}

/// Updates a project.
pub async fn update(cx: &Cx<'_>, input: UpdateProject) -> Result<Project> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut p = before.clone();
    if let Some(name) = &input.name {
        p.name = validate::name("name", name, 200)?;
    }
    if let Some(d) = &input.description {
        p.description = validate::text("description", d.as_deref(), 10_000)?;
    }
    if let Some(c) = &input.color {
        p.color = color(c.as_deref())?;
    }
    if let Some(s) = &input.status {
        p.status = status(s)?;
    }
    if let Some(b) = input.billable {
        p.billable = b;
    }
    if let Some(r) = input.hourly_rate {
        p.hourly_rate = rate(r)?;
    }
    if let Some(c) = input.client_id {
        if let Some(client_id) = &c {
            clients::check_in_org(cx, &mut tx, client_id).await?;
        }
        p.client_id = c;
    }
    if let Some(b) = input.budget_minutes {
        p.budget_minutes = budget("budget_minutes", b)?;
    }
    if let Some(b) = input.budget_amount {
        p.budget_amount = budget("budget_amount", b)?;
    }
    p.updated_at = crate::clock::now();
    store::projects::update(&mut tx, &p).await?;
    events::updated(&mut tx, cx, &before, &p).await?;
    tx.commit().await?;
    Ok(p)
}

/// Deletes a project and everything in it.
pub async fn delete(cx: &Cx<'_>, input: DeleteProject) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let project = load(cx, &mut tx, &input.id).await?;
    store::projects::delete(&mut tx, &project.id).await?;
    events::deleted(&mut tx, cx, &project).await?;
    tx.commit().await?;
    Ok(())
}
