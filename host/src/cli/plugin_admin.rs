//! `stint plugin install | list | remove`: plugin management straight on the database of the
//! configured data directory / `STINT_DATABASE_URL`, for operators without a running server.
//! The same checks as the REST upload apply; the server picks the change up on its next call.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::config::{Config, ConfigArgs};
use crate::domain::plugins;
use crate::domain::plugins::{HostConfig, PluginHost};
use crate::store::Db;

/// Arguments of `stint plugin install`.
#[derive(Debug, Args)]
pub(super) struct InstallArgs {
    /// A plugin folder (with plugin.yaml and the component it names) or a plugin.yaml.
    path: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
}

/// Arguments of `stint plugin list`.
#[derive(Debug, Args)]
pub(super) struct ListArgs {
    #[command(flatten)]
    config: ConfigArgs,
}

/// Arguments of `stint plugin remove`.
#[derive(Debug, Args)]
pub(super) struct RemoveArgs {
    /// `name` (when one version is installed) or `name@version`.
    plugin: String,
    #[command(flatten)]
    config: ConfigArgs,
}

async fn open(args: &ConfigArgs) -> anyhow::Result<(Config, Db, PluginHost)> {
    let config = Config::load(args)?;
    let db = super::open_db(&config).await?;
    let host = PluginHost::start(
        HostConfig {
            data_dir: config.data_dir.clone(),
            failure_threshold: config.plugin_failure_threshold,
            max_concurrent_calls: 1,
        },
        &db,
    )
    .await?;
    Ok((config, db, host))
}

fn user_error(e: crate::error::Error) -> anyhow::Error {
    match e {
        crate::error::Error::Internal(inner) => inner,
        other => anyhow::anyhow!("{other}"),
    }
}

/// Installs a plugin from a folder or manifest path.
pub(super) async fn install(args: InstallArgs) -> anyhow::Result<()> {
    let manifest_path = if args.path.is_dir() {
        args.path.join("plugin.yaml")
    } else {
        args.path.clone()
    };
    let manifest_bytes = std::fs::read(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest = crate::plugins::manifest::parse(&manifest_bytes)?;
    let dir = manifest_path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let component_path = dir.join(&manifest.component);
    let component = std::fs::read(&component_path).with_context(|| {
        format!(
            "cannot read the component {} named by plugin.yaml",
            component_path.display()
        )
    })?;
    let (_, db, host) = open(&args.config).await?;
    let upload = plugins::check_upload(&host, &manifest_bytes, component)
        .await
        .map_err(user_error)?;
    let plugin = plugins::record_install(&db, host.components_dir(), upload, None, None)
        .await
        .map_err(user_error)?;
    db.close().await;
    super::print_json(&plugin)?;
    Ok(())
}

/// Lists installed plugins.
pub(super) async fn list(args: ListArgs) -> anyhow::Result<()> {
    let (_, db, _) = open(&args.config).await?;
    let (rows, _) = crate::store::plugins::list(&mut { &db }, None, None, 10_000, 0).await?;
    let out: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id, "name": r.name, "version": r.version, "kind": r.kind,
                "builtin": r.builtin, "enabled": r.enabled, "disabled_reason": r.disabled_reason,
                "sha256": r.sha256, "size_bytes": r.size_bytes, "created_at": r.created_at,
            })
        })
        .collect();
    db.close().await;
    super::print_json(&out)?;
    Ok(())
}

/// Removes a plugin by `name` or `name@version`.
pub(super) async fn remove(args: RemoveArgs) -> anyhow::Result<()> {
    let (_, db, host) = open(&args.config).await?;
    let (name, version) = match args.plugin.split_once('@') {
        Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
        None => (args.plugin.clone(), None),
    };
    let row = match version {
        Some(v) => crate::store::plugins::by_name(&mut { &db }, &name, &v)
            .await?
            .with_context(|| format!("{name}@{v} is not installed"))?,
        None => {
            let mut all = crate::store::plugins::versions(&mut { &db }, &name).await?;
            match all.len() {
                0 => anyhow::bail!("{name} is not installed"),
                1 => all.remove(0),
                _ => anyhow::bail!(
                    "{name} is installed in several versions ({}); say which: {name}@VERSION",
                    all.iter()
                        .map(|r| r.version.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    };
    let mut tx = db.begin().await?;
    let sha = plugins::remove_row(&mut tx, &row)
        .await
        .map_err(user_error)?;
    let details = serde_json::json!({ "via": "cli", "name": row.name, "version": row.version });
    crate::domain::audit::record_instance(&mut tx, "plugin", &row.id, "deleted", &details)
        .await
        .map_err(user_error)?;
    tx.commit().await?;
    plugins::remove_component_file(host.components_dir(), &db, sha).await;
    db.close().await;
    super::print_line(&format!(
        "removed {}@{} ({})",
        row.name, row.version, row.id
    ))?;
    Ok(())
}
