//! The `report` world (`wit/report.wit`, since `stint:plugins@0.2.0`): its `bindgen!`, the host
//! side of the `report-data` import (forwarded to the call's [`ReportData`] lender) and the
//! conversions to and from `contract::report`.
//!
//! The imports are async (they query the database) and trappable: a database failure traps the
//! guest and is remembered in the store ([`State::data_error`]) so the caller reports it as the
//! host's failure rather than counting it against the plugin.

use chrono::{DateTime, NaiveDate, Utc};
use wasmtime::component::{HasSelf, Linker};

use super::super::engine::State;
use crate::plugins::contract::report as plain;

/// Rows one `list-entries` call returns at most.
pub(in crate::plugins::runtime) const MAX_PAGE: u32 = 1_000;

impl State {
    fn lender(&self) -> wasmtime::Result<std::sync::Arc<dyn plain::ReportData>> {
        self.report_data
            .clone()
            .ok_or_else(|| wasmtime::format_err!("report data is only lent during a report call"))
    }

    /// Unwraps a lending result: the plugin's mistakes come back as `Err(message)`, the host's
    /// failures trap (and are remembered so they are not blamed on the plugin).
    fn lent<T>(&mut self, r: plain::DataResult<T>) -> wasmtime::Result<Result<T, String>> {
        match r {
            Ok(v) => Ok(Ok(v)),
            Err(e) if e.internal => {
                self.data_error = Some(e.message.clone());
                Err(wasmtime::format_err!(
                    "report data unavailable: {}",
                    e.message
                ))
            }
            Err(e) => Ok(Err(e.message)),
        }
    }
}

/// The bindings, the `report-data` host and the conversions of one version, from the WIT at
/// `$path` (0.2 and 0.3 share one shape).
macro_rules! report_version {
    ($path:literal) => {
        use super::*;

        pub(in crate::plugins::runtime) mod world {
            wasmtime::component::bindgen!({
                path: $path,
                world: "report",
                imports: { "stint:plugins/report-data": async | trappable },
                exports: { default: async },
                // The shared types are the current version's; `log` is linked by the invoicing
                // world's bindings of the same version.
                with: {
                    "stint:plugins/types": crate::plugins::runtime::bindings::v0_3::invoicing_world::stint::plugins::types,
                },
            });
        }

        pub(in crate::plugins::runtime) use world::{Report, ReportPre};

        pub(super) use world::exports::stint::plugins::reports as wit;
        use world::stint::plugins::report_data as data;

        /// Links this version's `stint:plugins/report-data`.
        pub(in crate::plugins::runtime) fn add_to_linker(
            linker: &mut Linker<State>,
        ) -> wasmtime::Result<()> {
            data::add_to_linker::<State, HasSelf<State>>(linker, |s| s)
        }

        async fn aggregate(
            state: &mut State,
            filter: data::EntryFilter,
            group_by: Vec<data::Dimension>,
            money: bool,
        ) -> wasmtime::Result<Result<Vec<data::EntryGroup>, String>> {
            let lender = state.lender()?;
            let Some(filter) = filter_from_wit(filter) else {
                return Ok(Err("from and to must be valid timestamps".into()));
            };
            let dims = group_by.into_iter().map(dimension_from_wit).collect();
            let out = if money {
                lender.aggregate_entries(filter, dims).await
            } else {
                lender.aggregate_time(filter, dims).await
            };
            Ok(state.lent(out)?.map(|groups| {
                groups
                    .into_iter()
                    .map(|g| data::EntryGroup {
                        key: g.key,
                        entries: g.entries,
                        seconds: g.seconds,
                        billable_seconds: g.billable_seconds,
                        revenue: g.revenue,
                        cost: g.cost,
                    })
                    .collect()
            }))
        }

        impl data::Host for State {
            async fn caller(&mut self) -> wasmtime::Result<data::CallerInfo> {
                let c = self.lender()?.caller();
                Ok(data::CallerInfo {
                    user_id: c.user_id,
                    organization_id: c.organization_id,
                    time_zone: c.time_zone,
                    currency: c.currency,
                    sees_everyone: c.sees_everyone,
                })
            }

            async fn aggregate_entries(
                &mut self,
                filter: data::EntryFilter,
                group_by: Vec<data::Dimension>,
            ) -> wasmtime::Result<Result<Vec<data::EntryGroup>, String>> {
                aggregate(self, filter, group_by, true).await
            }

            async fn aggregate_time(
                &mut self,
                filter: data::EntryFilter,
                group_by: Vec<data::Dimension>,
            ) -> wasmtime::Result<Result<Vec<data::EntryGroup>, String>> {
                aggregate(self, filter, group_by, false).await
            }

            async fn list_entries(
                &mut self,
                filter: data::EntryFilter,
                cursor: Option<String>,
                limit: u32,
            ) -> wasmtime::Result<Result<data::EntryPage, String>> {
                let lender = self.lender()?;
                let Some(filter) = filter_from_wit(filter) else {
                    return Ok(Err("from and to must be valid timestamps".into()));
                };
                let out = lender
                    .list_entries(filter, cursor, limit.clamp(1, MAX_PAGE))
                    .await;
                Ok(self.lent(out)?.map(|page| data::EntryPage {
                    entries: page
                        .entries
                        .into_iter()
                        .map(|e| data::TimeEntry {
                            id: e.id,
                            user_id: e.user_id,
                            project_id: e.project_id,
                            task_id: e.task_id,
                            client_id: e.client_id,
                            description: e.description,
                            start: e.start.timestamp(),
                            end: e.end.timestamp(),
                            seconds: e.seconds,
                            billable: e.billable,
                            invoice_id: e.invoice_id,
                            client_rate: e.client_rate,
                            worker_rate: e.worker_rate,
                        })
                        .collect(),
                    next: page.next,
                }))
            }

            async fn members(&mut self) -> wasmtime::Result<Vec<data::Member>> {
                let out = self.lender()?.members().await;
                let members = self.lent(out)?.unwrap_or_default();
                Ok(members
                    .into_iter()
                    .map(|m| data::Member {
                        user_id: m.user_id,
                        name: m.name,
                        email: m.email,
                        role: m.role,
                    })
                    .collect())
            }

            async fn projects(&mut self) -> wasmtime::Result<Vec<data::Project>> {
                let out = self.lender()?.projects().await;
                let projects = self.lent(out)?.unwrap_or_default();
                Ok(projects
                    .into_iter()
                    .map(|p| data::Project {
                        id: p.id,
                        name: p.name,
                        client_id: p.client_id,
                        archived: p.archived,
                    })
                    .collect())
            }

            async fn clients(&mut self) -> wasmtime::Result<Vec<data::Client>> {
                let out = self.lender()?.clients().await;
                let clients = self.lent(out)?.unwrap_or_default();
                Ok(clients
                    .into_iter()
                    .map(|c| data::Client {
                        id: c.id,
                        name: c.name,
                        currency: c.currency,
                    })
                    .collect())
            }

            async fn aggregate_tasks(
                &mut self,
                filter: data::TaskFilter,
                group_by: Vec<data::TaskDimension>,
            ) -> wasmtime::Result<Result<Vec<data::TaskGroup>, String>> {
                let lender = self.lender()?;
                let filter = plain::TaskFilter {
                    project_id: filter.project_id,
                    assignee_id: filter.assignee_id,
                    open_only: filter.open_only,
                };
                let dims = group_by
                    .into_iter()
                    .map(|d| match d {
                        data::TaskDimension::Assignee => plain::TaskDimension::Assignee,
                        data::TaskDimension::Project => plain::TaskDimension::Project,
                        data::TaskDimension::Status => plain::TaskDimension::Status,
                    })
                    .collect();
                let out = lender.aggregate_tasks(filter, dims).await;
                Ok(self.lent(out)?.map(|groups| {
                    groups
                        .into_iter()
                        .map(|g| data::TaskGroup {
                            key: g.key,
                            tasks: g.tasks,
                            estimate_minutes: g.estimate_minutes,
                            overdue: g.overdue,
                        })
                        .collect()
                }))
            }
        }

        fn filter_from_wit(f: data::EntryFilter) -> Option<plain::EntryFilter> {
            Some(plain::EntryFilter {
                from: DateTime::from_timestamp(f.from, 0)?,
                to: DateTime::from_timestamp(f.to, 0)?,
                user_id: f.user_id,
                project_id: f.project_id,
                client_id: f.client_id,
                task_id: f.task_id,
                description: f.description,
                invoice_id: f.invoice_id,
                billable: f.billable,
            })
        }

        fn dimension_from_wit(d: data::Dimension) -> plain::Dimension {
            match d {
                data::Dimension::User => plain::Dimension::User,
                data::Dimension::Project => plain::Dimension::Project,
                data::Dimension::Client => plain::Dimension::Client,
                data::Dimension::Task => plain::Dimension::Task,
                data::Dimension::Day => plain::Dimension::Day,
                data::Dimension::Week => plain::Dimension::Week,
                data::Dimension::Month => plain::Dimension::Month,
            }
        }

        /// `reports.describe`, converted.
        pub(in crate::plugins::runtime) async fn describe(
            i: &Report,
            store: &mut wasmtime::Store<State>,
        ) -> wasmtime::Result<Vec<plain::ReportInfo>> {
            let infos = i.stint_plugins_reports().call_describe(store).await?;
            Ok(infos.into_iter().map(info_from_wit).collect())
        }

        /// `reports.run`, converted; `Err(message)` in the outer `Ok` is a contract breach (a value the
        /// host cannot represent).
        pub(in crate::plugins::runtime) async fn run(
            i: &Report,
            store: &mut wasmtime::Store<State>,
            name: &str,
            args: &[plain::Argument],
        ) -> wasmtime::Result<Result<Result<plain::Table, plain::ReportError>, String>> {
            let wit_args: Vec<wit::Argument> = args
                .iter()
                .map(|a| wit::Argument {
                    name: a.name.clone(),
                    value: value_to_wit(&a.value),
                })
                .collect();
            let out = i
                .stint_plugins_reports()
                .call_run(store, name, &wit_args)
                .await?;
            Ok(match out {
                Ok(table) => table_from_wit(table).map(Ok),
                Err(e) => Ok(Err(match e {
                    wit::ReportError::UnknownReport(n) => plain::ReportError::UnknownReport(n),
                    wit::ReportError::InvalidArgument((p, m)) => plain::ReportError::InvalidArgument(p, m),
                    wit::ReportError::Failed(m) => plain::ReportError::Failed(m),
                })),
            })
        }

        fn info_from_wit(r: wit::ReportInfo) -> plain::ReportInfo {
            plain::ReportInfo {
                name: r.name,
                title: r.title,
                description: r.description,
                parameters: r
                    .parameters
                    .into_iter()
                    .map(|p| plain::Parameter {
                        name: p.name,
                        title: p.title,
                        value_type: match p.value_type {
                            wit::ValueType::Text => plain::ValueType::Text,
                            wit::ValueType::Integer => plain::ValueType::Integer,
                            wit::ValueType::Number => plain::ValueType::Number,
                            wit::ValueType::Boolean => plain::ValueType::Boolean,
                            wit::ValueType::Date => plain::ValueType::Date,
                            wit::ValueType::Id => plain::ValueType::Id,
                        },
                        required: p.required,
                        description: p.description,
                        choices: p.choices,
                    })
                    .collect(),
                columns: r.columns.into_iter().map(column_from_wit).collect(),
            }
        }

        fn column_from_wit(c: wit::Column) -> plain::Column {
            plain::Column {
                name: c.name,
                title: c.title,
                column_type: match c.column_type {
                    wit::ColumnType::Text => plain::ColumnType::Text,
                    wit::ColumnType::Integer => plain::ColumnType::Integer,
                    wit::ColumnType::Number => plain::ColumnType::Number,
                    wit::ColumnType::Boolean => plain::ColumnType::Boolean,
                    wit::ColumnType::Date => plain::ColumnType::Date,
                    wit::ColumnType::Timestamp => plain::ColumnType::Timestamp,
                    wit::ColumnType::Seconds => plain::ColumnType::Seconds,
                    wit::ColumnType::Money => plain::ColumnType::Money,
                },
            }
        }

        fn table_from_wit(t: wit::Table) -> Result<plain::Table, String> {
            let row = |r: Vec<wit::Value>| -> Result<Vec<plain::ReportValue>, String> {
                r.into_iter().map(value_from_wit).collect()
            };
            Ok(plain::Table {
                columns: t.columns.into_iter().map(column_from_wit).collect(),
                rows: t.rows.into_iter().map(row).collect::<Result<_, _>>()?,
                totals: t.totals.map(row).transpose()?,
            })
        }

        pub(super) fn value_to_wit(v: &plain::ReportValue) -> wit::Value {
            match v {
                plain::ReportValue::Empty => wit::Value::Empty,
                plain::ReportValue::Text(s) => wit::Value::Text(s.clone()),
                plain::ReportValue::Integer(i) => wit::Value::Integer(*i),
                plain::ReportValue::Number(n) => wit::Value::Number(*n),
                plain::ReportValue::Boolean(b) => wit::Value::Boolean(*b),
                plain::ReportValue::Date(d) => wit::Value::Date(crate::plugins::runtime::bindings::date_to_wit(*d)),
                plain::ReportValue::Timestamp(t) => wit::Value::Timestamp(t.timestamp()),
                plain::ReportValue::Money { amount, currency } => {
                    wit::Value::Money(crate::plugins::runtime::bindings::v0_3::types::Money {
                        amount: *amount,
                        currency: currency.clone(),
                    })
                }
            }
        }

        pub(super) fn value_from_wit(v: wit::Value) -> Result<plain::ReportValue, String> {
            Ok(match v {
                wit::Value::Empty => plain::ReportValue::Empty,
                wit::Value::Text(s) => plain::ReportValue::Text(s),
                wit::Value::Integer(i) => plain::ReportValue::Integer(i),
                wit::Value::Number(n) if n.is_finite() => plain::ReportValue::Number(n),
                wit::Value::Number(n) => return Err(format!("a number cell is not finite ({n})")),
                wit::Value::Boolean(b) => plain::ReportValue::Boolean(b),
                wit::Value::Date(d) => plain::ReportValue::Date(
                    NaiveDate::from_ymd_opt(d.year, d.month.into(), d.day.into())
                        .ok_or_else(|| format!("{}-{}-{} is not a date", d.year, d.month, d.day))?,
                ),
                wit::Value::Timestamp(t) => plain::ReportValue::Timestamp(
                    DateTime::<Utc>::from_timestamp(t, 0)
                        .ok_or_else(|| format!("timestamp {t} is out of range"))?,
                ),
                wit::Value::Money(m) => plain::ReportValue::Money {
                    amount: m.amount,
                    currency: m.currency,
                },
            })
        }

    };
}

/// `stint:plugins@0.2.0`.
pub(in crate::plugins::runtime) mod v0_2 {
    report_version!("../wit/archive/0.2.0");
}

/// `stint:plugins@0.3.0`.
pub(in crate::plugins::runtime) mod v0_3 {
    report_version!("../wit");
}

/// Links `stint:plugins/report-data` of every supported version.
pub(in crate::plugins::runtime) fn add_to_linker(
    linker: &mut Linker<State>,
) -> wasmtime::Result<()> {
    v0_2::add_to_linker(linker)?;
    v0_3::add_to_linker(linker)
}

#[cfg(test)]
mod tests {
    use super::v0_3::{value_from_wit, value_to_wit, wit};
    use super::*;
    use chrono::Datelike;

    #[test]
    fn dates_round_trip_and_bad_cells_are_refused() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        let back = value_from_wit(value_to_wit(&plain::ReportValue::Date(d))).unwrap();
        assert_eq!(back, plain::ReportValue::Date(d));
        assert!(value_from_wit(wit::Value::Number(f64::NAN)).is_err());
        let feb30 = crate::plugins::runtime::bindings::v0_3::types::Date {
            year: 2026,
            month: 2,
            day: 30,
        };
        assert!(value_from_wit(wit::Value::Date(feb30)).is_err());
        assert_eq!(d.year(), 2026);
    }
}
