//! Plugin management: installing components (instance administrators), listing, enabling,
//! disabling, upgrading and removing them, and per organization configuring them and choosing
//! which plugin serves each kind (`manage_plugins`).
//!
//! Installed plugins are instance-wide; configuration and bindings belong to an organization.
//! Every change is recorded (outbox event + audit entry) in the organization the caller acts in.
//! Running plugins is [`PluginHost`]'s job.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::events::{self, Audience, Entity};
use crate::domain::page::{Page, PageQuery};
use crate::domain::permissions::Permission;
use crate::domain::{Cx, validate};
use crate::error::{Error, Result};
use crate::plugins;
use crate::plugins::contract::{BillableEntry, BillableTime, InvoiceContext, OccurrenceQuery};
use crate::plugins::manifest::{self, Manifest, ManifestLimits};
use crate::plugins::runtime::PluginKind;
use crate::store::plugins::{BindingRow, PluginRow};
use crate::store::{self, Exec};

mod auto_disable;
mod builtins;
mod host;
mod install;

pub use auto_disable::auto_disable;
pub use builtins::register_builtins;
pub use host::{HostConfig, PluginHost, ReportPlugin};
pub use install::{Upload, check_upload, check_wasm_header, install, record_install};

/// An installed plugin as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Plugin {
    /// `plg_…`
    pub id: String,
    /// Slug.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// The kind (the WIT world it implements).
    pub kind: PluginKind,
    /// One line for operators.
    pub description: Option<String>,
    /// The WIT world it implements.
    pub world: String,
    /// Shipped inside the server; cannot be removed or disabled.
    pub builtin: bool,
    /// Whether calls may run it.
    pub enabled: bool,
    /// Why it was disabled (by an administrator, or automatically after repeated failures).
    pub disabled_reason: Option<String>,
    /// Failed calls in a row.
    pub consecutive_failures: i64,
    /// Hex SHA-256 of the component.
    pub sha256: String,
    /// Component size in bytes.
    pub size_bytes: i64,
    /// Per-call limits.
    pub limits: ManifestLimits,
    /// Host capabilities it uses.
    pub capabilities: Vec<String>,
    /// JSON Schema of its per-organization configuration.
    pub config_schema: Option<Value>,
    /// Who installed it (none for built-ins).
    pub installed_by: Option<String>,
    /// Installed.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

crate::entity!(Plugin, "plugin", |_p| Audience::holders(
    Permission::ManagePlugins.as_str()
));

impl Plugin {
    fn from_row(row: &PluginRow) -> Result<Plugin> {
        let m = manifest_of(row)?;
        Ok(Plugin {
            id: row.id.clone(),
            name: row.name.clone(),
            version: row.version.clone(),
            kind: kind("kind", &row.kind)?,
            description: m.description,
            world: m.world,
            builtin: row.builtin,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.clone(),
            consecutive_failures: row.consecutive_failures,
            sha256: row.sha256.clone(),
            size_bytes: row.size_bytes,
            limits: m.limits,
            capabilities: m.capabilities,
            config_schema: m.config_schema,
            installed_by: row.installed_by.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// An organization's configuration of a plugin.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PluginConfig {
    /// The plugin.
    pub plugin_id: String,
    /// The organization.
    pub org_id: String,
    /// The configuration (`{}` when never set).
    pub config: Value,
}

impl Entity for PluginConfig {
    const TYPE: &'static str = "plugin_config";
    fn id(&self) -> &str {
        &self.plugin_id
    }
    fn audience(&self) -> Audience {
        Audience::holders(Permission::ManagePlugins.as_str())
    }
}

/// Which plugin serves a kind for an organization.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PluginBinding {
    /// The kind (the WIT world it implements).
    pub kind: PluginKind,
    /// The organization.
    pub org_id: String,
    /// The plugin serving it.
    pub plugin_id: String,
    /// Its name.
    pub plugin_name: String,
    /// Its version.
    pub plugin_version: String,
    /// Whether this is the built-in default (no binding set).
    pub default: bool,
    /// Who bound it.
    pub bound_by: Option<String>,
    /// When it was bound.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Entity for PluginBinding {
    const TYPE: &'static str = "plugin_binding";
    fn id(&self) -> &str {
        self.kind.as_str()
    }
    fn audience(&self) -> Audience {
        Audience::holders(Permission::ManagePlugins.as_str())
    }
}

/// `plugins.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListPlugins {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only versions of this name.
    pub name: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

macro_rules! plugin_ref {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Deserialize, JsonSchema)]
        pub struct $name {
            /// Organization (default: current).
            pub org_id: Option<String>,
            /// `plg_…`
            pub id: String,
        }
    )*};
}

plugin_ref! {
    /// `plugins.get`.
    PluginRef;
    /// `plugins.enable`.
    EnablePlugin;
    /// `plugins.delete`.
    DeletePlugin;
    /// `plugins.get_config`.
    GetPluginConfig;
}

/// `plugins.disable`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisablePlugin {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// `plg_…`
    pub id: String,
    /// Why (shown to callers whose organization binds it).
    pub reason: Option<String>,
}

/// `plugins.update`: limits within the documented ranges.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlugin {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// `plg_…`
    pub id: String,
    /// New per-call limits (omitted fields stay).
    pub limits: Option<LimitsPatch>,
}

/// New limits.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsPatch {
    /// Wall-clock deadline per call, 1..=10000 ms.
    pub deadline_ms: Option<u64>,
    /// Memory cap per call, 1..=256 MiB.
    pub memory_mb: Option<u64>,
}

/// `plugins.set_config`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPluginConfig {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// `plg_…`
    pub id: String,
    /// The configuration: a JSON object matching the plugin's `config_schema`.
    pub config: Value,
}

/// `plugins.bind`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BindPlugin {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// `invoicing-rule` | `recurrence`.
    pub kind: String,
    /// The plugin (`plg_…`) that serves the kind from now on.
    pub plugin_id: String,
}

/// `plugins.unbind`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UnbindPlugin {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// `invoicing-rule` | `recurrence`.
    pub kind: String,
}

/// `plugins.bindings`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListBindings {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// `plugins.test`: runs one plugin on a fixture with the organization's configuration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestPlugin {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// `plg_…`
    pub id: String,
    /// `invoicing-rule`: `{"context": {…}, "entries": [...]}`; `recurrence`:
    /// `{"validate": "pattern"}` or `{"next": {"pattern", "time_zone", "anchor", "after", "count"}}`.
    #[schemars(with = "Value")]
    pub input: Value,
}

/// What `plugins.test` answers: the plugin's output, or its own typed error.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TestOutcome {
    /// Whether the plugin produced a result.
    pub ok: bool,
    /// The result.
    pub output: Option<Value>,
    /// The plugin's explanation when it declined.
    pub error: Option<String>,
    /// Wall time, milliseconds.
    pub elapsed_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceFixture {
    context: InvoiceContext,
    #[serde(default)]
    entries: Vec<BillableEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookFixture {
    event: crate::plugins::contract::WebhookEvent,
    subscription: crate::plugins::contract::WebhookTarget,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum RecurrenceFixture {
    Validate(String),
    Next(OccurrenceQuery),
}

fn manifest_of(row: &PluginRow) -> Result<Manifest> {
    serde_json::from_str(&row.manifest)
        .map_err(|e| Error::Internal(anyhow::anyhow!("plugin {} manifest: {e}", row.id)))
}

fn kind(field: &str, s: &str) -> Result<PluginKind> {
    manifest::parse_kind(field, s).map_err(|e| Error::invalid_field(field, e.message))
}

/// Fails with `FORBIDDEN` unless the caller is an instance `super_admin` or `admin`.
pub async fn require_instance_admin(cx: &Cx<'_>) -> Result<()> {
    let user = store::accounts::user(&mut cx.db(), cx.user_id())
        .await?
        .ok_or_else(|| Error::Unauthorized("unknown user".into()))?;
    if matches!(user.instance_role.as_str(), "super_admin" | "admin") {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this requires the instance role super_admin or admin".into(),
        ))
    }
}

async fn load(ex: &mut impl Exec, id: &str) -> Result<PluginRow> {
    store::plugins::get(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("plugin"))
}

/// Installed plugins.
pub async fn list(cx: &Cx<'_>, input: ListPlugins) -> Result<Page<Plugin>> {
    let request = input.page.resolve()?;
    let kind = input.kind.as_deref().map(|k| kind("kind", k)).transpose()?;
    let (rows, total) = store::plugins::list(
        &mut cx.db(),
        kind.map(PluginKind::as_str),
        input.name.as_deref(),
        request.limit(),
        request.offset(),
    )
    .await?;
    let items = rows.iter().map(Plugin::from_row).collect::<Result<_>>()?;
    Ok(Page {
        items,
        request,
        total,
    })
}

/// One plugin.
pub async fn get(cx: &Cx<'_>, input: PluginRef) -> Result<Plugin> {
    Plugin::from_row(&load(&mut cx.db(), &input.id).await?)
}

/// Changes a plugin's limits (instance administrators).
pub async fn update(cx: &Cx<'_>, input: UpdatePlugin) -> Result<Plugin> {
    require_instance_admin(cx).await?;
    let mut tx = cx.db().begin().await?;
    let row = load(&mut tx, &input.id).await?;
    let before = Plugin::from_row(&row)?;
    let mut m = manifest_of(&row)?;
    if let Some(l) = input.limits {
        m.limits = ManifestLimits {
            deadline_ms: l.deadline_ms.unwrap_or(m.limits.deadline_ms),
            memory_mb: l.memory_mb.unwrap_or(m.limits.memory_mb),
        }
        .check()
        .map_err(|e| Error::invalid_field(&e.field, e.to_string()))?;
    }
    let mut next = row.clone();
    next.manifest = serde_json::to_string(&m).map_err(anyhow::Error::from)?;
    next.updated_at = crate::clock::now();
    store::plugins::update(&mut tx, &next).await?;
    let after = Plugin::from_row(&next)?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Enables a plugin and clears its failure count (instance administrators).
pub async fn enable(cx: &Cx<'_>, input: EnablePlugin) -> Result<Plugin> {
    set_enabled(cx, &input.id, true, None).await
}

/// Disables a plugin: organizations binding it get `PLUGIN_ERROR` reason `disabled` until it is
/// enabled again or they bind another (instance administrators; not for built-ins).
pub async fn disable(cx: &Cx<'_>, input: DisablePlugin) -> Result<Plugin> {
    let reason = validate::text("reason", input.reason.as_deref(), 500)?
        .unwrap_or_else(|| "disabled by an administrator".into());
    set_enabled(cx, &input.id, false, Some(reason)).await
}

async fn set_enabled(
    cx: &Cx<'_>,
    id: &str,
    enabled: bool,
    reason: Option<String>,
) -> Result<Plugin> {
    require_instance_admin(cx).await?;
    let mut tx = cx.db().begin().await?;
    let row = load(&mut tx, id).await?;
    if row.builtin && !enabled {
        return Err(Error::Conflict(format!(
            "{} is built in and cannot be disabled; bind another plugin instead",
            row.name
        )));
    }
    let before = Plugin::from_row(&row)?;
    let mut next = row.clone();
    next.enabled = enabled;
    next.disabled_reason = reason;
    next.consecutive_failures = 0;
    next.updated_at = crate::clock::now();
    store::plugins::update(&mut tx, &next).await?;
    let after = Plugin::from_row(&next)?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a plugin (instance administrators); refused for built-ins and while any
/// organization binds it.
pub async fn delete(cx: &Cx<'_>, input: DeletePlugin) -> Result<()> {
    require_instance_admin(cx).await?;
    let mut tx = cx.db().begin().await?;
    let row = load(&mut tx, &input.id).await?;
    let sha = remove_row(&mut tx, &row).await?;
    events::deleted(&mut tx, cx, &Plugin::from_row(&row)?).await?;
    tx.commit().await?;
    cx.services.plugins.forget(&row.id);
    remove_component_file(cx.services.plugins.components_dir(), &cx.services.db, sha).await;
    Ok(())
}

/// Deletes a plugin row after the checks; returns the component hash to clean up.
pub async fn remove_row(ex: &mut impl Exec, row: &PluginRow) -> Result<String> {
    if row.builtin {
        return Err(Error::Conflict(format!(
            "{} is built in and cannot be removed",
            row.name
        )));
    }
    let bound = store::plugins::binding_count(ex, &row.id).await?;
    if bound > 0 {
        return Err(Error::Conflict(format!(
            "{}@{} is bound by {bound} organization(s); unbind it first",
            row.name, row.version
        )));
    }
    store::plugins::delete(ex, &row.id).await?;
    Ok(row.sha256.clone())
}

/// Deletes a component file no row uses any more.
pub async fn remove_component_file(dir: &std::path::Path, db: &crate::store::Db, sha256: String) {
    if let Ok(0) = store::plugins::sha_users(&mut { db }, &sha256).await {
        let _ = tokio::fs::remove_file(plugins::component_path(dir, &sha256)).await;
    }
}

/// The organization's configuration of a plugin.
pub async fn get_config(cx: &Cx<'_>, input: GetPluginConfig) -> Result<PluginConfig> {
    let row = load(&mut cx.db(), &input.id).await?;
    let org_id = cx.org_id()?.to_owned();
    let config = match store::plugins::config(&mut cx.db(), &org_id, &row.id).await? {
        Some(text) => serde_json::from_str(&text).map_err(anyhow::Error::from)?,
        None => json!({}),
    };
    Ok(PluginConfig {
        plugin_id: row.id,
        org_id,
        config,
    })
}

/// Sets the organization's configuration of a plugin, validated against its schema.
pub async fn set_config(cx: &Cx<'_>, input: SetPluginConfig) -> Result<PluginConfig> {
    let mut tx = cx.db().begin().await?;
    let row = load(&mut tx, &input.id).await?;
    manifest::validate_config(&manifest_of(&row)?, &input.config)?;
    let org_id = cx.org_id()?.to_owned();
    let before = PluginConfig {
        plugin_id: row.id.clone(),
        org_id: org_id.clone(),
        config: match store::plugins::config(&mut tx, &org_id, &row.id).await? {
            Some(text) => serde_json::from_str(&text).map_err(anyhow::Error::from)?,
            None => json!({}),
        },
    };
    let text = input.config.to_string();
    if text.len() > 64 * 1024 {
        return Err(Error::invalid_field(
            "config",
            "config must be at most 64 KiB",
        ));
    }
    store::plugins::set_config(
        &mut tx,
        &org_id,
        &row.id,
        &text,
        cx.user_id(),
        crate::clock::now(),
    )
    .await?;
    let after = PluginConfig {
        config: input.config,
        ..before.clone()
    };
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

async fn effective(
    ex: &mut impl Exec,
    org_id: &str,
    kind: PluginKind,
) -> Result<Option<PluginBinding>> {
    if let Some(b) = store::plugins::binding(ex, org_id, kind.as_str()).await? {
        let row = load(ex, &b.plugin_id).await?;
        return Ok(Some(PluginBinding {
            kind,
            org_id: b.org_id,
            plugin_id: row.id,
            plugin_name: row.name,
            plugin_version: row.version,
            default: false,
            bound_by: b.bound_by,
            updated_at: Some(b.updated_at),
        }));
    }
    Ok(store::plugins::builtin_of(ex, kind.as_str())
        .await?
        .map(|row| PluginBinding {
            kind,
            org_id: org_id.into(),
            plugin_id: row.id,
            plugin_name: row.name,
            plugin_version: row.version,
            default: true,
            bound_by: None,
            updated_at: None,
        }))
}

/// Which plugin serves each kind for the organization.
pub async fn bindings(cx: &Cx<'_>, _input: ListBindings) -> Result<Vec<PluginBinding>> {
    let org_id = cx.org_id()?;
    let mut out = Vec::new();
    for k in [PluginKind::InvoicingRule, PluginKind::Recurrence] {
        // Report plugins are not bound: every enabled one serves its reports (domain::reports).
        if let Some(b) = effective(&mut cx.db(), org_id, k).await? {
            out.push(b);
        }
    }
    Ok(out)
}

/// Makes a plugin serve a kind for the organization (takes effect on the next call).
pub async fn bind(cx: &Cx<'_>, input: BindPlugin) -> Result<PluginBinding> {
    let k = kind("kind", &input.kind)?;
    let org_id = cx.org_id()?.to_owned();
    let mut tx = cx.db().begin().await?;
    let row = store::plugins::get(&mut tx, &input.plugin_id)
        .await?
        .ok_or_else(|| Error::rule("plugin_id", "plugin_id must name an installed plugin"))?;
    if row.kind != k.as_str() {
        return Err(Error::rule(
            "plugin_id",
            format!(
                "{}@{} is a {} plugin and cannot serve {}",
                row.name, row.version, row.kind, input.kind
            ),
        ));
    }
    if !row.enabled {
        return Err(Error::rule(
            "plugin_id",
            format!("{}@{} is disabled; enable it first", row.name, row.version),
        ));
    }
    let before = effective(&mut tx, &org_id, k).await?;
    store::plugins::bind(
        &mut tx,
        &BindingRow {
            org_id: org_id.clone(),
            kind: k.as_str().into(),
            plugin_id: row.id.clone(),
            bound_by: Some(cx.user_id().into()),
            updated_at: crate::clock::now(),
        },
    )
    .await?;
    let after = effective(&mut tx, &org_id, k)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("binding vanished")))?;
    match &before {
        Some(b) => events::updated(&mut tx, cx, b, &after).await?,
        None => events::created(&mut tx, cx, &after).await?,
    }
    tx.commit().await?;
    Ok(after)
}

/// Goes back to the built-in plugin for a kind.
pub async fn unbind(cx: &Cx<'_>, input: UnbindPlugin) -> Result<()> {
    let k = kind("kind", &input.kind)?;
    let org_id = cx.org_id()?.to_owned();
    let mut tx = cx.db().begin().await?;
    let Some(before) = effective(&mut tx, &org_id, k).await?.filter(|b| !b.default) else {
        return Ok(());
    };
    store::plugins::unbind(&mut tx, &org_id, k.as_str()).await?;
    events::deleted(&mut tx, cx, &before).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a plugin on a fixture with the organization's configuration (a dry run for operators;
/// failures count towards auto-disable like any call).
pub async fn test(cx: &Cx<'_>, input: TestPlugin) -> Result<TestOutcome> {
    let row = load(&mut cx.db(), &input.id).await?;
    let org_id = cx.org_id()?;
    let host = &cx.services.plugins;
    let db = cx.db();
    let started = std::time::Instant::now();
    let bad = |e: serde_json::Error| Error::invalid_field("input", format!("invalid input: {e}"));
    let outcome: std::result::Result<Value, String> = match kind("kind", &row.kind)? {
        PluginKind::InvoicingRule => {
            let f: InvoiceFixture = serde_json::from_value(input.input).map_err(bad)?;
            let time: BillableTime = f.entries.into_iter().collect();
            host.test_invoice(db, org_id, &row, f.context, &time)
                .await?
                .map(|r| r.to_json(&time))
        }
        PluginKind::Report => host
            .test_describe(db, org_id, &row)
            .await?
            .map(|infos| serde_json::to_value(infos).unwrap_or(Value::Null)),
        PluginKind::Webhook => {
            let f: WebhookFixture = serde_json::from_value(input.input).map_err(bad)?;
            let mut event = f.event;
            event.organization_id = org_id.to_owned();
            host.format_webhook(db, Some(&row.id), &event, f.subscription)
                .await?
                .1
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        }
        PluginKind::Recurrence => match serde_json::from_value(input.input).map_err(bad)? {
            RecurrenceFixture::Validate(p) => host
                .test_validate(db, org_id, &row, &p)
                .await?
                .map(Value::String),
            RecurrenceFixture::Next(q) => host
                .test_next(db, org_id, &row, q)
                .await?
                .map(|v| serde_json::to_value(v).unwrap_or(Value::Null)),
        },
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(match outcome {
        Ok(output) => TestOutcome {
            ok: true,
            output: Some(output),
            error: None,
            elapsed_ms,
        },
        Err(error) => TestOutcome {
            ok: false,
            output: None,
            error: Some(error),
            elapsed_ms,
        },
    })
}
