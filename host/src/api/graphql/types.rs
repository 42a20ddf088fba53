//! GraphQL types from the registry's JSON Schemas: every named output record (`Task`, `Invoice`, …)
//! becomes an object type whose fields read the action's JSON output, every nested payload record an
//! input type; argument names are camelCase (TRCR's convention) and [`Shape`] turns them back into
//! the snake_case payload the action decodes.
//!
//! The translation is deliberately small: objects with properties, arrays, strings, integers,
//! numbers, booleans and nullable variants of them. Anything else (free-form maps, untagged unions)
//! is the `JSON` scalar, which carries the value as it is.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::dynamic::{
    Field, FieldFuture, FieldValue, InputObject, InputValue, Object, Scalar, TypeRef,
};
use async_graphql::{Name, Number, Value as ConstValue};
use serde_json::{Map, Value};

/// The scalar for free-form JSON values.
pub const JSON: &str = "JSON";

/// How an output value is turned into a [`FieldValue`].
#[derive(Debug, Clone)]
pub enum Kind {
    /// A scalar (or free-form JSON), sent as it is.
    Leaf,
    /// An object whose fields are resolved from the JSON object.
    Object,
    /// A list of the inner kind.
    List(Box<Kind>),
}

impl Kind {
    /// A borrowed JSON value as a field value (`None` for null).
    pub fn borrowed<'a>(&self, v: &'a Value) -> Option<FieldValue<'a>> {
        if v.is_null() {
            return None;
        }
        Some(match self {
            Kind::Leaf => FieldValue::value(to_const(v)),
            Kind::Object => FieldValue::borrowed_any(v),
            Kind::List(inner) => match v {
                Value::Array(items) => FieldValue::list(
                    items
                        .iter()
                        .map(|item| inner.borrowed(item).unwrap_or(FieldValue::NULL)),
                ),
                _ => return None,
            },
        })
    }

    /// An owned JSON value as a field value (`None` for null).
    pub fn owned(&self, v: Value) -> Option<FieldValue<'static>> {
        if v.is_null() {
            return None;
        }
        Some(match self {
            Kind::Leaf => FieldValue::value(to_const(&v)),
            Kind::Object => FieldValue::owned_any(v),
            Kind::List(inner) => match v {
                Value::Array(items) => FieldValue::list(
                    items
                        .into_iter()
                        .map(|item| inner.owned(item).unwrap_or(FieldValue::NULL)),
                ),
                _ => return None,
            },
        })
    }
}

/// A JSON value as a GraphQL value.
pub fn to_const(v: &Value) -> ConstValue {
    match v {
        Value::Null => ConstValue::Null,
        Value::Bool(b) => ConstValue::Boolean(*b),
        Value::Number(n) => ConstValue::Number(n.clone()),
        Value::String(s) => ConstValue::String(s.clone()),
        Value::Array(items) => ConstValue::List(items.iter().map(to_const).collect()),
        Value::Object(map) => ConstValue::Object(
            map.iter()
                .map(|(k, v)| (Name::new(k), to_const(v)))
                .collect(),
        ),
    }
}

/// A GraphQL input value as JSON.
pub fn to_json(v: &ConstValue) -> Value {
    match v {
        ConstValue::Null => Value::Null,
        ConstValue::Boolean(b) => Value::Bool(*b),
        ConstValue::Number(n) => Value::Number(n.clone()),
        ConstValue::String(s) => Value::String(s.clone()),
        ConstValue::Enum(e) => Value::String(e.to_string()),
        ConstValue::List(items) => Value::Array(items.iter().map(to_json).collect()),
        ConstValue::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
        ConstValue::Binary(b) => {
            Value::Array(b.iter().map(|x| Value::Number(Number::from(*x))).collect())
        }
    }
}

/// What an input value looks like, to turn GraphQL arguments (camelCase) back into JSON payload
/// fields (snake_case) without touching the keys of free-form values.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Taken as it is.
    Leaf,
    /// A list of the inner shape.
    List(Box<Shape>),
    /// An input object: its fields as (GraphQL name, JSON name, shape).
    Object(Arc<Vec<InputField>>),
}

/// One field of an input object or one argument.
#[derive(Debug, Clone)]
pub struct InputField {
    /// camelCase, as GraphQL clients write it.
    pub graphql: String,
    /// snake_case, as the payload names it.
    pub json: String,
    /// What its value looks like.
    pub shape: Shape,
    /// Whether its (object) value is merged into the payload rather than put under `json`: the
    /// `arguments` of a payload that takes free-form fields besides its own.
    pub flatten: bool,
}

impl Shape {
    /// The JSON of an input value of this shape.
    pub fn to_json(&self, v: &ConstValue) -> Value {
        match (self, v) {
            (Shape::List(inner), ConstValue::List(items)) => {
                Value::Array(items.iter().map(|i| inner.to_json(i)).collect())
            }
            (Shape::Object(fields), ConstValue::Object(map)) => {
                let mut out = Map::new();
                for f in fields.iter() {
                    if let Some(v) = map.get(f.graphql.as_str()) {
                        f.put(&mut out, v);
                    }
                }
                Value::Object(out)
            }
            _ => to_json(v),
        }
    }
}

impl InputField {
    /// Puts the field's value into a payload object.
    pub fn put(&self, out: &mut Map<String, Value>, v: &ConstValue) {
        match (self.flatten, self.shape.to_json(v)) {
            (true, Value::Object(extra)) => {
                for (k, v) in extra {
                    out.entry(k).or_insert(v);
                }
            }
            (true, _) => {}
            (false, v) => {
                out.insert(self.json.clone(), v);
            }
        }
    }
}

/// The argument that carries a payload's free-form fields.
pub const EXTRA_ARGUMENTS: &str = "arguments";

/// `per_page` → `perPage`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `time_entries` → `TimeEntries` (for names of generated types).
pub fn pascal(snake: &str) -> String {
    let c = camel(snake);
    let mut chars = c.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The types generated so far, by name.
#[derive(Default)]
pub struct Types {
    objects: BTreeMap<String, Generated<Object>>,
    inputs: BTreeMap<String, Generated<InputObject>>,
    /// Fields added to generated objects by hand (relations), applied when registering.
    extra: BTreeMap<String, Vec<Field>>,
}

struct Generated<T> {
    /// The JSON Schema it came from, to tell two different records of the same name apart.
    schema: Value,
    /// `None` while its fields are being generated (a record that contains itself).
    ty: Option<T>,
}

/// An object schema's properties by name, and the names of the required ones.
pub type Properties<'a> = (Vec<(&'a str, Doc<'a>)>, Vec<&'a str>);

/// A JSON Schema with the `$defs` its references point into.
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    /// The schema.
    pub schema: &'a Value,
    /// Its definitions.
    pub defs: &'a Map<String, Value>,
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl<'a> Doc<'a> {
    /// A root schema (its `$defs` included).
    pub fn root(schema: &'a Value) -> Doc<'a> {
        let defs = schema
            .get("$defs")
            .and_then(Value::as_object)
            .unwrap_or(&EMPTY);
        Doc { schema, defs }
    }

    fn at(self, schema: &'a Value) -> Doc<'a> {
        Doc {
            schema,
            defs: self.defs,
        }
    }

    /// Follows `$ref`s; the definition's name if one was followed.
    fn resolve(self) -> (Doc<'a>, Option<&'a str>) {
        let mut doc = self;
        let mut name = None;
        for _ in 0..16 {
            match doc.schema.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let def = r.rsplit('/').next().unwrap_or(r);
                    match doc.defs.get(def) {
                        Some(s) => {
                            doc = doc.at(s);
                            name = Some(def);
                        }
                        None => break,
                    }
                }
                None => break,
            }
        }
        (doc, name)
    }

    /// The object properties of this schema (merging `allOf` parts), with the required names.
    pub fn properties(self) -> Option<Properties<'a>> {
        let (doc, _) = self.resolve();
        let mut props = Vec::new();
        let mut required = Vec::new();
        let mut found = false;
        if let Some(p) = doc.schema.get("properties").and_then(Value::as_object) {
            found = true;
            props.extend(p.iter().map(|(k, v)| (k.as_str(), doc.at(v))));
        }
        if let Some(r) = doc.schema.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str));
        }
        for part in doc
            .schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some((p, r)) = doc.at(part).properties() {
                found = true;
                props.extend(p);
                required.extend(r);
            }
        }
        found.then_some((props, required))
    }
}

/// What a schema is, for GraphQL.
enum Form<'a> {
    Scalar(&'static str),
    Record(Option<&'a str>, Doc<'a>),
    List(Box<(Form<'a>, bool)>),
}

/// Classifies a schema: the form and whether null is allowed.
fn form(doc: Doc<'_>) -> (Form<'_>, bool) {
    let (doc, name) = doc.resolve();
    let s = doc.schema;
    if let Some(variants) = s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
    {
        let non_null: Vec<&Value> = variants
            .iter()
            .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        let nullable = non_null.len() < variants.len();
        if let [only] = non_null.as_slice() {
            let (f, inner_nullable) = form(doc.at(only));
            return (f, nullable || inner_nullable);
        }
        let all_codes = non_null.iter().all(|v| {
            v.get("const").is_some_and(Value::is_string)
                || v.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().all(Value::is_string))
        });
        return (
            Form::Scalar(if all_codes { "String" } else { JSON }),
            nullable,
        );
    }
    if let Some([only]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
        && s.get("properties").is_none()
    {
        return form(doc.at(only));
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null");
    let non_null: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    let f = match non_null.as_slice() {
        ["string"] => Form::Scalar("String"),
        ["integer"] => Form::Scalar("Int"),
        ["number"] => Form::Scalar("Float"),
        ["boolean"] => Form::Scalar("Boolean"),
        ["array"] => {
            let items = s.get("items").unwrap_or(&Value::Bool(true));
            Form::List(Box::new(form(doc.at(items))))
        }
        ["object"] if doc.properties().is_some_and(|(p, _)| !p.is_empty()) => {
            Form::Record(name.or_else(|| s.get("title").and_then(Value::as_str)), doc)
        }
        [] if s.get("enum").is_some() || s.get("const").is_some_and(Value::is_string) => {
            Form::Scalar("String")
        }
        [] if s.get("properties").is_some() => {
            Form::Record(name.or_else(|| s.get("title").and_then(Value::as_str)), doc)
        }
        _ => Form::Scalar(JSON),
    };
    (f, nullable)
}

/// What tells two records of one name apart: their schema without the parts a root schema adds
/// (`$schema`, `title`, `$defs`).
fn identity(schema: &Value) -> Value {
    let mut s = schema.clone();
    if let Some(obj) = s.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
        obj.remove("$defs");
    }
    s
}

/// The name for a record `wanted` with `schema`: the generated type of that name and schema
/// (`false`), or a free name — `wanted`, else `wanted2`, `wanted3`… for a different record of the
/// same name (`true`).
fn slot<T>(
    generated: &BTreeMap<String, Generated<T>>,
    wanted: &str,
    schema: &Value,
) -> (String, bool) {
    let mut name = wanted.to_owned();
    let mut n = 1;
    while let Some(g) = generated.get(&name) {
        if g.schema == *schema {
            return (name, false);
        }
        n += 1;
        name = format!("{wanted}{n}");
    }
    (name, true)
}

fn non_null(ty: TypeRef, nullable: bool) -> TypeRef {
    if nullable {
        ty
    } else {
        TypeRef::NonNull(Box::new(ty))
    }
}

impl Types {
    /// The output type of `doc`, with the [`Kind`] that resolves it and whether it may be null.
    /// `hint` names a record that has no name of its own.
    pub fn output(&mut self, doc: Doc<'_>, hint: &str) -> (TypeRef, Kind, bool) {
        let (f, nullable) = form(doc);
        let (ty, kind) = self.output_form(f, hint);
        (ty, kind, nullable)
    }

    fn output_form(&mut self, f: Form<'_>, hint: &str) -> (TypeRef, Kind) {
        match f {
            Form::Scalar(name) => (TypeRef::named(name), Kind::Leaf),
            Form::List(inner) => {
                let (inner, item_nullable) = *inner;
                let (ty, kind) = self.output_form(inner, hint);
                (
                    TypeRef::List(Box::new(non_null(ty, item_nullable))),
                    Kind::List(Box::new(kind)),
                )
            }
            Form::Record(name, doc) => {
                let name = self.object(name.unwrap_or(hint), doc);
                (TypeRef::named(name), Kind::Object)
            }
        }
    }

    /// Generates (or finds) the object type for a record; returns the name it got.
    fn object(&mut self, wanted: &str, doc: Doc<'_>) -> String {
        let (resolved, _) = doc.resolve();
        let schema = identity(resolved.schema);
        let (name, fresh) = slot(&self.objects, wanted, &schema);
        if !fresh {
            return name;
        }
        self.objects
            .insert(name.clone(), Generated { schema, ty: None });
        let (props, required) = doc.properties().unwrap_or_default();
        let mut object = Object::new(&name);
        if let Some(d) = resolved.schema.get("description").and_then(Value::as_str) {
            object = object.description(d);
        }
        for (key, prop) in props {
            let (ty, kind, nullable) = self.output(prop, &format!("{name}{}", pascal(key)));
            let ty = non_null(ty, nullable || !required.contains(&key));
            let mut field = json_field(key, ty, kind);
            if let Some(d) = prop.schema.get("description").and_then(Value::as_str) {
                field = field.description(d);
            }
            object = object.field(field);
        }
        if let Some(g) = self.objects.get_mut(&name) {
            g.ty = Some(object);
        }
        name
    }

    /// Whether an object type of this name was generated.
    pub fn has_object(&self, name: &str) -> bool {
        self.objects.contains_key(name)
    }

    /// Adds a hand-written field (a relation) to a generated object.
    pub fn extend(&mut self, object: &str, field: Field) {
        self.extra.entry(object.to_owned()).or_default().push(field);
    }

    /// Adds a hand-written object type.
    pub fn add_object(&mut self, name: &str, object: Object) {
        self.objects.insert(
            name.to_owned(),
            Generated {
                schema: Value::String(name.to_owned()),
                ty: Some(object),
            },
        );
    }

    /// The arguments of a payload schema: one per property, camelCase, with the shape that turns
    /// them back into the payload.
    pub fn arguments(&mut self, doc: Doc<'_>, hint: &str) -> Vec<(InputValue, InputField)> {
        let (props, required) = doc.properties().unwrap_or_default();
        let free_form = doc.resolve().0.schema.get("additionalProperties")
            == Some(&Value::Bool(true))
            && !props.iter().any(|(k, _)| *k == EXTRA_ARGUMENTS);
        let mut out: Vec<(InputValue, InputField)> = props
            .into_iter()
            .map(|(key, prop)| {
                let (ty, shape, nullable) = self.input(prop, &format!("{hint}{}", pascal(key)));
                let ty = non_null(ty, nullable || !required.contains(&key));
                let graphql = camel(key);
                let mut arg = InputValue::new(&graphql, ty);
                if let Some(d) = prop.schema.get("description").and_then(Value::as_str) {
                    arg = arg.description(d);
                }
                (
                    arg,
                    InputField {
                        graphql,
                        json: key.to_owned(),
                        shape,
                        flatten: false,
                    },
                )
            })
            .collect();
        if free_form {
            out.push((
                InputValue::new(EXTRA_ARGUMENTS, TypeRef::named(JSON))
                    .description("Further fields, as an object (e.g. a report's arguments)."),
                InputField {
                    graphql: EXTRA_ARGUMENTS.to_owned(),
                    json: EXTRA_ARGUMENTS.to_owned(),
                    shape: Shape::Leaf,
                    flatten: true,
                },
            ));
        }
        out
    }

    fn input(&mut self, doc: Doc<'_>, hint: &str) -> (TypeRef, Shape, bool) {
        let (f, nullable) = form(doc);
        let (ty, shape) = self.input_form(f, hint);
        (ty, shape, nullable)
    }

    fn input_form(&mut self, f: Form<'_>, hint: &str) -> (TypeRef, Shape) {
        match f {
            Form::Scalar(name) => (TypeRef::named(name), Shape::Leaf),
            Form::List(inner) => {
                let (inner, item_nullable) = *inner;
                let (ty, shape) = self.input_form(inner, hint);
                (
                    TypeRef::List(Box::new(non_null(ty, item_nullable))),
                    Shape::List(Box::new(shape)),
                )
            }
            Form::Record(name, doc) => {
                let base = match name {
                    Some(n) if n.ends_with("Input") => n.to_owned(),
                    Some(n) => format!("{n}Input"),
                    None => hint.to_owned(),
                };
                let (name, shape) = self.input_object(&base, doc);
                (TypeRef::named(name), shape)
            }
        }
    }

    fn input_object(&mut self, wanted: &str, doc: Doc<'_>) -> (String, Shape) {
        let (resolved, _) = doc.resolve();
        let schema = identity(resolved.schema);
        // A type already generated is found again; its shape is regenerated (cheap, and it
        // keeps `Generated` free of it).
        let (name, fresh) = slot(&self.inputs, wanted, &schema);
        if fresh {
            self.inputs
                .insert(name.clone(), Generated { schema, ty: None });
        }
        let mut object = InputObject::new(&name);
        let mut shape = Vec::new();
        for (arg, f) in self.arguments(doc, &name) {
            object = object.field(arg);
            shape.push(f);
        }
        if fresh && let Some(g) = self.inputs.get_mut(&name) {
            g.ty = Some(object);
        }
        (name, Shape::Object(Arc::new(shape)))
    }

    /// Registers every generated type (with the hand-written fields) on the schema builder.
    pub fn register(
        mut self,
        mut builder: async_graphql::dynamic::SchemaBuilder,
    ) -> async_graphql::dynamic::SchemaBuilder {
        builder = builder.register(
            Scalar::new(JSON).description("Any JSON value: free-form maps, settings, report rows."),
        );
        for (name, g) in std::mem::take(&mut self.objects) {
            if let Some(mut object) = g.ty {
                for field in self.extra.remove(&name).unwrap_or_default() {
                    object = object.field(field);
                }
                builder = builder.register(object);
            }
        }
        for (_, g) in std::mem::take(&mut self.inputs) {
            if let Some(object) = g.ty {
                builder = builder.register(object);
            }
        }
        builder
    }
}

/// The JSON object a parent value holds: its own, or one shared with a batch of lookups.
pub fn parent_json<'a>(parent: &'a FieldValue<'a>) -> Option<&'a Value> {
    parent
        .downcast_ref::<Value>()
        .or_else(|| parent.downcast_ref::<Arc<Value>>().map(|v| &**v))
}

/// An argument, for hand-written fields.
pub fn arg(name: &str, ty: TypeRef, description: &str) -> InputValue {
    InputValue::new(name, ty).description(description)
}

/// A field that reads `key` from the parent's JSON object.
pub fn json_field(key: &str, ty: TypeRef, kind: Kind) -> Field {
    let key = key.to_owned();
    Field::new(key.clone(), ty, move |ctx| {
        let value = parent_json(ctx.parent_value)
            .and_then(|parent| parent.get(&key))
            .and_then(|v| kind.borrowed(v));
        FieldFuture::Value(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_turn_camel_and_back() {
        assert_eq!(camel("per_page"), "perPage");
        assert_eq!(camel("project_id"), "projectId");
        assert_eq!(camel("id"), "id");
        assert_eq!(pascal("time_entries"), "TimeEntries");
    }

    #[test]
    fn shapes_rename_only_known_keys() {
        let fields = vec![
            InputField {
                graphql: "perPage".into(),
                json: "per_page".into(),
                shape: Shape::Leaf,
                flatten: false,
            },
            InputField {
                graphql: "settings".into(),
                json: "settings".into(),
                shape: Shape::Leaf,
                flatten: false,
            },
        ];
        let shape = Shape::Object(Arc::new(fields));
        let input = to_const(&serde_json::json!({"perPage": 5, "settings": {"someKey": 1}}));
        assert_eq!(
            shape.to_json(&input),
            serde_json::json!({"per_page": 5, "settings": {"someKey": 1}})
        );
    }
}
