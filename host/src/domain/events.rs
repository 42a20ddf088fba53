//! Recording changes. Every mutation calls one of [`created`], [`updated`] or [`deleted`] inside its
//! transaction; that writes the `EntityChanged` event to the outbox (which the real-time dispatcher
//! publishes) and an entry to the organization's audit log, so neither can disagree with the data.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::Cx;
use crate::error::Result;
pub use crate::events::Audience;
use crate::store::{self, db::Tx};

/// Implements [`Entity`] for a type whose `id` field is its id: `entity!(Task, "task");`, or
/// with a restricted audience: `entity!(Webhook, "webhook", |w| Audience::holders("manage_webhooks"));`.
#[macro_export]
macro_rules! entity {
    ($ty:ty, $name:literal) => {
        impl $crate::domain::events::Entity for $ty {
            const TYPE: &'static str = $name;
            fn id(&self) -> &str {
                &self.id
            }
        }
    };
    ($ty:ty, $name:literal, |$e:ident| $audience:expr) => {
        impl $crate::domain::events::Entity for $ty {
            const TYPE: &'static str = $name;
            fn id(&self) -> &str {
                &self.id
            }
            fn audience(&self) -> $crate::events::Audience {
                let $e = self;
                $audience
            }
        }
    };
}

/// An entity whose changes are recorded.
pub trait Entity: Serialize {
    /// The `entity_type` of events (`task`, `project`, …).
    const TYPE: &'static str;
    /// The entity's id.
    fn id(&self) -> &str;
    /// Who may read the entity, within its organization — and therefore who receives its events,
    /// live and on replay. The default is every member; an entity that REST shows to fewer
    /// people says so here, and its REST reads check the same [`Audience::admits`].
    fn audience(&self) -> Audience {
        Audience::Org
    }
}

/// Records the creation of `entity`.
pub async fn created<E: Entity>(tx: &mut Tx, cx: &Cx<'_>, entity: &E) -> Result<()> {
    whole(tx, cx, entity, "created").await
}

/// Records `action` with the entity's full state and no field changes.
async fn whole<E: Entity>(tx: &mut Tx, cx: &Cx<'_>, entity: &E, action: &str) -> Result<()> {
    let value = serde_json::to_value(entity).map_err(anyhow::Error::from)?;
    let own = entity.audience();
    let audience = own.to_column();
    write(tx, cx, E::TYPE, entity.id(), action, value, None, audience).await
}

/// Records a change from `before` to `after`, with the changed fields as `{from, to}` pairs.
/// Nothing is recorded when no field changed.
pub async fn updated<E: Entity>(tx: &mut Tx, cx: &Cx<'_>, before: &E, after: &E) -> Result<()> {
    let before_v = serde_json::to_value(before).map_err(anyhow::Error::from)?;
    let after_v = serde_json::to_value(after).map_err(anyhow::Error::from)?;
    let changes = diff(&before_v, &after_v);
    if changes.is_empty() {
        return Ok(());
    }
    let own = after.audience();
    let audience = own.to_column();
    write(
        tx,
        cx,
        E::TYPE,
        after.id(),
        "updated",
        after_v,
        Some(Value::Object(changes)),
        audience,
    )
    .await
}

/// Records the deletion of `entity` (its last state is kept in the event).
pub async fn deleted<E: Entity>(tx: &mut Tx, cx: &Cx<'_>, entity: &E) -> Result<()> {
    whole(tx, cx, entity, "deleted").await
}

/// A change pushed under its own event name (e.g. `ChatMessage`) rather than `EntityChanged`.
#[derive(Debug)]
pub struct Record<'a> {
    /// The push event name.
    pub event: &'a str,
    /// The entity type recorded in the outbox and the audit log.
    pub entity_type: &'a str,
    /// The entity's id.
    pub entity_id: &'a str,
    /// `created`, `updated`, `deleted`, …; the audit action is `{entity_type}.{action}`.
    pub action: &'a str,
    /// The event's `data`, exactly as pushed.
    pub data: Value,
    /// Who may receive it (`None` = the whole organization; see [`crate::events::Audience`]).
    pub audience: Option<&'a str>,
}

/// Who made a change: a member (the caller of an operation) or Stint itself — a background
/// job, the scheduler, an automatic disable — which is recorded with `user_id: null`.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A member, from where the request came.
    Member {
        /// The member.
        user_id: &'a str,
        /// The request's address, for the audit log.
        ip: Option<std::net::IpAddr>,
    },
    /// Stint itself.
    Stint,
}

impl<'a> Actor<'a> {
    /// The caller of an operation.
    pub fn of(cx: &'a Cx<'_>) -> Actor<'a> {
        Actor::Member {
            user_id: cx.user_id(),
            ip: cx.caller.ip,
        }
    }

    fn user_id(self) -> Option<&'a str> {
        match self {
            Actor::Member { user_id, .. } => Some(user_id),
            Actor::Stint => None,
        }
    }

    fn ip(self) -> Option<String> {
        match self {
            Actor::Member { ip, .. } => ip.map(|ip| ip.to_string()),
            Actor::Stint => None,
        }
    }
}

/// Writes `record` to the outbox and an entry (with empty details) to the audit log.
pub async fn record(tx: &mut Tx, cx: &Cx<'_>, record: Record<'_>) -> Result<()> {
    record_by(tx, cx.org_id()?, Actor::of(cx), record).await
}

/// [`record`] for an explicit organization and actor (Stint's own notifications).
pub async fn record_by(
    tx: &mut Tx,
    org_id: &str,
    actor: Actor<'_>,
    record: Record<'_>,
) -> Result<()> {
    let event = store::events::NewEvent {
        org_id,
        entity_type: record.entity_type,
        entity_id: record.entity_id,
        action: record.action,
        user_id: actor.user_id(),
        payload: &record.data,
        at: crate::clock::now(),
        event: record.event,
        audience: record.audience,
    };
    store::events::insert_outbox(tx, &event).await?;
    let action = format!("{}.{}", record.entity_type, record.action);
    store::events::insert_audit(tx, &event, &action, actor.ip(), &json!({})).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn write(
    tx: &mut Tx,
    cx: &Cx<'_>,
    entity_type: &str,
    entity_id: &str,
    action: &str,
    entity: Value,
    changes: Option<Value>,
    audience: Option<&str>,
) -> Result<()> {
    let ip = cx.caller.ip.map(|ip| ip.to_string());
    let details = changes.clone().unwrap_or_else(|| json!({}));
    append(
        tx,
        Change {
            org_id: cx.org_id()?,
            entity_type,
            entity_id,
            action,
            entity: Some(entity),
            changes,
            audience,
            details,
            user_id: Some(cx.user_id()),
            ip,
        },
    )
    .await
}

/// One `EntityChanged`, by a member or by Stint itself.
struct Change<'a> {
    org_id: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    action: &'a str,
    entity: Option<Value>,
    changes: Option<Value>,
    audience: Option<&'a str>,
    details: Value,
    user_id: Option<&'a str>,
    ip: Option<String>,
}

/// Writes a [`Change`] to the outbox and the audit log (`{entity_type}.{action}`).
async fn append(tx: &mut Tx, c: Change<'_>) -> Result<()> {
    let now = crate::clock::now();
    let mut data = json!({
        "entity_type": c.entity_type,
        "entity_id": c.entity_id,
        "action": c.action,
        "user_id": c.user_id,
        "timestamp": now,
    });
    if let Some(entity) = c.entity {
        data["entity"] = entity;
    }
    if let Some(changes) = c.changes {
        data["changes"] = changes;
    }
    let event = store::events::NewEvent {
        org_id: c.org_id,
        entity_type: c.entity_type,
        entity_id: c.entity_id,
        action: c.action,
        user_id: c.user_id,
        payload: &data,
        at: now,
        event: "EntityChanged",
        audience: c.audience,
    };
    store::events::insert_outbox(tx, &event).await?;
    let action = format!("{}.{}", c.entity_type, c.action);
    store::events::insert_audit(tx, &event, &action, c.ip, &c.details).await?;
    Ok(())
}

/// A change Stint made itself — a background job disabling a failing plugin or webhook, marking
/// an invoice overdue — rather than a member: recorded exactly like a member's (`EntityChanged` in
/// the outbox and an audit entry, in the caller's transaction), with `user_id: null`.
#[derive(Debug)]
pub struct SystemChange<'a> {
    /// The organization.
    pub org_id: &'a str,
    /// `plugin`, `webhook`, `invoice`, …
    pub entity_type: &'a str,
    /// The entity's id.
    pub entity_id: &'a str,
    /// `disabled`, `updated`, …; the audit action is `{entity_type}.{action}`.
    pub action: &'a str,
    /// The entity as the event shows it, if any.
    pub entity: Option<Value>,
    /// `{field: {from, to}}`, if any.
    pub changes: Option<Value>,
    /// Who may receive it: the entity type's read rule.
    pub audience: crate::events::Audience,
    /// What the audit entry records.
    pub details: Value,
}

/// Records a [`SystemChange`].
pub async fn system_change(tx: &mut Tx, c: SystemChange<'_>) -> Result<()> {
    append(
        tx,
        Change {
            org_id: c.org_id,
            entity_type: c.entity_type,
            entity_id: c.entity_id,
            action: c.action,
            entity: c.entity,
            changes: c.changes,
            audience: c.audience.to_column(),
            details: c.details,
            user_id: None,
            ip: None,
        },
    )
    .await
}

/// The top-level fields that differ between two JSON objects, as `{field: {from, to}}`.
pub fn diff(before: &Value, after: &Value) -> Map<String, Value> {
    let mut changes = Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (key, to) in a {
            if key == "updated_at" {
                continue;
            }
            let from = b.get(key).unwrap_or(&Value::Null);
            if from != to {
                changes.insert(key.clone(), json!({ "from": from, "to": to }));
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_reports_changed_fields_only() {
        let d = diff(
            &json!({"status": "open", "title": "a", "updated_at": 1}),
            &json!({"status": "done", "title": "a", "updated_at": 2}),
        );
        assert_eq!(
            Value::Object(d),
            json!({"status": {"from": "open", "to": "done"}})
        );
    }
}
