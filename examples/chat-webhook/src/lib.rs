//! An example `webhook` plugin: each `EntityChanged` event becomes one chat message,
//! `{"text": "Alice created task “Fix login”"}`, posted to the subscription's URL. Other events
//! (and entity types the configuration leaves out) are skipped.

use serde_json::Value;
use stint_plugin::{Webhook, WebhookEvent, WebhookRequest, WebhookSubscription};

/// The chat formatter.
pub struct Chat;

/// The message text for an event, or `None` to skip it.
pub fn text(event: &WebhookEvent, config: &Value) -> Option<String> {
    if event.kind != "EntityChanged" {
        return None;
    }
    let entity_type = event.entity_type.as_deref()?;
    if let Some(only) = config.get("entity_types").and_then(Value::as_array)
        && !only.iter().any(|t| t.as_str() == Some(entity_type))
    {
        return None;
    }
    let action = event.action.as_deref().unwrap_or("changed");
    let frame: Value = serde_json::from_str(&event.payload).ok()?;
    let entity = &frame["data"]["entity"];
    let title = ["title", "name", "description"]
        .iter()
        .find_map(|k| entity.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
        .or_else(|| frame["data"]["entity_id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let who = event
        .user_id
        .as_deref()
        .and_then(|id| config.get("names")?.get(id)?.as_str())
        .unwrap_or("Someone");
    Some(format!(
        "{who} {action} {} “{title}”",
        entity_type.replace('_', " ")
    ))
}

impl Webhook for Chat {
    fn format(
        event: &WebhookEvent,
        subscription: &WebhookSubscription,
    ) -> Result<Vec<WebhookRequest>, String> {
        let config: Value = serde_json::from_str(&subscription.config)
            .map_err(|e| format!("configuration is not JSON: {e}"))?;
        Ok(match text(event, &config) {
            Some(text) => {
                stint_plugin::debug!("event {}: {text}", event.id);
                let body = serde_json::json!({ "text": text }).to_string();
                vec![WebhookRequest::json(body)]
            }
            None => Vec::new(),
        })
    }
}

stint_plugin::export_webhook!(Chat);

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str) -> WebhookEvent {
        WebhookEvent {
            id: 1,
            kind: kind.into(),
            entity_type: Some("task".into()),
            action: Some("created".into()),
            organization_id: "org_1".into(),
            user_id: Some("usr_a".into()),
            occurred_at: 0,
            payload: r#"{"event":"EntityChanged","data":{"entity":{"title":"Fix login"}}}"#.into(),
        }
    }

    #[test]
    fn names_the_actor_and_the_entity() {
        let config = serde_json::json!({"names": {"usr_a": "Alice"}});
        assert_eq!(
            text(&event("EntityChanged"), &config).unwrap(),
            "Alice created task “Fix login”"
        );
        assert_eq!(
            text(&event("EntityChanged"), &Value::Null).unwrap(),
            "Someone created task “Fix login”"
        );
    }

    #[test]
    fn skips_other_events_and_types() {
        assert!(text(&event("ChatMessage"), &Value::Null).is_none());
        let only_projects = serde_json::json!({"entity_types": ["project"]});
        assert!(text(&event("EntityChanged"), &only_projects).is_none());
    }
}
