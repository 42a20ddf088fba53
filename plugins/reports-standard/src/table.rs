//! Laying out rows: key columns per grouping, names looked up once, hours and money cells.

use std::collections::HashMap;

use stint_plugin::report::{CallerInfo, Column, ColumnType, Date, Money, TimeEntry, Value, data};

fn col(name: &str, title: &str, column_type: ColumnType) -> Column {
    Column {
        name: name.into(),
        title: title.into(),
        column_type,
    }
}

/// The columns that name a group: an id and a name, or a period's first day.
pub fn key_columns(group: &str) -> Vec<Column> {
    match group {
        "user" => vec![
            col("user_id", "User id", ColumnType::Text),
            col("user", "User", ColumnType::Text),
        ],
        "project" => vec![
            col("project_id", "Project id", ColumnType::Text),
            col("project", "Project", ColumnType::Text),
        ],
        "client" => vec![
            col("client_id", "Client id", ColumnType::Text),
            col("client", "Client", ColumnType::Text),
        ],
        "task" => vec![col("task_id", "Task id", ColumnType::Text)],
        "day" | "week" | "month" => vec![col(group, "From", ColumnType::Date)],
        _ => Vec::new(),
    }
}

/// Empty cells under the key columns (the totals row).
pub fn blank_keys(group: &str) -> Vec<Value> {
    vec![Value::Empty; key_columns(group).len()]
}

/// Names of members, projects and clients, by id.
pub struct Names {
    users: HashMap<String, String>,
    projects: HashMap<String, String>,
    clients: HashMap<String, String>,
}

impl Names {
    /// Reads them from the host.
    pub fn load() -> Names {
        Names {
            users: data::members()
                .into_iter()
                .map(|m| (m.user_id, m.name))
                .collect(),
            projects: data::projects()
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
            clients: data::clients()
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
        }
    }

    fn name(map: &HashMap<String, String>, id: &str) -> Value {
        match map.get(id) {
            Some(n) => Value::Text(n.clone()),
            None => Value::Empty,
        }
    }

    /// The key cells of a group whose key is `key` (empty key: no project, no client…).
    pub fn key_cells(&self, group: &str, key: Option<&String>) -> Vec<Value> {
        let key = key.map(String::as_str).unwrap_or("");
        let id = || {
            if key.is_empty() {
                Value::Empty
            } else {
                Value::Text(key.to_owned())
            }
        };
        match group {
            "user" => vec![id(), Self::name(&self.users, key)],
            "project" => vec![id(), Self::name(&self.projects, key)],
            "client" => vec![id(), Self::name(&self.clients, key)],
            "task" => vec![id()],
            "day" | "week" | "month" => vec![parse_date(key).map_or(Value::Empty, Value::Date)],
            _ => Vec::new(),
        }
    }

    fn user(&self, id: &str) -> Value {
        Self::name(&self.users, id)
    }
}

fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '-');
    Some(Date {
        year: it.next()?.parse().ok()?,
        month: it.next()?.parse().ok()?,
        day: it.next()?.parse().ok()?,
    })
}

/// Rounds to two decimals.
pub fn round2(x: f64) -> Value {
    Value::Number((x * 100.0).round() / 100.0)
}

/// Rounds to one decimal.
pub fn round1(x: f64) -> Value {
    Value::Number((x * 10.0).round() / 10.0)
}

/// Seconds as hours, two decimals.
pub fn hours(seconds: i64) -> Value {
    round2(seconds as f64 / 3600.0)
}

/// `seconds` as a percentage of `capacity_hours`, one decimal; empty without capacity.
pub fn percent(seconds: i64, capacity_hours: f64) -> Value {
    if capacity_hours <= 0.0 {
        return Value::Empty;
    }
    round1(seconds as f64 / 36.0 / capacity_hours)
}

/// Money in `currency`.
pub fn money(currency: &str, amount: i64) -> Value {
    Value::Money(Money {
        amount,
        currency: currency.into(),
    })
}

/// `seconds` at `rate` per hour, rounded half up to the minor unit (the host's rule).
pub fn amount(seconds: i64, rate: i64) -> i64 {
    i64::try_from(stint_plugin::money::amount_for(seconds, rate)).unwrap_or(i64::MAX)
}

/// What an entry bills: its seconds at its client rate when billable, else nothing.
pub fn entry_amount(e: &TimeEntry) -> i64 {
    if e.billable {
        amount(e.seconds, e.client_rate)
    } else {
        0
    }
}

/// The columns of the `detailed` report.
pub fn detailed_columns() -> Vec<Column> {
    vec![
        col("start", "Start", ColumnType::Timestamp),
        col("end", "End", ColumnType::Timestamp),
        col("user_id", "User id", ColumnType::Text),
        col("user", "User", ColumnType::Text),
        col("project_id", "Project id", ColumnType::Text),
        col("project", "Project", ColumnType::Text),
        col("client_id", "Client id", ColumnType::Text),
        col("client", "Client", ColumnType::Text),
        col("task_id", "Task id", ColumnType::Text),
        col("description", "Description", ColumnType::Text),
        col("seconds", "Time", ColumnType::Seconds),
        col("hours", "Hours", ColumnType::Number),
        col("billable", "Billable", ColumnType::Boolean),
        col("invoice_id", "Invoice id", ColumnType::Text),
        col("client_rate", "Client rate", ColumnType::Money),
        col("worker_rate", "Worker rate", ColumnType::Money),
        col("amount", "Amount", ColumnType::Money),
        col("cost", "Cost", ColumnType::Money),
    ]
}

fn opt(s: &Option<String>) -> Value {
    s.clone().map_or(Value::Empty, Value::Text)
}

/// One entry's row of the `detailed` report.
pub fn detailed_row(caller: &CallerInfo, names: &Names, e: &TimeEntry) -> Vec<Value> {
    let c = &caller.currency;
    vec![
        Value::Timestamp(e.start),
        Value::Timestamp(e.end),
        Value::Text(e.user_id.clone()),
        names.user(&e.user_id),
        opt(&e.project_id),
        e.project_id
            .as_deref()
            .map_or(Value::Empty, |p| Names::name(&names.projects, p)),
        opt(&e.client_id),
        e.client_id
            .as_deref()
            .map_or(Value::Empty, |p| Names::name(&names.clients, p)),
        opt(&e.task_id),
        Value::Text(e.description.clone()),
        Value::Integer(e.seconds),
        hours(e.seconds),
        Value::Boolean(e.billable),
        opt(&e.invoice_id),
        money(c, e.client_rate),
        money(c, e.worker_rate),
        money(c, entry_amount(e)),
        money(c, amount(e.seconds, e.worker_rate)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_half_up() {
        assert_eq!(amount(1800, 5001), 2501); // 2500.5 → 2501
        assert_eq!(amount(3600, 10000), 10000);
        assert_eq!(amount(0, 10000), 0);
        assert!(matches!(hours(5400), Value::Number(h) if h == 1.5));
        assert!(matches!(percent(36 * 3600, 40.0), Value::Number(p) if p == 90.0));
    }
}
