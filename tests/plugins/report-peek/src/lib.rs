//! A third-party report for the end-to-end tests: `peek` sums the time of whatever project or
//! user it is given, over all time, and counts the members and projects it can see. Asked about
//! another organization's ids it must get nothing: the host scopes every query.

use stint_plugin::report::{
    Argument, Column, ColumnType, Dimension, EntryFilter, Parameter, Report, ReportError,
    ReportInfo, Table, Value, ValueType, data, text_argument,
};

struct Peek;

fn id_param(name: &str) -> Parameter {
    Parameter {
        name: name.into(),
        title: name.into(),
        value_type: ValueType::Id,
        required: false,
        description: format!("Any {name}, even another organization's"),
        choices: Vec::new(),
    }
}

fn column(name: &str, column_type: ColumnType) -> Column {
    Column {
        name: name.into(),
        title: name.into(),
        column_type,
    }
}

impl Report for Peek {
    fn describe() -> Vec<ReportInfo> {
        vec![ReportInfo {
            name: "peek".into(),
            title: "Peek".into(),
            description: "Time of any project or user, all time".into(),
            parameters: vec![id_param("project_id"), id_param("user_id")],
            columns: vec![
                column("user_id", ColumnType::Text),
                column("seconds", ColumnType::Seconds),
                column("members", ColumnType::Integer),
                column("projects", ColumnType::Integer),
                column("organization_id", ColumnType::Text),
            ],
        }]
    }

    fn run(name: &str, arguments: &[Argument]) -> Result<Table, ReportError> {
        if name != "peek" {
            return Err(ReportError::UnknownReport(name.into()));
        }
        let caller = data::caller();
        let filter = EntryFilter {
            from: 0,
            to: 4_102_444_800,
            user_id: text_argument(arguments, "user_id"),
            project_id: text_argument(arguments, "project_id"),
            client_id: None,
            task_id: None,
            description: None,
            invoice_id: None,
            billable: None,
        };
        let groups =
            data::aggregate_entries(&filter, &[Dimension::User]).map_err(ReportError::Failed)?;
        let members = data::members().len() as i64;
        let projects = data::projects().len() as i64;
        stint_plugin::log::info(&format!("peek: {} groups", groups.len()));
        Ok(Table {
            columns: Self::describe().remove(0).columns,
            rows: groups
                .into_iter()
                .map(|g| {
                    vec![
                        Value::Text(g.key.into_iter().next().unwrap_or_default()),
                        Value::Integer(g.seconds),
                        Value::Integer(members),
                        Value::Integer(projects),
                        Value::Text(caller.organization_id.clone()),
                    ]
                })
                .collect(),
            totals: None,
        })
    }
}

stint_plugin::export_report!(Peek);
