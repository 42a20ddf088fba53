//! The root fields: one per registered action — reads on `Query`, writes on `Mutation` — named
//! after the action (`tasks.create` → `tasks_create`), plus TRCR's documented names for the same
//! actions (`tasks`, `task`, `projects`, `project`, `organizations`, `organization`) and `me`.
//! Every field decodes its arguments into the action's payload and calls the registry, so scope,
//! membership and permission are checked exactly as for REST and `/ws`.

use std::sync::Arc;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Object, TypeRef};
use serde_json::{Map, Value, json};

use super::errors::to_graphql;
use super::request::RequestCx;
use super::types::{Doc, InputField, Kind, Types, json_field, pascal};
use crate::actions::effect::is_read;
use crate::actions::{Entry, Registry, Reply};

/// TRCR's documented root queries and the actions they are.
pub const TRCR_NAMES: &[(&str, &str)] = &[
    ("organizations", "organizations.list"),
    ("organization", "organizations.get"),
    ("projects", "projects.list"),
    ("project", "projects.get"),
    ("tasks", "tasks.list"),
    ("task", "tasks.get"),
];

/// The root field of an action: `tasks.checklist.toggle` → `tasks_checklist_toggle`.
pub fn field_name(action: &str) -> String {
    action.replace('.', "_")
}

/// How an action's reply becomes the field's value.
#[derive(Debug, Clone)]
pub enum Output {
    /// Nothing (REST's 204): `true`.
    Done,
    /// A page: `{data, pagination}`.
    Page,
    /// The value itself.
    Value(Kind),
}

impl Output {
    fn into_field_value(self, reply: Reply) -> Option<FieldValue<'static>> {
        match self {
            Output::Done => Some(FieldValue::value(true)),
            Output::Page => Kind::Object.owned(json!({
                "data": reply.data,
                "pagination": reply.pagination,
            })),
            Output::Value(kind) => kind.owned(reply.data),
        }
    }
}

/// A generated root field, before it is put on `Query` or `Mutation`.
pub struct RootField {
    /// Whether it reads only.
    pub read: bool,
    /// The field.
    pub field: Field,
}

/// The output type and resolution of an action, generating the types it needs. Root fields are
/// nullable whatever the action returns, so that one failing field of a request is `null` with
/// its error while the others are answered (a non-null field's error would null the whole
/// `data`).
pub fn output_of(types: &mut Types, entry: &Entry) -> (TypeRef, Output) {
    let schema = (entry.output_schema)().to_value();
    let doc = Doc::root(&schema);
    if schema.get("type").and_then(Value::as_str) == Some("null") {
        return (TypeRef::named(TypeRef::BOOLEAN), Output::Done);
    }
    let hint = pascal(&field_name(entry.name));
    let (ty, kind, _) = types.output(doc, &hint);
    if entry.paginated && matches!(kind, Kind::List(_)) {
        let page = page_type(types, &ty);
        return (TypeRef::named(page), Output::Page);
    }
    (ty, Output::Value(kind))
}

/// `{data: [T!]!, pagination: Pagination!}` for a list type `[T!]`, named `TPage`.
fn page_type(types: &mut Types, list: &TypeRef) -> String {
    let item = list.type_name().to_owned();
    let name = format!("{item}Page");
    if !types.has_object(&name) {
        let object = Object::new(&name)
            .description(format!("A page of {item}: the items and where they stand."))
            .field(json_field(
                "data",
                TypeRef::NonNull(Box::new(list.clone())),
                Kind::List(Box::new(Kind::Object)),
            ))
            .field(json_field(
                "pagination",
                TypeRef::named_nn("Pagination"),
                Kind::Object,
            ));
        types.add_object(&name, object);
    }
    name
}

/// The `Pagination` type every page shares.
pub fn pagination_type() -> Object {
    Object::new("Pagination")
        .description("Where a page stands: the total number of items, the page and its size.")
        .field(json_field(
            "total",
            TypeRef::named_nn(TypeRef::INT),
            Kind::Leaf,
        ))
        .field(json_field(
            "page",
            TypeRef::named_nn(TypeRef::INT),
            Kind::Leaf,
        ))
        .field(json_field(
            "per_page",
            TypeRef::named_nn(TypeRef::INT),
            Kind::Leaf,
        ))
        .field(json_field(
            "total_pages",
            TypeRef::named_nn(TypeRef::INT),
            Kind::Leaf,
        ))
}

/// The root field that calls `entry`, under `name`.
pub fn root_field(types: &mut Types, entry: &Entry, name: &str) -> RootField {
    let (ty, output) = output_of(types, entry);
    let payload_schema = (entry.schema)().to_value();
    let hint = pascal(&field_name(entry.name));
    let arguments = types.arguments(Doc::root(&payload_schema), &hint);
    let action = entry.name;
    let shape: Arc<Vec<InputField>> = Arc::new(arguments.iter().map(|(_, f)| f.clone()).collect());
    let mut field = Field::new(name, ty, move |ctx| {
        let shape = shape.clone();
        let output = output.clone();
        FieldFuture::new(async move {
            let rq = ctx.data::<RequestCx>()?;
            let payload = payload(&shape, &ctx.args);
            let reply = rq.invoke(action, payload).await.map_err(to_graphql)?;
            Ok(output.into_field_value(reply))
        })
    })
    .description(describe(entry));
    for (arg, _) in arguments {
        field = field.argument(arg);
    }
    RootField {
        read: is_read(entry.name),
        field,
    }
}

/// The payload of a call: every argument given, under its JSON name. An explicit `null` is
/// kept (a patch that clears a field); an argument left out stays out.
pub fn payload(shape: &[InputField], args: &async_graphql::dynamic::ObjectAccessor<'_>) -> Value {
    let mut out = Map::new();
    for f in shape {
        if let Some(v) = args.get(&f.graphql) {
            f.put(&mut out, v.as_value());
        }
    }
    Value::Object(out)
}

fn describe(entry: &Entry) -> String {
    match entry.permission {
        Some(p) => format!(
            "{} (`{}`; needs `{}`)",
            entry.description,
            entry.name,
            p.as_str()
        ),
        None => format!("{} (`{}`)", entry.description, entry.name),
    }
}

/// Every root field of the registry (and the TRCR names), split into queries and mutations.
pub fn root_fields(types: &mut Types, registry: &Registry) -> (Vec<Field>, Vec<Field>) {
    let mut queries = Vec::new();
    let mut mutations = Vec::new();
    for entry in registry.entries() {
        let f = root_field(types, entry, &field_name(entry.name));
        if f.read {
            queries.push(f.field);
        } else {
            mutations.push(f.field);
        }
    }
    for (name, action) in TRCR_NAMES {
        if let Some(entry) = registry.get(action) {
            queries.push(root_field(types, entry, name).field);
        }
    }
    (queries, mutations)
}

/// `me`: the caller's account.
pub fn me_field() -> Field {
    Field::new("me", TypeRef::named("User"), |ctx| {
        FieldFuture::new(async move {
            let rq = ctx.data::<RequestCx>()?;
            let user = rq.me().await.map_err(to_graphql)?;
            Ok(Kind::Object.owned(user))
        })
    })
    .description("The caller's account (`GET /api/v1/auth/me`).")
}
