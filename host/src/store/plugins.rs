//! Installed plugins, per-organization plugin configuration and bindings.

use chrono::{DateTime, Utc};

use crate::q;
use crate::store::db::{Arg, Exec, Listing, fetch_page};

/// A row of `plugins`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PluginRow {
    /// `plg_…`
    pub id: String,
    /// Slug.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// `invoicing-rule` | `recurrence`.
    pub kind: String,
    /// The checked manifest as JSON.
    pub manifest: String,
    /// Hex SHA-256 of the component.
    pub sha256: String,
    /// Component size.
    pub size_bytes: i64,
    /// Embedded in the binary.
    pub builtin: bool,
    /// Whether calls may run it.
    pub enabled: bool,
    /// Failed calls in a row.
    pub consecutive_failures: i64,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Who installed it.
    pub installed_by: Option<String>,
    /// Installed.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, version, kind, manifest, sha256, size_bytes, builtin, enabled, \
     consecutive_failures, disabled_reason, installed_by, created_at, updated_at";

/// Inserts a plugin; `Ok(false)` when the id or name@version already exists.
pub async fn insert(ex: &mut impl Exec, p: &PluginRow) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "INSERT INTO plugins (id, name, version, kind, manifest, sha256, size_bytes, builtin, enabled,
             consecutive_failures, disabled_reason, installed_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT DO NOTHING",
            &p.id, &p.name, &p.version, &p.kind, &p.manifest, &p.sha256, p.size_bytes, p.builtin,
            p.enabled, p.consecutive_failures, p.disabled_reason.as_deref(), p.installed_by.as_deref(),
            p.created_at, p.updated_at
        ))
        .await?;
    Ok(n == 1)
}

/// A plugin by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<PluginRow>> {
    ex.fetch_optional(
        crate::store::db::Query::new(crate::store::db::Sql::Built(format!(
            "SELECT {COLUMNS} FROM plugins WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// A plugin by name and version.
pub async fn by_name(
    ex: &mut impl Exec,
    name: &str,
    version: &str,
) -> sqlx::Result<Option<PluginRow>> {
    ex.fetch_optional(
        crate::store::db::Query::new(crate::store::db::Sql::Built(format!(
            "SELECT {COLUMNS} FROM plugins WHERE name = $1 AND version = $2"
        )))
        .bind(name)
        .bind(version),
    )
    .await
}

/// Every version of a plugin name.
pub async fn versions(ex: &mut impl Exec, name: &str) -> sqlx::Result<Vec<PluginRow>> {
    ex.fetch_all(
        crate::store::db::Query::new(crate::store::db::Sql::Built(format!(
            "SELECT {COLUMNS} FROM plugins WHERE name = $1 ORDER BY created_at, id"
        )))
        .bind(name),
    )
    .await
}

/// The built-in plugin of a kind.
pub async fn builtin_of(ex: &mut impl Exec, kind: &str) -> sqlx::Result<Option<PluginRow>> {
    ex.fetch_optional(
        crate::store::db::Query::new(crate::store::db::Sql::Built(format!(
            "SELECT {COLUMNS} FROM plugins WHERE kind = $1 AND builtin = $2 ORDER BY created_at DESC LIMIT 1"
        )))
        .bind(kind)
        .bind(true),
    )
    .await
}

/// The plugin bound for an organization and kind, if any.
pub async fn bound(
    ex: &mut impl Exec,
    org_id: &str,
    kind: &str,
) -> sqlx::Result<Option<PluginRow>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("p.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    ex.fetch_optional(
        crate::store::db::Query::new(crate::store::db::Sql::Built(format!(
            "SELECT {cols} FROM plugin_bindings b JOIN plugins p ON p.id = b.plugin_id
             WHERE b.org_id = $1 AND b.kind = $2"
        )))
        .bind(org_id)
        .bind(kind),
    )
    .await
}

/// Plugins, optionally of one kind or name, by name and install time, with the total.
pub async fn list(
    ex: &mut impl Exec,
    kind: Option<&str>,
    name: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<PluginRow>, i64)> {
    let mut wh = String::from("1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    if let Some(k) = kind {
        args.push(k.into());
        wh.push_str(&format!(" AND kind = ${}", args.len()));
    }
    if let Some(n) = name {
        args.push(n.into());
        wh.push_str(&format!(" AND name = ${}", args.len()));
    }
    let listing = Listing {
        select: &format!("SELECT {COLUMNS} FROM plugins"),
        from: "plugins",
        filter: &wh,
        order: "name, created_at, id",
    };
    fetch_page(ex, listing, args, limit, offset).await
}

/// Writes the mutable fields (manifest, hashes, state).
pub async fn update(ex: &mut impl Exec, p: &PluginRow) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE plugins SET manifest = $2, sha256 = $3, size_bytes = $4, enabled = $5,
         consecutive_failures = $6, disabled_reason = $7, updated_at = $8 WHERE id = $1",
        &p.id,
        &p.manifest,
        &p.sha256,
        p.size_bytes,
        p.enabled,
        p.consecutive_failures,
        p.disabled_reason.as_deref(),
        p.updated_at
    ))
    .await
    .map(drop)
}

/// Adds one to the failure count and returns the new count (`None` if the plugin is gone).
pub async fn add_failure(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = ex
        .fetch_optional(q!(
            "UPDATE plugins SET consecutive_failures = consecutive_failures + 1 WHERE id = $1
             RETURNING consecutive_failures",
            id
        ))
        .await?;
    Ok(row.map(|(n,)| n))
}

/// Resets the failure count after a good call.
pub async fn reset_failures(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE plugins SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0",
        id
    ))
    .await
    .map(drop)
}

/// Disables an enabled plugin; `true` when this call did it (so exactly one caller reports it).
pub async fn disable_if_enabled(
    ex: &mut impl Exec,
    id: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE plugins SET enabled = $2, disabled_reason = $3, updated_at = $4
             WHERE id = $1 AND enabled = $5",
            id,
            false,
            reason,
            at,
            true
        ))
        .await?;
    Ok(n == 1)
}

/// Deletes a plugin (its configurations go with it).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM plugins WHERE id = $1", id))
        .await
        .map(drop)
}

/// How many organizations bind the plugin.
pub async fn binding_count(ex: &mut impl Exec, plugin_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!(
            "SELECT COUNT(*) FROM plugin_bindings WHERE plugin_id = $1",
            plugin_id
        ))
        .await?;
    Ok(n)
}

/// Whether any other plugin row uses the same component file.
pub async fn sha_users(ex: &mut impl Exec, sha256: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!("SELECT COUNT(*) FROM plugins WHERE sha256 = $1", sha256))
        .await?;
    Ok(n)
}

/// A row of `plugin_bindings`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BindingRow {
    /// Organization.
    pub org_id: String,
    /// Kind.
    pub kind: String,
    /// Bound plugin.
    pub plugin_id: String,
    /// Who bound it.
    pub bound_by: Option<String>,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// The organization's binding of a kind.
pub async fn binding(
    ex: &mut impl Exec,
    org_id: &str,
    kind: &str,
) -> sqlx::Result<Option<BindingRow>> {
    ex.fetch_optional(q!(
        "SELECT org_id, kind, plugin_id, bound_by, updated_at FROM plugin_bindings
         WHERE org_id = $1 AND kind = $2",
        org_id,
        kind
    ))
    .await
}

/// The organization's bindings.
pub async fn bindings(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Vec<BindingRow>> {
    ex.fetch_all(q!(
        "SELECT org_id, kind, plugin_id, bound_by, updated_at FROM plugin_bindings
         WHERE org_id = $1 ORDER BY kind",
        org_id
    ))
    .await
}

/// Sets the organization's binding of a kind.
pub async fn bind(ex: &mut impl Exec, b: &BindingRow) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO plugin_bindings (org_id, kind, plugin_id, bound_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, kind) DO UPDATE SET plugin_id = $3, bound_by = $4, updated_at = $5",
        &b.org_id,
        &b.kind,
        &b.plugin_id,
        b.bound_by.as_deref(),
        b.updated_at
    ))
    .await
    .map(drop)
}

/// Removes the organization's binding of a kind.
pub async fn unbind(ex: &mut impl Exec, org_id: &str, kind: &str) -> sqlx::Result<u64> {
    ex.execute(q!(
        "DELETE FROM plugin_bindings WHERE org_id = $1 AND kind = $2",
        org_id,
        kind
    ))
    .await
}

/// The organization's configuration of a plugin, as JSON text.
pub async fn config(
    ex: &mut impl Exec,
    org_id: &str,
    plugin_id: &str,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT config FROM plugin_configs WHERE org_id = $1 AND plugin_id = $2",
            org_id,
            plugin_id
        ))
        .await?;
    Ok(row.map(|(c,)| c))
}

/// Sets the organization's configuration of a plugin.
pub async fn set_config(
    ex: &mut impl Exec,
    org_id: &str,
    plugin_id: &str,
    config: &str,
    by: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO plugin_configs (org_id, plugin_id, config, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, plugin_id) DO UPDATE SET config = $3, updated_by = $4, updated_at = $5",
        org_id, plugin_id, config, by, at
    ))
    .await
    .map(drop)
}

/// Users of an organization with one of the given roles (for notifications).
pub async fn members_with_roles(
    ex: &mut impl Exec,
    org_id: &str,
    roles: &[&str],
) -> sqlx::Result<Vec<String>> {
    let mut out = Vec::new();
    for role in roles {
        let rows: Vec<(String,)> = ex
            .fetch_all(q!(
                "SELECT user_id FROM org_members WHERE org_id = $1 AND role = $2 ORDER BY user_id",
                org_id,
                *role
            ))
            .await?;
        out.extend(rows.into_iter().map(|(u,)| u));
    }
    Ok(out)
}
