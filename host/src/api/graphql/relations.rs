//! Relations between the generated types, resolved lazily: to-one and by-id links (a task's
//! project, assignees, labels, milestone; an entry's user) through the request's [`Lookup`],
//! which turns the links of a whole list into one query per kind of record
//! ([`crate::domain::lookup`], batched by [`super::batch`]), and so are a task's comments and
//! checklist; the other lists that hang off one record (a task's dependencies and time entries, a
//! project's tasks) go through the action that lists them, with its permission rules.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, ResolverContext, TypeRef};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::batch::Batcher;
use super::errors::{to_graphql, to_graphql_ref};
use super::request::RequestCx;
use super::types::{Kind, Types, arg};
use crate::app::App;
use crate::auth::Caller;
use crate::domain::lookup;
use crate::error::{Error, Result};

/// The kinds of record a link can point to.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// `prj_…`
    Project,
    /// `tsk_…`
    Task,
    /// `lbl_…`
    Label,
    /// `ms_…`
    Milestone,
    /// `cli_…`
    Client,
    /// `usr_…` (the public profile).
    User,
    /// A task's comments, by task id (the value is the list).
    CommentsOfTask,
    /// A task's checklist, by task id (the value is the list).
    ChecklistOfTask,
}

/// A request's (or a WebSocket connection's) lookups by id, batched per kind of record.
pub struct Lookup {
    app: App,
    caller: Caller,
    batches: [Batcher<Arc<Value>>; 8],
}

impl Lookup {
    /// Lookups on behalf of `caller`.
    pub fn new(app: App, caller: Caller) -> Lookup {
        Lookup {
            app,
            caller,
            batches: Default::default(),
        }
    }

    /// The lookups of a request (or a WebSocket connection), for its caller.
    pub fn for_request(cx: &RequestCx) -> Lookup {
        Lookup::new(cx.app.clone(), cx.caller.clone())
    }

    /// The records among `ids` the caller may see, by id.
    async fn load(
        &self,
        target: Target,
        ids: &[String],
    ) -> std::result::Result<HashMap<String, Arc<Value>>, Arc<Error>> {
        self.batches[target as usize]
            .load(ids, |all| self.fetch(target, all))
            .await
    }

    async fn fetch(&self, target: Target, ids: Vec<String>) -> Result<HashMap<String, Arc<Value>>> {
        let (app, who) = (&self.app, &self.caller.principal);
        match target {
            Target::Project => by_id(lookup::projects(app, who, &ids).await?, |r| &r.id),
            Target::Task => by_id(lookup::tasks(app, who, &ids).await?, |r| &r.id),
            Target::Label => by_id(lookup::labels(app, who, &ids).await?, |r| &r.id),
            Target::Milestone => by_id(lookup::milestones(app, who, &ids).await?, |r| &r.id),
            Target::Client => by_id(lookup::clients(app, who, &ids).await?, |r| &r.id),
            Target::User => by_id(
                lookup::users(app, who, &ids)
                    .await?
                    .into_iter()
                    .map(|u| PublicUser {
                        id: u.id,
                        name: u.name,
                        email: u.email,
                        avatar_url: u.avatar_url,
                        created_at: u.created_at,
                    })
                    .collect(),
                |r| &r.id,
            ),
            Target::CommentsOfTask => grouped(
                &ids,
                lookup::comments_of_tasks(app, who, &ids).await?,
                |r| &r.task_id,
            ),
            Target::ChecklistOfTask => grouped(
                &ids,
                lookup::checklists_of_tasks(app, who, &ids).await?,
                |r| &r.task_id,
            ),
        }
    }
}

/// Records grouped by a parent id as JSON lists, an empty list for every parent without any.
fn grouped<T: Serialize>(
    parents: &[String],
    records: Vec<T>,
    parent: fn(&T) -> &String,
) -> Result<HashMap<String, Arc<Value>>> {
    let mut lists: HashMap<String, Vec<Value>> =
        parents.iter().map(|p| (p.clone(), Vec::new())).collect();
    for r in records {
        let v = serde_json::to_value(&r).map_err(|e| Error::Internal(e.into()))?;
        lists.entry(parent(&r).clone()).or_default().push(v);
    }
    Ok(lists
        .into_iter()
        .map(|(k, v)| (k, Arc::new(Value::Array(v))))
        .collect())
}

/// Records as JSON, by id.
fn by_id<T: Serialize>(
    records: Vec<T>,
    id: fn(&T) -> &String,
) -> Result<HashMap<String, Arc<Value>>> {
    records
        .into_iter()
        .map(|r| {
            let v = serde_json::to_value(&r).map_err(|e| Error::Internal(e.into()))?;
            Ok((id(&r).clone(), Arc::new(v)))
        })
        .collect()
}

/// A user's public profile.
#[derive(Serialize)]
struct PublicUser {
    id: String,
    name: String,
    email: String,
    avatar_url: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The `User` type: a member's public profile (`me` and every link to a user).
pub fn user_type() -> async_graphql::dynamic::Object {
    use super::types::json_field;
    async_graphql::dynamic::Object::new("User")
        .description("A user's profile.")
        .field(json_field("id", TypeRef::named_nn(TypeRef::ID), Kind::Leaf))
        .field(json_field(
            "name",
            TypeRef::named_nn(TypeRef::STRING),
            Kind::Leaf,
        ))
        .field(json_field(
            "email",
            TypeRef::named_nn(TypeRef::STRING),
            Kind::Leaf,
        ))
        .field(json_field(
            "avatar_url",
            TypeRef::named(TypeRef::STRING),
            Kind::Leaf,
        ))
        .field(json_field(
            "created_at",
            TypeRef::named_nn(TypeRef::STRING),
            Kind::Leaf,
        ))
}

fn parent<'a>(ctx: &ResolverContext<'a>) -> Option<&'a Value> {
    super::types::parent_json(ctx.parent_value)
}

fn str_field<'a>(ctx: &ResolverContext<'a>, key: &str) -> Option<&'a str> {
    parent(ctx)?.get(key)?.as_str()
}

fn lookup<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Lookup> {
    ctx.data::<Lookup>()
}

/// The record `id` of `target` the caller may see, if any (batched with the rest of the pass).
async fn load_one(
    ctx: &ResolverContext<'_>,
    target: Target,
    id: &str,
) -> async_graphql::Result<Option<Arc<Value>>> {
    let ids = [id.to_owned()];
    let mut found = lookup(ctx)?
        .load(target, &ids)
        .await
        .map_err(|e| to_graphql_ref(&e))?;
    Ok(found.remove(id))
}

/// A looked-up record, shared (not copied) by every link to it.
fn loaded(v: Arc<Value>) -> FieldValue<'static> {
    FieldValue::owned_any(v)
}

/// A to-one link: the record whose id is in the parent's field `key`.
fn one(name: &str, ty: &str, key: &'static str, target: Target, required: bool) -> Field {
    let ty = if required {
        TypeRef::named_nn(ty)
    } else {
        TypeRef::named(ty)
    };
    Field::new(name, ty, move |ctx| {
        FieldFuture::new(async move {
            let Some(id) = str_field(&ctx, key) else {
                return Ok(None);
            };
            Ok(load_one(&ctx, target, id).await?.map(loaded))
        })
    })
}

/// A to-many link: the records whose ids are in the parent's list field `key`, in its order.
fn many(name: &str, ty: &str, key: &'static str, target: Target) -> Field {
    Field::new(name, TypeRef::named_nn_list_nn(ty), move |ctx| {
        FieldFuture::new(async move {
            let ids: Vec<String> = parent(&ctx)
                .and_then(|p| p.get(key))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let mut found = lookup(&ctx)?
                .load(target, &ids)
                .await
                .map_err(|e| to_graphql_ref(&e))?;
            let items: Vec<FieldValue<'static>> = ids
                .iter()
                .filter_map(|id| found.remove(id))
                .map(loaded)
                .collect();
            Ok(Some(FieldValue::list(items)))
        })
    })
}

/// A list that hangs off the parent and is read, for a whole list of parents at once, by the
/// lookup `target` keyed by the parent's `id`.
fn children(name: &str, ty: &str, target: Target) -> Field {
    Field::new(name, TypeRef::named_nn_list_nn(ty), move |ctx| {
        FieldFuture::new(async move {
            let Some(id) = str_field(&ctx, "id") else {
                return Ok(None);
            };
            // A parent the reader may not see has no entry: an empty list, like a parent
            // without children.
            Ok(Some(match load_one(&ctx, target, id).await? {
                Some(list) => Kind::List(Box::new(Kind::Object))
                    .owned(Arc::unwrap_or_clone(list))
                    .unwrap_or(FieldValue::list(Vec::<FieldValue<'static>>::new())),
                None => FieldValue::list(Vec::<FieldValue<'static>>::new()),
            }))
        })
    })
    .description("Read for all the parents of a list at once.")
}

/// A list that hangs off the parent, read through the action `action`: the payload is the
/// parent's field `parent_key` under `payload_key`, plus the field's own arguments.
fn listed(
    name: &str,
    ty: TypeRef,
    kind: Kind,
    action: &'static str,
    (payload_key, parent_key): (&'static str, &'static str),
    args: &'static [(&'static str, &'static str, &'static str)],
) -> Field {
    let mut field = Field::new(name, ty, move |ctx| {
        let kind = kind.clone();
        FieldFuture::new(async move {
            let Some(id) = str_field(&ctx, parent_key) else {
                return Ok(None);
            };
            let mut payload = Map::new();
            payload.insert(payload_key.into(), json!(id));
            for (graphql, json_name, _) in args {
                if let Some(v) = ctx.args.get(graphql) {
                    payload.insert((*json_name).into(), super::types::to_json(v.as_value()));
                }
            }
            let rq = ctx.data::<RequestCx>()?;
            let reply = rq
                .invoke(action, Value::Object(payload))
                .await
                .map_err(to_graphql)?;
            Ok(kind.owned(reply.data))
        })
    })
    .description(format!("Through `{action}`."));
    for (graphql, _, ty) in args {
        field = field.argument(arg(graphql, TypeRef::named(*ty), ""));
    }
    field
}

/// A field that repeats the parent's field `key` under another name (TRCR's `duration`).
fn alias(name: &str, ty: TypeRef, key: &'static str) -> Field {
    Field::new(name, ty, move |ctx| {
        FieldFuture::Value(
            parent(&ctx)
                .and_then(|p| p.get(key))
                .filter(|v| !v.is_null())
                .map(|v| FieldValue::value(super::types::to_const(v))),
        )
    })
}

const LIST_ARGS: &[(&str, &str, &str)] = &[("page", "page", "Int"), ("perPage", "per_page", "Int")];
const TASK_ARGS: &[(&str, &str, &str)] = &[
    ("status", "status", "String"),
    ("page", "page", "Int"),
    ("perPage", "per_page", "Int"),
];
const ENTRY_ARGS: &[(&str, &str, &str)] = &[
    ("from", "from", "String"),
    ("to", "to", "String"),
    ("page", "page", "Int"),
    ("perPage", "per_page", "Int"),
];

fn list_of(ty: &str) -> (TypeRef, Kind) {
    (
        TypeRef::named_nn_list_nn(ty),
        Kind::List(Box::new(Kind::Object)),
    )
}

/// Adds every relation field to the generated types (only where both ends were generated).
pub fn add(types: &mut Types) {
    let add = |types: &mut Types, object: &str, field: Field, target: &str| {
        if types.has_object(object) && (target.is_empty() || types.has_object(target)) {
            types.extend(object, field);
        }
    };
    // Task
    add(
        types,
        "Task",
        one("project", "Project", "project_id", Target::Project, true),
        "Project",
    );
    add(
        types,
        "Task",
        one(
            "milestone",
            "Milestone",
            "milestone_id",
            Target::Milestone,
            false,
        ),
        "Milestone",
    );
    add(
        types,
        "Task",
        many("assignees", "User", "assignee_ids", Target::User),
        "",
    );
    add(types, "Task", first_assignee(), "");
    add(
        types,
        "Task",
        one("reporter", "User", "reporter_id", Target::User, false),
        "",
    );
    add(
        types,
        "Task",
        many("labels", "Label", "label_ids", Target::Label),
        "Label",
    );
    add(
        types,
        "Task",
        children("comments", "Comment", Target::CommentsOfTask),
        "Comment",
    );
    add(
        types,
        "Task",
        children("checklist", "ChecklistItem", Target::ChecklistOfTask),
        "ChecklistItem",
    );
    add(
        types,
        "Task",
        listed(
            "dependencies",
            TypeRef::named_nn("TaskDependencies"),
            Kind::Object,
            "tasks.dependency.list",
            ("task_id", "id"),
            &[],
        ),
        "TaskDependencies",
    );
    let (ty, kind) = list_of("TimeEntry");
    add(
        types,
        "Task",
        listed(
            "time_entries",
            ty,
            kind,
            "time_entries.list",
            ("task_id", "id"),
            ENTRY_ARGS,
        ),
        "TimeEntry",
    );
    // Project
    add(
        types,
        "Project",
        one("client", "Client", "client_id", Target::Client, false),
        "Client",
    );
    let (ty, kind) = list_of("Task");
    add(
        types,
        "Project",
        listed(
            "tasks",
            ty,
            kind,
            "tasks.list",
            ("project_id", "id"),
            TASK_ARGS,
        ),
        "Task",
    );
    let (ty, kind) = list_of("TimeEntry");
    add(
        types,
        "Project",
        listed(
            "time_entries",
            ty,
            kind,
            "time_entries.list",
            ("project_id", "id"),
            ENTRY_ARGS,
        ),
        "TimeEntry",
    );
    // Time entry
    add(
        types,
        "TimeEntry",
        one("task", "Task", "task_id", Target::Task, false),
        "Task",
    );
    add(
        types,
        "TimeEntry",
        one("project", "Project", "project_id", Target::Project, false),
        "Project",
    );
    add(
        types,
        "TimeEntry",
        one("user", "User", "user_id", Target::User, false),
        "",
    );
    add(
        types,
        "TimeEntry",
        alias("duration", TypeRef::named(TypeRef::INT), "duration_secs"),
        "",
    );
    // Invoice
    add(
        types,
        "Invoice",
        one("client", "Client", "client_id", Target::Client, false),
        "Client",
    );
    // Organization and its members
    let (ty, kind) = list_of("Member");
    add(
        types,
        "Organization",
        listed(
            "members",
            ty,
            kind,
            "members.list",
            ("org_id", "id"),
            LIST_ARGS,
        ),
        "Member",
    );
    add(
        types,
        "Member",
        alias("id", TypeRef::named_nn(TypeRef::ID), "user_id"),
        "",
    );
    add(
        types,
        "Member",
        one("user", "User", "user_id", Target::User, false),
        "",
    );
    // Chat and comments: who wrote them
    add(
        types,
        "Comment",
        one("user", "User", "user_id", Target::User, false),
        "",
    );
}

/// TRCR's single `assignee`: the first of the task's assignees.
fn first_assignee() -> Field {
    Field::new("assignee", TypeRef::named("User"), |ctx| {
        FieldFuture::new(async move {
            let Some(id) = parent(&ctx)
                .and_then(|p| p.get("assignee_ids"))
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
            else {
                return Ok(None);
            };
            Ok(load_one(&ctx, Target::User, id).await?.map(loaded))
        })
    })
    .description("The first assignee (TRCR's single assignee); see `assignees` for all.")
}
