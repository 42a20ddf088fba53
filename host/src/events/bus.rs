//! The in-process event bus.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use serde_json::Value;
use tokio::sync::broadcast;

/// Who may receive an event, besides being a member of its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every member of the organization.
    Org,
    /// One user (notifications, their own timer).
    User(String),
    /// The members of a chat channel.
    Channel(String),
    /// The members holding a permission (stored `perm:<name>`, e.g. `perm:manage_invoices`):
    /// what REST shows only to them (invoices, plugin and webhook settings, invitations).
    Permission(String),
    /// One user, and the members holding a permission: stored `usr_…|perm:<name>` (a time entry
    /// is read by the member who tracked it and by those with `view_reports`).
    OwnerOr(String),
}

impl Audience {
    /// Parses the outbox `audience` column.
    pub fn from_column(value: Option<&str>) -> Audience {
        match value {
            Some(v) if v.starts_with("usr_") && v.contains("|perm:") => {
                Audience::OwnerOr(v.to_owned())
            }
            Some(v) if v.starts_with("usr_") => Audience::User(v.to_owned()),
            Some(v) if v.starts_with("ch_") => Audience::Channel(v.to_owned()),
            Some(v) if v.starts_with("perm:") => Audience::Permission(v.to_owned()),
            _ => Audience::Org,
        }
    }

    /// The value stored in the outbox `audience` column.
    pub fn to_column(&self) -> Option<&str> {
        match self {
            Audience::Org => None,
            Audience::User(u) => Some(u),
            Audience::Channel(c) => Some(c),
            Audience::Permission(p) => Some(p),
            Audience::OwnerOr(v) => Some(v),
        }
    }

    /// [`Audience::OwnerOr`] for `user_id` and the permission named `permission`.
    pub fn owner_or(user_id: &str, permission: &str) -> Audience {
        Audience::OwnerOr(format!("{user_id}|perm:{permission}"))
    }

    /// [`Audience::Permission`] for the permission named `permission`.
    pub fn holders(permission: &str) -> Audience {
        Audience::Permission(format!("perm:{permission}"))
    }

    /// Whether `user_id`, a member of the event's organization who holds the permissions for
    /// which `holds(name)` is true, may receive it. `None` for a channel, whose members must be
    /// looked up. This is the one read rule: REST reads of entities with a restricted audience
    /// ask it too.
    pub fn admits(&self, user_id: &str, holds: impl Fn(&str) -> bool) -> Option<bool> {
        match self {
            Audience::Org => Some(true),
            Audience::User(u) => Some(u == user_id),
            Audience::Channel(_) => None,
            Audience::Permission(p) => Some(p.strip_prefix("perm:").is_some_and(holds)),
            Audience::OwnerOr(v) => {
                let (owner, perm) = v.split_once("|perm:").unwrap_or((v, ""));
                Some(owner == user_id || holds(perm))
            }
        }
    }
}

/// One event on its way to connections, rendered once for all of them.
#[derive(Debug)]
pub struct Delivery {
    /// The outbox id; `None` for ephemeral signals, which are never replayed.
    pub event_id: Option<i64>,
    /// The organization the event belongs to.
    pub org_id: String,
    /// Who may see it within the organization.
    pub audience: Audience,
    /// The push event name (`EntityChanged`, `ChatMessage`, …).
    pub event: String,
    /// Entity type and id for `EntityChanged` (used to track membership changes).
    pub entity: Option<(String, String)>,
    /// The `action` of an `EntityChanged` (`created`, `updated`, `deleted`).
    pub action: Option<String>,
    /// The user whose action caused the event.
    pub user_id: Option<String>,
    /// The complete frame: `{"event", "event_id"?, "data"}` as JSON text, reference-counted so
    /// that every connection sends the same bytes without copying them.
    pub frame: Utf8Bytes,
    /// For [`Audience::Channel`]: who may see the channel, looked up once when the first
    /// connection needs it and shared by all the others (`None` = every organization member).
    pub channel_members: tokio::sync::OnceCell<Option<HashSet<String>>>,
    /// The frame parsed, once, for the adapters that re-shape events rather than forward the
    /// frame's bytes (GraphQL subscriptions).
    pub parsed: std::sync::OnceLock<Arc<Value>>,
}

impl Delivery {
    /// The frame as JSON (`{"event", "event_id"?, "data"}`), parsed on first use and shared by
    /// every subscriber after.
    pub fn frame_json(&self) -> Arc<Value> {
        self.parsed
            .get_or_init(|| Arc::new(serde_json::from_str(&self.frame).unwrap_or(Value::Null)))
            .clone()
    }

    /// Renders the push frame for stored `data` JSON text.
    pub fn render(event: &str, event_id: Option<i64>, data_json: &str) -> Utf8Bytes {
        let name = Value::String(event.to_owned()).to_string();
        let frame = match event_id {
            Some(id) => format!(r#"{{"event":{name},"event_id":{id},"data":{data_json}}}"#),
            None => format!(r#"{{"event":{name},"data":{data_json}}}"#),
        };
        frame.into()
    }
}

/// Broadcasts deliveries to every subscriber in the process, and relays ephemeral signals to the
/// deployment's other processes when Redis is configured.
pub struct Bus {
    sender: broadcast::Sender<Arc<Delivery>>,
    relay: std::sync::OnceLock<Arc<super::relay::Relay>>,
    presence: super::presence::Book,
    /// Set once, when the server shuts down: every feed ends.
    closing: std::sync::atomic::AtomicBool,
    /// Feeds open on this bus.
    feeds: std::sync::atomic::AtomicUsize,
}

impl Bus {
    /// A bus that buffers up to `capacity` deliveries per slow subscriber; a subscriber that falls
    /// further behind is told how many it missed and recovers from the outbox.
    pub fn new(capacity: usize) -> Bus {
        Bus {
            sender: broadcast::channel(capacity.max(16)).0,
            relay: std::sync::OnceLock::new(),
            presence: Default::default(),
            closing: Default::default(),
            feeds: Default::default(),
        }
    }

    /// Ends every feed of this process ([`super::feed::Next::Closed`]): the server is shutting
    /// down, and its subscribers should be told so (and resume elsewhere or later). Feeds learn it
    /// at their next wake-up, which an empty signal gives all of them.
    pub fn shut_down(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::Release);
        self.deliver_signal("", Audience::User(String::new()), "", "", &Value::Null);
    }

    /// Whether [`Bus::shut_down`] was called.
    pub fn is_shut_down(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Waits until every feed opened on this bus has ended, or `limit` passed; true when all did.
    pub async fn feeds_ended(&self, limit: std::time::Duration) -> bool {
        let wait = async {
            while self.feeds.load(std::sync::atomic::Ordering::Acquire) > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }

    /// Counts a feed opened (`true`) or ended (`false`).
    pub(super) fn count_feed(&self, opened: bool) {
        if opened {
            self.feeds.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        } else {
            self.feeds.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        }
    }

    /// Who is active (not away) in this process.
    pub fn presence(&self) -> &super::presence::Book {
        &self.presence
    }

    /// Relays this process's signals to the others from now on.
    pub fn set_relay(&self, relay: Arc<super::relay::Relay>) {
        let _ = self.relay.set(relay);
    }

    /// The relay, when several processes serve the deployment.
    pub fn relay(&self) -> Option<&Arc<super::relay::Relay>> {
        self.relay.get()
    }

    /// Listens to everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Delivery>> {
        self.sender.subscribe()
    }

    /// Publishes a delivery (no subscribers is fine).
    pub fn publish(&self, delivery: Delivery) {
        let _ = self.sender.send(Arc::new(delivery));
    }

    /// Publishes an ephemeral signal (typing, presence): delivered live here and in the other
    /// processes, never stored or replayed.
    pub fn signal(
        &self,
        org_id: &str,
        audience: Audience,
        event: &str,
        user_id: &str,
        data: &Value,
    ) {
        if let Some(relay) = self.relay.get() {
            relay.signal(org_id, &audience, event, user_id, data);
        }
        self.deliver_signal(org_id, audience, event, user_id, data);
    }

    /// Delivers a signal to this process's connections only.
    pub fn deliver_signal(
        &self,
        org_id: &str,
        audience: Audience,
        event: &str,
        user_id: &str,
        data: &Value,
    ) {
        self.publish(Delivery {
            event_id: None,
            org_id: org_id.to_owned(),
            audience,
            event: event.to_owned(),
            entity: None,
            action: None,
            user_id: Some(user_id.to_owned()),
            frame: Delivery::render(event, None, &data.to_string()),
            channel_members: Default::default(),
            parsed: Default::default(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_audiences() {
        let f = Delivery::render("EntityChanged", Some(7), r#"{"a":1}"#);
        let v: Value = serde_json::from_str(&f).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"event": "EntityChanged", "event_id": 7, "data": {"a": 1}})
        );
        assert_eq!(
            Audience::from_column(Some("usr_1")),
            Audience::User("usr_1".into())
        );
        assert_eq!(Audience::from_column(None).to_column(), None);
        let a = Audience::owner_or("usr_1", "view_reports");
        assert_eq!(Audience::from_column(a.to_column()), a);
        assert_eq!(a.admits("usr_1", |_| false), Some(true));
        assert_eq!(a.admits("usr_2", |_| false), Some(false));
        assert_eq!(a.admits("usr_2", |p| p == "view_reports"), Some(true));
        let h = Audience::holders("manage_plugins");
        assert_eq!(h.admits("usr_2", |p| p == "view_reports"), Some(false));
        assert_eq!(h.admits("usr_2", |p| p == "manage_plugins"), Some(true));
    }
}
