//! The facade domain code calls to run plugins.
//!
//! Domain code never sees wasmtime: it calls [`PluginHost`] with the plain types of
//! [`crate::plugins::contract`], and the host picks the plugin bound for the organization (the
//! built-in one when none is bound), runs it in a fresh sandbox and checks its output.
//!
//! Every call reads the plugin's row (one indexed query), so an install, enable, disable, bind
//! or upgrade made by any process sharing the database takes effect on the next call without a
//! restart. Loaded (compiled and type-checked) plugins are kept in memory keyed by plugin id and
//! reloaded when the row's component or manifest changed; in-flight calls finish on the version
//! they started with.

mod reports;

pub use reports::ReportPlugin;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::plugins::contract::{
    BillableTime, InvoiceContext, InvoiceResult, OccurrenceQuery, WebhookEvent, WebhookRequest,
    WebhookTarget,
};
use crate::plugins::manifest::Manifest;
use crate::plugins::runtime::{LoadedPlugin, PluginFailure, PluginKind, Runtime, RuntimeConfig};
use crate::plugins::{builtin_bytes, component_path, components_dir};
use crate::store::db::Db;
use crate::store::plugins::PluginRow;

/// The plugins of this process: runtime, installed plugins, per-organization bindings.
#[derive(Clone)]
pub struct PluginHost(Arc<HostInner>);

struct HostInner {
    runtime: Runtime,
    components_dir: PathBuf,
    failure_threshold: u32,
    loaded: RwLock<HashMap<String, Cached>>,
    /// Report plugins' `describe`, by plugin id ([`reports`]).
    described: RwLock<HashMap<String, reports::Described>>,
}

struct Cached {
    sha256: String,
    manifest: String,
    plugin: LoadedPlugin,
}

/// What the host needs to start.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// The data directory (components are kept in `plugins/`, compiled ones in `plugin-cache/`).
    pub data_dir: PathBuf,
    /// Consecutive failed calls after which a plugin is disabled.
    pub failure_threshold: u32,
    /// Plugin calls that may run at once.
    pub max_concurrent_calls: u32,
}

impl PluginHost {
    /// Starts the runtime and registers the built-ins (idempotent: every process may do it).
    pub async fn start(cfg: HostConfig, db: &Db) -> anyhow::Result<PluginHost> {
        let mut runtime_cfg = RuntimeConfig::new(cfg.data_dir.join("plugin-cache"));
        runtime_cfg.max_concurrent_calls = cfg.max_concurrent_calls.max(1);
        let host = PluginHost(Arc::new(HostInner {
            runtime: Runtime::new(runtime_cfg)?,
            components_dir: components_dir(&cfg.data_dir),
            failure_threshold: cfg.failure_threshold.max(1),
            loaded: RwLock::default(),
            described: RwLock::default(),
        }));
        super::register_builtins(db).await?;
        Ok(host)
    }

    /// The runtime (install checks a component by loading it).
    pub fn runtime(&self) -> &Runtime {
        &self.0.runtime
    }

    /// Where uploaded components are kept.
    pub fn components_dir(&self) -> &Path {
        &self.0.components_dir
    }

    /// Computes an invoice with the `invoicing-rule` plugin bound for `ctx.org_id`
    /// (`invoicing-standard` when none is bound). The result has passed the contract checks.
    pub async fn compute_invoice(
        &self,
        db: &Db,
        mut ctx: InvoiceContext,
        time: &BillableTime,
    ) -> Result<InvoiceResult> {
        let org_id = ctx.org_id.clone();
        let (row, plugin) = self.resolve(db, &org_id, PluginKind::InvoicingRule).await?;
        ctx.config = org_config(db, &org_id, &row.id).await?;
        let outcome = plugin.compute_invoice(&ctx, time).await;
        let inner = self.account(db, &org_id, &row, outcome).await?;
        inner.map_err(|message| Error::Plugin {
            plugin: row.name.clone(),
            reason: "error".into(),
            message,
        })
    }

    /// Validates a recurrence pattern with the `recurrence` plugin bound for `org_id`; returns
    /// its canonical form, or `VALIDATION_ERROR` (422, field `recurrence_pattern`) with the
    /// plugin's explanation.
    pub async fn validate_recurrence(
        &self,
        db: &Db,
        org_id: &str,
        pattern: &str,
    ) -> Result<String> {
        let (row, plugin) = self.resolve(db, org_id, PluginKind::Recurrence).await?;
        let outcome = plugin.validate_recurrence(pattern).await;
        let inner = self.account(db, org_id, &row, outcome).await?;
        inner.map_err(|message| Error::rule("recurrence_pattern", message))
    }

    /// The next occurrences of a pattern, by the `recurrence` plugin bound for `org_id`.
    pub async fn next_occurrences(
        &self,
        db: &Db,
        org_id: &str,
        query: OccurrenceQuery,
    ) -> Result<Vec<DateTime<Utc>>> {
        let (row, plugin) = self.resolve(db, org_id, PluginKind::Recurrence).await?;
        let outcome = plugin.next_occurrences(&query).await;
        let inner = self.account(db, org_id, &row, outcome).await?;
        inner.map_err(|message| Error::rule("recurrence_pattern", message))
    }

    /// Runs a specific plugin (not the bound one) for `org_id` with that organization's config:
    /// the operator's dry run. Failures count towards auto-disable like any call.
    pub async fn test_invoice(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
        mut ctx: InvoiceContext,
        time: &BillableTime,
    ) -> Result<std::result::Result<InvoiceResult, String>> {
        let plugin = self.runnable(row).await?;
        ctx.config = org_config(db, org_id, &row.id).await?;
        let outcome = plugin.compute_invoice(&ctx, time).await;
        self.account(db, org_id, row, outcome).await
    }

    /// Like [`PluginHost::test_invoice`] for `schedule.validate`.
    pub async fn test_validate(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
        pattern: &str,
    ) -> Result<std::result::Result<String, String>> {
        let plugin = self.runnable(row).await?;
        let outcome = plugin.validate_recurrence(pattern).await;
        self.account(db, org_id, row, outcome).await
    }

    /// Like [`PluginHost::test_invoice`] for `schedule.next`.
    pub async fn test_next(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
        query: OccurrenceQuery,
    ) -> Result<std::result::Result<Vec<DateTime<Utc>>, String>> {
        let plugin = self.runnable(row).await?;
        let outcome = plugin.next_occurrences(&query).await;
        self.account(db, org_id, row, outcome).await
    }

    /// Formats `event` for a webhook subscription with `plugin_id`, or (none) the `webhook`
    /// plugin bound for the organization, else `webhook-standard`. The subscription's
    /// `config` is replaced by the organization's configuration of that plugin. Returns the
    /// plugin's row (for its manifest's `allowed_hosts`) and its answer: the checked requests
    /// or the plugin's own explanation. Failures count towards auto-disable like any call.
    pub async fn format_webhook(
        &self,
        db: &Db,
        plugin_id: Option<&str>,
        event: &WebhookEvent,
        mut target: WebhookTarget,
    ) -> Result<(PluginRow, std::result::Result<Vec<WebhookRequest>, String>)> {
        let org_id = event.organization_id.as_str();
        let (row, plugin) = match plugin_id {
            Some(id) => {
                let row = crate::store::plugins::get(&mut { db }, id)
                    .await?
                    .ok_or_else(|| Error::Plugin {
                        plugin: id.into(),
                        reason: "unavailable".into(),
                        message: "the subscription's plugin is not installed".into(),
                    })?;
                let plugin = self.runnable(&row).await?;
                (row, plugin)
            }
            None => self.resolve(db, org_id, PluginKind::Webhook).await?,
        };
        if plugin.kind() != PluginKind::Webhook {
            return Err(Error::Plugin {
                plugin: row.name.clone(),
                reason: "unavailable".into(),
                message: format!("{} is not a webhook plugin", row.name),
            });
        }
        target.config = org_config(db, org_id, &row.id).await?;
        let outcome = plugin.format_webhook(event, &target).await;
        let inner = self.account(db, org_id, &row, outcome).await?;
        Ok((row, inner))
    }

    /// The plugin serving `kind` for the organization: the bound one, else the built-in. A
    /// disabled plugin is an error (no silent fall-back: the organization chose it).
    async fn resolve(
        &self,
        db: &Db,
        org_id: &str,
        kind: PluginKind,
    ) -> Result<(PluginRow, LoadedPlugin)> {
        let mut ex = db;
        let row = match crate::store::plugins::bound(&mut ex, org_id, kind.as_str()).await? {
            Some(row) => row,
            None => crate::store::plugins::builtin_of(&mut ex, kind.as_str())
                .await?
                .ok_or_else(|| Error::Plugin {
                    plugin: kind.as_str().into(),
                    reason: "unavailable".into(),
                    message: format!("no {kind} plugin is installed"),
                })?,
        };
        let plugin = self.runnable(&row).await?;
        Ok((row, plugin))
    }

    /// The loaded form of an enabled plugin row, from memory or freshly loaded.
    async fn runnable(&self, row: &PluginRow) -> Result<LoadedPlugin> {
        if !row.enabled {
            return Err(Error::Plugin {
                plugin: row.name.clone(),
                reason: "disabled".into(),
                message: row
                    .disabled_reason
                    .clone()
                    .unwrap_or_else(|| "the plugin is disabled".into()),
            });
        }
        if let Some(c) = self
            .0
            .loaded
            .read()
            .map_err(|_| Error::Internal(anyhow::anyhow!("plugin cache poisoned")))?
            .get(&row.id)
            && c.sha256 == row.sha256
            && c.manifest == row.manifest
        {
            return Ok(c.plugin.clone());
        }
        let unavailable = |message: String| Error::Plugin {
            plugin: row.name.clone(),
            reason: "unavailable".into(),
            message,
        };
        let manifest: Manifest = serde_json::from_str(&row.manifest)
            .map_err(|e| unavailable(format!("stored manifest unreadable: {e}")))?;
        let bytes = self.component_bytes(row).await.map_err(|e| {
            tracing::error!(plugin = %row.name, error = %e, "plugin component missing");
            unavailable("the plugin's component file is missing on this server".into())
        })?;
        let plugin = self
            .0
            .runtime
            .load(
                &row.name,
                manifest.kind,
                &bytes,
                manifest.limits.to_runtime(),
            )
            .await
            .map_err(|e| unavailable(format!("cannot load: {e}")))?;
        if let Ok(mut map) = self.0.loaded.write() {
            map.insert(
                row.id.clone(),
                Cached {
                    sha256: row.sha256.clone(),
                    manifest: row.manifest.clone(),
                    plugin: plugin.clone(),
                },
            );
        }
        Ok(plugin)
    }

    /// Drops a plugin from memory (after remove).
    pub fn forget(&self, plugin_id: &str) {
        if let Ok(mut map) = self.0.loaded.write() {
            map.remove(plugin_id);
        }
    }

    async fn component_bytes(&self, row: &PluginRow) -> std::io::Result<Vec<u8>> {
        if row.builtin
            && let Some(bytes) = builtin_bytes(&row.name)
        {
            return Ok(bytes.to_vec());
        }
        tokio::fs::read(component_path(&self.0.components_dir, &row.sha256)).await
    }

    /// Counts the outcome: a good call (including the plugin's own typed error) resets the
    /// failure count; a failure adds one and, at the threshold, disables the plugin (built-ins
    /// are never auto-disabled) with an audit entry and a notification to the organization's
    /// owners and admins.
    async fn account<T>(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
        outcome: std::result::Result<T, PluginFailure>,
    ) -> Result<T> {
        match outcome {
            Ok(value) => {
                if row.consecutive_failures != 0 {
                    crate::store::plugins::reset_failures(&mut db.auto_commit(), &row.id).await?;
                }
                Ok(value)
            }
            Err(failure) => {
                tracing::warn!(
                    plugin = %row.name, version = %row.version, org_id, reason = failure.reason.as_str(),
                    message = %failure.message, "plugin call failed"
                );
                let count =
                    crate::store::plugins::add_failure(&mut db.auto_commit(), &row.id).await?;
                if let Some(n) = count
                    && n >= i64::from(self.0.failure_threshold)
                    && !row.builtin
                {
                    super::auto_disable(db, org_id, row, n, &failure).await?;
                }
                Err(failure.into())
            }
        }
    }
}

async fn org_config(db: &Db, org_id: &str, plugin_id: &str) -> Result<serde_json::Value> {
    Ok(
        match crate::store::plugins::config(&mut { db }, org_id, plugin_id).await? {
            Some(text) => serde_json::from_str(&text).map_err(anyhow::Error::from)?,
            None => serde_json::json!({}),
        },
    )
}
