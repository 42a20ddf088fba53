//! The event feed: everything one subscriber may see, in order — the stored events after the id
//! it resumes from (replay), then live events and ephemeral signals — each filtered when it is
//! delivered by the entity's read rule ([`Audience::admits`]). `/ws` reads it today; GraphQL
//! subscriptions, MCP resource updates and the compatibility surfaces read the same feed and only
//! translate what it yields into their wire formats.
//!
//! The feed does not know the domain: what a stored membership grants (roles and overrides) is a
//! function handed to it ([`GrantsOf`]) by whoever opens it.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::dispatcher::{self, Watermark};
use super::presence::Tracker;
use super::{Audience, Bus, Delivery};
use crate::store::{self, db::Db};

/// Replay reads the outbox in batches of this size.
const REPLAY_BATCH: i64 = 500;

/// The names of the permissions a subscriber holds in one organization.
pub type Grants = BTreeSet<&'static str>;

/// What a stored membership grants: the domain's rule (role plus overrides).
pub type GrantsOf = fn(&store::access::MemberRow) -> Grants;

/// Who subscribes.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The user.
    pub user_id: String,
    /// The only organization the credential may see (a personal access token's), if any.
    pub bound_org: Option<String>,
}

/// What a feed reads from: the database, the bus and the dispatcher's watermark.
#[derive(Clone)]
pub struct Source {
    /// The database (outbox, memberships, channel members).
    pub db: Db,
    /// This process's bus.
    pub bus: Arc<Bus>,
    /// How far the dispatcher has published: replays stop there.
    pub published: Arc<Watermark>,
    /// What a membership grants.
    pub grants_of: GrantsOf,
    /// Inactivity after which a subscriber is announced `away` (`None`: never).
    pub away_after: Option<std::time::Duration>,
}

/// What [`Feed::next`] yields.
#[derive(Debug)]
pub enum Next {
    /// An event the subscriber may see.
    Event(Arc<Delivery>),
    /// The replay is over: what follows is live.
    CaughtUp,
    /// The bus is closed: the process is shutting down.
    Closed,
}

/// Where a replay stands.
struct Replay {
    /// The last id read from the outbox.
    after: i64,
    /// Replay ends here; later events arrive from the bus.
    until: i64,
    /// Rows read but not yet delivered.
    rows: VecDeque<store::events::OutboxRow>,
}

/// One subscriber's feed.
pub struct Feed {
    source: Source,
    bus: broadcast::Receiver<Arc<Delivery>>,
    subscriber: Subscriber,
    orgs: HashMap<String, Grants>,
    last_sent: i64,
    replay: Option<Replay>,
    /// A delivery taken from the bus and not yet decided on, so that [`Feed::next`] loses
    /// nothing when it is cancelled (it is awaited inside `select!`).
    pending: Option<Arc<Delivery>>,
    resume_complete: bool,
    presence: Tracker,
}

impl Feed {
    /// Opens a feed: subscribes to the bus first, then reads the subscriber's memberships, so
    /// nothing committed meanwhile falls between replay and live. With `last_event_id`, stored
    /// events after it are replayed first.
    pub async fn open(
        source: Source,
        subscriber: Subscriber,
        last_event_id: Option<i64>,
    ) -> sqlx::Result<Feed> {
        let bus = source.bus.subscribe();
        let mut orgs: HashMap<String, Grants> =
            store::access::memberships(&mut &source.db, &subscriber.user_id)
                .await?
                .iter()
                .map(|row| (row.org_id.clone(), (source.grants_of)(row)))
                .collect();
        if let Some(bound) = &subscriber.bound_org {
            orgs.retain(|org, _| org == bound);
        }
        let resume_complete = match last_event_id {
            Some(from) => store::events::oldest_outbox_id(&mut &source.db)
                .await?
                .is_none_or(|oldest| oldest <= from + 1),
            None => true,
        };
        let replay = last_event_id.map(|from| Replay {
            after: from,
            until: source.published.get(),
            rows: VecDeque::new(),
        });
        let presence = Tracker::new(
            source.bus.clone(),
            &subscriber.user_id,
            orgs.keys().map(String::as_str),
            source.away_after,
        );
        source.bus.count_feed(true);
        Ok(Feed {
            presence,
            bus,
            subscriber,
            orgs,
            last_sent: last_event_id.unwrap_or(0),
            replay,
            pending: None,
            resume_complete,
            source,
        })
    }

    /// Whether the replay starts right after the requested id (false when older events were
    /// already purged by retention).
    pub fn resume_complete(&self) -> bool {
        self.resume_complete
    }

    /// Whether stored events are still being replayed (at open, or after falling behind).
    pub fn replaying(&self) -> bool {
        self.replay.is_some()
    }

    /// Records the subscriber's activity (a client message): it is not away, and if it was
    /// announced away it is announced online again.
    pub fn touch(&mut self) {
        self.presence.touch(self.orgs.keys().map(String::as_str));
    }

    /// The organizations the subscriber sees now.
    pub fn organizations(&self) -> impl Iterator<Item = &str> {
        self.orgs.keys().map(String::as_str)
    }

    /// The next event the subscriber may see, or the end of the replay, or the end of the feed.
    /// Cancel-safe.
    pub async fn next(&mut self) -> Next {
        loop {
            let delivery = match self.pending.take() {
                Some(d) => d,
                None => {
                    let replaying = self.replay.is_some();
                    if self.source.bus.is_shut_down() {
                        return Next::Closed;
                    }
                    match self.next_candidate().await {
                        None => return Next::Closed,
                        Some(Some(d)) => d,
                        Some(None) if replaying && self.replay.is_none() => {
                            return Next::CaughtUp;
                        }
                        Some(None) => continue,
                    }
                }
            };
            // Decided with awaits (membership re-read, channel members): park it meanwhile.
            self.pending = Some(delivery.clone());
            let visible = self.decide(&delivery).await;
            self.pending = None;
            if visible {
                return Next::Event(delivery);
            }
        }
    }

    /// The next replayed row or bus delivery not yet sent, or `Some(None)` to look again.
    async fn next_candidate(&mut self) -> Option<Option<Arc<Delivery>>> {
        if let Some(replay) = &mut self.replay {
            if let Some(row) = replay.rows.pop_front() {
                return Some(Some(Arc::new(dispatcher::delivery(row))));
            }
            if replay.after >= replay.until {
                self.replay = None;
                return Some(None);
            }
            let orgs: Vec<String> = self.orgs.keys().cloned().collect();
            match store::events::outbox_after(
                &mut &self.source.db,
                replay.after,
                Some(&orgs),
                REPLAY_BATCH,
            )
            .await
            {
                Ok(rows) => {
                    match rows.last() {
                        Some(last) => replay.after = last.id,
                        None => replay.after = replay.until,
                    }
                    let until = replay.until;
                    replay
                        .rows
                        .extend(rows.into_iter().take_while(|r| r.id <= until));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "replay failed; continuing live");
                    self.replay = None;
                }
            }
            return Some(None);
        }
        match self.bus.recv().await {
            Ok(d) => Some(Some(d)),
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, user_id = %self.subscriber.user_id, "feed lagged; replaying from the outbox");
                self.replay = Some(Replay {
                    after: self.last_sent,
                    until: self.source.published.get(),
                    rows: VecDeque::new(),
                });
                Some(None)
            }
            Err(RecvError::Closed) => None,
        }
    }

    /// Whether the subscriber may see `d` (and has not had it yet); keeps the memberships
    /// current as membership events pass.
    async fn decide(&mut self, d: &Delivery) -> bool {
        if d.event_id.is_some_and(|id| id <= self.last_sent) {
            return false;
        }
        let about_me = matches!(&d.entity, Some((t, id)) if t == "member" && *id == self.subscriber.user_id)
            && self
                .subscriber
                .bound_org
                .as_ref()
                .is_none_or(|b| *b == d.org_id);
        let removed = d.action.as_deref() == Some("deleted");
        // A member sees the event that adds or changes them with their new permissions, and the
        // one that removes them with their old ones.
        if about_me && !removed {
            self.refresh_membership(&d.org_id).await;
        }
        let visible = match self.orgs.get(&d.org_id) {
            None => false,
            Some(grants) => match d
                .audience
                .admits(&self.subscriber.user_id, |name| grants.contains(name))
            {
                Some(admitted) => admitted,
                None => match &d.audience {
                    Audience::Channel(c) => self.in_channel(d, c).await,
                    _ => false,
                },
            },
        };
        if let Some(id) = d.event_id {
            self.last_sent = id;
        }
        let org_gone = matches!(&d.entity, Some((t, _)) if t == "organization") && removed;
        if org_gone {
            self.orgs.remove(&d.org_id);
        } else if about_me && removed {
            self.refresh_membership(&d.org_id).await;
        }
        visible
    }

    /// Re-reads the subscriber's membership in `org_id` (joined, changed or left).
    async fn refresh_membership(&mut self, org_id: &str) {
        match store::access::membership(&mut &self.source.db, org_id, &self.subscriber.user_id)
            .await
        {
            Ok(Some(row)) => {
                self.orgs
                    .insert(org_id.to_owned(), (self.source.grants_of)(&row));
            }
            Ok(None) => {
                self.orgs.remove(org_id);
            }
            Err(e) => {
                // Withhold rather than guess: this organization's events stop until the next
                // membership event or a new feed.
                tracing::warn!(error = %e, "membership refresh failed; organization withheld");
                self.orgs.remove(org_id);
            }
        }
    }

    /// Whether the subscriber may see a chat channel's event. The channel's members are read
    /// once per event, when it is first decided, and shared by every feed.
    async fn in_channel(&self, d: &Delivery, channel_id: &str) -> bool {
        let members = d
            .channel_members
            .get_or_try_init(|| async {
                let mut db = &self.source.db;
                store::chat::audience(&mut db, channel_id).await
            })
            .await;
        match members {
            Ok(None) => true,
            Ok(Some(ids)) => ids.contains(&self.subscriber.user_id),
            Err(e) => {
                tracing::warn!(error = %e, "channel visibility check failed; event withheld");
                false
            }
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.source.bus.count_feed(false);
    }
}
