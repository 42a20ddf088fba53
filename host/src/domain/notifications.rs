//! In-app notifications: a task assigned to someone, a task's status changed (for its reporter
//! and assignees), a member mentioned in a task comment or a chat message.
//!
//! A change that causes notifications creates them with [`notify`] in its own transaction; each
//! one is pushed to its recipient alone as `NotificationCreated` through the outbox. E-mails for
//! assignments and status changes are collected as [`Mail`]s during the transaction and handed to
//! the mailer with [`send_mails`] only after it commits.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::Cx;
use crate::domain::events::{self, Actor, Record};
use crate::domain::page::{Page, PageQuery};
use crate::error::{Error, Result};
use crate::ids;
use crate::store::{self, Exec, Tx};

pub use crate::model::notifications::{Notification, NotificationKind};

/// Most ids one `notifications.mark_read` call accepts.
pub const MAX_MARK_IDS: usize = 1000;

/// `notifications.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListNotifications {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only unread notifications.
    #[serde(default, deserialize_with = "crate::domain::wire::lenient_bool")]
    #[schemars(with = "Option<bool>")]
    pub unread: Option<bool>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `notifications.mark_read`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The notifications to mark read (the caller's own; others are ignored). Omit to mark every
    /// unread notification of the organization read.
    pub ids: Option<Vec<String>>,
}

/// The answer of `notifications.mark_read`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MarkedRead {
    /// How many notifications went from unread to read.
    pub updated: u64,
}

/// An e-mail to send once the transaction that caused it has committed.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Creates one notification per recipient in `tx` and records its `NotificationCreated` event
/// for that recipient alone. Recipients are de-duplicated; the caller and anyone who is not a
/// member of the organization are skipped. Returns the notifications created.
#[allow(clippy::too_many_arguments)]
pub async fn notify(
    tx: &mut Tx,
    cx: &Cx<'_>,
    recipients: &[String],
    kind: NotificationKind,
    title: &str,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<Notification>> {
    let about = About {
        kind,
        title,
        entity_type,
        entity_id,
    };
    create(tx, cx.org_id()?, Actor::of(cx), recipients, about).await
}

/// Tells the owners and admins of an organization about something Stint did itself (a plugin or
/// webhook disabled after repeated failures): one notification each, with its
/// `NotificationCreated` event for that recipient alone and no actor.
pub async fn notify_admins(
    tx: &mut Tx,
    org_id: &str,
    kind: NotificationKind,
    title: &str,
    entity_type: &str,
    entity_id: &str,
) -> Result<()> {
    let admins = store::plugins::members_with_roles(tx, org_id, &["owner", "admin"]).await?;
    let about = About {
        kind,
        title,
        entity_type,
        entity_id,
    };
    create(tx, org_id, Actor::Stint, &admins, about).await?;
    Ok(())
}

/// What a notification is about.
struct About<'a> {
    kind: NotificationKind,
    title: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
}

/// The one writer of notifications, for members' changes and Stint's own.
async fn create(
    tx: &mut Tx,
    org_id: &str,
    actor: Actor<'_>,
    recipients: &[String],
    about: About<'_>,
) -> Result<Vec<Notification>> {
    let actor_id = match actor {
        Actor::Member { user_id, .. } => Some(user_id),
        Actor::Stint => None,
    };
    let unique: BTreeSet<&String> = recipients.iter().collect();
    let mut created = Vec::new();
    for user_id in unique {
        if Some(user_id.as_str()) == actor_id
            || store::access::membership(tx, org_id, user_id)
                .await?
                .is_none()
        {
            continue;
        }
        let n = Notification {
            id: ids::new_id("ntf"),
            org_id: org_id.to_owned(),
            user_id: user_id.clone(),
            kind: about.kind,
            title: about.title.to_owned(),
            entity_type: about.entity_type.to_owned(),
            entity_id: about.entity_id.to_owned(),
            actor_id: actor_id.map(str::to_owned),
            read_at: None,
            created_at: crate::clock::now(),
        };
        store::notifications::insert(tx, &n).await?;
        let data = n.pushed();
        events::record_by(
            tx,
            org_id,
            actor,
            Record {
                event: "NotificationCreated",
                entity_type: "notification",
                entity_id: &n.id,
                action: "created",
                data,
                audience: Some(&n.user_id),
            },
        )
        .await?;
        created.push(n);
    }
    Ok(created)
}

impl Notification {
    /// The `data` of its `NotificationCreated` event (the reference's shape).
    fn pushed(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.kind,
            "title": self.title,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "created_at": self.created_at,
        })
    }
}

/// The e-mails announcing `notifications` to their recipients, with `body` under the title.
pub async fn mails(
    ex: &mut impl Exec,
    notifications: &[Notification],
    body: &str,
) -> Result<Vec<Mail>> {
    let mut out = Vec::with_capacity(notifications.len());
    for n in notifications {
        if let Some(user) = store::accounts::user(ex, &n.user_id).await? {
            out.push(Mail {
                to: user.email,
                subject: n.title.clone(),
                body: format!("{}\n\n{body}\n", n.title),
            });
        }
    }
    Ok(out)
}

/// Hands collected e-mails to the mailer (call only after the transaction committed).
pub fn send_mails(cx: &Cx<'_>, mails: Vec<Mail>) {
    for m in mails {
        cx.services.mailer.send(&m.to, &m.subject, m.body);
    }
}

/// A mention found in text: `@` followed by an e-mail address or a user id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mention {
    /// `@bob@example.com` (lower-cased).
    Email(String),
    /// `@usr_…`
    UserId(String),
}

/// Characters a mention token may contain.
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '@')
}

/// The distinct mentions in `text`, in order of first appearance. An `@` starts a mention only at
/// the start of the text or after a character that cannot be part of an address (so the `@` of
/// a plain `bob@example.com` does not); trailing dots and hyphens (end of a sentence) are not
/// part of it.
pub fn parse_mentions(text: &str) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let starts = c == '@' && !prev.is_some_and(token_char);
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest.find(|ch: char| !token_char(ch)).unwrap_or(rest.len());
        let token = rest[..len].trim_end_matches(['.', '-', '@']);
        // Skip the whole token so its inner `@` is not read as another mention.
        while chars.peek().is_some_and(|(j, _)| *j <= i + len) {
            if let Some((_, ch)) = chars.next() {
                prev = Some(ch);
            }
        }
        let mention = match token.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.') =>
            {
                Mention::Email(token.to_lowercase())
            }
            Some(_) => continue,
            None if token.starts_with("usr_") && token.len() > 4 => {
                Mention::UserId(token.to_owned())
            }
            None => continue,
        };
        if !found.contains(&mention) {
            found.push(mention);
        }
    }
    found
}

/// The user ids the mentions in `text` name (existing users only; membership is checked by
/// [`notify`]).
pub async fn mentioned_users(ex: &mut impl Exec, text: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for m in parse_mentions(text) {
        let id = match m {
            Mention::Email(email) => store::accounts::user_by_email(ex, &email)
                .await?
                .map(|u| u.id),
            Mention::UserId(id) => store::accounts::user(ex, &id).await?.map(|u| u.id),
        };
        if let Some(id) = id
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The display name of the caller, for titles.
pub async fn actor_name(ex: &mut impl Exec, cx: &Cx<'_>) -> Result<String> {
    Ok(store::accounts::user(ex, cx.user_id())
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| "Someone".to_owned()))
}

/// The caller's notifications in the organization, newest first.
pub async fn list(cx: &Cx<'_>, input: ListNotifications) -> Result<Page<Notification>> {
    let request = input.page.resolve()?;
    let (items, total) = store::notifications::list(
        &mut cx.db(),
        cx.org_id()?,
        cx.user_id(),
        input.unread.unwrap_or(false),
        request.limit(),
        request.offset(),
    )
    .await?;
    Ok(Page {
        items,
        request,
        total,
    })
}

/// Marks the caller's notifications read: the given ones, or all unread ones.
pub async fn mark_read(cx: &Cx<'_>, input: MarkRead) -> Result<MarkedRead> {
    let org_id = cx.org_id()?.to_owned();
    let now = crate::clock::now();
    let mut tx = cx.db().begin().await?;
    let updated = match &input.ids {
        Some(ids) => {
            if ids.len() > MAX_MARK_IDS {
                return Err(Error::invalid_field(
                    "ids",
                    format!("at most {MAX_MARK_IDS} ids per call"),
                ));
            }
            let unique: BTreeSet<&String> = ids.iter().collect();
            let mut n = 0;
            for id in unique {
                n += store::notifications::mark_read(&mut tx, &org_id, cx.user_id(), id, now)
                    .await?;
            }
            n
        }
        None => store::notifications::mark_all_read(&mut tx, &org_id, cx.user_id(), now).await?,
    };
    tx.commit().await?;
    Ok(MarkedRead { updated })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Mention {
        Mention::Email(s.to_owned())
    }

    #[test]
    fn finds_email_and_id_mentions() {
        assert_eq!(
            parse_mentions("hey @bob@example.com and @usr_01abc, see this"),
            vec![
                email("bob@example.com"),
                Mention::UserId("usr_01abc".into())
            ]
        );
    }

    #[test]
    fn plain_addresses_are_not_mentions() {
        assert!(parse_mentions("write to bob@example.com").is_empty());
        assert!(parse_mentions("a@b").is_empty());
        assert!(parse_mentions("@ alone, @bob, @@x").is_empty());
    }

    #[test]
    fn trailing_punctuation_and_case() {
        assert_eq!(
            parse_mentions("Thanks @Bob@Example.com. (@carol@example.org)"),
            vec![email("bob@example.com"), email("carol@example.org")]
        );
        assert_eq!(
            parse_mentions("@usr_x."),
            vec![Mention::UserId("usr_x".into())]
        );
    }

    #[test]
    fn repeated_mentions_count_once() {
        assert_eq!(
            parse_mentions("@bob@example.com @BOB@example.com\n@bob@example.com"),
            vec![email("bob@example.com")]
        );
    }

    #[test]
    fn start_of_text_and_non_ascii() {
        assert_eq!(
            parse_mentions("@bob@example.com — ünïcode @usr_1"),
            vec![email("bob@example.com"), Mention::UserId("usr_1".into())]
        );
    }
}
