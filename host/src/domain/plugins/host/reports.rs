//! Serving reports: every enabled `report` plugin (the built-in `reports-standard` and any
//! installed one) offers the reports its `describe` lists. Descriptions are kept in memory per
//! plugin id, refreshed when the component or manifest changes, like loaded plugins.

use std::sync::Arc;

use super::PluginHost;
use crate::error::{Error, Result};
use crate::plugins::contract::report::{Argument, ReportData, ReportError, ReportInfo, Table};
use crate::plugins::runtime::{PluginKind, ReportCallError};
use crate::store::db::Db;
use crate::store::plugins::PluginRow;

/// Report plugins considered at most (a listing reads them all).
const MAX_REPORT_PLUGINS: i64 = 500;

/// One enabled report plugin and what it offers.
#[derive(Debug, Clone)]
pub struct ReportPlugin {
    /// Its row (id, name, built-in or not).
    pub row: PluginRow,
    /// Its reports.
    pub reports: Arc<Vec<ReportInfo>>,
}

/// A cached `describe`.
pub(super) struct Described {
    sha256: String,
    manifest: String,
    reports: Arc<Vec<ReportInfo>>,
}

impl PluginHost {
    /// The enabled report plugins, built-in first, then by name (the newest version of each
    /// name), with their reports. A plugin whose `describe` fails is left out (and the failure
    /// counted against it).
    pub async fn report_plugins(&self, db: &Db, org_id: &str) -> Result<Vec<ReportPlugin>> {
        let (rows, _) = crate::store::plugins::list(
            &mut { db },
            Some(PluginKind::Report.as_str()),
            None,
            MAX_REPORT_PLUGINS,
            0,
        )
        .await?;
        let mut newest: Vec<PluginRow> = Vec::new();
        for row in rows.into_iter().filter(|r| r.enabled) {
            match newest.iter_mut().find(|r| r.name == row.name) {
                Some(prev) if prev.created_at <= row.created_at => *prev = row,
                Some(_) => {}
                None => newest.push(row),
            }
        }
        newest.sort_by(|a, b| (!a.builtin, &a.name).cmp(&(!b.builtin, &b.name)));
        let mut out = Vec::new();
        for row in newest {
            match self.describe(db, org_id, &row).await {
                Ok(reports) => out.push(ReportPlugin { row, reports }),
                Err(e) => {
                    tracing::warn!(plugin = %row.name, error = %e, "report plugin left out of the listing");
                }
            }
        }
        Ok(out)
    }

    async fn describe(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
    ) -> Result<Arc<Vec<ReportInfo>>> {
        if let Ok(map) = self.0.described.read()
            && let Some(d) = map.get(&row.id)
            && d.sha256 == row.sha256
            && d.manifest == row.manifest
        {
            return Ok(d.reports.clone());
        }
        let plugin = self.runnable(row).await?;
        let outcome = plugin.describe_reports().await;
        let reports = Arc::new(self.account(db, org_id, row, outcome).await?);
        if let Ok(mut map) = self.0.described.write() {
            map.insert(
                row.id.clone(),
                Described {
                    sha256: row.sha256.clone(),
                    manifest: row.manifest.clone(),
                    reports: reports.clone(),
                },
            );
        }
        Ok(reports)
    }

    /// Runs report `name` of the plugin `row` with checked arguments and `data` lent. The inner
    /// `Err` is the plugin's own refusal (unknown report, invalid argument, failure).
    pub async fn run_report(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
        data: Arc<dyn ReportData>,
        name: &str,
        args: &[Argument],
    ) -> Result<std::result::Result<Table, ReportError>> {
        let plugin = self.runnable(row).await?;
        match plugin.run_report(data, name, args).await {
            Err(ReportCallError::Host(message)) => Err(Error::Internal(anyhow::anyhow!(
                "report data for plugin {}: {message}",
                row.name
            ))),
            Err(ReportCallError::Plugin(f)) => self.account(db, org_id, row, Err(f)).await,
            Ok(v) => self.account(db, org_id, row, Ok(v)).await,
        }
    }

    /// `describe` of a specific report plugin (the operator's dry run, `plugins.test`).
    pub async fn test_describe(
        &self,
        db: &Db,
        org_id: &str,
        row: &PluginRow,
    ) -> Result<std::result::Result<Vec<ReportInfo>, String>> {
        let plugin = self.runnable(row).await?;
        let outcome = plugin.describe_reports().await;
        self.account(db, org_id, row, outcome).await.map(Ok)
    }
}
