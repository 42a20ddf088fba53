//! The install pipeline: check an upload (manifest, component header, what the runtime
//! accepts), write the component by content hash and record the plugin.

use sha2::{Digest, Sha256};

use super::{Plugin, remove_component_file, require_instance_admin};
use crate::domain::{Cx, events};
use crate::error::{Error, Result};
use crate::plugins::manifest::{self, Manifest};
use crate::store::{self, plugins::PluginRow};
use crate::{ids, plugins};

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
    host: &super::PluginHost,
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

/// Records a checked upload: the component under the data dir, the row, and its audit entry —
/// with an organization in scope, its event and the organization's entry; without one (the
/// operator's CLI), an entry of the instance. `Conflict` when `name@version` exists.
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
    match cx {
        Some(cx) => events::created(&mut tx, cx, &plugin).await?,
        None => {
            let details = serde_json::json!({
                "via": "cli", "name": row.name, "version": row.version, "sha256": row.sha256,
            });
            crate::domain::audit::record_instance(&mut tx, "plugin", &row.id, "created", &details)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(plugin)
}

/// Installs a plugin uploaded through the API (instance administrators). Nothing is written
/// unless every check passes.
pub async fn install(cx: &Cx<'_>, manifest_bytes: &[u8], component: Vec<u8>) -> Result<Plugin> {
    require_instance_admin(cx).await?;
    let upload = check_upload(&cx.services.plugins, manifest_bytes, component).await?;
    record_install(
        &cx.services.db,
        cx.services.plugins.components_dir(),
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
