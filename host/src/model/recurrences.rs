//! Recurrence rules that create tasks on a schedule.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// A task recurrence.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Recurrence {
    /// `rec_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// The template task.
    pub task_id: String,
    /// The pattern as given: a string, or the JSON object it was given as.
    #[serde(serialize_with = "pattern_as_given")]
    pub recurrence_pattern: String,
    /// The series' first instant (fixes the time of day and the phase of intervals); the
    /// template itself stands for it, instances are created for the occurrences after it.
    pub starts_at: DateTime<Utc>,
    /// No occurrence after this instant.
    pub ends_at: Option<DateTime<Utc>>,
    /// The next occurrence the scheduler will create; `null` once the series has ended.
    pub next_run_at: Option<DateTime<Utc>>,
    /// The last occurrence an instance was created for.
    pub last_occurrence_at: Option<DateTime<Utc>>,
    /// Who set it up; instances are created in their name.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A pattern stored as JSON text goes out as the object it was given as.
fn pattern_as_given<S: Serializer>(text: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => v.serialize(s),
        _ => s.serialize_str(text),
    }
}
