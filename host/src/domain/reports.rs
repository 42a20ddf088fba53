//! Reports: listing the reports of every enabled `report` plugin and running one by name.
//!
//! * **Who serves a name.** The built-in `reports-standard` and every enabled installed report
//!   plugin. A plain name (`timesheet`) means the built-in's report of that name if it has one,
//!   else the one installed plugin offering it; when several installed plugins offer it, the
//!   plain name is refused as ambiguous and the qualified `plugin-name/report-name` must be used
//!   (it always works, built-in included). See `docs/reports.md`.
//! * **Arguments** are checked against the report's `describe` before the plugin runs
//!   ([`args`]): `VALIDATION_ERROR` naming the parameter.
//! * **Permissions.** Any member may run a report; without `view_reports` every query the
//!   plugin makes is restricted to the caller's own time and tasks ([`lender::Lender`]).
//! * **Output** ([`output`]): columns, rows keyed by column name, totals; CSV on request.

pub mod args;
pub mod lender;
pub mod output;

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::Cx;
use crate::domain::permissions::Permission;
use crate::domain::plugins::ReportPlugin;
use crate::error::{Error, Result};
use crate::plugins::contract::report::{CallerInfo, Column, Parameter, ReportError, ReportInfo};
use crate::store;
pub use output::ReportOutput;

/// `reports.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListReports {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// A report as `reports.list` shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportListing {
    /// What to call it by: the plain name when that is unambiguous, else `plugin/report`.
    pub name: String,
    /// Always `plugin/report`.
    pub qualified_name: String,
    /// The plugin offering it.
    pub plugin: String,
    /// Whether that plugin is built in.
    pub builtin: bool,
    /// Human title.
    pub title: String,
    /// What it answers.
    pub description: String,
    /// Its parameters.
    pub parameters: Vec<Parameter>,
    /// Its default columns.
    pub columns: Vec<Column>,
}

/// `reports.run`: any report by name, arguments as further fields.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunReport {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The report: `timesheet`, or `plugin-name/report-name`.
    pub name: String,
    /// `json` (default) or `csv` (adds the CSV text as `csv`; REST answers `text/csv`).
    pub format: Option<String>,
    /// The report's arguments (see `reports.list`).
    #[serde(flatten)]
    pub arguments: Map<String, Value>,
}

macro_rules! named_reports {
    ($(
        $(#[$doc:meta])* $ty:ident => $name:literal, $run:ident {
            $( $(#[$fdoc:meta])* $field:ident ),* $(,)?
        }
    )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $ty {
            /// Organization (default: current).
            pub org_id: Option<String>,
            /// `json` (default) or `csv`.
            pub format: Option<String>,
            $(
                $(#[$fdoc])*
                #[serde(default)]
                #[schemars(with = "Option<String>")]
                pub $field: Option<Value>,
            )*
        }

        impl From<$ty> for RunReport {
            fn from(p: $ty) -> RunReport {
                let mut arguments = Map::new();
                $(
                    if let Some(v) = p.$field {
                        arguments.insert(stringify!($field).to_owned(), v);
                    }
                )*
                RunReport { org_id: p.org_id, name: $name.to_owned(), format: p.format, arguments }
            }
        }

        #[doc = concat!("`reports.", $name, "`.")]
        pub async fn $run(cx: &Cx<'_>, input: $ty) -> Result<ReportOutput> {
            run(cx, input.into()).await
        }
    )*};
}

named_reports! {
    /// `reports.timesheet`: hours per group.
    Timesheet => "timesheet", timesheet {
        /// First day, `YYYY-MM-DD` (organization time zone).
        from,
        /// Last day, inclusive.
        to,
        /// Only this member's time.
        user_id,
        /// Only this project's.
        project_id,
        /// Only this client's projects'.
        client_id,
        /// Only entries whose description contains this (case-insensitive).
        description,
        /// Only entries billed on this invoice.
        invoice_id,
        /// `user` (default), `project`, `client`, `task`, `day`, `week`, `month`.
        group_by,
    }
    /// `reports.revenue`: billed value of billable time per group.
    Revenue => "revenue", revenue {
        /// First day.
        from,
        /// Last day, inclusive.
        to,
        /// Only this client's projects'.
        client_id,
        /// `client` (default), `project`, `user`, `day`, `week`, `month`.
        group_by,
    }
    /// `reports.utilization`: billable and total hours against capacity per member.
    Utilization => "utilization", utilization {
        /// First day.
        from,
        /// Last day, inclusive.
        to,
        /// Only this member.
        user_id,
        /// Only entries billed on this invoice.
        invoice_id,
        /// Capacity per member per week, hours (default 40).
        target_hours,
    }
    /// `reports.profitability`: revenue minus cost per project or client.
    Profitability => "profitability", profitability {
        /// First day.
        from,
        /// Last day, inclusive.
        to,
        /// `project` (default) or `client`.
        group_by,
    }
    /// `reports.summary`: totals of the period.
    Summary => "summary", summary {
        /// First day.
        from,
        /// Last day, inclusive.
        to,
        /// Only this member.
        user_id,
        /// Only this project.
        project_id,
        /// Only this client.
        client_id,
    }
    /// `reports.detailed`: one row per time entry.
    Detailed => "detailed", detailed {
        /// First day.
        from,
        /// Last day, inclusive.
        to,
        /// Only this member.
        user_id,
        /// Only this project.
        project_id,
        /// Only this client.
        client_id,
        /// Only entries whose description contains this.
        description,
        /// Only entries billed on this invoice.
        invoice_id,
    }
    /// `reports.workload`: open tasks and estimated hours per assignee.
    Workload => "workload", workload {
        /// Only this project's tasks.
        project_id,
        /// Only this member.
        user_id,
    }
}

/// The reports the caller's organization can run.
pub async fn list(cx: &Cx<'_>, _input: ListReports) -> Result<Vec<ReportListing>> {
    let plugins = cx
        .services
        .plugins
        .report_plugins(cx.db(), cx.org_id()?)
        .await?;
    let mut out = Vec::new();
    for p in &plugins {
        for r in p.reports.iter() {
            let qualified = format!("{}/{}", p.row.name, r.name);
            let plain_serves_this = matches!(
                pick(&plugins, &r.name),
                Ok((q, _)) if q.row.id == p.row.id
            );
            out.push(ReportListing {
                name: if plain_serves_this {
                    r.name.clone()
                } else {
                    qualified.clone()
                },
                qualified_name: qualified,
                plugin: p.row.name.clone(),
                builtin: p.row.builtin,
                title: r.title.clone(),
                description: r.description.clone(),
                parameters: r.parameters.clone(),
                columns: r.columns.clone(),
            });
        }
    }
    Ok(out)
}

/// The plugin and report a name means (see the module documentation).
fn pick<'a>(plugins: &'a [ReportPlugin], name: &str) -> Result<(&'a ReportPlugin, &'a ReportInfo)> {
    let offering = |report: &str| -> Vec<(&'a ReportPlugin, &'a ReportInfo)> {
        plugins
            .iter()
            .filter_map(|p| p.reports.iter().find(|r| r.name == report).map(|r| (p, r)))
            .collect()
    };
    let not_found = || Error::NotFound(format!("report `{name}` not found (see GET /reports)"));
    if let Some((plugin, report)) = name.split_once('/') {
        return offering(report)
            .into_iter()
            .find(|(p, _)| p.row.name == plugin)
            .ok_or_else(not_found);
    }
    let found = offering(name);
    if let Some(builtin) = found.iter().find(|(p, _)| p.row.builtin) {
        return Ok(*builtin);
    }
    match found.as_slice() {
        [] => Err(not_found()),
        [one] => Ok(*one),
        several => Err(Error::invalid_field(
            "name",
            format!(
                "report `{name}` is offered by several plugins; use one of: {}",
                several
                    .iter()
                    .map(|(p, r)| format!("{}/{}", p.row.name, r.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Runs a report for the caller.
pub async fn run(cx: &Cx<'_>, input: RunReport) -> Result<ReportOutput> {
    let with_csv = match input.format.as_deref() {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Error::invalid_field(
                "format",
                format!("format must be json or csv, not `{other}`"),
            ));
        }
    };
    let org_id = cx.org_id()?;
    let host = &cx.services.plugins;
    let plugins = host.report_plugins(cx.db(), org_id).await?;
    let (plugin, info) = pick(&plugins, &input.name)?;
    let args = args::parse(&info.name, &info.parameters, &input.arguments)?;
    let (time_zone, currency) = store::rates::org_settings(&mut cx.db(), org_id)
        .await?
        .ok_or_else(|| Error::not_found("organization"))?;
    let caller = CallerInfo {
        user_id: cx.user_id().to_owned(),
        organization_id: org_id.to_owned(),
        time_zone,
        currency,
        sees_everyone: cx.can(Permission::ViewReports),
    };
    let lender = Arc::new(lender::Lender::new(cx.db().clone(), caller));
    let span = tracing::info_span!("report", plugin = %plugin.row.name, report = %info.name);
    let outcome = tracing::Instrument::instrument(
        host.run_report(cx.db(), org_id, &plugin.row, lender, &info.name, &args),
        span,
    )
    .await?;
    let table = outcome.map_err(|e| match e {
        ReportError::InvalidArgument(field, message) => Error::invalid_field(&field, message),
        ReportError::UnknownReport(n) => Error::NotFound(format!("report `{n}` not found")),
        ReportError::Failed(message) => Error::Plugin {
            plugin: plugin.row.name.clone(),
            reason: "error".into(),
            message,
        },
    })?;
    Ok(ReportOutput::new(
        input.name,
        plugin.row.name.clone(),
        table,
        with_csv,
    ))
}
