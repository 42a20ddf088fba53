//! Chat channels, their members, messages and reactions.

use chrono::{DateTime, Utc};

use crate::model::chat::{Channel, Message};
use crate::q;
use crate::store::db::{Arg, Exec, Query, Sql};

const CHANNEL_COLUMNS: &str = "c.id, c.org_id, c.kind, c.name, c.project_id, c.direct_key, c.created_by, c.created_at, c.updated_at";

/// Inserts a channel; `false` when it already existed (the organization's org-wide channel, or
/// the direct channel of a pair), in which case nothing is written.
pub async fn insert_channel(ex: &mut impl Exec, c: &Channel) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "INSERT INTO chat_channels (id, org_id, kind, name, project_id, direct_key, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            &c.id,
            &c.org_id,
            c.kind.as_str(),
            &c.name,
            c.project_id.as_ref(),
            c.direct_key.as_ref(),
            &c.created_by,
            c.created_at,
            c.updated_at
        ))
        .await?;
    Ok(n == 1)
}

/// A channel by id.
pub async fn channel(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Channel>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {CHANNEL_COLUMNS} FROM chat_channels c WHERE c.id = $1"
        )))
        .bind(id),
    )
    .await
}

/// The organization's org-wide channel.
pub async fn org_channel(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Option<Channel>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {CHANNEL_COLUMNS} FROM chat_channels c WHERE c.org_id = $1 AND c.kind = 'org'"
        )))
        .bind(org_id),
    )
    .await
}

/// The direct channel with this key in the organization.
pub async fn direct_channel(
    ex: &mut impl Exec,
    org_id: &str,
    direct_key: &str,
) -> sqlx::Result<Option<Channel>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {CHANNEL_COLUMNS} FROM chat_channels c WHERE c.org_id = $1 AND c.direct_key = $2"
        )))
        .bind(org_id)
        .bind(direct_key),
    )
    .await
}

/// Filter: channels of `$1` that user `$2` may see.
const VISIBLE: &str = "c.org_id = $1 AND (c.kind = 'org' OR EXISTS (
    SELECT 1 FROM chat_channel_members vm WHERE vm.channel_id = c.id AND vm.user_id = $2))";

/// The channels of an organization a user may see: the org-wide one first, then by name.
pub async fn visible_channels(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
) -> sqlx::Result<Vec<Channel>> {
    ex.fetch_all(
        Query::new(Sql::Built(format!(
            "SELECT {CHANNEL_COLUMNS} FROM chat_channels c WHERE {VISIBLE}
             ORDER BY CASE WHEN c.kind = 'org' THEN 0 ELSE 1 END, LOWER(c.name), c.created_at, c.id"
        )))
        .bind(org_id)
        .bind(user_id),
    )
    .await
}

/// `(channel_id, user_id)` of every explicit member of the channels `user_id` may see.
pub async fn visible_memberships(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    ex.fetch_all(
        Query::new(Sql::Built(format!(
            "SELECT m.channel_id, m.user_id FROM chat_channel_members m
             JOIN chat_channels c ON c.id = m.channel_id WHERE {VISIBLE}
             ORDER BY m.channel_id, m.user_id"
        )))
        .bind(org_id)
        .bind(user_id),
    )
    .await
}

/// Whether `user_id` may see the channel: a member of its organization and, unless it is the
/// org-wide channel, an explicit member of the channel.
pub async fn can_see(ex: &mut impl Exec, channel_id: &str, user_id: &str) -> sqlx::Result<bool> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT c.id FROM chat_channels c
             JOIN org_members o ON o.org_id = c.org_id AND o.user_id = $2
             WHERE c.id = $1 AND (c.kind = 'org' OR EXISTS (
                 SELECT 1 FROM chat_channel_members m WHERE m.channel_id = c.id AND m.user_id = $2))",
            channel_id,
            user_id
        ))
        .await?;
    Ok(row.is_some())
}

/// Who may see a channel (and so receive its events): `None` for the org-wide channel (every
/// organization member), its members for the others; a channel that does not exist is visible
/// to nobody.
pub async fn audience(
    ex: &mut impl Exec,
    channel_id: &str,
) -> sqlx::Result<Option<std::collections::HashSet<String>>> {
    let kind: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT kind FROM chat_channels WHERE id = $1",
            channel_id
        ))
        .await?;
    match kind {
        None => Ok(Some(Default::default())),
        Some((kind,)) if kind == "org" => Ok(None),
        Some(_) => {
            let rows: Vec<(String,)> = ex
                .fetch_all(q!(
                    "SELECT user_id FROM chat_channel_members WHERE channel_id = $1",
                    channel_id
                ))
                .await?;
            Ok(Some(rows.into_iter().map(|r| r.0).collect()))
        }
    }
}

/// Whether `user_id` is an explicit member of the channel.
pub async fn is_member(ex: &mut impl Exec, channel_id: &str, user_id: &str) -> sqlx::Result<bool> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT user_id FROM chat_channel_members WHERE channel_id = $1 AND user_id = $2",
            channel_id,
            user_id
        ))
        .await?;
    Ok(row.is_some())
}

/// The explicit members of a channel, by id.
pub async fn member_ids(ex: &mut impl Exec, channel_id: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = ex
        .fetch_all(q!(
            "SELECT user_id FROM chat_channel_members WHERE channel_id = $1 ORDER BY user_id",
            channel_id
        ))
        .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Adds a member; `false` when they already were one.
pub async fn add_member(ex: &mut impl Exec, channel_id: &str, user_id: &str) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "INSERT INTO chat_channel_members (channel_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            channel_id,
            user_id
        ))
        .await?;
    Ok(n == 1)
}

/// Removes a user from every channel of an organization (they left or were removed from it).
pub async fn remove_from_org_channels(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
) -> sqlx::Result<u64> {
    ex.execute(q!(
        "DELETE FROM chat_channel_members WHERE user_id = $2
         AND channel_id IN (SELECT id FROM chat_channels WHERE org_id = $1)",
        org_id,
        user_id
    ))
    .await
}

/// Removes a member; `false` when they were none.
pub async fn remove_member(
    ex: &mut impl Exec,
    channel_id: &str,
    user_id: &str,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "DELETE FROM chat_channel_members WHERE channel_id = $1 AND user_id = $2",
            channel_id,
            user_id
        ))
        .await?;
    Ok(n == 1)
}

/// Marks a channel changed.
pub async fn touch_channel(ex: &mut impl Exec, id: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE chat_channels SET updated_at = $2 WHERE id = $1",
        id,
        at
    ))
    .await
    .map(drop)
}

/// Inserts a message.
pub async fn insert_message(ex: &mut impl Exec, m: &Message) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO chat_messages (id, org_id, channel_id, user_id, content, reply_to, created_at, edited_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &m.id,
        &m.org_id,
        &m.channel_id,
        &m.user_id,
        &m.content,
        m.reply_to.as_ref(),
        m.created_at,
        m.edited_at
    ))
    .await
    .map(drop)
}

const MESSAGE_SELECT: &str = "SELECT m.id, m.org_id, m.channel_id, m.user_id, u.name AS user_name,
    m.content, m.reply_to, m.created_at, m.edited_at
    FROM chat_messages m JOIN users u ON u.id = m.user_id";

/// A message by id (without its reactions).
pub async fn message(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Message>> {
    ex.fetch_optional(Query::new(Sql::Built(format!("{MESSAGE_SELECT} WHERE m.id = $1"))).bind(id))
        .await
}

/// Up to `limit` messages of a channel, newest first; with `before`, only those strictly older
/// than that `(created_at, id)` position. Without their reactions.
pub async fn messages(
    ex: &mut impl Exec,
    channel_id: &str,
    before: Option<(DateTime<Utc>, &str)>,
    limit: i64,
) -> sqlx::Result<Vec<Message>> {
    let q = match before {
        Some((at, id)) => Query::new(Sql::Built(format!(
            "{MESSAGE_SELECT} WHERE m.channel_id = $1 AND (m.created_at < $2 OR (m.created_at = $2 AND m.id < $3))
             ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
        )))
        .bind(channel_id)
        .bind(at)
        .bind(id)
        .bind(limit),
        None => Query::new(Sql::Built(format!(
            "{MESSAGE_SELECT} WHERE m.channel_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
        )))
        .bind(channel_id)
        .bind(limit),
    };
    ex.fetch_all(q).await
}

/// Deletes a message (its reactions go by cascade; replies keep `reply_to` = NULL).
pub async fn delete_message(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM chat_messages WHERE id = $1", id))
        .await
        .map(drop)
}

/// One reaction as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct ReactionRow {
    /// The message.
    pub message_id: String,
    /// Who reacted.
    pub user_id: String,
    /// The emoji.
    pub emoji: String,
}

/// The reactions to the given messages, oldest first.
pub async fn reactions(
    ex: &mut impl Exec,
    message_ids: &[String],
) -> sqlx::Result<Vec<ReactionRow>> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    let args: Vec<Arg> = message_ids.iter().map(Arg::from).collect();
    let placeholders: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT message_id, user_id, emoji FROM chat_reactions WHERE message_id IN ({})
         ORDER BY created_at, emoji, user_id",
        placeholders.join(", ")
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(args))
        .await
}

/// Adds a reaction; `false` when it already existed.
pub async fn add_reaction(
    ex: &mut impl Exec,
    message_id: &str,
    user_id: &str,
    emoji: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "INSERT INTO chat_reactions (message_id, user_id, emoji, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            message_id,
            user_id,
            emoji,
            at
        ))
        .await?;
    Ok(n == 1)
}

/// Removes a reaction; `false` when there was none.
pub async fn remove_reaction(
    ex: &mut impl Exec,
    message_id: &str,
    user_id: &str,
    emoji: &str,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "DELETE FROM chat_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
            message_id,
            user_id,
            emoji
        ))
        .await?;
    Ok(n == 1)
}
