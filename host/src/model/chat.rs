//! Chat channels and messages.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

crate::code_enum! {
    /// What sort of channel a channel is.
    pub enum ChannelKind {
        /// The organization-wide channel every member is in.
        Org = "org",
        /// A project's channel.
        Project = "project",
        /// A private channel of invited members.
        Private = "private",
        /// A direct conversation between two members.
        Direct = "direct",
    }
}

/// A chat channel.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Channel {
    /// `ch_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// What sort of channel it is.
    #[sqlx(try_from = "String")]
    pub kind: ChannelKind,
    /// Name (`general` for the org-wide channel, empty for direct conversations).
    pub name: String,
    /// The project of a `project` channel.
    pub project_id: Option<String>,
    /// The sorted pair of a direct channel (internal).
    #[serde(skip)]
    pub direct_key: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed (members added or removed).
    pub updated_at: DateTime<Utc>,
    /// Explicit members; `null` for the org-wide channel, which every member of the organization
    /// belongs to.
    #[sqlx(skip)]
    pub member_ids: Option<Vec<String>>,
}

/// A chat message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct Message {
    /// `msg_…`
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Channel.
    pub channel_id: String,
    /// Author.
    pub user_id: String,
    /// Author's name.
    pub user_name: String,
    /// Text.
    pub content: String,
    /// The message this one answers (same channel).
    pub reply_to: Option<String>,
    /// Sent.
    pub created_at: DateTime<Utc>,
    /// Last edited (messages cannot be edited yet).
    pub edited_at: Option<DateTime<Utc>>,
    /// Reactions, by emoji.
    #[sqlx(skip)]
    pub reactions: Vec<Reaction>,
}

/// The reactions with one emoji to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// How many users reacted with it.
    pub count: usize,
    /// Who, in the order they reacted.
    pub user_ids: Vec<String>,
}
