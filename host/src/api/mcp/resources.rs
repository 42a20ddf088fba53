//! Resources: tasks, projects, invoices, time entries and chat channels as `stint://…/{id}` JSON
//! documents, read through the same actions as the tools, and the URIs an event touches (for
//! `notifications/resources/updated`).

use rmcp::model::{ResourceContents, ResourceTemplate};
use serde_json::{Value, json};

use crate::events::Delivery;

/// The URI scheme of every resource.
pub const SCHEME: &str = "stint://";

/// One kind of resource: its URI segment, the event entity type that changes it, the action that
/// reads it and the payload field the id goes in.
struct Kind {
    segment: &'static str,
    entity_type: &'static str,
    title: &'static str,
    description: &'static str,
    action: &'static str,
    id_field: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        segment: "tasks",
        entity_type: "task",
        title: "Task",
        description: "A task with its status, assignees, labels and dates (`tasks.get`).",
        action: "tasks.get",
        id_field: "id",
    },
    Kind {
        segment: "projects",
        entity_type: "project",
        title: "Project",
        description: "A project (`projects.get`).",
        action: "projects.get",
        id_field: "id",
    },
    Kind {
        segment: "invoices",
        entity_type: "invoice",
        title: "Invoice",
        description: "An invoice with its lines and totals (`invoices.get`).",
        action: "invoices.get",
        id_field: "id",
    },
    Kind {
        segment: "time_entries",
        entity_type: "time_entry",
        title: "Time entry",
        description: "A time entry (`time_entries.get`).",
        action: "time_entries.get",
        id_field: "id",
    },
    Kind {
        segment: "chat_channels",
        entity_type: "chat_channel",
        title: "Chat channel",
        description: "A chat channel's latest messages (`chat.messages.list`).",
        action: "chat.messages.list",
        id_field: "channel_id",
    },
];

/// The resource templates, one per kind.
pub fn templates() -> Vec<ResourceTemplate> {
    KINDS
        .iter()
        .map(|k| {
            ResourceTemplate::new(format!("{SCHEME}{}/{{id}}", k.segment), k.segment)
                .with_title(k.title)
                .with_description(k.description)
                .with_mime_type("application/json")
        })
        .collect()
}

/// What reading a URI means: the action to call and its payload.
#[derive(Debug, PartialEq)]
pub struct Read {
    /// The action.
    pub action: &'static str,
    /// Its payload.
    pub payload: Value,
}

/// Parses `stint://tasks/tsk_…`; `None` for anything that is not one of the templates.
pub fn parse(uri: &str) -> Option<Read> {
    let rest = uri.strip_prefix(SCHEME)?;
    let (segment, id) = rest.split_once('/')?;
    if id.is_empty() || id.contains(['/', '?', '#']) {
        return None;
    }
    let kind = KINDS.iter().find(|k| k.segment == segment)?;
    Some(Read {
        action: kind.action,
        payload: json!({ kind.id_field: id }),
    })
}

/// A read resource's contents.
pub fn contents(uri: &str, body: &Value) -> ResourceContents {
    ResourceContents::text(body.to_string(), uri).with_mime_type("application/json")
}

/// The URIs an event changes: the entity itself, the task a comment or checklist item belongs
/// to, the channel a message is posted in.
pub fn touched(delivery: &Delivery) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((entity_type, id)) = &delivery.entity
        && let Some(k) = KINDS.iter().find(|k| k.entity_type == entity_type)
    {
        out.push(format!("{SCHEME}{}/{id}", k.segment));
    }
    let frame = delivery.frame_json();
    let data = &frame["data"];
    if let Some(task) = data["entity"]["task_id"].as_str() {
        out.push(format!("{SCHEME}tasks/{task}"));
    }
    if let Some(channel) = data["channel_id"].as_str() {
        out.push(format!("{SCHEME}chat_channels/{channel}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_into_reads() {
        assert_eq!(
            parse("stint://tasks/tsk_1"),
            Some(Read {
                action: "tasks.get",
                payload: json!({"id": "tsk_1"})
            })
        );
        assert_eq!(
            parse("stint://chat_channels/chn_1").map(|r| r.payload),
            Some(json!({"channel_id": "chn_1"}))
        );
        for bad in [
            "stint://tasks/",
            "stint://tasks/a/b",
            "stint://nope/x",
            "http://tasks/x",
            "stint://tasks",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
