//! `GET /reports/{name}` and `GET /reports/{plugin}/{name}`: `reports.run` with the name from the
//! path and the arguments from the query string; `?format=csv` answers `text/csv` (the table, its
//! header and the totals row), otherwise the usual `{"data": …}` envelope.

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::{Body, CallerExt};
use super::invoke::{payload, render};
use crate::actions::{Action, Reply, dispatch_typed};
use crate::app::App;
use crate::domain::reports::ReportOutput;
#[cfg(doc)]
use crate::domain::reports::RunReport;
use crate::error::Error;

/// `GET /reports/{name}`, `GET /reports/{plugin}/{name}` (action [`RunReport`]) and the named
/// reports' own routes (`GET /reports/timesheet` → `reports.timesheet`).
pub async fn run<A>(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    path: Option<Path<Vec<(String, String)>>>,
    RawQuery(query): RawQuery,
    Body(body): Body,
) -> Result<Response, Error>
where
    A: Action<Output = ReportOutput>,
{
    let path = path.map(|Path(p)| p).unwrap_or_default();
    // One `name`: the report's, qualified by the plugin's when the path has both.
    let name = path
        .iter()
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("/");
    let named = if path.is_empty() {
        Vec::new()
    } else {
        vec![("name".to_owned(), name)]
    };
    let payload = payload(body, query.as_deref(), named);
    let out = dispatch_typed::<A>(&app, &caller, payload).await?;
    if let Some(csv) = &out.csv {
        let filename: String = out
            .report
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        return Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}.csv\""),
                ),
            ],
            csv.clone(),
        )
            .into_response());
    }
    let data = serde_json::to_value(out).map_err(anyhow::Error::from)?;
    Ok(render(
        StatusCode::OK,
        Reply {
            data,
            pagination: None,
        },
    ))
}
