//! [`Lender`]: the [`ReportData`] a report plugin reads during one call. It holds the scope
//! decided before the call (organization, caller, whether the caller sees everyone) and runs the
//! `store::reports` queries inside it, so a plugin cannot widen it: every query carries the
//! organization, and without `view_reports` the caller's own user id too.

use chrono::{DateTime, Offset, TimeZone, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;

use crate::plugins::contract::report::{
    CallerInfo, DataError, DataResult, Dimension, EntryFilter, EntryGroup, EntryPage, ReportClient,
    ReportData, ReportEntry, ReportMember, ReportProject, TaskDimension, TaskFilter, TaskGroup,
};
use crate::store::Db;
use crate::store::reports::{self as q, KEY_SEPARATOR, Offsets, Scope};

/// Seconds in a day: the sampling step when looking for zone changes.
const DAY: i64 = 86_400;

/// Groups one aggregate query may return.
pub const MAX_GROUPS: i64 = 100_000;
/// Dimensions one aggregate query may group by.
pub const MAX_DIMENSIONS: usize = 4;

/// The data lent to one report call.
pub struct Lender {
    db: Db,
    caller: CallerInfo,
}

impl Lender {
    /// A lender for `caller` (whose `sees_everyone` the domain decided from `view_reports`).
    pub fn new(db: Db, caller: CallerInfo) -> Lender {
        Lender { db, caller }
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            org_id: &self.caller.organization_id,
            only_user: (!self.caller.sees_everyone).then_some(self.caller.user_id.as_str()),
        }
    }

    fn check(&self, f: &EntryFilter) -> DataResult<()> {
        if f.to < f.from {
            return Err(DataError::invalid("`to` is before `from`"));
        }
        Ok(())
    }

    async fn aggregate(
        &self,
        filter: EntryFilter,
        group_by: Vec<Dimension>,
        money: bool,
    ) -> DataResult<Vec<EntryGroup>> {
        self.check(&filter)?;
        if group_by.len() > MAX_DIMENSIONS {
            return Err(DataError::invalid(format!(
                "at most {MAX_DIMENSIONS} dimensions"
            )));
        }
        let offsets = offsets(&self.caller.time_zone, filter.from, filter.to);
        let with_rates = money && self.with_rates().await?;
        let rows = q::aggregate_entries(
            &mut &self.db,
            &self.scope(),
            &filter,
            &group_by,
            &offsets,
            q::Sums { money, with_rates },
            MAX_GROUPS + 1,
        )
        .await
        .map_err(db_error)?;
        if rows.len() as i64 > MAX_GROUPS {
            return Err(DataError::invalid(format!(
                "more than {MAX_GROUPS} groups: narrow the range or group more coarsely"
            )));
        }
        Ok(rows
            .into_iter()
            .map(|r| EntryGroup {
                key: split_keys(&r.keys, group_by.len()),
                entries: count(r.entries),
                seconds: r.seconds,
                billable_seconds: r.billable_seconds,
                revenue: r.revenue,
                cost: r.cost,
            })
            .collect())
    }

    async fn with_rates(&self) -> DataResult<bool> {
        q::has_member_rates(&mut &self.db, &self.caller.organization_id)
            .await
            .map_err(db_error)
    }
}

fn db_error(e: sqlx::Error) -> DataError {
    tracing::error!(error = %e, "report data query failed");
    DataError::internal("the database failed")
}

/// The UTC offsets of `time_zone` over `[from, to)` (UTC when the zone is unknown): the offset
/// at `from`, then every change, found by sampling each day and bisecting to the second.
pub fn offsets(time_zone: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Offsets {
    let tz = crate::domain::organizations::zone(time_zone);
    // Whole seconds throughout: the filter's bounds are whole seconds, and so are zone changes.
    let at = |secs: i64| {
        let t = DateTime::from_timestamp(secs, 0).unwrap_or_default();
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let (from, to) = (from.timestamp(), to.timestamp());
    let first = at(from);
    let mut transitions = Vec::new();
    let mut current = first;
    let mut lo = from;
    while lo < to {
        let hi = (lo + DAY).min(to);
        if at(hi) != current {
            // The change lies in (lo, hi]: bisect to the first second with the new offset.
            let (mut a, mut b) = (lo, hi);
            while b - a > 1 {
                let mid = a + (b - a) / 2;
                if at(mid) == current {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            current = at(b);
            transitions.push((DateTime::from_timestamp(b, 0).unwrap_or_default(), current));
        }
        lo = hi;
    }
    Offsets { first, transitions }
}

/// A `list-entries` cursor: the last entry's start (seconds, nanoseconds) and id.
fn encode_cursor(at: DateTime<Utc>, id: &str) -> String {
    format!("{}.{:09}.{id}", at.timestamp(), at.timestamp_subsec_nanos())
}

fn decode_cursor(c: &str) -> Option<(DateTime<Utc>, String)> {
    let mut parts = c.splitn(3, '.');
    let secs = parts.next()?.parse().ok()?;
    let nanos = parts.next()?.parse().ok()?;
    let id = parts.next()?.to_owned();
    Some((DateTime::from_timestamp(secs, nanos)?, id))
}

fn split_keys(keys: &str, n: usize) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    keys.split(KEY_SEPARATOR).map(str::to_owned).collect()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl ReportData for Lender {
    fn caller(&self) -> CallerInfo {
        self.caller.clone()
    }

    fn aggregate_entries(
        &self,
        filter: EntryFilter,
        group_by: Vec<Dimension>,
    ) -> BoxFuture<'_, DataResult<Vec<EntryGroup>>> {
        self.aggregate(filter, group_by, true).boxed()
    }

    fn aggregate_time(
        &self,
        filter: EntryFilter,
        group_by: Vec<Dimension>,
    ) -> BoxFuture<'_, DataResult<Vec<EntryGroup>>> {
        self.aggregate(filter, group_by, false).boxed()
    }

    fn list_entries(
        &self,
        filter: EntryFilter,
        cursor: Option<String>,
        limit: u32,
    ) -> BoxFuture<'_, DataResult<EntryPage>> {
        async move {
            self.check(&filter)?;
            let after = match cursor {
                None => None,
                Some(c) => {
                    Some(decode_cursor(&c).ok_or_else(|| DataError::invalid("invalid cursor"))?)
                }
            };
            let offsets = offsets(&self.caller.time_zone, filter.from, filter.to);
            let with_rates = self.with_rates().await?;
            let limit = i64::from(limit.clamp(1, 1_000));
            let mut rows = q::list_entries(
                &mut &self.db,
                &self.scope(),
                &filter,
                &offsets,
                with_rates,
                after,
                limit + 1,
            )
            .await
            .map_err(db_error)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next = more
                .then(|| rows.last().map(|r| encode_cursor(r.started_at, &r.id)))
                .flatten();
            Ok(EntryPage {
                entries: rows
                    .into_iter()
                    .map(|r| ReportEntry {
                        id: r.id,
                        user_id: r.user_id,
                        project_id: r.project_id,
                        task_id: r.task_id,
                        client_id: r.client_id,
                        description: r.description.unwrap_or_default(),
                        start: r.started_at,
                        end: r.stopped_at,
                        seconds: r.duration_secs,
                        billable: r.billable,
                        invoice_id: r.invoice_id,
                        client_rate: r.client_rate,
                        worker_rate: r.worker_rate,
                    })
                    .collect(),
                next,
            })
        }
        .boxed()
    }

    fn members(&self) -> BoxFuture<'_, DataResult<Vec<ReportMember>>> {
        async move {
            let rows = q::members(&mut &self.db, &self.scope())
                .await
                .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|m| ReportMember {
                    user_id: m.user_id,
                    name: m.name,
                    email: m.email,
                    role: m.role,
                })
                .collect())
        }
        .boxed()
    }

    fn projects(&self) -> BoxFuture<'_, DataResult<Vec<ReportProject>>> {
        async move {
            let rows = q::projects(&mut &self.db, &self.caller.organization_id)
                .await
                .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|p| ReportProject {
                    archived: p.status == "archived",
                    id: p.id,
                    name: p.name,
                    client_id: p.client_id,
                })
                .collect())
        }
        .boxed()
    }

    fn clients(&self) -> BoxFuture<'_, DataResult<Vec<ReportClient>>> {
        async move {
            let rows = q::clients(&mut &self.db, &self.caller.organization_id)
                .await
                .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|c| ReportClient {
                    id: c.id,
                    name: c.name,
                    currency: c.currency,
                })
                .collect())
        }
        .boxed()
    }

    fn aggregate_tasks(
        &self,
        filter: TaskFilter,
        group_by: Vec<TaskDimension>,
    ) -> BoxFuture<'_, DataResult<Vec<TaskGroup>>> {
        async move {
            if group_by.len() > MAX_DIMENSIONS {
                return Err(DataError::invalid(format!(
                    "at most {MAX_DIMENSIONS} dimensions"
                )));
            }
            let today = crate::domain::rates::local_today(&self.caller.time_zone);
            let rows = q::aggregate_tasks(
                &mut &self.db,
                &self.scope(),
                &filter,
                &group_by,
                today,
                MAX_GROUPS,
            )
            .await
            .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|r| TaskGroup {
                    key: split_keys(&r.keys, group_by.len()),
                    tasks: count(r.tasks),
                    estimate_minutes: r.estimate_minutes,
                    overdue: count(r.overdue),
                })
                .collect())
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn offsets_find_dst_changes_to_the_second() {
        let o = offsets(
            "Europe/Berlin",
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!(o.first, 3600);
        assert_eq!(
            o.transitions,
            vec![
                (utc("2026-03-29T01:00:00Z"), 7200),
                (utc("2026-10-25T01:00:00Z"), 3600)
            ]
        );
        let utc_zone = offsets(
            "UTC",
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!((utc_zone.first, utc_zone.transitions.len()), (0, 0));
        let unknown = offsets(
            "Mars/Olympus",
            utc("2026-01-01T00:00:00Z"),
            utc("2026-02-01T00:00:00Z"),
        );
        assert_eq!(unknown.first, 0);
    }

    #[test]
    fn cursors_round_trip() {
        let at = utc("2026-03-01T10:00:00.250Z");
        let c = encode_cursor(at, "te_1.x");
        assert_eq!(decode_cursor(&c), Some((at, "te_1.x".to_owned())));
        assert_eq!(decode_cursor("garbage"), None);
    }
}
