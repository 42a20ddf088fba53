//! What a report returns to API callers: the columns, rows as JSON objects keyed by column name
//! (money as `{"amount", "currency"}` in minor units, dates `YYYY-MM-DD`, instants RFC 3339) and
//! the totals; and the same table as CSV.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::plugins::contract::report::{Column, ColumnType, ReportValue, Table};

/// A report's result as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportOutput {
    /// The report's name as called (`timesheet`, or `plugin/report`).
    pub report: String,
    /// The plugin that computed it.
    pub plugin: String,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// One object per row, keyed by column name.
    pub rows: Vec<Map<String, Value>>,
    /// The totals row, when the report has one.
    pub totals: Option<Map<String, Value>>,
    /// The table as CSV (only when `format` is `csv`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
}

impl ReportOutput {
    /// Builds the output of `table`.
    pub fn new(report: String, plugin: String, table: Table, with_csv: bool) -> ReportOutput {
        let csv = with_csv.then(|| to_csv(&table));
        let object = |row: Vec<ReportValue>| -> Map<String, Value> {
            table
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| (c.name.clone(), json_value(v)))
                .collect()
        };
        let rows = table.rows.clone().into_iter().map(object).collect();
        let totals = table.totals.clone().map(object);
        ReportOutput {
            report,
            plugin,
            columns: table.columns,
            rows,
            totals,
            csv,
        }
    }
}

/// A cell as JSON.
pub fn json_value(v: ReportValue) -> Value {
    match v {
        ReportValue::Empty => Value::Null,
        ReportValue::Text(s) => Value::String(s),
        ReportValue::Integer(i) => json!(i),
        ReportValue::Number(n) => json!(n),
        ReportValue::Boolean(b) => Value::Bool(b),
        ReportValue::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        ReportValue::Timestamp(t) => {
            Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }
        ReportValue::Money { amount, currency } => {
            json!({ "amount": amount, "currency": currency })
        }
    }
}

/// A cell as CSV text: money in minor units (like the JSON amount), dates `YYYY-MM-DD`, instants
/// RFC 3339, empty cells empty.
fn csv_text(v: &ReportValue, column: Option<&Column>) -> String {
    match v {
        ReportValue::Empty => String::new(),
        ReportValue::Text(s) => {
            // Spreadsheets run cells starting with these as formulas; user text must not.
            let text_column = column.is_none_or(|c| c.column_type == ColumnType::Text);
            if text_column && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s.clone()
            }
        }
        ReportValue::Integer(i) => i.to_string(),
        ReportValue::Number(n) => n.to_string(),
        ReportValue::Boolean(b) => b.to_string(),
        ReportValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        ReportValue::Timestamp(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ReportValue::Money { amount, .. } => amount.to_string(),
    }
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// RFC 4180 CSV: a header of column names, the rows, then the totals row (if any); CRLF line
/// ends.
pub fn to_csv(t: &Table) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<String>| {
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(&mut out, t.columns.iter().map(|c| c.name.clone()).collect());
    for row in t.rows.iter().chain(t.totals.iter()) {
        line(
            &mut out,
            row.iter()
                .enumerate()
                .map(|(i, v)| csv_text(v, t.columns.get(i)))
                .collect(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, column_type: ColumnType) -> Column {
        Column {
            name: name.into(),
            title: name.into(),
            column_type,
        }
    }

    #[test]
    fn csv_quotes_and_defuses() {
        let t = Table {
            columns: vec![
                col("who", ColumnType::Text),
                col("amount", ColumnType::Money),
            ],
            rows: vec![
                vec![
                    ReportValue::Text("Doe, \"J\"".into()),
                    ReportValue::Money {
                        amount: 12345,
                        currency: "EUR".into(),
                    },
                ],
                vec![ReportValue::Text("=1+1".into()), ReportValue::Empty],
            ],
            totals: Some(vec![
                ReportValue::Empty,
                ReportValue::Money {
                    amount: -5,
                    currency: "EUR".into(),
                },
            ]),
        };
        assert_eq!(
            to_csv(&t),
            "who,amount\r\n\"Doe, \"\"J\"\"\",12345\r\n'=1+1,\r\n,-5\r\n"
        );
        let out = ReportOutput::new("r".into(), "p".into(), t, false);
        assert_eq!(
            out.rows[0]["amount"],
            json!({"amount": 12345, "currency": "EUR"})
        );
        assert_eq!(out.totals.unwrap()["who"], Value::Null);
    }
}
