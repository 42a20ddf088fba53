//! The dashboard summary: task totals of the organization, "today" being the organization's
//! local date.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::Cx;
use crate::error::{Error, Result};
use crate::store;

/// `dashboard.summary`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Summary {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// Counts for the dashboard.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DashboardSummary {
    /// All tasks.
    pub total_tasks: i64,
    /// Tasks in a done status.
    pub done: i64,
    /// Tasks not done.
    pub open: i64,
    /// Open tasks whose due date has passed.
    pub overdue: i64,
    /// Open tasks due within seven days.
    pub due_soon: i64,
    /// Open tasks assigned to the caller.
    pub my_open_tasks: i64,
    /// Tasks per status code.
    pub by_status: BTreeMap<String, i64>,
    /// Tasks per priority.
    pub by_priority: BTreeMap<String, i64>,
    /// The organization's local date the figures are computed for.
    pub today: chrono::NaiveDate,
}

/// Computes the summary.
pub async fn summary(cx: &Cx<'_>, _: Summary) -> Result<DashboardSummary> {
    let org_id = cx.org_id()?;
    let org = store::organizations::get(&mut cx.db(), cx.user_id(), org_id)
        .await?
        .ok_or_else(|| Error::not_found("organization"))?;
    let tz = crate::domain::organizations::zone(&org.settings.timezone);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let all = store::tasks::counts(&mut cx.db(), org_id, today, None).await?;
    let mine = store::tasks::counts(&mut cx.db(), org_id, today, Some(cx.user_id())).await?;
    let done = all.done.unwrap_or(0);
    Ok(DashboardSummary {
        total_tasks: all.total,
        done,
        open: all.total - done,
        overdue: all.overdue.unwrap_or(0),
        due_soon: all.due_soon.unwrap_or(0),
        my_open_tasks: mine.total - mine.done.unwrap_or(0),
        by_status: store::tasks::count_by(&mut cx.db(), org_id, "status")
            .await?
            .into_iter()
            .collect(),
        by_priority: store::tasks::count_by(&mut cx.db(), org_id, "priority")
            .await?
            .into_iter()
            .collect(),
        today,
    })
}
