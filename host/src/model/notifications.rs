//! Notifications kept for a user.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

crate::code_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// The recipient was assigned a task.
        TaskAssigned = "task_assigned",
        /// A task the recipient reported or is assigned changed status.
        StatusChanged = "status_changed",
        /// The recipient was mentioned in a comment or a chat message.
        Mention = "mention",
        /// A plugin was disabled after repeated failures (owners and admins).
        PluginDisabled = "plugin_disabled",
        /// A webhook was disabled after repeated failed deliveries (owners and admins).
        WebhookDisabled = "webhook_disabled",
    }
}

/// A notification.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Notification {
    /// `ntf_…`
    pub id: String,
    /// Organization the change happened in.
    pub org_id: String,
    /// Recipient.
    pub user_id: String,
    /// What it is about.
    #[serde(rename = "type")]
    #[sqlx(rename = "type", try_from = "String")]
    pub kind: NotificationKind,
    /// One line for the reader.
    pub title: String,
    /// What it is about (`task`, `chat_message`).
    pub entity_type: String,
    /// The id of what it is about.
    pub entity_id: String,
    /// Who caused it.
    pub actor_id: Option<String>,
    /// When the recipient marked it read.
    pub read_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}
