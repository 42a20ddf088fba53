//! The host-side shapes of the `report` world (`wit/report.wit`): what a report plugin describes
//! and returns, and [`ReportData`], the data the host lends it while it runs.
//!
//! [`ReportData`] is implemented by the domain (`domain::reports::lender`), which scopes every
//! query to the organization and to what the caller may see; the runtime only forwards the
//! plugin's calls to it, so no SQL and no permission logic lives next to the bindings.

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who runs the report, and where (`report-data.caller-info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerInfo {
    /// The calling user.
    pub user_id: String,
    /// The organization the report runs in.
    pub organization_id: String,
    /// The organization's IANA time zone.
    pub time_zone: String,
    /// The organization's default currency.
    pub currency: String,
    /// Whether the caller may see everyone's time (`view_reports`).
    pub sees_everyone: bool,
}

/// Which time entries a query covers: stopped entries started in `[from, to)`, filters ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Started at or after.
    pub from: DateTime<Utc>,
    /// Started before.
    pub to: DateTime<Utc>,
    /// Only this user's.
    pub user_id: Option<String>,
    /// Only this project's.
    pub project_id: Option<String>,
    /// Only entries of projects of this client.
    pub client_id: Option<String>,
    /// Only this task's.
    pub task_id: Option<String>,
    /// Case-insensitive substring of the description.
    pub description: Option<String>,
    /// Only entries billed on this invoice.
    pub invoice_id: Option<String>,
    /// Only billable (true) or only non-billable (false) entries.
    pub billable: Option<bool>,
}

/// What entries can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The member who tracked the time.
    User,
    /// The entry's project.
    Project,
    /// The client of the entry's project.
    Client,
    /// The entry's task.
    Task,
    /// The local calendar day of the start.
    Day,
    /// The local week (from Monday) of the start.
    Week,
    /// The local month of the start.
    Month,
}

/// One group of entries and its sums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EntryGroup {
    /// One value per dimension asked for (an id, or a period's first day `YYYY-MM-DD`; empty
    /// when the entry has none).
    pub key: Vec<String>,
    /// Entries in the group.
    pub entries: u64,
    /// Their seconds.
    pub seconds: i64,
    /// Seconds of the billable ones.
    pub billable_seconds: i64,
    /// Billable entries' seconds × client rate, rounded half up per entry.
    pub revenue: i64,
    /// All entries' seconds × worker rate, rounded half up per entry.
    pub cost: i64,
}

/// One time entry with its resolved rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportEntry {
    /// `te_…`
    pub id: String,
    /// Who tracked it.
    pub user_id: String,
    /// Its project.
    pub project_id: Option<String>,
    /// Its task.
    pub task_id: Option<String>,
    /// Its project's client.
    pub client_id: Option<String>,
    /// Its description (empty when none).
    pub description: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Duration.
    pub seconds: i64,
    /// Whether it is billable.
    pub billable: bool,
    /// The invoice that billed it.
    pub invoice_id: Option<String>,
    /// Resolved client rate, minor units per hour.
    pub client_rate: i64,
    /// Resolved worker rate, minor units per hour.
    pub worker_rate: i64,
}

/// A page of entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EntryPage {
    /// The entries, by start then id.
    pub entries: Vec<ReportEntry>,
    /// The cursor of the next page.
    pub next: Option<String>,
}

/// A member of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportMember {
    /// The user.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Role in the organization.
    pub role: String,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportProject {
    /// `prj_…`
    pub id: String,
    /// Name.
    pub name: String,
    /// Its client.
    pub client_id: Option<String>,
    /// Whether it is archived.
    pub archived: bool,
}

/// A client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportClient {
    /// `cli_…`
    pub id: String,
    /// Name.
    pub name: String,
    /// Its currency.
    pub currency: String,
}

/// Which tasks a task query covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only this project's.
    pub project_id: Option<String>,
    /// Only tasks assigned to this user.
    pub assignee_id: Option<String>,
    /// Only tasks whose status is not a done status.
    pub open_only: bool,
}

/// What tasks can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskDimension {
    /// Each assignee (a task with several counts once for each; none: empty key).
    Assignee,
    /// The task's project.
    Project,
    /// The task's status.
    Status,
}

/// One group of tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskGroup {
    /// One value per dimension asked for.
    pub key: Vec<String>,
    /// Tasks in the group.
    pub tasks: u64,
    /// Sum of their estimates, minutes.
    pub estimate_minutes: i64,
    /// Those past their due date.
    pub overdue: u64,
}

/// Why a lending call failed: the plugin sees `message`; `internal` failures (the database) are
/// the host's fault and are not counted against the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// What the plugin is told.
    pub message: String,
    /// Whether the host failed (rather than the plugin asking for something wrong).
    pub internal: bool,
}

impl DataError {
    /// The plugin asked for something wrong (a bad cursor, too many dimensions).
    pub fn invalid(message: impl Into<String>) -> DataError {
        DataError {
            message: message.into(),
            internal: false,
        }
    }

    /// The host failed.
    pub fn internal(message: impl Into<String>) -> DataError {
        DataError {
            message: message.into(),
            internal: true,
        }
    }
}

/// A lending call's result.
pub type DataResult<T> = Result<T, DataError>;

/// The data a report plugin may read while it runs, already scoped: one organization, and only
/// the caller's own time unless the caller has `view_reports`.
pub trait ReportData: Send + Sync {
    /// The caller and organization.
    fn caller(&self) -> CallerInfo;
    /// Grouped sums over the matching entries, computed in the database.
    fn aggregate_entries(
        &self,
        filter: EntryFilter,
        group_by: Vec<Dimension>,
    ) -> BoxFuture<'_, DataResult<Vec<EntryGroup>>>;
    /// Grouped time sums without money (no rate resolution: the cheap query).
    fn aggregate_time(
        &self,
        filter: EntryFilter,
        group_by: Vec<Dimension>,
    ) -> BoxFuture<'_, DataResult<Vec<EntryGroup>>>;
    /// A page of matching entries (at most 1000).
    fn list_entries(
        &self,
        filter: EntryFilter,
        cursor: Option<String>,
        limit: u32,
    ) -> BoxFuture<'_, DataResult<EntryPage>>;
    /// The members the caller may see.
    fn members(&self) -> BoxFuture<'_, DataResult<Vec<ReportMember>>>;
    /// The organization's projects.
    fn projects(&self) -> BoxFuture<'_, DataResult<Vec<ReportProject>>>;
    /// The organization's clients.
    fn clients(&self) -> BoxFuture<'_, DataResult<Vec<ReportClient>>>;
    /// Grouped counts over the matching tasks.
    fn aggregate_tasks(
        &self,
        filter: TaskFilter,
        group_by: Vec<TaskDimension>,
    ) -> BoxFuture<'_, DataResult<Vec<TaskGroup>>>;
}

/// The type of a parameter's value (`reports.value-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Text.
    Text,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// An entity id.
    Id,
}

/// A parameter a report takes.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Human title.
    pub title: String,
    /// Its type.
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// Whether it must be given.
    pub required: bool,
    /// What it does.
    pub description: String,
    /// When not empty, the only accepted values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

/// How a column's values read (`reports.column-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text.
    Text,
    /// Whole number.
    Integer,
    /// Number.
    Number,
    /// Boolean.
    Boolean,
    /// Date.
    Date,
    /// Instant.
    Timestamp,
    /// A duration in seconds.
    Seconds,
    /// Money.
    Money,
}

/// A column of a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Column {
    /// Its name (the key in JSON rows, the CSV header).
    pub name: String,
    /// Human title.
    pub title: String,
    /// How to read it.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
}

/// What a report is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportInfo {
    /// Slug, unique within its plugin.
    pub name: String,
    /// Human title.
    pub title: String,
    /// What it answers.
    pub description: String,
    /// Its parameters.
    pub parameters: Vec<Parameter>,
    /// Its default columns.
    pub columns: Vec<Column>,
}

/// A value: an argument or a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportValue {
    /// No value.
    Empty,
    /// Text.
    Text(String),
    /// Whole number.
    Integer(i64),
    /// Number.
    Number(f64),
    /// Boolean.
    Boolean(bool),
    /// Date.
    Date(NaiveDate),
    /// Instant.
    Timestamp(DateTime<Utc>),
    /// Money: minor units of a currency.
    Money {
        /// Minor units.
        amount: i64,
        /// ISO 4217 code.
        currency: String,
    },
}

/// A named argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// The parameter.
    pub name: String,
    /// Its value.
    pub value: ReportValue,
}

/// A report's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// One value per column in each row.
    pub rows: Vec<Vec<ReportValue>>,
    /// A totals row.
    pub totals: Option<Vec<ReportValue>>,
}

/// Why a report did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportError {
    /// The plugin has no report of this name.
    UnknownReport(String),
    /// (parameter, message).
    InvalidArgument(String, String),
    /// Anything else.
    Failed(String),
}
