//! Labels: organization-wide tags for tasks.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::{Cx, validate};
use crate::error::{Error, OnConstraint, Result};
use crate::{ids, store};

pub use crate::model::labels::Label;

crate::entity!(Label, "label");

/// `labels.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListLabels {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// `labels.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLabel {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Name.
    pub name: String,
    /// Colour like `#ef4444`.
    pub color: String,
}

/// `labels.update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLabel {
    /// Organization the label must belong to (optional).
    pub org_id: Option<String>,
    /// `lbl_…`
    pub id: String,
    /// New name.
    pub name: Option<String>,
    /// New colour.
    pub color: Option<String>,
}

/// `labels.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteLabel {
    /// Organization the label must belong to (optional).
    pub org_id: Option<String>,
    /// `lbl_…`
    pub id: String,
}

const DUPLICATE: &str = "a label with this name already exists";

/// The organization's labels by name.
pub async fn list(cx: &Cx<'_>, _: ListLabels) -> Result<Vec<Label>> {
    Ok(store::labels::list(&mut cx.db(), cx.org_id()?).await?)
}

/// Creates a label.
pub async fn create(cx: &Cx<'_>, input: CreateLabel) -> Result<Label> {
    let now = crate::clock::now();
    let label = Label {
        id: ids::new_id("lbl"),
        org_id: cx.org_id()?.to_owned(),
        name: validate::name("name", &input.name, 100)?,
        color: validate::color("color", &input.color)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = cx.db().begin().await?;
    store::labels::insert(&mut tx, &label)
        .await
        .on_unique(DUPLICATE)?;
    events::created(&mut tx, cx, &label).await?;
    tx.commit().await?;
    Ok(label)
}

async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<Label> {
    let l = store::labels::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("label"))?;
    cx.same_org(&l.org_id, "label")?;
    Ok(l)
}

/// Renames or recolours a label.
pub async fn update(cx: &Cx<'_>, input: UpdateLabel) -> Result<Label> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut l = before.clone();
    if let Some(n) = &input.name {
        l.name = validate::name("name", n, 100)?;
    }
    if let Some(c) = &input.color {
        l.color = validate::color("color", c)?;
    }
    l.updated_at = crate::clock::now();
    store::labels::update(&mut tx, &l)
        .await
        .on_unique(DUPLICATE)?;
    events::updated(&mut tx, cx, &before, &l).await?;
    tx.commit().await?;
    Ok(l)
}

/// Deletes a label; tasks lose it.
pub async fn delete(cx: &Cx<'_>, input: DeleteLabel) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let l = load(cx, &mut tx, &input.id).await?;
    store::labels::delete(&mut tx, &l.id).await?;
    events::deleted(&mut tx, cx, &l).await?;
    tx.commit().await?;
    Ok(())
}
