//! Subscriptions: each one reads its own [`Feed`] — what the subscriber may see, in order, filtered
//! by the entity's read rule exactly as on `/ws` — and passes on the events of its kind. With
//! `after: <event id>` the feed first replays what was stored after that id, so a client that
//! reconnects with the last id it saw misses nothing and sees nothing twice.

use async_graphql::dynamic::{
    FieldValue, Object, ResolverContext, Subscription, SubscriptionField, SubscriptionFieldFuture,
    TypeRef,
};
use futures::Stream;
use serde_json::Value;

use super::errors::to_graphql;
use super::request::RequestCx;
use super::types::{JSON, Kind, arg, json_field, parent_json};
use crate::error::Error;
use crate::events::feed::{Feed, Next, Subscriber};

/// Which events a subscription passes on.
#[derive(Debug, Clone, Default)]
struct Filter {
    /// The push event name (`EntityChanged`, `ChatMessage`, …).
    event: &'static str,
    /// `entityChanged(types:)`: entity types to keep (empty: all).
    types: Vec<String>,
    /// `entityChanged(projectId:)`: the project (the entity itself or its `project_id`).
    project_id: Option<String>,
    /// `chatMessage(channelId:)`.
    channel_id: Option<String>,
}

impl Filter {
    /// Whether an event of the subscription's kind (`data` of its frame) passes the rest.
    fn pass(&self, data: &Value) -> bool {
        if !self.types.is_empty() {
            let Some(t) = data.get("entity_type").and_then(Value::as_str) else {
                return false;
            };
            if !self.types.iter().any(|x| x == t) {
                return false;
            }
        }
        if let Some(p) = &self.project_id {
            let own = data.get("entity_type").and_then(Value::as_str) == Some("project")
                && data.get("entity_id").and_then(Value::as_str) == Some(p.as_str());
            let inside = data
                .get("entity")
                .and_then(|e| e.get("project_id"))
                .and_then(Value::as_str)
                == Some(p.as_str());
            if !own && !inside {
                return false;
            }
        }
        if let Some(c) = &self.channel_id
            && data.get("channel_id").and_then(Value::as_str) != Some(c.as_str())
        {
            return false;
        }
        true
    }
}

/// The events a feed yields that pass `filter`: each the shared, parsed frame of its delivery,
/// which the event types read ([`event_field`]).
fn events<'a>(
    feed: Feed,
    filter: Filter,
) -> impl Stream<Item = async_graphql::Result<FieldValue<'a>>> + Send + 'a {
    futures::stream::unfold((feed, filter), |(mut feed, filter)| async move {
        loop {
            match feed.next().await {
                Next::Event(d) => {
                    if d.event != filter.event {
                        continue;
                    }
                    // Parsed once per event, shared by every subscriber.
                    let frame = d.frame_json();
                    if filter.pass(&frame["data"]) {
                        return Some((Ok(FieldValue::owned_any(frame)), (feed, filter)));
                    }
                }
                Next::CaughtUp => {}
                Next::Closed => return None,
            }
        }
    })
}

/// A field of an event type: `event_id` from the frame, everything else from its `data`.
fn event_field(key: &str, ty: TypeRef, kind: Kind) -> async_graphql::dynamic::Field {
    let key = key.to_owned();
    async_graphql::dynamic::Field::new(key.clone(), ty, move |ctx| {
        let frame = parent_json(ctx.parent_value);
        let value = if key == "event_id" {
            frame.and_then(|f| f.get("event_id"))
        } else {
            frame.and_then(|f| f.get("data")).and_then(|d| d.get(&key))
        };
        async_graphql::dynamic::FieldFuture::Value(value.and_then(|v| kind.borrowed(v)))
    })
}

fn after(ctx: &ResolverContext<'_>) -> async_graphql::Result<Option<i64>> {
    match ctx.args.get("after") {
        Some(v) if !v.is_null() => {
            let id = v.i64()?;
            if id < 0 {
                return Err(to_graphql(Error::invalid_field(
                    "after",
                    "after is an event id (0 or more)",
                )));
            }
            Ok(Some(id))
        }
        _ => Ok(None),
    }
}

fn strings(ctx: &ResolverContext<'_>, name: &str) -> Vec<String> {
    ctx.args
        .get(name)
        .and_then(|v| v.list().ok())
        .map(|l| {
            l.iter()
                .filter_map(|v| v.string().ok().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn string(ctx: &ResolverContext<'_>, name: &str) -> Option<String> {
    ctx.args
        .get(name)
        .and_then(|v| v.string().ok().map(str::to_owned))
}

/// A subscription field over the caller's feed.
fn field(
    name: &str,
    ty: &str,
    description: &str,
    filter: fn(&ResolverContext<'_>) -> Filter,
) -> SubscriptionField {
    SubscriptionField::new(name, TypeRef::named_nn(ty), move |ctx| {
        SubscriptionFieldFuture::new(async move {
            let rq = ctx.data::<RequestCx>().map_err(|_| {
                to_graphql(Error::Unauthorized(
                    "subscriptions need a token: send {\"Authorization\": \"Bearer …\"} in connection_init"
                        .into(),
                ))
            })?;
            let from = after(&ctx)?;
            let filter = filter(&ctx);
            let subscriber = Subscriber {
                user_id: rq.caller.principal.user_id.clone(),
                bound_org: rq.caller.principal.bound_org().map(str::to_owned),
            };
            let mut source = rq.app.feed_source();
            // Presence follows `/ws` connections, not subscriptions.
            source.away_after = None;
            let feed = Feed::open(source, subscriber, from)
                .await
                .map_err(|e| to_graphql(Error::from(e)))?;
            Ok(events(feed, filter))
        })
    })
    .description(description)
    .argument(arg(
        "after",
        TypeRef::named(TypeRef::INT),
        "Replay the stored events after this event id first (the last `event_id` you saw).",
    ))
}

/// The `Subscription` root and the event types it yields.
pub fn build() -> (Subscription, Vec<Object>) {
    let subscription = Subscription::new("Subscription")
        .field(
            field(
                "entityChanged",
                "EntityChangedEvent",
                "Creations, updates and deletions of the records you may read.",
                |ctx| Filter {
                    event: "EntityChanged",
                    types: strings(ctx, "types"),
                    project_id: string(ctx, "projectId"),
                    ..Filter::default()
                },
            )
            .argument(arg(
                "types",
                TypeRef::named_nn_list(TypeRef::STRING),
                "Only these entity types (`task`, `project`, `time_entry`, …).",
            ))
            .argument(arg(
                "projectId",
                TypeRef::named(TypeRef::STRING),
                "Only the project and what belongs to it.",
            )),
        )
        .field(
            field(
                "chatMessage",
                "ChatMessageEvent",
                "Messages of the channels you are in.",
                |ctx| Filter {
                    event: "ChatMessage",
                    channel_id: string(ctx, "channelId"),
                    ..Filter::default()
                },
            )
            .argument(arg(
                "channelId",
                TypeRef::named(TypeRef::STRING),
                "Only this channel.",
            )),
        )
        .field(field(
            "notificationCreated",
            "NotificationEvent",
            "Your notifications as they are created.",
            |_| Filter {
                event: "NotificationCreated",
                ..Filter::default()
            },
        ))
        .field(field(
            "timerUpdate",
            "TimerUpdateEvent",
            "Your timer starting and stopping, from any device.",
            |_| Filter {
                event: "TimerUpdate",
                ..Filter::default()
            },
        ))
        .field(field(
            "userPresence",
            "UserPresenceEvent",
            "Members of your organizations coming online, going away or offline (not stored: `after` replays nothing).",
            |_| Filter {
                event: "UserPresence",
                ..Filter::default()
            },
        ));
    (subscription, event_types())
}

fn leaf(key: &str, ty: TypeRef) -> async_graphql::dynamic::Field {
    event_field(key, ty, Kind::Leaf)
}

/// A field of a nested object (a plain JSON object, not a frame).
fn plain(key: &str, ty: TypeRef) -> async_graphql::dynamic::Field {
    json_field(key, ty, Kind::Leaf)
}

fn s() -> TypeRef {
    TypeRef::named(TypeRef::STRING)
}

fn s_nn() -> TypeRef {
    TypeRef::named_nn(TypeRef::STRING)
}

fn event_id() -> async_graphql::dynamic::Field {
    leaf("event_id", TypeRef::named(TypeRef::INT))
        .description("The stored event's id: pass it as `after` to resume after it.")
}

fn event_types() -> Vec<Object> {
    vec![
        Object::new("EntityChangedEvent")
            .description("A record was created, updated or deleted (`/ws`'s `EntityChanged`).")
            .field(event_id())
            .field(leaf("entity_type", s_nn()))
            .field(leaf("entity_id", s_nn()))
            .field(leaf("action", s_nn()))
            .field(leaf("user_id", s()))
            .field(leaf("timestamp", s_nn()))
            .field(leaf("entity", TypeRef::named(JSON)))
            .field(leaf("changes", TypeRef::named(JSON))),
        Object::new("ChatMessageEvent")
            .description("A message was sent to a channel you are in.")
            .field(event_id())
            .field(leaf("channel_id", s_nn()))
            .field(event_field(
                "message",
                TypeRef::named_nn("ChatMessagePush"),
                Kind::Object,
            )),
        Object::new("ChatMessagePush")
            .field(plain("id", s_nn()))
            .field(plain("content", s_nn()))
            .field(plain("user_id", s()))
            .field(plain("user_name", s()))
            .field(plain("created_at", s_nn()))
            .field(plain("reply_to", s())),
        Object::new("NotificationEvent")
            .description("A notification for you.")
            .field(event_id())
            .field(leaf("id", s_nn()))
            .field(leaf("type", s_nn()))
            .field(leaf("title", s_nn()))
            .field(leaf("entity_type", s()))
            .field(leaf("entity_id", s()))
            .field(leaf("created_at", s_nn())),
        Object::new("TimerUpdateEvent")
            .description("Your timer started (`running: true`) or stopped.")
            .field(event_id())
            .field(leaf("running", TypeRef::named_nn(TypeRef::BOOLEAN)))
            .field(event_field(
                "time_entry",
                TypeRef::named_nn("TimerEntry"),
                Kind::Object,
            )),
        Object::new("TimerEntry")
            .field(plain("id", s_nn()))
            .field(plain("description", s()))
            .field(plain("project_id", s()))
            .field(plain("start_time", s_nn())),
        Object::new("UserPresenceEvent")
            .description("A member came online, went away or went offline.")
            .field(leaf("user_id", s_nn()))
            .field(leaf("status", s_nn()))
            .field(leaf("last_seen", s())),
    ]
}
