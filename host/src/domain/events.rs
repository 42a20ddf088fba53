//! Recording changes. Every mutation calls one of [`created`], [`updated`] or [`deleted`] inside its
//! transaction; that writes the `EntityChanged` event to the outbox (which the real-time dispatcher
//! publishes) and an entry to the organization's audit log, so neither can disagree with the data.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::Cx;
use crate::error::Result;
use crate::store::{self, db::Tx};

/// An entity whose changes are recorded.
pub trait Entity: Serialize {
    /// The `entity_type` of events (`task`, `project`, …).
    const TYPE: &'static str;
    /// The entity's id.
    fn id(&self) -> &str;
}

/// Records the creation of `entity`.
pub async fn created<E: Entity>(tx: &mut Tx, cx: &Cx<'_>, entity: &E) -> Result<()> {
    let value = serde_json::to_value(entity).map_err(anyhow::Error::from)?;
    write(tx, cx, E::TYPE, entity.id(), "created", value, None).await
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
    write(
        tx,
        cx,
        E::TYPE,
        after.id(),
        "updated",
        after_v,
        Some(Value::Object(changes)),
    )
    .await
}

/// Records the deletion of `entity` (its last state is kept in the event).
pub async fn deleted<E: Entity>(tx: &mut Tx, cx: &Cx<'_>, entity: &E) -> Result<()> {
    let value = serde_json::to_value(entity).map_err(anyhow::Error::from)?;
    write(tx, cx, E::TYPE, entity.id(), "deleted", value, None).await
}

async fn write(
    tx: &mut Tx,
    cx: &Cx<'_>,
    entity_type: &str,
    entity_id: &str,
    action: &str,
    entity: Value,
    changes: Option<Value>,
) -> Result<()> {
    let org_id = cx.org_id()?;
    let now = crate::clock::now();
    let mut data = json!({
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "entity": entity,
        "user_id": cx.user_id(),
        "timestamp": now,
    });
    if let Some(changes) = &changes {
        data["changes"] = changes.clone();
    }
    let event = store::events::NewEvent {
        org_id,
        entity_type,
        entity_id,
        action,
        user_id: Some(cx.user_id()),
        payload: &data,
        at: now,
        event: "EntityChanged",
        audience: None,
    };
    store::events::insert_outbox(tx, &event).await?;
    let details = changes.unwrap_or_else(|| json!({}));
    let ip = cx.caller.ip.map(|ip| ip.to_string());
    store::events::insert_audit(tx, &event, &format!("{entity_type}.{action}"), ip, &details)
        .await?;
    Ok(())
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
