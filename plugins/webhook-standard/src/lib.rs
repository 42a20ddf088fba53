//! Stint's built-in `webhook` plugin: one `POST` per event to the subscription's URL, with the
//! event as a JSON body:
//!
//! ```json
//! {"id": 42, "type": "EntityChanged", "entity_type": "task", "action": "created",
//!  "organization_id": "org_…", "user_id": "usr_…", "occurred_at": 1790000000,
//!  "data": { …the event as WebSocket clients receive it… }}
//! ```

use serde_json::{Value, json};
use stint_plugin::{Webhook, WebhookEvent, WebhookRequest, WebhookSubscription};

/// The standard formatter.
pub struct Standard;

/// The JSON body sent for `event`.
pub fn body(event: &WebhookEvent) -> Value {
    let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    json!({
        "id": event.id,
        "type": event.kind,
        "entity_type": event.entity_type,
        "action": event.action,
        "organization_id": event.organization_id,
        "user_id": event.user_id,
        "occurred_at": event.occurred_at,
        "data": data,
    })
}

impl Webhook for Standard {
    fn format(
        event: &WebhookEvent,
        _subscription: &WebhookSubscription,
    ) -> Result<Vec<WebhookRequest>, String> {
        Ok(vec![WebhookRequest::json(body(event).to_string())])
    }
}

stint_plugin::export_webhook!(Standard);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_becomes_one_json_post() {
        let event = WebhookEvent {
            id: 7,
            kind: "EntityChanged".into(),
            entity_type: Some("task".into()),
            action: Some("created".into()),
            organization_id: "org_1".into(),
            user_id: None,
            occurred_at: 1_700_000_000,
            payload: r#"{"entity":{"title":"Fix login"}}"#.into(),
        };
        let sub = WebhookSubscription {
            id: "whk_1".into(),
            url: "https://example.invalid/hook".into(),
            config: "{}".into(),
        };
        let out = Standard::format(&event, &sub).unwrap();
        assert_eq!(out.len(), 1);
        assert!(out[0].url.is_none());
        let body: Value = serde_json::from_slice(&out[0].body).unwrap();
        assert_eq!(body["id"], 7);
        assert_eq!(body["data"]["entity"]["title"], "Fix login");
    }
}
