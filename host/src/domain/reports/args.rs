//! Checking a report's arguments against its `describe`: unknown names, missing required
//! parameters, types and choices are refused with `VALIDATION_ERROR` naming the parameter, before
//! the plugin runs.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::plugins::contract::report::{Argument, Parameter, ReportValue, ValueType};

/// Longest text argument accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Parses `raw` (JSON values, or the strings of a query string) for `params`. Absent, `null` and
/// empty-string values count as not given.
pub fn parse(
    report: &str,
    params: &[Parameter],
    raw: &Map<String, Value>,
) -> Result<Vec<Argument>> {
    for name in raw.keys() {
        if !params.iter().any(|p| &p.name == name) {
            let known: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            return Err(Error::invalid_field(
                name,
                format!(
                    "report `{report}` has no parameter `{name}` (parameters: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for p in params {
        let given = raw
            .get(&p.name)
            .filter(|v| !v.is_null() && v.as_str() != Some(""));
        match given {
            None if p.required => {
                return Err(Error::invalid_field(
                    &p.name,
                    format!("`{}` is required", p.name),
                ));
            }
            None => {}
            Some(v) => out.push(Argument {
                name: p.name.clone(),
                value: value(p, v)?,
            }),
        }
    }
    Ok(out)
}

fn value(p: &Parameter, v: &Value) -> Result<ReportValue> {
    let bad = |what: &str| Error::invalid_field(&p.name, format!("`{}` must be {what}", p.name));
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    Ok(match p.value_type {
        ValueType::Text | ValueType::Id => {
            let s = text(v).ok_or_else(|| bad("text"))?;
            if s.chars().count() > MAX_TEXT_CHARS {
                return Err(bad(&format!("at most {MAX_TEXT_CHARS} characters")));
            }
            if !p.choices.is_empty() && !p.choices.contains(&s) {
                return Err(bad(&format!("one of: {}", p.choices.join(", "))));
            }
            ReportValue::Text(s)
        }
        ValueType::Integer => match v {
            Value::Number(n) => {
                ReportValue::Integer(n.as_i64().ok_or_else(|| bad("a whole number"))?)
            }
            Value::String(s) => {
                ReportValue::Integer(s.trim().parse().map_err(|_| bad("a whole number"))?)
            }
            _ => return Err(bad("a whole number")),
        },
        ValueType::Number => {
            let n = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| bad("a number"))?;
            ReportValue::Number(n)
        }
        ValueType::Boolean => match v {
            Value::Bool(b) => ReportValue::Boolean(*b),
            Value::String(s) if s == "true" => ReportValue::Boolean(true),
            Value::String(s) if s == "false" => ReportValue::Boolean(false),
            _ => return Err(bad("true or false")),
        },
        ValueType::Date => {
            let s = text(v).ok_or_else(|| bad("a date (YYYY-MM-DD)"))?;
            ReportValue::Date(
                NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .map_err(|_| bad("a date (YYYY-MM-DD)"))?,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(name: &str, value_type: ValueType, required: bool, choices: &[&str]) -> Parameter {
        Parameter {
            name: name.into(),
            title: name.into(),
            value_type,
            required,
            description: String::new(),
            choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn field(e: &Error) -> String {
        e.details().unwrap()["field"].as_str().unwrap().to_owned()
    }

    #[test]
    fn arguments_are_checked_and_named() {
        let params = [
            param("from", ValueType::Date, true, &[]),
            param("group_by", ValueType::Text, false, &["user", "project"]),
            param("target_hours", ValueType::Number, false, &[]),
            param("limit", ValueType::Integer, false, &[]),
        ];
        let raw = |v: Value| v.as_object().unwrap().clone();
        let ok = parse(
            "t",
            &params,
            &raw(json!({"from": "2026-03-01", "group_by": "user", "target_hours": "37.5", "limit": 3})),
        )
        .unwrap();
        assert_eq!(ok.len(), 4);
        assert_eq!(
            ok[0].value,
            ReportValue::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
        );
        assert_eq!(ok[2].value, ReportValue::Number(37.5));
        let e = parse("t", &params, &raw(json!({}))).unwrap_err();
        assert_eq!(field(&e), "from");
        let e = parse("t", &params, &raw(json!({"from": "2026-02-30"}))).unwrap_err();
        assert_eq!(field(&e), "from");
        let e = parse(
            "t",
            &params,
            &raw(json!({"from": "2026-03-01", "group_by": "moon"})),
        )
        .unwrap_err();
        assert_eq!(field(&e), "group_by");
        assert!(e.to_string().contains("user, project") || format!("{e:?}").contains("user"));
        let e = parse(
            "t",
            &params,
            &raw(json!({"from": "2026-03-01", "colour": "red"})),
        )
        .unwrap_err();
        assert_eq!(field(&e), "colour");
        let e = parse(
            "t",
            &params,
            &raw(json!({"from": "2026-03-01", "limit": "x"})),
        )
        .unwrap_err();
        assert_eq!(field(&e), "limit");
        // Empty strings are "not given" (HTML forms send them).
        assert_eq!(
            parse(
                "t",
                &params,
                &raw(json!({"from": "2026-03-01", "group_by": ""}))
            )
            .unwrap()
            .len(),
            1
        );
    }
}
