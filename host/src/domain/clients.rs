//! Clients: the people and companies an organization bills.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::page::{Page, PageQuery};
use crate::domain::{Cx, organizations, validate, wire};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::clients::Client;

crate::entity!(Client, "client");

/// `clients.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListClients {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Case-insensitive substring of the name or e-mail address.
    pub search: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `clients.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetClient {
    /// Organization the client must belong to (optional).
    pub org_id: Option<String>,
    /// `cli_…`
    pub id: String,
}

/// `clients.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Name.
    pub name: String,
    /// Billing e-mail address.
    pub email: Option<String>,
    /// ISO 4217 currency (default: the organization's).
    pub currency: Option<String>,
    /// Default tax rate in basis points, 0 to 10000 (default 0).
    pub tax_rate_bp: Option<i64>,
    /// Client rate, minor units per hour.
    pub hourly_rate: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
}

/// `clients.update`; omitted fields stay, `null` clears the nullable ones.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    /// Organization the client must belong to (optional).
    pub org_id: Option<String>,
    /// `cli_…`
    pub id: String,
    /// New name.
    pub name: Option<String>,
    /// New e-mail address.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub email: Option<Option<String>>,
    /// New currency.
    pub currency: Option<String>,
    /// New default tax rate.
    pub tax_rate_bp: Option<i64>,
    /// New client rate.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<i64>")]
    pub hourly_rate: Option<Option<i64>>,
    /// New notes.
    #[serde(default, deserialize_with = "wire::nullable")]
    #[schemars(with = "Option<String>")]
    pub notes: Option<Option<String>>,
}

/// `clients.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteClient {
    /// Organization the client must belong to (optional).
    pub org_id: Option<String>,
    /// `cli_…`
    pub id: String,
}

fn tax_rate(value: i64) -> Result<i64> {
    if (0..=10_000).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_field(
            "tax_rate_bp",
            "tax_rate_bp must be between 0 and 10000 basis points",
        ))
    }
}

/// Checks that a rate in minor units per hour is not negative.
pub fn rate(value: Option<i64>) -> Result<Option<i64>> {
    crate::domain::money::rate("hourly_rate", value)
}

fn email(value: Option<&str>) -> Result<Option<String>> {
    value
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(validate::email)
        .transpose()
}

/// Loads a client of the scoped organization.
pub async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<Client> {
    let client = store::clients::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("client"))?;
    cx.same_org(&client.org_id, "client")?;
    Ok(client)
}

/// Clients of the organization.
pub async fn list(cx: &Cx<'_>, input: ListClients) -> Result<Page<Client>> {
    let request = input.page.resolve()?;
    let (items, total) = store::clients::list(
        &mut cx.db(),
        cx.org_id()?,
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

/// One client.
pub async fn get(cx: &Cx<'_>, input: GetClient) -> Result<Client> {
    load(cx, &mut cx.db(), &input.id).await
}

/// Creates a client.
pub async fn create(cx: &Cx<'_>, input: CreateClient) -> Result<Client> {
    let now = crate::clock::now();
    let org_id = cx.org_id()?.to_owned();
    let currency = match &input.currency {
        Some(c) => organizations::currency(c)?,
        None => store::clients::org_currency(&mut cx.db(), &org_id)
            .await?
            .ok_or_else(|| Error::not_found("organization"))?,
    };
    let client = Client {
        id: ids::new_id("cli"),
        org_id,
        name: validate::name("name", &input.name, 200)?,
        email: email(input.email.as_deref())?,
        currency,
        tax_rate_bp: tax_rate(input.tax_rate_bp.unwrap_or(0))?,
        hourly_rate: rate(input.hourly_rate)?,
        notes: validate::text("notes", input.notes.as_deref(), 10_000)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = cx.db().begin().await?;
    store::clients::insert(&mut tx, &client).await?;
    events::created(&mut tx, cx, &client).await?;
    tx.commit().await?;
    Ok(client)
}

/// Updates a client.
pub async fn update(cx: &Cx<'_>, input: UpdateClient) -> Result<Client> {
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut c = before.clone();
    if let Some(name) = &input.name {
        c.name = validate::name("name", name, 200)?;
    }
    if let Some(e) = &input.email {
        c.email = email(e.as_deref())?;
    }
    if let Some(cur) = &input.currency {
        c.currency = organizations::currency(cur)?;
    }
    if let Some(t) = input.tax_rate_bp {
        c.tax_rate_bp = tax_rate(t)?;
    }
    if let Some(r) = input.hourly_rate {
        c.hourly_rate = rate(r)?;
    }
    if let Some(n) = &input.notes {
        c.notes = validate::text("notes", n.as_deref(), 10_000)?;
    }
    c.updated_at = crate::clock::now();
    store::clients::update(&mut tx, &c).await?;
    events::updated(&mut tx, cx, &before, &c).await?;
    tx.commit().await?;
    Ok(c)
}

/// Deletes a client; refused while a project names it.
pub async fn delete(cx: &Cx<'_>, input: DeleteClient) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let client = load(cx, &mut tx, &input.id).await?;
    let projects = store::clients::project_count(&mut tx, &client.id).await?;
    if projects > 0 {
        return Err(Error::Conflict(format!(
            "client {} is still the client of {projects} project(s)",
            client.id
        )));
    }
    let invoices = store::invoices::client_invoice_count(&mut tx, &client.id).await?;
    if invoices > 0 {
        return Err(Error::Conflict(format!(
            "client {} has {invoices} invoice(s) and cannot be deleted",
            client.id
        )));
    }
    store::clients::delete(&mut tx, &client.id).await?;
    events::deleted(&mut tx, cx, &client).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that `client_id` is a client of the scoped organization (422 otherwise).
pub async fn check_in_org(cx: &Cx<'_>, ex: &mut impl store::Exec, client_id: &str) -> Result<()> {
    match store::clients::get(ex, client_id).await? {
        Some(c) if c.org_id == cx.org_id()? => Ok(()),
        _ => Err(Error::rule(
            "client_id",
            "client_id must name a client of the same organization",
        )),
    }
}
