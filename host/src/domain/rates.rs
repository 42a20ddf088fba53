//! Rates: what a member's hour costs (worker rate) and what it is billed at (client rate).
//!
//! Both are minor units per hour, set per organization member and overridden per project member,
//! each with an effective date: a change applies from `effective_from` on and is a new row, so
//! history is kept and past periods keep resolving to the rates of their time. A time entry's own
//! `hourly_rate` overrides the client rate once more, and the client's `hourly_rate` is the last
//! fallback. See [`resolve`] and `docs/invoicing.md`.
//!
//! Permissions: setting and deleting rates needs `manage_invoices` (rates are billing data, like
//! invoices); reading them needs `view_reports`, except one's own.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::events;
use crate::domain::money;
use crate::domain::permissions::Permission;
use crate::domain::{Cx, projects, validate};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::rates::Rate;

crate::entity!(Rate, "rate", |r| crate::events::Audience::owner_or(
    &r.user_id,
    Permission::ViewReports.as_str()
));

/// `rates.list`: a member's rate history, newest first.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRates {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The member.
    pub user_id: String,
    /// Only the rates of this project (default: the organization-wide ones).
    pub project_id: Option<String>,
}

/// `rates.set`: a new rate row from `effective_from` on.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRate {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The member.
    pub user_id: String,
    /// The project (default: organization-wide).
    pub project_id: Option<String>,
    /// Cost rate, minor units per hour.
    pub worker_rate: Option<i64>,
    /// Billed rate, minor units per hour.
    pub client_rate: Option<i64>,
    /// First day it applies, `YYYY-MM-DD` (default: today in the organization's time zone).
    pub effective_from: Option<String>,
}

/// `rates.delete`: removes one rate row (a mistake; to change a rate, set a new one).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteRate {
    /// Organization the rate must belong to (optional).
    pub org_id: Option<String>,
    /// `rt_…`
    pub id: String,
}

/// The rates that apply to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// Billed rate, minor units per hour.
    pub client_rate: i64,
    /// Cost rate, minor units per hour.
    pub worker_rate: i64,
}

/// The rate in effect at `day` among `rows` (one member, one level): the row with the latest
/// `effective_from` not after `day` (the later-set row on a tie), projected by `pick`; `None` when
/// no row applies or the applying row leaves that rate unset.
fn at_level(
    rows: &[Rate],
    user_id: &str,
    project_id: Option<&str>,
    day: NaiveDate,
    pick: fn(&Rate) -> Option<i64>,
) -> Option<i64> {
    rows.iter()
        .filter(|r| {
            r.user_id == user_id && r.project_id.as_deref() == project_id && r.effective_from <= day
        })
        .max_by(|a, b| {
            (a.effective_from, a.created_at, &a.id).cmp(&(b.effective_from, b.created_at, &b.id))
        })
        .and_then(pick)
}

/// Resolves the rates of an entry of `user_id` on `project_id`, started on the local date `day`.
///
/// Client rate: `entry_rate` ?? project-member rate ?? org-member rate ?? `client_rate` ?? 0.
/// Worker rate: project-member rate ?? org-member rate ?? 0. `rows` are the organization's rate
/// rows (any members, any projects; others are ignored).
pub fn resolve(
    rows: &[Rate],
    user_id: &str,
    project_id: Option<&str>,
    day: NaiveDate,
    entry_rate: Option<i64>,
    client_rate: Option<i64>,
) -> Resolved {
    let level = |pick: fn(&Rate) -> Option<i64>| {
        project_id
            .and_then(|p| at_level(rows, user_id, Some(p), day, pick))
            .or_else(|| at_level(rows, user_id, None, day, pick))
    };
    Resolved {
        client_rate: entry_rate
            .or_else(|| level(|r| r.client_rate))
            .or(client_rate)
            .unwrap_or(0),
        worker_rate: level(|r| r.worker_rate).unwrap_or(0),
    }
}

/// What `duration_secs` at `rate` per hour comes to, rounded half up to the minor unit.
pub fn amount(duration_secs: i64, rate: i64) -> i64 {
    let product = i128::from(duration_secs) * i128::from(rate);
    i64::try_from((product + 1800).div_euclid(3600)).unwrap_or(i64::MAX)
}

/// Today in the organization's time zone.
pub fn local_today(time_zone: &str) -> NaiveDate {
    local_date(time_zone, crate::clock::now())
}

/// The date of `at` in `time_zone` (UTC when the zone is unknown).
pub fn local_date(time_zone: &str, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&crate::domain::organizations::zone(time_zone))
        .date_naive()
}

async fn check_member(cx: &Cx<'_>, ex: &mut impl store::Exec, user_id: &str) -> Result<()> {
    match store::access::membership(ex, cx.org_id()?, user_id).await? {
        Some(_) => Ok(()),
        None => Err(Error::rule(
            "user_id",
            "user_id must name a member of the organization",
        )),
    }
}

/// A member's rate history at one level, newest first.
pub async fn list(cx: &Cx<'_>, input: ListRates) -> Result<Vec<Rate>> {
    if input.user_id != cx.user_id() {
        cx.require(Permission::ViewReports)?;
    }
    let mut db = cx.db();
    if let Some(p) = &input.project_id {
        projects::load(cx, &mut db, p).await?;
    }
    Ok(store::rates::list(
        &mut db,
        cx.org_id()?,
        &input.user_id,
        input.project_id.as_deref(),
    )
    .await?)
}

/// Sets a member's rates from a date on (a new row; nothing is overwritten).
pub async fn set(cx: &Cx<'_>, input: SetRate) -> Result<Rate> {
    let worker_rate = money::rate("worker_rate", input.worker_rate)?;
    let client_rate = money::rate("client_rate", input.client_rate)?;
    if worker_rate.is_none() && client_rate.is_none() {
        return Err(Error::invalid_field(
            "client_rate",
            "give worker_rate, client_rate or both",
        ));
    }
    let org_id = cx.org_id()?.to_owned();
    let mut tx = cx.db().begin().await?;
    if let Some(p) = &input.project_id {
        projects::load(cx, &mut tx, p).await?;
    }
    check_member(cx, &mut tx, &input.user_id).await?;
    let effective_from = match &input.effective_from {
        Some(d) => validate::date("effective_from", d)?,
        None => {
            let (tz, _) = store::rates::org_settings(&mut tx, &org_id)
                .await?
                .ok_or_else(|| Error::not_found("organization"))?;
            local_today(&tz)
        }
    };
    let rate = Rate {
        id: ids::new_id("rt"),
        org_id,
        user_id: input.user_id,
        project_id: input.project_id,
        worker_rate,
        client_rate,
        effective_from,
        created_by: cx.user_id().to_owned(),
        created_at: crate::clock::now(),
    };
    store::rates::insert(&mut tx, &rate).await?;
    events::created(&mut tx, cx, &rate).await?;
    tx.commit().await?;
    Ok(rate)
}

/// Deletes one rate row.
pub async fn delete(cx: &Cx<'_>, input: DeleteRate) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let rate = store::rates::get(&mut tx, &input.id)
        .await?
        .ok_or_else(|| Error::not_found("rate"))?;
    cx.same_org(&rate.org_id, "rate")?;
    store::rates::delete(&mut tx, &rate.id).await?;
    events::deleted(&mut tx, cx, &rate).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        id: &str,
        project: Option<&str>,
        from: &str,
        worker: Option<i64>,
        client: Option<i64>,
    ) -> Rate {
        Rate {
            id: id.into(),
            org_id: "org_1".into(),
            user_id: "usr_1".into(),
            project_id: project.map(Into::into),
            worker_rate: worker,
            client_rate: client,
            effective_from: from.parse().unwrap(),
            created_by: "usr_1".into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn cascade_and_effective_dates() {
        let rows = vec![
            row("rt_a", None, "2026-01-01", Some(4000), Some(10000)),
            row("rt_b", None, "2026-03-15", Some(5000), Some(12000)),
            row("rt_c", Some("prj_1"), "2026-03-20", None, Some(15000)),
        ];
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let r = |p: Option<&str>, day: &str, entry: Option<i64>, client: Option<i64>| {
            resolve(&rows, "usr_1", p, d(day), entry, client)
        };
        assert_eq!(
            r(Some("prj_1"), "2025-12-31", None, Some(9000)),
            Resolved {
                client_rate: 9000,
                worker_rate: 0
            }
        );
        assert_eq!(
            r(Some("prj_1"), "2026-03-14", None, None),
            Resolved {
                client_rate: 10000,
                worker_rate: 4000
            }
        );
        assert_eq!(
            r(Some("prj_1"), "2026-03-15", None, None),
            Resolved {
                client_rate: 12000,
                worker_rate: 5000
            }
        );
        assert_eq!(
            r(Some("prj_1"), "2026-03-20", None, None),
            Resolved {
                client_rate: 15000,
                worker_rate: 5000
            }
        );
        assert_eq!(
            r(Some("prj_2"), "2026-03-20", None, None),
            Resolved {
                client_rate: 12000,
                worker_rate: 5000
            }
        );
        assert_eq!(
            r(Some("prj_1"), "2026-03-20", Some(1), None),
            Resolved {
                client_rate: 1,
                worker_rate: 5000
            }
        );
        assert_eq!(
            resolve(&rows, "usr_2", None, d("2026-05-01"), None, None),
            Resolved {
                client_rate: 0,
                worker_rate: 0
            }
        );
    }

    #[test]
    fn amounts_round_half_up() {
        assert_eq!(amount(3600, 12000), 12000);
        assert_eq!(amount(5400, 10001), 15002); // 15001.5 → 15002
        assert_eq!(amount(1, 1), 0);
        assert_eq!(amount(1800, 1), 1);
    }
}
