//! Chat: channels, messages, reactions and the typing indicator.
//!
//! Rules:
//! - Every organization has one org-wide channel, `general` (kind `org`), which every member may
//!   read and write without explicit membership. It is created with the organization, and lazily
//!   (by `chat.channels.list`) for organizations that predate chat.
//! - `project` channels (tied to a project of the organization) and `private` channels have
//!   explicit members; the creator is always one. `direct` channels join exactly two members;
//!   `chat.direct.open` returns the pair's channel, creating it the first time.
//! - A channel is visible only to its members (the org-wide one: to every organization member).
//!   For anyone else a channel id, or the id of a message in it, is `NOT_FOUND`, exactly like an
//!   id of another organization — organization administrators included.
//! - Messages hold 1–10,000 characters; `reply_to` must be a message of the same channel. They
//!   are listed newest first, `limit` (default 50, at most 200) at a time, and `before` (a message
//!   id) continues with the messages strictly older than that one.
//! - A message can be deleted by its author or by someone with `manage_org`.
//! - Reactions are per user and emoji (1–32 characters, no whitespace); adding twice is a no-op,
//!   removing one that does not exist is `NOT_FOUND`. Listed messages carry them as
//!   `[{emoji, count, user_ids}]`, in the order they were first added.
//! - A sent message is pushed as `ChatMessage` to the channel's members; deletions and reactions as
//!   `EntityChanged` (`chat_message`). Typing is an ephemeral `Typing` signal, never stored.

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::domain::events::{self, Entity, Record};
use crate::domain::permissions::Permission;
use crate::domain::{Cx, notifications, projects, validate, wire};
use crate::error::{Error, Result};
use crate::events::Audience;
use crate::store::db::{Exec, Tx};
use crate::{ids, store};

pub use crate::model::chat::{Channel, ChannelKind, Message, Reaction};

/// Name of the org-wide channel.
pub const GENERAL: &str = "general";
/// Longest message, in characters.
pub const MAX_CONTENT: usize = 10_000;
/// Messages per page by default.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most messages per page; larger limits are clamped.
pub const MAX_LIMIT: u32 = 200;
/// Most members named when creating a channel.
const MAX_INITIAL_MEMBERS: usize = 500;

crate::entity!(Channel, "chat_channel", |c| {
    crate::events::Audience::Channel(c.id.clone())
});

crate::entity!(Message, "chat_message", |m| {
    crate::events::Audience::Channel(m.channel_id.clone())
});

/// `chat.channels.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListChannels {
    /// Organization (default: current).
    pub org_id: Option<String>,
}

/// Kinds of channel that `chat.channels.create` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewChannelKind {
    /// Tied to a project (`project_id` required).
    Project,
    /// A private group.
    Private,
}

/// `chat.channels.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Name (up to 100 characters).
    pub name: String,
    /// `project` or `private`.
    pub kind: NewChannelKind,
    /// The project (required for, and only allowed with, `project`).
    pub project_id: Option<String>,
    /// Further members (organization members); the creator is always one.
    #[serde(default)]
    pub member_ids: Vec<String>,
}

/// `chat.channels.add_member`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddChannelMember {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ch_…` (a project or private channel).
    pub channel_id: String,
    /// The organization member to add.
    pub user_id: String,
}

/// `chat.channels.remove_member`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveChannelMember {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ch_…` (a project or private channel).
    pub channel_id: String,
    /// The member to remove (oneself to leave).
    pub user_id: String,
}

/// `chat.direct.open`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDirect {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The other member.
    pub user_id: String,
}

/// `chat.messages.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListMessages {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ch_…`
    pub channel_id: String,
    /// Only messages strictly older than this message of the channel.
    pub before: Option<String>,
    /// How many (default 50, at most 200).
    #[serde(default, deserialize_with = "wire::lenient_u32")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u32>,
}

/// `chat.messages.send`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ch_…`
    pub channel_id: String,
    /// Text, 1–10,000 characters.
    pub content: String,
    /// A message of the same channel this one answers.
    pub reply_to: Option<String>,
}

/// `chat.messages.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMessage {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// The channel the message is in.
    pub channel_id: String,
    /// `msg_…`
    pub message_id: String,
}

/// `chat.reactions.add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddReaction {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `msg_…`
    pub message_id: String,
    /// 1–32 characters without whitespace.
    pub emoji: String,
}

/// `chat.reactions.remove`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveReaction {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `msg_…`
    pub message_id: String,
    /// The emoji to take back.
    pub emoji: String,
}

/// `chat.typing`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Typing {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// `ch_…`
    pub channel_id: String,
}

/// Creates the organization's org-wide channel `general` unless it exists (recording it).
pub async fn ensure_general(tx: &mut Tx, cx: &Cx<'_>) -> Result<()> {
    let now = crate::clock::now();
    let channel = Channel {
        id: ids::new_id("ch"),
        org_id: cx.org_id()?.to_owned(),
        kind: ChannelKind::Org,
        name: GENERAL.to_owned(),
        project_id: None,
        direct_key: None,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
        member_ids: None,
    };
    if store::chat::insert_channel(tx, &channel).await? {
        events::created(tx, cx, &channel).await?;
    }
    Ok(())
}

fn channel_not_found() -> Error {
    Error::not_found("channel")
}

/// Loads a channel the caller may see, with its members.
async fn load_channel(cx: &Cx<'_>, ex: &mut impl Exec, id: &str) -> Result<Channel> {
    let mut c = store::chat::channel(ex, id)
        .await?
        .ok_or_else(channel_not_found)?;
    cx.same_org(&c.org_id, "channel")?;
    if c.kind != ChannelKind::Org {
        let members = store::chat::member_ids(ex, &c.id).await?;
        if !members.iter().any(|m| m == cx.user_id()) {
            return Err(channel_not_found());
        }
        c.member_ids = Some(members);
    }
    Ok(c)
}

/// Loads a message of a channel the caller may see, with its reactions.
async fn load_message(cx: &Cx<'_>, ex: &mut impl Exec, id: &str) -> Result<Message> {
    let not_found = || Error::not_found("message");
    let m = store::chat::message(ex, id).await?.ok_or_else(not_found)?;
    cx.same_org(&m.org_id, "message")?;
    load_channel(cx, ex, &m.channel_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => not_found(),
            other => other,
        })?;
    let mut one = [m];
    attach_reactions(ex, &mut one).await?;
    let [m] = one;
    Ok(m)
}

async fn attach_reactions(ex: &mut impl Exec, messages: &mut [Message]) -> Result<()> {
    let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    let rows = store::chat::reactions(ex, &ids).await?;
    let index: HashMap<String, usize> =
        ids.into_iter().enumerate().map(|(i, id)| (id, i)).collect();
    for m in messages.iter_mut() {
        m.reactions.clear();
    }
    for r in rows {
        let Some(&i) = index.get(&r.message_id) else {
            continue;
        };
        let reactions = &mut messages[i].reactions;
        match reactions.iter_mut().find(|x| x.emoji == r.emoji) {
            Some(x) => {
                x.count += 1;
                x.user_ids.push(r.user_id);
            }
            None => reactions.push(Reaction {
                emoji: r.emoji,
                count: 1,
                user_ids: vec![r.user_id],
            }),
        }
    }
    Ok(())
}

async fn require_org_member(
    cx: &Cx<'_>,
    ex: &mut impl Exec,
    field: &str,
    user_id: &str,
) -> Result<()> {
    match store::access::membership(ex, cx.org_id()?, user_id).await? {
        Some(_) => Ok(()),
        None => Err(Error::rule(
            field,
            format!("{field} must name members of the organization"),
        )),
    }
}

fn emoji(value: &str) -> Result<String> {
    let n = value.chars().count();
    if n == 0 || n > 32 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_field(
            "emoji",
            "emoji must be 1–32 characters without whitespace",
        ));
    }
    Ok(value.to_owned())
}

fn content(value: &str) -> Result<String> {
    if value.trim().is_empty() {
        return Err(Error::invalid_field("content", "content must not be empty"));
    }
    if value.chars().count() > MAX_CONTENT {
        return Err(Error::invalid_field(
            "content",
            format!("content must be at most {MAX_CONTENT} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// The channels the caller may see: `general` first, then by name. Creates `general` if the
/// organization has none yet.
pub async fn list_channels(cx: &Cx<'_>, _: ListChannels) -> Result<Vec<Channel>> {
    let org_id = cx.org_id()?;
    if store::chat::org_channel(&mut cx.db(), org_id)
        .await?
        .is_none()
    {
        let mut tx = cx.db().begin().await?;
        ensure_general(&mut tx, cx).await?;
        tx.commit().await?;
    }
    let mut channels = store::chat::visible_channels(&mut cx.db(), org_id, cx.user_id()).await?;
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for (channel_id, user_id) in
        store::chat::visible_memberships(&mut cx.db(), org_id, cx.user_id()).await?
    {
        members.entry(channel_id).or_default().push(user_id);
    }
    for c in &mut channels {
        if c.kind != ChannelKind::Org {
            c.member_ids = Some(members.remove(&c.id).unwrap_or_default());
        }
    }
    Ok(channels)
}

/// Creates a project or private channel with the caller and `member_ids` as members.
pub async fn create_channel(cx: &Cx<'_>, input: CreateChannel) -> Result<Channel> {
    let name = validate::name("name", &input.name, 100)?;
    if input.member_ids.len() > MAX_INITIAL_MEMBERS {
        return Err(Error::invalid_field(
            "member_ids",
            format!("member_ids may name at most {MAX_INITIAL_MEMBERS} users"),
        ));
    }
    let mut tx = cx.db().begin().await?;
    let (kind, project_id) = match (input.kind, input.project_id) {
        (NewChannelKind::Project, Some(p)) => (
            ChannelKind::Project,
            Some(projects::load(cx, &mut tx, &p).await?.id),
        ),
        (NewChannelKind::Project, None) => {
            return Err(Error::invalid_field(
                "project_id",
                "project_id is required for a project channel",
            ));
        }
        (NewChannelKind::Private, None) => (ChannelKind::Private, None),
        (NewChannelKind::Private, Some(_)) => {
            return Err(Error::invalid_field(
                "project_id",
                "project_id is only allowed for a project channel",
            ));
        }
    };
    let mut members: BTreeSet<String> = BTreeSet::new();
    members.insert(cx.user_id().to_owned());
    for m in &input.member_ids {
        if members.insert(m.clone()) {
            require_org_member(cx, &mut tx, "member_ids", m).await?;
        }
    }
    let now = crate::clock::now();
    let channel = Channel {
        id: ids::new_id("ch"),
        org_id: cx.org_id()?.to_owned(),
        kind,
        name,
        project_id,
        direct_key: None,
        created_by: cx.user_id().to_owned(),
        created_at: now,
        updated_at: now,
        member_ids: Some(members.into_iter().collect()),
    };
    store::chat::insert_channel(&mut tx, &channel).await?;
    for m in channel.member_ids.iter().flatten() {
        store::chat::add_member(&mut tx, &channel.id, m).await?;
    }
    events::created(&mut tx, cx, &channel).await?;
    tx.commit().await?;
    Ok(channel)
}

fn require_membership_kind(channel: &Channel) -> Result<()> {
    if channel.kind == ChannelKind::Project || channel.kind == ChannelKind::Private {
        Ok(())
    } else {
        Err(Error::rule(
            "channel_id",
            "members can only be changed in project and private channels",
        ))
    }
}

/// Adds an organization member to a project or private channel the caller belongs to
/// (a no-op for a member).
pub async fn add_member(cx: &Cx<'_>, input: AddChannelMember) -> Result<Channel> {
    let mut tx = cx.db().begin().await?;
    let before = load_channel(cx, &mut tx, &input.channel_id).await?;
    require_membership_kind(&before)?;
    require_org_member(cx, &mut tx, "user_id", &input.user_id).await?;
    if !store::chat::add_member(&mut tx, &before.id, &input.user_id).await? {
        return Ok(before);
    }
    let mut after = before.clone();
    after.updated_at = crate::clock::now();
    after.member_ids = Some(store::chat::member_ids(&mut tx, &before.id).await?);
    store::chat::touch_channel(&mut tx, &after.id, after.updated_at).await?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a member from a project or private channel: oneself (leaving), or anyone by the
/// channel's creator or someone with `manage_org`.
pub async fn remove_member(cx: &Cx<'_>, input: RemoveChannelMember) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let before = load_channel(cx, &mut tx, &input.channel_id).await?;
    require_membership_kind(&before)?;
    if input.user_id != cx.user_id()
        && before.created_by != cx.user_id()
        && !cx.can(Permission::ManageOrg)
    {
        return Err(Error::Forbidden(
            "only the channel's creator or someone with manage_org can remove other members".into(),
        ));
    }
    if !store::chat::remove_member(&mut tx, &before.id, &input.user_id).await? {
        return Err(Error::not_found("channel member"));
    }
    let mut after = before.clone();
    after.updated_at = crate::clock::now();
    after.member_ids = Some(store::chat::member_ids(&mut tx, &before.id).await?);
    store::chat::touch_channel(&mut tx, &after.id, after.updated_at).await?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(())
}

/// The direct channel between the caller and `user_id`, created the first time.
pub async fn open_direct(cx: &Cx<'_>, input: OpenDirect) -> Result<Channel> {
    let me = cx.user_id();
    if input.user_id == me {
        return Err(Error::rule(
            "user_id",
            "a direct conversation needs another member",
        ));
    }
    let org_id = cx.org_id()?;
    let mut pair = [me.to_owned(), input.user_id.clone()];
    pair.sort();
    let key = pair.join(":");
    if let Some(mut c) = store::chat::direct_channel(&mut cx.db(), org_id, &key).await? {
        c.member_ids = Some(store::chat::member_ids(&mut cx.db(), &c.id).await?);
        return Ok(c);
    }
    let mut tx = cx.db().begin().await?;
    require_org_member(cx, &mut tx, "user_id", &input.user_id).await?;
    let now = crate::clock::now();
    let channel = Channel {
        id: ids::new_id("ch"),
        org_id: org_id.to_owned(),
        kind: ChannelKind::Direct,
        name: String::new(),
        project_id: None,
        direct_key: Some(key.clone()),
        created_by: me.to_owned(),
        created_at: now,
        updated_at: now,
        member_ids: Some(pair.to_vec()),
    };
    if store::chat::insert_channel(&mut tx, &channel).await? {
        for m in &pair {
            store::chat::add_member(&mut tx, &channel.id, m).await?;
        }
        events::created(&mut tx, cx, &channel).await?;
        tx.commit().await?;
        return Ok(channel);
    }
    // Opened concurrently by the other member: return theirs.
    let mut c = store::chat::direct_channel(&mut tx, org_id, &key)
        .await?
        .ok_or_else(channel_not_found)?;
    c.member_ids = Some(store::chat::member_ids(&mut tx, &c.id).await?);
    tx.commit().await?;
    Ok(c)
}

/// A page of a channel's messages, newest first.
pub async fn list_messages(cx: &Cx<'_>, input: ListMessages) -> Result<Vec<Message>> {
    let limit = match input.limit {
        Some(0) => return Err(Error::invalid_field("limit", "limit must be at least 1")),
        Some(n) => n.min(MAX_LIMIT),
        None => DEFAULT_LIMIT,
    };
    let db = cx.db();
    let channel = load_channel(cx, &mut &*db, &input.channel_id).await?;
    let before = match &input.before {
        Some(id) => {
            let m = store::chat::message(&mut &*db, id)
                .await?
                .filter(|m| m.channel_id == channel.id)
                .ok_or_else(|| Error::rule("before", "before must be a message of this channel"))?;
            Some((m.created_at, m.id))
        }
        None => None,
    };
    let mut messages = store::chat::messages(
        &mut &*db,
        &channel.id,
        before.as_ref().map(|(at, id)| (*at, id.as_str())),
        i64::from(limit),
    )
    .await?;
    attach_reactions(&mut &*db, &mut messages).await?;
    Ok(messages)
}

/// Sends a message; its members receive it as `ChatMessage`, and the channel members it
/// mentions (`@email` or `@usr_…`) a notification.
pub async fn send_message(cx: &Cx<'_>, input: SendMessage) -> Result<Message> {
    let content = content(&input.content)?;
    let mut tx = cx.db().begin().await?;
    let channel = load_channel(cx, &mut tx, &input.channel_id).await?;
    if let Some(r) = &input.reply_to {
        let same_channel = store::chat::message(&mut tx, r)
            .await?
            .is_some_and(|m| m.channel_id == channel.id);
        if !same_channel {
            return Err(Error::rule(
                "reply_to",
                "reply_to must be a message of the same channel",
            ));
        }
    }
    let id = ids::new_id("msg");
    let draft = Message {
        id: id.clone(),
        org_id: channel.org_id.clone(),
        channel_id: channel.id.clone(),
        user_id: cx.user_id().to_owned(),
        user_name: String::new(),
        content,
        reply_to: input.reply_to,
        created_at: crate::clock::now(),
        edited_at: None,
        reactions: Vec::new(),
    };
    store::chat::insert_message(&mut tx, &draft).await?;
    let m = store::chat::message(&mut tx, &id)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("message {id} vanished after insert")))?;
    let data = json!({
        "channel_id": m.channel_id,
        "message": {
            "id": m.id,
            "content": m.content,
            "user_id": m.user_id,
            "user_name": m.user_name,
            "created_at": m.created_at,
            "reply_to": m.reply_to,
        },
    });
    events::record(
        &mut tx,
        cx,
        Record {
            event: "ChatMessage",
            entity_type: Message::TYPE,
            entity_id: &m.id,
            action: "created",
            data,
            audience: Some(&m.channel_id),
        },
    )
    .await?;
    let mut mentioned = Vec::new();
    for user_id in notifications::mentioned_users(&mut tx, &m.content).await? {
        if store::chat::can_see(&mut tx, &channel.id, &user_id).await? {
            mentioned.push(user_id);
        }
    }
    if !mentioned.is_empty() {
        let place = match channel.kind {
            ChannelKind::Direct => "a direct message".to_owned(),
            _ => format!("#{}", channel.name),
        };
        let title = format!("{} mentioned you in {place}", m.user_name);
        notifications::notify(
            &mut tx,
            cx,
            &mentioned,
            notifications::NotificationKind::Mention,
            &title,
            Message::TYPE,
            &m.id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(m)
}

/// Deletes a message: one's own, or any with `manage_org`.
pub async fn delete_message(cx: &Cx<'_>, input: DeleteMessage) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let m = load_message(cx, &mut tx, &input.message_id).await?;
    if m.channel_id != input.channel_id {
        return Err(Error::not_found("message"));
    }
    if m.user_id != cx.user_id() && !cx.can(Permission::ManageOrg) {
        return Err(Error::Forbidden(
            "only the author or someone with manage_org can delete a message".into(),
        ));
    }
    store::chat::delete_message(&mut tx, &m.id).await?;
    events::deleted(&mut tx, cx, &m).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds the caller's reaction (a no-op when present); returns the message with its reactions.
pub async fn add_reaction(cx: &Cx<'_>, input: AddReaction) -> Result<Message> {
    let emoji = emoji(&input.emoji)?;
    let mut tx = cx.db().begin().await?;
    let before = load_message(cx, &mut tx, &input.message_id).await?;
    let now = crate::clock::now();
    if !store::chat::add_reaction(&mut tx, &before.id, cx.user_id(), &emoji, now).await? {
        return Ok(before);
    }
    let mut after = before.clone();
    attach_reactions(&mut tx, std::slice::from_mut(&mut after)).await?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes the caller's reaction; `NOT_FOUND` when there is none.
pub async fn remove_reaction(cx: &Cx<'_>, input: RemoveReaction) -> Result<()> {
    let emoji = emoji(&input.emoji)?;
    let mut tx = cx.db().begin().await?;
    let before = load_message(cx, &mut tx, &input.message_id).await?;
    if !store::chat::remove_reaction(&mut tx, &before.id, cx.user_id(), &emoji).await? {
        return Err(Error::not_found("reaction"));
    }
    let mut after = before.clone();
    attach_reactions(&mut tx, std::slice::from_mut(&mut after)).await?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(())
}

/// Tells the channel's members that the caller is typing (ephemeral; nothing is stored).
pub async fn typing(cx: &Cx<'_>, input: Typing) -> Result<()> {
    let db = cx.db();
    let channel = load_channel(cx, &mut &*db, &input.channel_id).await?;
    let user_name = store::accounts::user(&mut &*db, cx.user_id())
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    cx.services.bus.signal(
        &channel.org_id,
        Audience::Channel(channel.id.clone()),
        "Typing",
        cx.user_id(),
        &json!({ "channel_id": channel.id, "user_id": cx.user_id(), "user_name": user_name }),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_and_content_rules() {
        assert!(emoji("👍").is_ok());
        assert!(emoji(":tada:").is_ok());
        assert!(emoji("").is_err());
        assert!(emoji("a b").is_err());
        assert!(emoji(&"x".repeat(33)).is_err());
        assert!(content("  \n ").is_err());
        assert!(content(&"x".repeat(MAX_CONTENT)).is_ok());
        assert!(content(&"x".repeat(MAX_CONTENT + 1)).is_err());
    }
}
