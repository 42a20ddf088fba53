//! Calling a `report` plugin: `describe` and `run` with data lent for the call, and the checks
//! on what comes back (names are slugs, parameters unique, every row as wide as the columns).

use std::collections::HashSet;
use std::sync::Arc;

use wasmtime::Store;

use super::bindings::Instance;
use super::call::{CallReport, Plugin, plugin_error};
use super::engine::State;
use super::failure::PluginFailure;
use crate::plugins::contract::report::{Argument, ReportData, ReportError, ReportInfo, Table};

/// Rows a report may return; larger results fail the contract (aggregate in the query instead).
pub const MAX_ROWS: usize = 100_000;
/// Columns a report may return.
pub const MAX_COLUMNS: usize = 200;

/// How a report call failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportCallError {
    /// The plugin failed (trap, timeout, memory, contract); counts towards auto-disable.
    #[error(transparent)]
    Plugin(#[from] PluginFailure),
    /// Lending data failed on the host's side (the database); not the plugin's fault.
    #[error("report data unavailable: {0}")]
    Host(String),
}

impl Plugin {
    pub(super) async fn describe_reports(
        &self,
        capture_logs: bool,
    ) -> (Result<Vec<ReportInfo>, PluginFailure>, CallReport) {
        let (out, report, _) = self
            .run_lending(
                capture_logs,
                None,
                async |i: &Instance, s: &mut Store<State>| i.describe_reports(s).await,
            )
            .await;
        let out = out.and_then(|infos| {
            check_infos(&infos)
                .map(|()| infos)
                .map_err(|m| self.contract(m))
        });
        (out, report)
    }

    pub(super) async fn run_report(
        &self,
        capture_logs: bool,
        data: Arc<dyn ReportData>,
        name: &str,
        args: &[Argument],
    ) -> (
        Result<Result<Table, ReportError>, ReportCallError>,
        CallReport,
    ) {
        let (out, report, data_error) = self
            .run_lending(
                capture_logs,
                Some(data),
                async |i: &Instance, s: &mut Store<State>| i.run_report(s, name, args).await,
            )
            .await;
        if let Some(message) = data_error {
            return (Err(ReportCallError::Host(message)), report);
        }
        let out = match out {
            Ok(Ok(Ok(table))) => match check_table(&table) {
                Ok(()) => Ok(Ok(table)),
                Err(m) => Err(self.contract(m).into()),
            },
            Ok(Ok(Err(e))) => Ok(Err(match e {
                ReportError::UnknownReport(n) => ReportError::UnknownReport(plugin_error(n)),
                ReportError::InvalidArgument(p, m) => {
                    ReportError::InvalidArgument(plugin_error(p), plugin_error(m))
                }
                ReportError::Failed(m) => ReportError::Failed(plugin_error(m)),
            })),
            Ok(Err(contract)) => Err(self.contract(contract).into()),
            Err(f) => Err(f.into()),
        };
        (out, report)
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `describe`'s contract: report names are unique slugs; parameter and column names are unique
/// and non-empty within a report.
pub(super) fn check_infos(infos: &[ReportInfo]) -> Result<(), String> {
    let mut names = HashSet::new();
    for r in infos {
        if !is_slug(&r.name) || r.name.contains('_') {
            return Err(format!(
                "report name `{}` is not a slug (a-z, 0-9 and '-')",
                r.name
            ));
        }
        if !names.insert(&r.name) {
            return Err(format!("report `{}` is described twice", r.name));
        }
        let mut params = HashSet::new();
        for p in &r.parameters {
            if !is_slug(&p.name) || !params.insert(&p.name) {
                return Err(format!(
                    "report `{}`: parameter `{}` is empty, not a-z/0-9/_/-, or repeated",
                    r.name, p.name
                ));
            }
        }
        check_columns(&r.columns).map_err(|m| format!("report `{}`: {m}", r.name))?;
    }
    Ok(())
}

fn check_columns(columns: &[crate::plugins::contract::report::Column]) -> Result<(), String> {
    if columns.len() > MAX_COLUMNS {
        return Err(format!("more than {MAX_COLUMNS} columns"));
    }
    let mut seen = HashSet::new();
    for c in columns {
        if c.name.is_empty() || !seen.insert(&c.name) {
            return Err(format!("column name `{}` is empty or repeated", c.name));
        }
    }
    Ok(())
}

/// `run`'s contract: unique column names, every row (and the totals) one value per column, at
/// most [`MAX_ROWS`] rows.
pub(super) fn check_table(t: &Table) -> Result<(), String> {
    check_columns(&t.columns)?;
    if t.rows.len() > MAX_ROWS {
        return Err(format!(
            "{} rows is more than the {MAX_ROWS} a report may return",
            t.rows.len()
        ));
    }
    let width = t.columns.len();
    for (i, row) in t.rows.iter().enumerate() {
        if row.len() != width {
            return Err(format!(
                "row {i} has {} values for {width} columns",
                row.len()
            ));
        }
    }
    if let Some(totals) = &t.totals
        && totals.len() != width
    {
        return Err(format!(
            "the totals row has {} values for {width} columns",
            totals.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::contract::report::{Column, ColumnType, ReportValue};

    fn col(name: &str) -> Column {
        Column {
            name: name.into(),
            title: name.into(),
            column_type: ColumnType::Text,
        }
    }

    #[test]
    fn tables_must_be_rectangular() {
        let mut t = Table {
            columns: vec![col("a"), col("b")],
            rows: vec![vec![ReportValue::Empty, ReportValue::Integer(1)]],
            totals: None,
        };
        assert!(check_table(&t).is_ok());
        t.rows.push(vec![ReportValue::Empty]);
        assert!(check_table(&t).unwrap_err().contains("row 1"));
        t.rows.pop();
        t.totals = Some(vec![]);
        assert!(check_table(&t).unwrap_err().contains("totals"));
        t.totals = None;
        t.columns.push(col("a"));
        assert!(check_table(&t).unwrap_err().contains("repeated"));
    }
}
