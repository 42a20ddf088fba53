//! Project budgets: how much of a project's time and money budget its tracked time has used.
//!
//! Spent minutes count every finished entry of the project; the spent amount counts the billable
//! ones at their client rate, resolved through the rates cascade ([`rates::resolve`]) for the
//! entry's start date in the organization's time zone, each rounded half up to the minor unit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::{Cx, projects, rates};
use crate::error::{Error, Result};
use crate::store;

/// `projects.budget`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetBudget {
    /// Organization the project must belong to (optional).
    pub org_id: Option<String>,
    /// `prj_…`
    pub id: String,
}

/// A project's budget use.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Budget {
    /// The project.
    pub project_id: String,
    /// Currency of the amounts (the client's, else the organization's).
    pub currency: String,
    /// Budgeted minutes, if any.
    pub budget_minutes: Option<i64>,
    /// Budgeted amount in minor units, if any.
    pub budget_amount: Option<i64>,
    /// Minutes tracked (finished entries, rounded down to whole minutes).
    pub spent_minutes: i64,
    /// Billable time at client rates, minor units.
    pub spent_amount: i64,
    /// `budget_minutes − spent_minutes` (negative when over), when budgeted.
    pub remaining_minutes: Option<i64>,
    /// `budget_amount − spent_amount` (negative when over), when budgeted.
    pub remaining_amount: Option<i64>,
    /// Percent of the minute budget used, one decimal, when budgeted (and not zero).
    pub percent_used_minutes: Option<f64>,
    /// Percent of the amount budget used, one decimal, when budgeted (and not zero).
    pub percent_used_amount: Option<f64>,
}

fn percent(spent: i64, budget: Option<i64>) -> Option<f64> {
    budget
        .filter(|b| *b > 0)
        .map(|b| (spent as f64 * 1000.0 / b as f64).round() / 10.0)
}

/// The budget use of a project.
pub async fn get(cx: &Cx<'_>, input: GetBudget) -> Result<Budget> {
    let mut db = cx.db();
    let project = projects::load(cx, &mut db, &input.id).await?;
    let (tz, org_currency) = store::rates::org_settings(&mut db, &project.org_id)
        .await?
        .ok_or_else(|| Error::not_found("organization"))?;
    let client = match &project.client_id {
        Some(c) => store::clients::get(&mut db, c).await?,
        None => None,
    };
    let rows = store::rates::all_of_org(&mut db, &project.org_id).await?;
    let entries = store::rates::project_entries(&mut db, &project.id).await?;
    // Saturating: rates are capped (domain::money), but rows written before the caps may hold
    // anything, and a budget must never show a wrapped sum.
    let mut secs = 0i64;
    let mut spent_amount = 0i64;
    for e in &entries {
        secs = secs.saturating_add(e.duration_secs);
        if e.billable {
            let day = rates::local_date(&tz, e.started_at);
            let r = rates::resolve(
                &rows,
                &e.user_id,
                Some(&project.id),
                day,
                e.hourly_rate,
                client.as_ref().and_then(|c| c.hourly_rate),
            );
            spent_amount =
                spent_amount.saturating_add(rates::amount(e.duration_secs, r.client_rate));
        }
    }
    let spent_minutes = secs / 60;
    Ok(Budget {
        project_id: project.id,
        currency: client.map(|c| c.currency).unwrap_or(org_currency),
        budget_minutes: project.budget_minutes,
        budget_amount: project.budget_amount,
        spent_minutes,
        spent_amount,
        remaining_minutes: project
            .budget_minutes
            .map(|b| b.saturating_sub(spent_minutes)),
        remaining_amount: project
            .budget_amount
            .map(|b| b.saturating_sub(spent_amount)),
        percent_used_minutes: percent(spent_minutes, project.budget_minutes),
        percent_used_amount: percent(spent_amount, project.budget_amount),
    })
}
