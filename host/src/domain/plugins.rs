//! Plugin management: installing components (instance administrators), listing, enabling,
//! disabling, upgrading and removing them, and per organization configuring them and choosing
//! which plugin serves each kind (`manage_plugins`).
//!
//! Installed plugins are instance-wide; configuration and bindings belong to an organization.
//! Every change is recorded (outbox event + audit entry) in the organization the caller acts in.
//! Running plugins is [`crate::plugins::PluginHost`]'s job.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::events::{self, Audience, Entity};
use crate::domain::page::{Page, PageQuery};
use crate::domain::permissions::Permission;
use crate::domain::{Cx, validate};
use crate::error::{Error, Result};
use crate::plugins::contract::{BillableEntry, BillableTime, InvoiceContext, OccurrenceQuery};
use crate::plugins::manifest::{self, Manifest, ManifestLimits};
use crate::plugins::runtime::PluginKind;
use crate::store::plugins::{BindingRow, PluginRow};
use crate::store::{self, Exec};
use crate::{ids, plugins};

/// An installed plugin as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Plugin {
    /// `plg_…`
    pub id: String,
    /// Slug.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// `invoicing-rule` | `recurrence`.
    pub kind: String,
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
            kind: row.kind.clone(),
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
    /// `invoicing-rule` | `recurrence`.
    pub kind: String,
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
        &self.kind
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
    cx.app.plugins.forget(&row.id);
    remove_component_file(cx.app.plugins.components_dir(), &cx.app.db, sha).await;
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
            kind: b.kind,
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
            kind: kind.as_str().into(),
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
    let host = &cx.app.plugins;
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

/// A component upload, checked and ready to record.
pub struct Upload {
    /// The parsed manifest.
    pub manifest: Manifest,
    /// The component bytes.
    pub component: Vec<u8>,
}

/// Checks a manifest and component without touching the database or the data dir: the
/// manifest's fields, that the bytes are a WebAssembly component, and that the runtime accepts
/// it for the kind (world, imports, limits). Nothing runs.
pub async fn check_upload(
    host: &plugins::PluginHost,
    manifest_bytes: &[u8],
    component: Vec<u8>,
) -> Result<Upload> {
    let manifest = manifest::parse(manifest_bytes)?;
    check_wasm_header(&component)?;
    if manifest.name == plugins::INVOICING_STANDARD || manifest.name == plugins::RECURRENCE_STANDARD
    {
        return Err(Error::Conflict(format!(
            "{} is the name of a built-in plugin",
            manifest.name
        )));
    }
    let loaded = host
        .runtime()
        .load(
            &manifest.name,
            manifest.kind,
            &component,
            manifest.limits.to_runtime(),
        )
        .await
        .map_err(|e| {
            Error::invalid_field(
                "component",
                format!(
                    "the component cannot be installed as {}: {e}",
                    manifest.kind
                ),
            )
        })?;
    let declared = manifest.world_version();
    if declared.as_ref().map(|v| v.minor) != Some(loaded.contract().minor) {
        return Err(Error::invalid_field(
            "manifest.world",
            format!(
                "plugin.yaml says `{}` but the component was built against stint:plugins@0.{}",
                manifest.world,
                loaded.contract().minor
            ),
        ));
    }
    Ok(Upload {
        manifest,
        component,
    })
}

/// Refuses anything that is not a WebAssembly component with a clear message.
pub fn check_wasm_header(bytes: &[u8]) -> Result<()> {
    const MAGIC: &[u8] = b"\0asm";
    if bytes.is_empty() {
        return Err(Error::invalid_field(
            "component",
            "the component file is empty",
        ));
    }
    if !bytes.starts_with(MAGIC) {
        let looks_text = bytes
            .iter()
            .take(512)
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
        let what = if looks_text {
            "a text file"
        } else {
            "some other file"
        };
        return Err(Error::invalid_field(
            "component",
            format!(
                "the component is not a WebAssembly file (it looks like {what}); upload the .wasm built with `cargo build --target wasm32-wasip2 --release`"
            ),
        ));
    }
    if bytes.get(4..8) == Some(&[1, 0, 0, 0]) {
        return Err(Error::invalid_field(
            "component",
            "the file is a core WebAssembly module, not a component; build for wasm32-wasip2",
        ));
    }
    Ok(())
}

/// Records a checked upload: the component under the data dir, the row, and (with an
/// organization in scope) its event and audit entry. `Conflict` when `name@version` exists.
pub async fn record_install(
    db: &crate::store::Db,
    components_dir: &std::path::Path,
    upload: Upload,
    installed_by: Option<&str>,
    cx: Option<&Cx<'_>>,
) -> Result<Plugin> {
    let Upload {
        manifest,
        component,
    } = upload;
    let sha256 = hex::encode(Sha256::digest(&component));
    let size = i64::try_from(component.len()).unwrap_or(i64::MAX);
    if store::plugins::by_name(&mut { db }, &manifest.name, &manifest.version.to_string())
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "{}@{} is already installed; bump the version to upgrade",
            manifest.name, manifest.version
        )));
    }
    write_component(components_dir, &sha256, &component)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("writing component: {e}")))?;
    let now = crate::clock::now();
    let row = PluginRow {
        id: ids::new_id("plg"),
        name: manifest.name.clone(),
        version: manifest.version.to_string(),
        kind: manifest.kind.as_str().into(),
        manifest: serde_json::to_string(&manifest).map_err(anyhow::Error::from)?,
        sha256: sha256.clone(),
        size_bytes: size,
        builtin: false,
        enabled: true,
        consecutive_failures: 0,
        disabled_reason: None,
        installed_by: installed_by.map(str::to_owned),
        created_at: now,
        updated_at: now,
    };
    let plugin = Plugin::from_row(&row)?;
    let mut tx = db.begin().await?;
    let inserted = store::plugins::insert(&mut tx, &row).await?;
    if !inserted {
        drop(tx);
        remove_component_file(components_dir, db, sha256).await;
        return Err(Error::Conflict(format!(
            "{}@{} is already installed; bump the version to upgrade",
            manifest.name, manifest.version
        )));
    }
    if let Some(cx) = cx {
        events::created(&mut tx, cx, &plugin).await?;
    }
    tx.commit().await?;
    Ok(plugin)
}

/// Installs a plugin uploaded through the API (instance administrators). Nothing is written
/// unless every check passes.
pub async fn install(cx: &Cx<'_>, manifest_bytes: &[u8], component: Vec<u8>) -> Result<Plugin> {
    require_instance_admin(cx).await?;
    let upload = check_upload(&cx.app.plugins, manifest_bytes, component).await?;
    record_install(
        &cx.app.db,
        cx.app.plugins.components_dir(),
        upload,
        Some(cx.user_id()),
        Some(cx),
    )
    .await
}

async fn write_component(dir: &std::path::Path, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = plugins::component_path(dir, sha256);
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(());
    }
    let tmp = dir.join(format!(".{sha256}.{}.tmp", ids::new_id("tmp")));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, &path).await
}

/// Registers the built-in plugins (idempotent, safe with several processes starting at once);
/// refreshes their hash when the binary ships a new build.
pub async fn register_builtins(db: &crate::store::Db) -> anyhow::Result<()> {
    for (name, kind, bytes) in [
        (
            plugins::INVOICING_STANDARD,
            PluginKind::InvoicingRule,
            plugins::builtin::INVOICING_STANDARD,
        ),
        (
            plugins::RECURRENCE_STANDARD,
            PluginKind::Recurrence,
            plugins::builtin::RECURRENCE_STANDARD,
        ),
        (
            plugins::REPORTS_STANDARD,
            PluginKind::Report,
            plugins::builtin::REPORTS_STANDARD,
        ),
        (
            plugins::WEBHOOK_STANDARD,
            PluginKind::Webhook,
            plugins::builtin::WEBHOOK_STANDARD,
        ),
    ] {
        // Built-ins are versioned with the server that embeds them.
        let version = semver::Version::parse(env!("CARGO_PKG_VERSION"))
            .expect("the crate version is semantic");
        let manifest = Manifest {
            name: name.into(),
            version: version.clone(),
            kind,
            world: format!(
                "{}/{}@{}",
                manifest::WIT_PACKAGE,
                kind.as_str(),
                manifest::WIT_VERSION
            ),
            component: format!("{}.wasm", name.replace('-', "_")),
            description: Some(match kind {
                PluginKind::InvoicingRule => "The standard invoicing rules (built in)".into(),
                PluginKind::Recurrence => "The standard recurrence patterns (built in)".into(),
                PluginKind::Report => "The standard reports (built in)".into(),
                PluginKind::Webhook => "Sends each event as JSON (built in)".into(),
            }),
            // Reports wait on the database inside the call: a report over a year of a large
            // organization's time needs more than the rule plugins' second.
            limits: match kind {
                PluginKind::Report => ManifestLimits {
                    deadline_ms: manifest::DEADLINE_MS.end().to_owned(),
                    ..ManifestLimits::default()
                },
                _ => ManifestLimits::default(),
            },
            capabilities: match kind {
                PluginKind::Report => vec!["log".into(), "report-data".into()],
                _ => vec!["log".into()],
            },
            config_schema: None,
            allowed_hosts: Vec::new(),
        };
        let sha256 = hex::encode(Sha256::digest(bytes));
        let now = crate::clock::now();
        let row = PluginRow {
            id: format!("plg_builtin-{name}"),
            name: name.into(),
            version: version.to_string(),
            kind: kind.as_str().into(),
            manifest: serde_json::to_string(&manifest)?,
            sha256: sha256.clone(),
            size_bytes: i64::try_from(bytes.len())?,
            builtin: true,
            enabled: true,
            consecutive_failures: 0,
            disabled_reason: None,
            installed_by: None,
            created_at: now,
            updated_at: now,
        };
        let mut ex = db.auto_commit();
        if !store::plugins::insert(&mut ex, &row).await? {
            let existing = store::plugins::get(&mut ex, &row.id).await?;
            if let Some(mut e) = existing
                && (e.sha256 != sha256 || e.manifest != row.manifest)
            {
                e.sha256 = sha256;
                e.size_bytes = row.size_bytes;
                e.manifest = row.manifest.clone();
                e.updated_at = now;
                store::plugins::update(&mut ex, &e).await?;
            }
        }
    }
    Ok(())
}

/// Disables a plugin after `failures` consecutive failed calls (once, across processes) and
/// tells the organization: an audit entry and a notification for each owner and admin.
pub async fn auto_disable(
    db: &crate::store::Db,
    org_id: &str,
    row: &PluginRow,
    failures: i64,
    last: &crate::plugins::runtime::PluginFailure,
) -> Result<()> {
    let now = crate::clock::now();
    let reason = format!(
        "disabled automatically after {failures} consecutive failed calls (last: {}: {})",
        last.reason.as_str(),
        truncate(&last.message, 300)
    );
    let mut tx = db.begin().await?;
    if !store::plugins::disable_if_enabled(&mut tx, &row.id, &reason, now).await? {
        return Ok(());
    }
    tracing::error!(plugin = %row.name, version = %row.version, org_id, %reason, "plugin disabled");
    events::system_change(
        &mut tx,
        events::SystemChange {
            org_id,
            entity_type: "plugin",
            entity_id: &row.id,
            action: "disabled",
            entity: Some(
                json!({ "id": row.id, "name": row.name, "version": row.version,
                                 "enabled": false, "disabled_reason": reason }),
            ),
            changes: None,
            audience: Audience::holders(Permission::ManagePlugins.as_str()),
            details: json!({ "reason": reason, "failures": failures,
                             "last_failure": last.reason.as_str(), "name": row.name,
                             "version": row.version }),
        },
    )
    .await?;
    let title = format!(
        "Plugin {}@{} was disabled after {failures} failed calls",
        row.name, row.version
    );
    crate::domain::notifications::notify_admins(
        &mut tx,
        org_id,
        PLUGIN_DISABLED,
        &title,
        "plugin",
        &row.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `type` of the notification sent when a plugin is disabled after repeated failures.
pub const PLUGIN_DISABLED: &str = "plugin_disabled";

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}
