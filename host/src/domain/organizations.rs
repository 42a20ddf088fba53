//! Organizations: the unit of tenancy. Everything else belongs to exactly one.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events;
use crate::domain::permissions::Role;
use crate::domain::{Cx, task_statuses, validate};
use crate::error::{Error, OnConstraint, Result};
use crate::ids;
use crate::store;

pub use crate::model::organizations::{Organization, Settings};

crate::entity!(Organization, "organization");

/// `organizations.list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListOrganizations {}

/// `organizations.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetOrganization {
    /// `org_…`
    pub id: String,
}

/// `organizations.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// Display name.
    pub name: String,
    /// URL-friendly name (default: derived from the name).
    pub slug: Option<String>,
    /// IANA time zone (default `UTC`).
    pub timezone: Option<String>,
    /// ISO 4217 currency (default `USD`).
    pub currency: Option<String>,
}

/// `organizations.update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    /// `org_…`
    pub id: String,
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New time zone.
    pub timezone: Option<String>,
    /// New currency.
    pub currency: Option<String>,
}

/// `organizations.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteOrganization {
    /// `org_…`
    pub id: String,
}

fn slug(field: &str, value: &str) -> Result<String> {
    let s = value.trim().to_lowercase();
    let ok = (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s)
    } else {
        Err(Error::invalid_field(
            field,
            "slug must be 2–64 characters of a–z, 0–9 and inner hyphens",
        ))
    }
}

fn slug_from_name(name: &str) -> String {
    let mut s = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-');
    let base = if s.len() >= 2 {
        &s[..s.len().min(48)]
    } else {
        "org"
    };
    format!(
        "{}-{}",
        base.trim_end_matches('-'),
        &ids::secret(6).to_lowercase().replace(['-', '_'], "x")[..6]
    )
}

/// An organization's stored time zone as a zone: the one place a zone name is parsed. Names are
/// validated when written ([`timezone`]), so the UTC fallback only serves rows written elsewhere.
pub fn zone(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

fn timezone(value: &str) -> Result<String> {
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            Error::invalid_field(
                "timezone",
                "timezone must be an IANA name like Europe/Berlin",
            )
        })
}

/// Checks an ISO 4217-shaped currency code and upper-cases it.
pub fn currency(value: &str) -> Result<String> {
    let c = value.trim().to_uppercase();
    if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(Error::invalid_field(
            "currency",
            "currency must be a three-letter ISO 4217 code",
        ))
    }
}

/// The caller's organizations (only the bound one for a personal access token).
pub async fn list(cx: &Cx<'_>, _: ListOrganizations) -> Result<Vec<Organization>> {
    let only = cx.caller.principal.bound_org();
    Ok(store::organizations::list_for_user(&mut cx.db(), cx.user_id(), only).await?)
}

/// One organization.
pub async fn get(cx: &Cx<'_>, input: GetOrganization) -> Result<Organization> {
    store::organizations::get(&mut cx.db(), cx.user_id(), &input.id)
        .await?
        .ok_or_else(|| Error::not_found("organization"))
}

/// Creates an organization with the caller as owner and the default task statuses; it becomes the
/// caller's current organization if they had none.
pub async fn create(cx: &Cx<'_>, input: CreateOrganization) -> Result<Organization> {
    if cx.caller.principal.bound_org().is_some() {
        return Err(Error::Forbidden(
            "a personal access token cannot create organizations".into(),
        ));
    }
    let name = validate::name("name", &input.name, 200)?;
    let explicit_slug = input.slug.as_deref().map(|s| slug("slug", s)).transpose()?;
    let now = crate::clock::now();
    let org = Organization {
        id: ids::new_id("org"),
        slug: explicit_slug
            .clone()
            .unwrap_or_else(|| slug_from_name(&name)),
        name,
        settings: Settings {
            timezone: timezone(input.timezone.as_deref().unwrap_or("UTC"))?,
            currency: currency(input.currency.as_deref().unwrap_or("USD"))?,
        },
        role: Role::Owner,
        created_at: now,
        updated_at: now,
    };
    let mut tx = cx.db().begin().await?;
    store::organizations::insert(&mut tx, &org, cx.user_id())
        .await
        .on_unique("an organization with this slug already exists")?;
    store::organizations::insert_member(&mut tx, &org.id, cx.user_id(), Role::Owner.as_str(), now)
        .await?;
    task_statuses::seed_defaults(&mut tx, &org.id, now).await?;
    let mut user = store::accounts::user(&mut tx, cx.user_id())
        .await?
        .ok_or_else(|| Error::Unauthorized("the account no longer exists".into()))?;
    if user.current_org_id.is_none() {
        user.current_org_id = Some(org.id.clone());
        store::accounts::update_user(&mut tx, &user).await?;
    }
    let scoped = Cx::new(cx.services, cx.caller, Some(owner_membership(&org.id)));
    events::created(&mut tx, &scoped, &org).await?;
    crate::domain::chat::ensure_general(&mut tx, &scoped).await?;
    tx.commit().await?;
    Ok(org)
}

fn owner_membership(org_id: &str) -> crate::domain::Membership {
    crate::domain::Membership {
        org_id: org_id.to_owned(),
        role: Role::Owner,
        permissions: Role::Owner.permissions(),
    }
}

/// Renames an organization or changes its settings (`manage_org`).
pub async fn update(cx: &Cx<'_>, input: UpdateOrganization) -> Result<Organization> {
    let before = get(
        cx,
        GetOrganization {
            id: input.id.clone(),
        },
    )
    .await?;
    let mut org = before.clone();
    if let Some(name) = &input.name {
        org.name = validate::name("name", name, 200)?;
    }
    if let Some(s) = &input.slug {
        org.slug = slug("slug", s)?;
    }
    if let Some(tz) = &input.timezone {
        org.settings.timezone = timezone(tz)?;
    }
    if let Some(c) = &input.currency {
        org.settings.currency = currency(c)?;
    }
    org.updated_at = crate::clock::now();
    let mut tx = cx.db().begin().await?;
    store::organizations::update(&mut tx, &org)
        .await
        .on_unique("an organization with this slug already exists")?;
    events::updated(&mut tx, cx, &before, &org).await?;
    tx.commit().await?;
    Ok(org)
}

/// Deletes an organization and everything in it (owners only).
pub async fn delete(cx: &Cx<'_>, input: DeleteOrganization) -> Result<()> {
    if cx.member()?.role != Role::Owner {
        return Err(Error::Forbidden(
            "only an owner can delete the organization".into(),
        ));
    }
    let org = get(cx, GetOrganization { id: input.id }).await?;
    let mut tx = cx.db().begin().await?;
    events::deleted(&mut tx, cx, &org).await?;
    store::organizations::delete(&mut tx, &org.id).await?;
    tx.commit().await?;
    Ok(())
}
