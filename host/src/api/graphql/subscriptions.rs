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
use super::operations::arg;
use super::request::RequestCx;
use super::types::{JSON, Kind, json_field};
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
    /// The event's data with its `event_id`, when it passes.
    fn pass(&self, event: &str, frame: &str) -> Option<Value> {
        if event != self.event {
            return None;
        }
        let mut frame: Value = serde_json::from_str(frame).ok()?;
        let mut data = frame.get_mut("data")?.take();
        if !self.types.is_empty() {
            let t = data.get("entity_type").and_then(Value::as_str)?;
            if !self.types.iter().any(|x| x == t) {
                return None;
            }
        }
        if let Some(p) = &self.project_id {
            let entity = data.get("entity");
            let own = data.get("entity_type").and_then(Value::as_str) == Some("project")
                && data.get("entity_id").and_then(Value::as_str) == Some(p.as_str());
            let inside = entity
                .and_then(|e| e.get("project_id"))
                .and_then(Value::as_str)
                == Some(p.as_str());
            if !own && !inside {
                return None;
            }
        }
        if let Some(c) = &self.channel_id
            && data.get("channel_id").and_then(Value::as_str) != Some(c.as_str())
        {
            return None;
        }
        if let (Some(obj), Some(id)) = (data.as_object_mut(), frame.get("event_id")) {
            obj.insert("event_id".into(), id.clone());
        }
        Some(data)
    }
}

/// The events a feed yields that pass `filter`, as field values.
fn events<'a>(
    feed: Feed,
    filter: Filter,
) -> impl Stream<Item = async_graphql::Result<FieldValue<'a>>> + Send + 'a {
    futures::stream::unfold((feed, filter), |(mut feed, filter)| async move {
        loop {
            match feed.next().await {
                Next::Event(d) => {
                    if let Some(data) = filter.pass(&d.event, &d.frame) {
                        return Some((Ok(FieldValue::owned_any(data)), (feed, filter)));
                    }
                }
                Next::CaughtUp => {}
                Next::Closed => return None,
            }
        }
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
            .field(json_field(
                "message",
                TypeRef::named_nn("ChatMessagePush"),
                Kind::Object,
            )),
        Object::new("ChatMessagePush")
            .field(leaf("id", s_nn()))
            .field(leaf("content", s_nn()))
            .field(leaf("user_id", s()))
            .field(leaf("user_name", s()))
            .field(leaf("created_at", s_nn()))
            .field(leaf("reply_to", s())),
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
            .field(json_field(
                "time_entry",
                TypeRef::named_nn("TimerEntry"),
                Kind::Object,
            )),
        Object::new("TimerEntry")
            .field(leaf("id", s_nn()))
            .field(leaf("description", s()))
            .field(leaf("project_id", s()))
            .field(leaf("start_time", s_nn())),
        Object::new("UserPresenceEvent")
            .description("A member came online, went away or went offline.")
            .field(leaf("user_id", s_nn()))
            .field(leaf("status", s_nn()))
            .field(leaf("last_seen", s())),
    ]
}
