//! Prompts an assistant user picks from a menu. Each one gathers what it speaks of through the
//! same actions the tools call (so it sees exactly what the caller may see) and hands the
//! assistant the data as JSON with a short instruction.

use chrono::{Datelike, Duration, NaiveDate};
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// A prompt: name, description, arguments (name, description, required).
struct Spec {
    name: &'static str,
    description: &'static str,
    arguments: &'static [(&'static str, &'static str, bool)],
}

const PROMPTS: &[Spec] = &[
    Spec {
        name: "my_day",
        description: "My day: the open tasks assigned to me and my running timer.",
        arguments: &[],
    },
    Spec {
        name: "week_timesheet",
        description: "A timesheet for one week (Monday to Sunday), with a short summary.",
        arguments: &[(
            "week_of",
            "Any day of the week, YYYY-MM-DD (default: this week)",
            false,
        )],
    },
    Spec {
        name: "draft_invoice",
        description: "Draft (never send) an invoice for a client's time in a period.",
        arguments: &[
            ("client_id", "The client (cli_…)", true),
            ("from", "First day, YYYY-MM-DD", true),
            ("to", "Last day, YYYY-MM-DD", true),
        ],
    },
    Spec {
        name: "project_status",
        description: "Summarize a project's status: its tasks, budget and what is overdue.",
        arguments: &[("project_id", "The project (prj_…)", true)],
    },
];

/// Every prompt.
pub fn list() -> Vec<Prompt> {
    PROMPTS
        .iter()
        .map(|p| {
            let arguments = p
                .arguments
                .iter()
                .map(|(name, description, required)| {
                    PromptArgument::new(*name)
                        .with_description(*description)
                        .with_required(*required)
                })
                .collect::<Vec<_>>();
            Prompt::new(
                p.name,
                Some(p.description),
                (!arguments.is_empty()).then_some(arguments),
            )
        })
        .collect()
}

/// How a prompt reads data: calls an action by name with a JSON payload, as the caller.
pub trait Invoke {
    /// The action's reply as REST would send it (`{data, pagination?}`).
    fn invoke(
        &self,
        action: &str,
        payload: Value,
    ) -> impl std::future::Future<Output = Result<Value>> + Send;
    /// The caller's user id.
    fn user_id(&self) -> &str;
}

/// Renders the prompt `name` with `arguments`.
pub async fn get(
    cx: &impl Invoke,
    name: &str,
    arguments: &Map<String, Value>,
) -> Result<GetPromptResult> {
    let spec = PROMPTS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::NotFound(format!("no prompt {name}")))?;
    for (arg, _, required) in spec.arguments {
        if *required && arg_str(arguments, arg).is_none() {
            return Err(Error::invalid_field(arg, format!("{arg} is required")));
        }
    }
    let text = match name {
        "my_day" => my_day(cx).await?,
        "week_timesheet" => week_timesheet(cx, arguments).await?,
        "draft_invoice" => draft_invoice(cx, arguments).await?,
        _ => project_status(cx, arguments).await?,
    };
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(spec.description),
    )
}

fn arg_str<'a>(arguments: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn date_arg(arguments: &Map<String, Value>, name: &str) -> Result<Option<NaiveDate>> {
    arg_str(arguments, name)
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| Error::invalid_field(name, format!("{name} must be YYYY-MM-DD")))
        })
        .transpose()
}

fn block(title: &str, value: &Value) -> String {
    format!("{title}:\n```json\n{value:#}\n```\n")
}

async fn my_day(cx: &impl Invoke) -> Result<String> {
    let tasks = cx
        .invoke(
            "tasks.list",
            json!({"assignee_id": cx.user_id(), "sort": "due_date", "order": "asc", "per_page": 100}),
        )
        .await?;
    let timer = cx.invoke("time_entries.current", json!({})).await?;
    Ok(format!(
        "Plan my day. Here are the tasks assigned to me (skip the ones whose status is done) and \
         my running timer (null: none). Suggest an order, flag what is overdue, and say how long \
         the timer has run.\n\n{}\n{}",
        block("Tasks assigned to me", &tasks["data"]),
        block("Running timer", &timer["data"]),
    ))
}

async fn week_timesheet(cx: &impl Invoke, arguments: &Map<String, Value>) -> Result<String> {
    let day = date_arg(arguments, "week_of")?.unwrap_or_else(|| crate::clock::now().date_naive());
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let sunday = monday + Duration::days(6);
    let report = cx
        .invoke(
            "reports.timesheet",
            json!({"from": monday.to_string(), "to": sunday.to_string()}),
        )
        .await?;
    Ok(format!(
        "Write my timesheet for the week of {monday} to {sunday}: hours per project and per day, \
         the total, and anything unusual.\n\n{}",
        block("Timesheet report", &report["data"]),
    ))
}

async fn draft_invoice(cx: &impl Invoke, arguments: &Map<String, Value>) -> Result<String> {
    let client_id = arg_str(arguments, "client_id").unwrap_or_default();
    let (from, to) = (
        date_arg(arguments, "from")?.unwrap_or_default(),
        date_arg(arguments, "to")?.unwrap_or_default(),
    );
    if to < from {
        return Err(Error::invalid_field("to", "to must not be before from"));
    }
    let client = cx.invoke("clients.get", json!({"id": client_id})).await?;
    Ok(format!(
        "Draft an invoice for this client covering {from} to {to}. Create it with the \
         `invoices.create` tool (client_id {client_id}, a due date 30 days from today unless the \
         client's terms say otherwise), then fill it from the tracked time with `invoices.generate` \
         (id of the new invoice, from {from}, to {to}). Show me the lines and the total. Do not \
         send it.\n\n{}",
        block("Client", &client["data"]),
    ))
}

async fn project_status(cx: &impl Invoke, arguments: &Map<String, Value>) -> Result<String> {
    let project_id = arg_str(arguments, "project_id").unwrap_or_default();
    let project = cx.invoke("projects.get", json!({"id": project_id})).await?;
    let tasks = cx
        .invoke(
            "tasks.list",
            json!({"project_id": project_id, "sort": "due_date", "order": "asc", "per_page": 200}),
        )
        .await?;
    // The budget needs `view_reports`; without it the summary goes on without one.
    let budget = cx
        .invoke("projects.budget", json!({"id": project_id}))
        .await
        .map(|b| b["data"].clone())
        .unwrap_or(Value::Null);
    Ok(format!(
        "Summarize this project's status for a stakeholder: progress by task status, what is \
         overdue or blocked, who carries the most, and the budget (null: not visible to me).\n\n\
         {}\n{}\n{}",
        block("Project", &project["data"]),
        block("Tasks", &tasks),
        block("Budget", &budget),
    ))
}
