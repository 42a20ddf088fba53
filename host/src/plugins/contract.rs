//! The host-side shapes of what crosses the plugin boundary, free of wasmtime types.
//!
//! They mirror the records of `wit/` one to one; the runtime converts between these and the
//! generated bindings. Domain code (invoices, recurrences) speaks only these types.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

pub mod report;

/// What an invoice is for (`invoicing.invoice-context`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceContext {
    /// The organization.
    pub org_id: String,
    /// The invoice being generated.
    pub invoice_id: String,
    /// The invoice's client.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The client's default tax rate, basis points.
    pub tax_rate_bp: u32,
    /// First billed day, inclusive, in the organization's time zone.
    pub period_from: NaiveDate,
    /// Last billed day, inclusive.
    pub period_to: NaiveDate,
    /// The organization's IANA time zone.
    pub time_zone: String,
    /// The plugin's configuration for the organization (a JSON object; `{}` when absent).
    #[serde(default)]
    pub config: serde_json::Value,
}

/// A billable time entry with resolved rates, every name spelled out: how the domain, the
/// `stint plugin test` fixtures and plugins built against `stint:plugins@0.1`/`0.2` see an entry.
/// [`BillableTime`] is the indexed form plugins receive since 0.3.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BillableEntry {
    /// The entry id.
    pub id: String,
    /// Who worked.
    pub user_id: String,
    /// Their display name.
    pub user_name: String,
    /// The project, if any.
    pub project_id: Option<String>,
    /// The project's name.
    pub project_name: Option<String>,
    /// The task, if any.
    pub task_id: Option<String>,
    /// The task's title.
    pub task_title: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// When the work started.
    pub started_at: DateTime<Utc>,
    /// How long, in seconds.
    pub duration_secs: i64,
    /// The start date in the organization's time zone.
    pub local_date: NaiveDate,
    /// Billed rate, minor units per hour.
    pub client_rate: i64,
    /// Cost rate, minor units per hour.
    pub worker_rate: i64,
}

/// Something an entry refers to by position: a person, project or task (`invoicing.person`,
/// `invoicing.project`, `invoicing.task`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Its id.
    pub id: String,
    /// Its name (a task's title).
    pub name: String,
}

/// One entry of [`BillableTime`] (`invoicing.time-entry` since 0.3): names are positions in the
/// tables of its `BillableTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedEntry {
    /// Position in [`BillableTime::people`].
    pub person: u32,
    /// Position in [`BillableTime::projects`].
    pub project: Option<u32>,
    /// Position in [`BillableTime::tasks`].
    pub task: Option<u32>,
    /// Position in [`BillableTime::descriptions`].
    pub description: Option<u32>,
    /// When the work started.
    pub started_at: DateTime<Utc>,
    /// How long, in seconds.
    pub duration_secs: i64,
    /// The start date in the organization's time zone.
    pub local_date: NaiveDate,
    /// Billed rate, minor units per hour.
    pub client_rate: i64,
    /// Cost rate, minor units per hour.
    pub worker_rate: i64,
}

/// The time an invoice bills, as `invoicing.compute` receives it since 0.3
/// (`invoicing.billable-time`): each person, project, task and description once, and entries
/// naming them by position, ordered by start and then id. An entry is named by its position
/// too, in the result's [`LineItem::entries`]; the ids stay with the host in
/// [`BillableTime::entry_ids`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillableTime {
    /// The people whose time is billed.
    pub people: Vec<Named>,
    /// The projects.
    pub projects: Vec<Named>,
    /// The tasks.
    pub tasks: Vec<Named>,
    /// Distinct descriptions.
    pub descriptions: Vec<String>,
    /// The entries, ordered by start, then id.
    pub entries: Vec<IndexedEntry>,
    /// `entries[i]`'s id is `entry_ids[i]` (host only: plugins never see entry ids since 0.3).
    pub entry_ids: Vec<String>,
}

impl BillableTime {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `i` with every name spelled out (how plugins before 0.3 receive it).
    ///
    /// # Panics
    /// When `i` or a position inside the entry is out of range, which [`FromIterator`] never
    /// builds.
    pub fn flat(&self, i: usize) -> BillableEntry {
        let e = &self.entries[i];
        fn named(table: &[Named], at: Option<u32>) -> Option<&Named> {
            at.map(|at| &table[at as usize])
        }
        let person = &self.people[e.person as usize];
        let project = named(&self.projects, e.project);
        let task = named(&self.tasks, e.task);
        BillableEntry {
            id: self.entry_ids[i].clone(),
            user_id: person.id.clone(),
            user_name: person.name.clone(),
            project_id: project.map(|p| p.id.clone()),
            project_name: project.map(|p| p.name.clone()),
            task_id: task.map(|t| t.id.clone()),
            task_title: task.map(|t| t.name.clone()),
            description: e.description.map(|d| self.descriptions[d as usize].clone()),
            started_at: e.started_at,
            duration_secs: e.duration_secs,
            local_date: e.local_date,
            client_rate: e.client_rate,
            worker_rate: e.worker_rate,
        }
    }
}

/// Interns names: the first occurrence of an id takes the next position.
#[derive(Default)]
struct Table {
    rows: Vec<Named>,
    at: HashMap<String, u32>,
}

impl Table {
    fn intern(&mut self, id: String, name: String) -> u32 {
        if let Some(&at) = self.at.get(&id) {
            return at;
        }
        let at = self.rows.len() as u32;
        self.at.insert(id.clone(), at);
        self.rows.push(Named { id, name });
        at
    }
}

impl FromIterator<BillableEntry> for BillableTime {
    /// Indexes entries (in any order; the result is ordered by start, then id).
    fn from_iter<I: IntoIterator<Item = BillableEntry>>(iter: I) -> Self {
        let mut entries: Vec<BillableEntry> = iter.into_iter().collect();
        // Adaptive: linear when the entries come ordered, as the database returns them.
        entries.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let (mut people, mut projects, mut tasks) =
            (Table::default(), Table::default(), Table::default());
        let mut descriptions: HashMap<String, u32> = HashMap::new();
        let mut time = BillableTime {
            entries: Vec::with_capacity(entries.len()),
            entry_ids: Vec::with_capacity(entries.len()),
            ..BillableTime::default()
        };
        for e in entries {
            let description = e.description.map(|d| {
                let next = descriptions.len() as u32;
                *descriptions.entry(d).or_insert(next)
            });
            time.entries.push(IndexedEntry {
                person: people.intern(e.user_id, e.user_name),
                project: e
                    .project_id
                    .map(|id| projects.intern(id, e.project_name.unwrap_or_default())),
                task: e
                    .task_id
                    .map(|id| tasks.intern(id, e.task_title.unwrap_or_default())),
                description,
                started_at: e.started_at,
                duration_secs: e.duration_secs,
                local_date: e.local_date,
                client_rate: e.client_rate,
                worker_rate: e.worker_rate,
            });
            time.entry_ids.push(e.id);
        }
        time.people = people.rows;
        time.projects = projects.rows;
        time.tasks = tasks.rows;
        let mut by_position: Vec<(String, u32)> = descriptions.into_iter().collect();
        by_position.sort_unstable_by_key(|&(_, at)| at);
        time.descriptions = by_position.into_iter().map(|(d, _)| d).collect();
        time
    }
}

/// An invoice line (`invoicing.line-item`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LineItem {
    /// What the line bills.
    pub description: String,
    /// Quantity in thousandths.
    pub quantity_milli: i64,
    /// Price per unit, minor units.
    pub unit_price: i64,
    /// The line's amount, minor units.
    pub amount: i64,
    /// The time entries the line bills, as positions in [`BillableTime::entries`].
    pub entries: Vec<u32>,
}

/// A tax applied to the invoice (`invoicing.tax-line`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TaxLine {
    /// Name of the tax.
    pub description: String,
    /// Rate in basis points.
    pub rate_bp: u32,
    /// What the rate applies to, minor units.
    pub base: i64,
    /// The tax, minor units.
    pub amount: i64,
}

/// A computed invoice (`invoicing.invoice-result`), already checked against the contract by
/// the runtime: sums add up and every entry position is in range, at most once.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InvoiceResult {
    /// The lines.
    pub lines: Vec<LineItem>,
    /// Discount subtracted from the sum of the lines.
    pub discount: i64,
    /// Sum of line amounts minus the discount.
    pub subtotal: i64,
    /// The taxes.
    pub taxes: Vec<TaxLine>,
    /// Sum of the taxes.
    pub tax: i64,
    /// Subtotal plus tax.
    pub total: i64,
}

impl LineItem {
    /// The ids of the entries the line bills.
    pub fn entry_ids<'a>(&'a self, time: &'a BillableTime) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter_map(move |&at| time.entry_ids.get(at as usize).map(String::as_str))
    }
}

impl InvoiceResult {
    /// The result as JSON with each line's entries named by id (`entry_ids`), as operators see
    /// it (`stint plugin test`, the plugin test endpoint).
    pub fn to_json(&self, time: &BillableTime) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(lines) = v.get_mut("lines").and_then(Value::as_array_mut) {
            for (json, line) in lines.iter_mut().zip(&self.lines) {
                if let Some(o) = json.as_object_mut() {
                    o.remove("entries");
                    o.insert("entry_ids".into(), line.entry_ids(time).collect());
                }
            }
        }
        v
    }
}

/// A request for the next occurrences of a pattern (`schedule.next`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OccurrenceQuery {
    /// The pattern as the user gave it (JSON text when it was an object).
    pub pattern: String,
    /// IANA time zone the pattern is evaluated in.
    pub time_zone: String,
    /// The series' first instant.
    pub anchor: DateTime<Utc>,
    /// Occurrences strictly after this instant are returned.
    pub after: DateTime<Utc>,
    /// How many at most.
    pub count: u32,
}

/// An event as a `webhook` plugin receives it (`stint:plugins/webhooks.event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The outbox id.
    pub id: u64,
    /// `EntityChanged`, `ChatMessage`, …
    pub kind: String,
    /// For `EntityChanged`: the entity type.
    pub entity_type: Option<String>,
    /// For `EntityChanged`: `created`, `updated` or `deleted`.
    pub action: Option<String>,
    /// The organization.
    pub organization_id: String,
    /// Who caused it.
    pub user_id: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The frame WebSocket clients receive, as JSON text.
    pub payload: String,
}

/// The subscription an event is formatted for (`stint:plugins/webhooks.subscription`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTarget {
    /// `whk_…`
    pub id: String,
    /// The subscription's URL.
    pub url: String,
    /// The plugin's configuration for the organization (a JSON object).
    pub config: Value,
}

/// HTTP methods a webhook request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WebhookMethod {
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
}

impl WebhookMethod {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookMethod::Post => "POST",
            WebhookMethod::Put => "PUT",
            WebhookMethod::Patch => "PATCH",
        }
    }

    /// Parses `POST`, `PUT` or `PATCH`.
    pub fn parse(s: &str) -> Option<WebhookMethod> {
        match s {
            "POST" => Some(WebhookMethod::Post),
            "PUT" => Some(WebhookMethod::Put),
            "PATCH" => Some(WebhookMethod::Patch),
            _ => None,
        }
    }
}

/// A request a `webhook` plugin asks the host to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// The method.
    pub method: WebhookMethod,
    /// `None`: the subscription's URL.
    pub url: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}
