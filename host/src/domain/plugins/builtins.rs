//! The built-in plugins that travel inside the binary, registered (or upgraded) at start-up.

use sha2::{Digest, Sha256};

use crate::plugins;
use crate::plugins::manifest::{self, Manifest, ManifestLimits};
use crate::plugins::runtime::PluginKind;
use crate::store::{self, plugins::PluginRow};

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
