//! Member rates (`member_rates`) and the organization settings money needs.

use crate::model::rates::Rate;
use crate::q;
use crate::store::db::{Exec, Query, Sql};

const COLUMNS: &str = "id, org_id, user_id, project_id, worker_rate, client_rate, effective_from, created_by, created_at";

/// Inserts a rate row.
pub async fn insert(ex: &mut impl Exec, r: &Rate) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO member_rates (id, org_id, user_id, project_id, worker_rate, client_rate, effective_from, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &r.id, &r.org_id, &r.user_id, r.project_id.as_ref(), r.worker_rate, r.client_rate, r.effective_from,
        &r.created_by, r.created_at
    ))
    .await
    .map(drop)
}

/// A rate row by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Rate>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM member_rates WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// A member's rows at one level (organization-wide when `project_id` is `None`), newest first.
pub async fn list(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
    project_id: Option<&str>,
) -> sqlx::Result<Vec<Rate>> {
    let level = if project_id.is_some() {
        "project_id = $3"
    } else {
        "project_id IS NULL"
    };
    let mut query = Query::new(Sql::Built(format!(
        "SELECT {COLUMNS} FROM member_rates WHERE org_id = $1 AND user_id = $2 AND {level}
         ORDER BY effective_from DESC, created_at DESC, id DESC"
    )))
    .bind(org_id)
    .bind(user_id);
    if let Some(p) = project_id {
        query = query.bind(p);
    }
    ex.fetch_all(query).await
}

/// Every rate row of an organization (the input of [`crate::model::rates::resolve`]).
pub async fn all_of_org(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Vec<Rate>> {
    ex.fetch_all(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM member_rates WHERE org_id = $1"
        )))
        .bind(org_id),
    )
    .await
}

/// Deletes a rate row.
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM member_rates WHERE id = $1", id))
        .await
        .map(drop)
}

/// The organization's time zone and currency.
pub async fn org_settings(
    ex: &mut impl Exec,
    org_id: &str,
) -> sqlx::Result<Option<(String, String)>> {
    ex.fetch_optional(q!(
        "SELECT timezone, currency FROM organizations WHERE id = $1",
        org_id
    ))
    .await
}

/// A finished entry of a project as the budget sees it.
#[derive(Debug, sqlx::FromRow)]
pub struct SpentEntry {
    /// Whose time.
    pub user_id: String,
    /// Start.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Length in seconds.
    pub duration_secs: i64,
    /// Whether it is billed.
    pub billable: bool,
    /// Its own client-rate override.
    pub hourly_rate: Option<i64>,
}

/// The finished entries of a project.
pub async fn project_entries(
    ex: &mut impl Exec,
    project_id: &str,
) -> sqlx::Result<Vec<SpentEntry>> {
    ex.fetch_all(q!(
        "SELECT user_id, started_at, duration_secs, billable, hourly_rate FROM time_entries
         WHERE project_id = $1 AND stopped_at IS NOT NULL AND duration_secs IS NOT NULL",
        project_id
    ))
    .await
}
