//! The tools: one per registered action, named after it (`tasks.create`), described by its
//! payload schema (`inputSchema`) and by its reply as REST sends it (`outputSchema`: `{data,
//! pagination?}`), with annotations read from the action's name. Built once at start-up.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use crate::actions::effect::{is_destructive, is_idempotent, is_read};
use crate::actions::{Entry, Registry};

/// The tool of one action.
pub fn tool(entry: &Entry) -> Tool {
    let description = match entry.permission {
        Some(p) => format!(
            "{} (needs the `{}` permission)",
            entry.description,
            p.as_str()
        ),
        None => entry.description.to_owned(),
    };
    let read = is_read(entry.name);
    let annotations = ToolAnnotations::new()
        .read_only(read)
        .destructive(is_destructive(entry.name))
        .idempotent(is_idempotent(entry.name))
        .open_world(false);
    Tool::new_with_raw(
        Cow::Borrowed(entry.name),
        Some(Cow::Owned(description)),
        Arc::new(input_schema(entry)),
    )
    .with_raw_output_schema(Arc::new(output_schema(entry)))
    .with_annotations(annotations)
}

/// Every tool, in the registry's (alphabetical) order.
pub fn tools(registry: &Registry) -> Vec<Tool> {
    registry.entries().map(tool).collect()
}

/// The payload schema as an object schema (MCP requires `type: object` at the root).
fn input_schema(entry: &Entry) -> JsonObject {
    let mut schema = object((entry.schema)().to_value());
    schema.remove("$schema");
    schema
        .entry("type")
        .or_insert_with(|| Value::String("object".into()));
    schema
}

/// `{data: <output>, pagination?: Pagination}`: the REST envelope of the action's reply, with the
/// output's definitions lifted to the root so its `$ref`s still resolve.
fn output_schema(entry: &Entry) -> JsonObject {
    let mut data = object((entry.output_schema)().to_value());
    data.remove("$schema");
    let defs = data.remove("$defs");
    let mut properties = Map::new();
    properties.insert("data".into(), Value::Object(data));
    let mut required = vec![json!("data")];
    if entry.paginated {
        properties.insert("pagination".into(), pagination_schema());
        required.push(json!("pagination"));
    }
    let mut out = Map::new();
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(properties));
    out.insert("required".into(), Value::Array(required));
    if let Some(defs) = defs {
        out.insert("$defs".into(), defs);
    }
    out
}

fn pagination_schema() -> Value {
    let int = json!({"type": "integer", "minimum": 0});
    json!({
        "type": "object",
        "description": "Where the page stands: items across all pages, this page, its size, the number of pages.",
        "properties": {"total": int, "page": int, "per_page": int, "total_pages": int},
        "required": ["total", "page", "per_page", "total_pages"],
    })
}

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        // `true` / `false` schemas: accept anything (or nothing) under an object root.
        other => {
            let mut map = Map::new();
            if other == Value::Bool(false) {
                map.insert("not".into(), json!({}));
            }
            map
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_a_tool_with_object_schemas() {
        let registry = crate::actions::build_registry();
        let tools = tools(&registry);
        assert_eq!(tools.len(), registry.entries().count());
        for (tool, entry) in tools.iter().zip(registry.entries()) {
            assert_eq!(tool.name, entry.name);
            assert_eq!(
                tool.input_schema.get("type"),
                Some(&json!("object")),
                "{}",
                entry.name
            );
            let out = tool.output_schema.as_ref().expect("output schema");
            assert_eq!(out.get("type"), Some(&json!("object")), "{}", entry.name);
            let annotations = tool.annotations.as_ref().expect("annotations");
            assert_eq!(annotations.open_world_hint, Some(false));
            assert_eq!(annotations.read_only_hint, Some(is_read(entry.name)));
        }
    }

    #[test]
    fn a_page_declares_its_pagination() {
        let registry = crate::actions::build_registry();
        let t = tool(registry.get("tasks.list").expect("tasks.list"));
        let out = t.output_schema.expect("output schema");
        assert_eq!(out["required"], json!(["data", "pagination"]));
        assert_eq!(out["properties"]["data"]["type"], json!("array"));
    }
}
