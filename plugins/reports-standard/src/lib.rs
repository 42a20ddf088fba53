//! `reports-standard`: Stint's built-in reports (`docs/reports.md` documents each one's
//! parameters, columns and semantics).
//!
//! Every figure comes from the host's grouped queries (`report-data.aggregate-entries`), so the
//! sums, rates and per-entry rounding are the host's; this crate picks the groups, looks up
//! names and lays out the table. Dates are days in the organization's time zone; `to` is
//! inclusive.

mod period;
mod table;

use std::collections::HashMap;

use stint_plugin::report::{
    Argument, CallerInfo, Column, ColumnType, Dimension, EntryFilter, EntryGroup, Parameter,
    Report, ReportError, ReportInfo, Table, TaskDimension, TaskFilter, Value, ValueType, argument,
    data, text_argument,
};

use table::{hours, money, percent};

/// Entries the `detailed` report lists at most.
pub const MAX_DETAILED_ROWS: usize = 100_000;

/// The plugin.
pub struct StandardReports;

stint_plugin::export_report!(StandardReports);

fn param(
    name: &str,
    title: &str,
    value_type: ValueType,
    required: bool,
    description: &str,
) -> Parameter {
    Parameter {
        name: name.into(),
        title: title.into(),
        value_type,
        required,
        description: description.into(),
        choices: Vec::new(),
    }
}

fn choice(name: &str, description: &str, choices: &[&str]) -> Parameter {
    Parameter {
        choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        ..param(name, "Group by", ValueType::Text, false, description)
    }
}

fn range() -> Vec<Parameter> {
    vec![
        param(
            "from",
            "From",
            ValueType::Date,
            true,
            "First day (organization time zone)",
        ),
        param("to", "To", ValueType::Date, true, "Last day, inclusive"),
    ]
}

fn id(name: &str, description: &str) -> Parameter {
    param(name, name, ValueType::Id, false, description)
}

fn col(name: &str, title: &str, column_type: ColumnType) -> Column {
    Column {
        name: name.into(),
        title: title.into(),
        column_type,
    }
}

const TIMESHEET_GROUPS: &[&str] = &["user", "project", "client", "task", "day", "week", "month"];
const REVENUE_GROUPS: &[&str] = &["client", "project", "user", "day", "week", "month"];
const PROFIT_GROUPS: &[&str] = &["project", "client"];

fn info(
    name: &str,
    title: &str,
    description: &str,
    parameters: Vec<Parameter>,
    group: &str,
    columns: Vec<Column>,
) -> ReportInfo {
    let mut all = table::key_columns(group);
    all.extend(columns);
    ReportInfo {
        name: name.into(),
        title: title.into(),
        description: description.into(),
        parameters,
        columns: all,
    }
}

fn time_columns() -> Vec<Column> {
    vec![
        col("entries", "Entries", ColumnType::Integer),
        col("seconds", "Time", ColumnType::Seconds),
        col("hours", "Hours", ColumnType::Number),
        col("billable_seconds", "Billable time", ColumnType::Seconds),
        col("billable_hours", "Billable hours", ColumnType::Number),
    ]
}

fn money_columns() -> Vec<Column> {
    vec![
        col("revenue", "Revenue", ColumnType::Money),
        col("cost", "Cost", ColumnType::Money),
        col("profit", "Profit", ColumnType::Money),
    ]
}

impl Report for StandardReports {
    fn describe() -> Vec<ReportInfo> {
        let mut timesheet = range();
        timesheet.extend([
            id("user_id", "Only this member's time"),
            id("project_id", "Only this project's time"),
            id("client_id", "Only time on this client's projects"),
            param("description", "Description", ValueType::Text, false, "Only entries whose description contains this (case-insensitive)"),
            id("invoice_id", "Only entries billed on this invoice"),
            choice("group_by", "One row per user (default), project, client, task, day, week (from Monday) or month", TIMESHEET_GROUPS),
        ]);
        let mut revenue = range();
        revenue.extend([
            id("client_id", "Only this client's projects"),
            choice(
                "group_by",
                "One row per client (default), project, user, day, week or month",
                REVENUE_GROUPS,
            ),
        ]);
        let mut utilization = range();
        utilization.extend([
            id("user_id", "Only this member"),
            id("invoice_id", "Only entries billed on this invoice"),
            param(
                "target_hours",
                "Target hours",
                ValueType::Number,
                false,
                "Capacity per member per week of five working days (default 40)",
            ),
        ]);
        let mut profitability = range();
        profitability.push(choice(
            "group_by",
            "One row per project (default) or client",
            PROFIT_GROUPS,
        ));
        let mut summary = range();
        summary.extend([
            id("user_id", "Only this member"),
            id("project_id", "Only this project"),
            id("client_id", "Only this client's projects"),
        ]);
        let mut detailed = range();
        detailed.extend([
            id("user_id", "Only this member"),
            id("project_id", "Only this project"),
            id("client_id", "Only this client's projects"),
            param(
                "description",
                "Description",
                ValueType::Text,
                false,
                "Only entries whose description contains this",
            ),
            id("invoice_id", "Only entries billed on this invoice"),
        ]);
        let workload = vec![
            id("project_id", "Only this project's tasks"),
            id("user_id", "Only this assignee"),
        ];
        vec![
            info(
                "timesheet",
                "Timesheet",
                "Tracked time per member, project, client, task or period",
                timesheet,
                "user",
                time_columns(),
            ),
            info(
                "revenue",
                "Revenue",
                "Billable time at client rates per client, project, member or period",
                revenue,
                "client",
                vec![
                    col("billable_seconds", "Billable time", ColumnType::Seconds),
                    col("billable_hours", "Billable hours", ColumnType::Number),
                    col("revenue", "Revenue", ColumnType::Money),
                ],
            ),
            info(
                "utilization",
                "Utilization",
                "Billable and total hours against capacity per member",
                utilization,
                "user",
                vec![
                    col("hours", "Hours", ColumnType::Number),
                    col("billable_hours", "Billable hours", ColumnType::Number),
                    col("capacity_hours", "Capacity", ColumnType::Number),
                    col("utilization", "Utilization %", ColumnType::Number),
                    col(
                        "billable_utilization",
                        "Billable utilization %",
                        ColumnType::Number,
                    ),
                ],
            ),
            info(
                "profitability",
                "Profitability",
                "Client-rate revenue minus worker-rate cost per project or client",
                profitability,
                "project",
                {
                    let mut c = vec![
                        col("hours", "Hours", ColumnType::Number),
                        col("billable_hours", "Billable hours", ColumnType::Number),
                    ];
                    c.extend(money_columns());
                    c.push(col("margin", "Margin %", ColumnType::Number));
                    c
                },
            ),
            info(
                "summary",
                "Summary",
                "Totals of a period",
                summary,
                "none",
                {
                    let mut c = time_columns();
                    c.extend(money_columns());
                    c
                },
            ),
            info(
                "detailed",
                "Detailed",
                "Every time entry with its rates and amounts",
                detailed,
                "none",
                table::detailed_columns(),
            ),
            info(
                "workload",
                "Workload",
                "Open tasks and estimated hours per assignee",
                workload,
                "user",
                vec![
                    col("open_tasks", "Open tasks", ColumnType::Integer),
                    col("estimated_hours", "Estimated hours", ColumnType::Number),
                    col("overdue_tasks", "Overdue tasks", ColumnType::Integer),
                ],
            ),
        ]
    }

    fn run(name: &str, args: &[Argument]) -> Result<Table, ReportError> {
        let caller = data::caller();
        match name {
            "timesheet" => timesheet(&caller, args),
            "revenue" => revenue(&caller, args),
            "utilization" => utilization(&caller, args),
            "profitability" => profitability(&caller, args),
            "summary" => summary(&caller, args),
            "detailed" => detailed(&caller, args),
            "workload" => workload(&caller, args),
            other => Err(ReportError::UnknownReport(other.into())),
        }
    }
}

fn failed(e: String) -> ReportError {
    ReportError::Failed(e)
}

/// The entry filter of `from`/`to` and the optional id/description arguments present in `args`.
fn filter(caller: &CallerInfo, args: &[Argument]) -> Result<EntryFilter, ReportError> {
    let (from, to) = period::range(
        &caller.time_zone,
        argument(args, "from"),
        argument(args, "to"),
    )?;
    Ok(EntryFilter {
        from,
        to,
        user_id: text_argument(args, "user_id"),
        project_id: text_argument(args, "project_id"),
        client_id: text_argument(args, "client_id"),
        task_id: None,
        description: text_argument(args, "description"),
        invoice_id: text_argument(args, "invoice_id"),
        billable: None,
    })
}

fn dimension(group: &str) -> Option<Dimension> {
    Some(match group {
        "user" => Dimension::User,
        "project" => Dimension::Project,
        "client" => Dimension::Client,
        "task" => Dimension::Task,
        "day" => Dimension::Day,
        "week" => Dimension::Week,
        "month" => Dimension::Month,
        _ => return None,
    })
}

/// Groups by `group` (or nothing for `none`), with money.
fn grouped(filter: &EntryFilter, group: &str) -> Result<Vec<EntryGroup>, ReportError> {
    let dims: Vec<Dimension> = dimension(group).into_iter().collect();
    data::aggregate_entries(filter, &dims).map_err(failed)
}

/// Groups by `group` without money: the cheap query for reports of hours.
fn grouped_time(filter: &EntryFilter, group: &str) -> Result<Vec<EntryGroup>, ReportError> {
    let dims: Vec<Dimension> = dimension(group).into_iter().collect();
    data::aggregate_time(filter, &dims).map_err(failed)
}

fn group_arg(args: &[Argument], default: &'static str) -> String {
    text_argument(args, "group_by").unwrap_or_else(|| default.to_owned())
}

fn time_cells(g: &EntryGroup) -> Vec<Value> {
    vec![
        Value::Integer(g.entries as i64),
        Value::Integer(g.seconds),
        hours(g.seconds),
        Value::Integer(g.billable_seconds),
        hours(g.billable_seconds),
    ]
}

fn money_cells(currency: &str, g: &EntryGroup) -> Vec<Value> {
    vec![
        money(currency, g.revenue),
        money(currency, g.cost),
        money(currency, g.revenue - g.cost),
    ]
}

fn sum(groups: &[EntryGroup]) -> EntryGroup {
    groups.iter().fold(
        EntryGroup {
            key: Vec::new(),
            entries: 0,
            seconds: 0,
            billable_seconds: 0,
            revenue: 0,
            cost: 0,
        },
        |mut t, g| {
            t.entries += g.entries;
            t.seconds += g.seconds;
            t.billable_seconds += g.billable_seconds;
            t.revenue += g.revenue;
            t.cost += g.cost;
            t
        },
    )
}

/// One row per group (its key cells, then `cells` of its sums) under `value_columns`, and a
/// totals row of the sums of all groups.
fn grouped_table(
    group: &str,
    groups: &[EntryGroup],
    value_columns: impl IntoIterator<Item = Column>,
    cells: impl Fn(&EntryGroup) -> Vec<Value>,
) -> Table {
    let names = table::Names::load();
    let mut columns = table::key_columns(group);
    columns.extend(value_columns);
    let rows = groups
        .iter()
        .map(|g| {
            let mut row = names.key_cells(group, g.key.first());
            row.extend(cells(g));
            row
        })
        .collect();
    let mut totals = table::blank_keys(group);
    totals.extend(cells(&sum(groups)));
    Table {
        columns,
        rows,
        totals: Some(totals),
    }
}

fn timesheet(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let f = filter(caller, args)?;
    let group = group_arg(args, "user");
    let groups = grouped_time(&f, &group)?;
    Ok(grouped_table(&group, &groups, time_columns(), time_cells))
}

fn revenue(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let mut f = filter(caller, args)?;
    f.billable = Some(true);
    let group = group_arg(args, "client");
    let groups = grouped(&f, &group)?;
    let columns = [
        col("billable_seconds", "Billable time", ColumnType::Seconds),
        col("billable_hours", "Billable hours", ColumnType::Number),
        col("revenue", "Revenue", ColumnType::Money),
    ];
    Ok(grouped_table(&group, &groups, columns, |g| {
        vec![
            Value::Integer(g.billable_seconds),
            hours(g.billable_seconds),
            money(&caller.currency, g.revenue),
        ]
    }))
}

fn utilization(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let f = filter(caller, args)?;
    let target = match argument(args, "target_hours") {
        Some(Value::Number(n)) if *n < 0.0 || *n > 168.0 => {
            return Err(ReportError::InvalidArgument((
                "target_hours".into(),
                "target_hours must be between 0 and 168".into(),
            )));
        }
        Some(Value::Number(n)) => *n,
        _ => 40.0,
    };
    let weekdays = period::weekdays(
        &caller.time_zone,
        argument(args, "from"),
        argument(args, "to"),
    )?;
    let capacity_hours = target / 5.0 * weekdays as f64;
    let groups = grouped_time(&f, "user")?;
    let by_user: HashMap<&str, &EntryGroup> = groups
        .iter()
        .filter_map(|g| g.key.first().map(|k| (k.as_str(), g)))
        .collect();
    // Every member the caller may see gets a row (zero hours included), unless narrowed.
    let mut members = data::members();
    if let Some(u) = &f.user_id {
        members.retain(|m| &m.user_id == u);
    }
    if f.invoice_id.is_some() {
        members.retain(|m| by_user.contains_key(m.user_id.as_str()));
    }
    let zero = sum(&[]);
    let cells = |g: &EntryGroup, capacity: f64| {
        vec![
            hours(g.seconds),
            hours(g.billable_seconds),
            table::round2(capacity),
            percent(g.seconds, capacity),
            percent(g.billable_seconds, capacity),
        ]
    };
    let mut columns = table::key_columns("user");
    columns.extend([
        col("hours", "Hours", ColumnType::Number),
        col("billable_hours", "Billable hours", ColumnType::Number),
        col("capacity_hours", "Capacity", ColumnType::Number),
        col("utilization", "Utilization %", ColumnType::Number),
        col(
            "billable_utilization",
            "Billable utilization %",
            ColumnType::Number,
        ),
    ]);
    let mut shown = Vec::new();
    let rows = members
        .iter()
        .map(|m| {
            let g = by_user.get(m.user_id.as_str()).copied().unwrap_or(&zero);
            shown.push(g.clone());
            let mut row = vec![Value::Text(m.user_id.clone()), Value::Text(m.name.clone())];
            row.extend(cells(g, capacity_hours));
            row
        })
        .collect();
    let mut totals = table::blank_keys("user");
    totals.extend(cells(&sum(&shown), capacity_hours * members.len() as f64));
    Ok(Table {
        columns,
        rows,
        totals: Some(totals),
    })
}

fn profit_cells(currency: &str, g: &EntryGroup) -> Vec<Value> {
    let mut row = vec![hours(g.seconds), hours(g.billable_seconds)];
    row.extend(money_cells(currency, g));
    row.push(if g.revenue == 0 {
        Value::Empty
    } else {
        table::round1((g.revenue - g.cost) as f64 * 100.0 / g.revenue as f64)
    });
    row
}

fn profitability(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let f = filter(caller, args)?;
    let group = group_arg(args, "project");
    let groups = grouped(&f, &group)?;
    let mut columns = vec![
        col("hours", "Hours", ColumnType::Number),
        col("billable_hours", "Billable hours", ColumnType::Number),
    ];
    columns.extend(money_columns());
    columns.push(col("margin", "Margin %", ColumnType::Number));
    Ok(grouped_table(&group, &groups, columns, |g| {
        profit_cells(&caller.currency, g)
    }))
}

fn summary(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let f = filter(caller, args)?;
    let total = sum(&grouped(&f, "none")?);
    let mut columns = time_columns();
    columns.extend(money_columns());
    let mut row = time_cells(&total);
    row.extend(money_cells(&caller.currency, &total));
    Ok(Table {
        columns,
        rows: vec![row],
        totals: None,
    })
}

fn detailed(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let f = filter(caller, args)?;
    let names = table::Names::load();
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    let (mut seconds, mut amount, mut cost) = (0i64, 0i64, 0i64);
    loop {
        let page = data::list_entries(&f, cursor.as_deref(), 1000).map_err(failed)?;
        for e in &page.entries {
            let row = table::detailed_row(caller, &names, e);
            seconds += e.seconds;
            amount += table::entry_amount(e);
            cost += table::amount(e.seconds, e.worker_rate);
            rows.push(row);
        }
        if rows.len() > MAX_DETAILED_ROWS {
            return Err(failed(format!(
                "more than {MAX_DETAILED_ROWS} entries: narrow the range or use the timesheet"
            )));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let columns = table::detailed_columns();
    let mut totals = vec![Value::Empty; columns.len()];
    for (i, c) in columns.iter().enumerate() {
        totals[i] = match c.name.as_str() {
            "seconds" => Value::Integer(seconds),
            "hours" => hours(seconds),
            "amount" => money(&caller.currency, amount),
            "cost" => money(&caller.currency, cost),
            _ => Value::Empty,
        };
    }
    Ok(Table {
        columns,
        rows,
        totals: Some(totals),
    })
}

fn workload(caller: &CallerInfo, args: &[Argument]) -> Result<Table, ReportError> {
    let filter = TaskFilter {
        project_id: text_argument(args, "project_id"),
        assignee_id: text_argument(args, "user_id"),
        open_only: true,
    };
    let groups = data::aggregate_tasks(&filter, &[TaskDimension::Assignee]).map_err(failed)?;
    let names = table::Names::load();
    let _ = caller;
    let mut columns = table::key_columns("user");
    columns.extend([
        col("open_tasks", "Open tasks", ColumnType::Integer),
        col("estimated_hours", "Estimated hours", ColumnType::Number),
        col("overdue_tasks", "Overdue tasks", ColumnType::Integer),
    ]);
    let (mut tasks, mut minutes, mut overdue) = (0i64, 0i64, 0i64);
    let rows = groups
        .iter()
        .map(|g| {
            tasks += g.tasks as i64;
            minutes += g.estimate_minutes;
            overdue += g.overdue as i64;
            let mut row = names.key_cells("user", g.key.first());
            row.extend([
                Value::Integer(g.tasks as i64),
                hours(g.estimate_minutes * 60),
                Value::Integer(g.overdue as i64),
            ]);
            row
        })
        .collect();
    let mut totals = table::blank_keys("user");
    totals.extend([
        Value::Integer(tasks),
        hours(minutes * 60),
        Value::Integer(overdue),
    ]);
    Ok(Table {
        columns,
        rows,
        totals: Some(totals),
    })
}
