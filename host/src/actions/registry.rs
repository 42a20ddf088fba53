//! The [`Action`] trait, the type-erased [`Registry`] and [`dispatch`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use crate::auth::{Caller, Principal};
pub use crate::domain::Scope;
use crate::domain::Services;
use crate::domain::page::{Page, Pagination};
use crate::domain::permissions::Permission;
use crate::domain::{Cx, Membership, members};
use crate::error::{Error, Result};
use crate::store;

/// One operation.
pub trait Action: DeserializeOwned + JsonSchema + Send + Sized + 'static {
    /// The canonical name, e.g. `tasks.create`.
    const NAME: &'static str;
    /// One line for tool listings.
    const DESCRIPTION: &'static str;
    /// The permission required in the scoped organization, if any. Finer rules (e.g. "own comment
    /// or `manage_tasks`") are checked by the domain function.
    const PERMISSION: Option<Permission>;
    /// What the action returns: a wire view type with a JSON Schema (the `data` of a response;
    /// for a [`Page`], the array of its items).
    type Output: IntoReply + JsonSchema;
    /// The organization scope of this call.
    fn scope(&self) -> Scope<'_>;
    /// Runs the domain function.
    fn run(self, cx: &Cx<'_>) -> impl Future<Output = Result<Self::Output>> + Send;
}

/// An action's result, ready for any interface: the data plus, for lists, the pagination.
#[derive(Debug)]
pub struct Reply {
    /// The result.
    pub data: Value,
    /// Present for paginated lists.
    pub pagination: Option<Pagination>,
}

/// Converts action outputs into a [`Reply`].
pub trait IntoReply: Send {
    /// Whether the output is a page (a list with pagination beside it).
    const PAGINATED: bool = false;
    /// The conversion.
    fn into_reply(self) -> Result<Reply>;
}

impl<T: Serialize + Send> IntoReply for T {
    fn into_reply(self) -> Result<Reply> {
        Ok(Reply {
            data: serde_json::to_value(self).map_err(anyhow::Error::from)?,
            pagination: None,
        })
    }
}

impl<T: Serialize + Send> IntoReply for Page<T> {
    const PAGINATED: bool = true;
    fn into_reply(self) -> Result<Reply> {
        let pagination = Some(self.pagination());
        Ok(Reply {
            data: serde_json::to_value(self.items).map_err(anyhow::Error::from)?,
            pagination,
        })
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type Invoke = for<'a> fn(&'a Services, &'a Caller, Value) -> BoxFuture<'a, Result<Reply>>;

/// A registered action, type-erased.
pub struct Entry {
    /// Canonical name.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Required permission.
    pub permission: Option<Permission>,
    /// JSON Schema of the payload.
    pub schema: fn() -> schemars::Schema,
    /// JSON Schema of the output (a response's `data`).
    pub output_schema: fn() -> schemars::Schema,
    /// Whether the output is a page: `data` is its items and the reply carries `pagination`.
    pub paginated: bool,
    invoke: Invoke,
}

impl Entry {
    /// Runs the action with a JSON payload.
    pub fn invoke<'a>(
        &self,
        app: &'a Services,
        caller: &'a Caller,
        payload: Value,
    ) -> BoxFuture<'a, Result<Reply>> {
        (self.invoke)(app, caller, payload)
    }
}

/// Every action by name.
#[derive(Default)]
pub struct Registry {
    entries: BTreeMap<&'static str, Entry>,
}

impl Registry {
    /// Adds an action; a name registered twice is a programming error caught by the tests.
    pub fn add<A: Action>(&mut self) -> &mut Self {
        let previous = self.entries.insert(
            A::NAME,
            Entry {
                name: A::NAME,
                description: A::DESCRIPTION,
                permission: A::PERMISSION,
                schema: || schemars::schema_for!(A),
                output_schema: output_schema::<A::Output>,
                paginated: <A::Output as IntoReply>::PAGINATED,
                invoke: |app, caller, payload| Box::pin(dispatch::<A>(app, caller, payload)),
            },
        );
        debug_assert!(previous.is_none(), "action {} registered twice", A::NAME);
        self
    }

    /// The action called `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    /// All actions, by name.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }
}

/// The JSON Schema of what an action sends (serialization rules: a field left out when empty is
/// optional).
fn output_schema<T: JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
}

/// Decodes the payload, resolves the scope and checks membership and permission, then runs the
/// action. The one path every interface takes.
pub async fn dispatch<A: Action>(app: &Services, caller: &Caller, payload: Value) -> Result<Reply> {
    dispatch_typed::<A>(app, caller, payload)
        .await?
        .into_reply()
}

/// [`dispatch`] without the conversion to a [`Reply`]: for interfaces that answer with something
/// other than JSON (REST's PDF download).
pub async fn dispatch_typed<A: Action>(
    app: &Services,
    caller: &Caller,
    payload: Value,
) -> Result<A::Output> {
    run(app, caller, decode::<A>(payload)?).await
}

/// Runs an already typed action: resolves the scope, checks membership and permission, then runs
/// the domain function. For adapters that build payloads as Rust values (GraphQL arguments, the
/// compatibility surfaces) and want the typed output.
pub async fn run<A: Action>(app: &Services, caller: &Caller, action: A) -> Result<A::Output> {
    let member = resolve(app, &caller.principal, action.scope()).await?;
    if let (Some(perm), Some(m)) = (A::PERMISSION, &member)
        && !m.permissions.contains(perm)
    {
        return Err(Error::missing_permission(perm.as_str()));
    }
    let span = tracing::info_span!(
        "action",
        name = A::NAME,
        user_id = %caller.principal.user_id,
        org_id = member.as_ref().map(|m| m.org_id.as_str()).unwrap_or(""),
    );
    async {
        let cx = Cx::new(app, caller, member);
        action.run(&cx).await
    }
    .instrument(span)
    .await
}

/// Decodes a payload, naming the offending field on failure. Text containing NUL characters is
/// refused for every field: PostgreSQL cannot store it, and no legitimate client sends it.
pub fn decode<T: DeserializeOwned>(payload: Value) -> Result<T> {
    if let Some(path) = find_nul(&payload, String::new()) {
        let field = if path.is_empty() { "." } else { path.as_str() };
        return Err(Error::invalid_field(
            field,
            format!("{field} must not contain NUL characters"),
        ));
    }
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        if path == "." {
            Error::invalid(format!("invalid payload: {message}"))
        } else {
            Error::invalid_field(&path, format!("invalid {path}: {message}"))
        }
    })
}

/// The path (`tasks[1].title`) of the first string or key containing `\0`, if any.
fn find_nul(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_nul(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                find_nul(v, here)
            }
        }),
        _ => None,
    }
}

fn kind_of(id: &str) -> &'static str {
    crate::ids::kind_of(id).map_or("resource", |k| k.name)
}

/// The caller's membership for `scope`, checked like an action's (for the few adapters that are
/// not actions, e.g. the multipart plugin upload).
pub async fn membership(
    app: &Services,
    principal: &Principal,
    scope: Scope<'_>,
) -> Result<Option<Membership>> {
    resolve(app, principal, scope).await
}

async fn resolve(
    app: &Services,
    principal: &Principal,
    scope: Scope<'_>,
) -> Result<Option<Membership>> {
    let (row, what) = match scope {
        Scope::User => return Ok(None),
        Scope::Org(explicit) => {
            let org_id = match explicit {
                Some(o) => o.to_owned(),
                None => default_org(app, principal).await?,
            };
            (
                store::access::membership(&mut &app.db, &org_id, &principal.user_id).await?,
                "organization",
            )
        }
        Scope::Entity { id, org_id } => {
            let row =
                store::access::membership_of_entity(&mut &app.db, id, &principal.user_id).await?;
            (
                row.filter(|r| org_id.is_none_or(|o| o == r.org_id)),
                kind_of(id),
            )
        }
    };
    let row = row
        .filter(|r| principal.bound_org().is_none_or(|b| b == r.org_id))
        .ok_or_else(|| Error::not_found(what))?;
    let (role, permissions) = members::effective(&row);
    Ok(Some(Membership {
        org_id: row.org_id,
        role,
        permissions,
    }))
}

async fn default_org(app: &Services, principal: &Principal) -> Result<String> {
    if let Some(org) = principal.bound_org() {
        return Ok(org.to_owned());
    }
    store::accounts::user(&mut &app.db, &principal.user_id)
        .await?
        .and_then(|u| u.current_org_id)
        .ok_or_else(|| {
            Error::invalid_field(
                "org_id",
                "no organization selected: pass org_id or set current_org_id with PATCH /api/v1/auth/me",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let v = serde_json::json!({"tasks": [{"title": "ok"}, {"title": "a\u{0}b"}]});
        assert_eq!(
            find_nul(&v, String::new()).as_deref(),
            Some("tasks[1].title")
        );
        assert_eq!(
            find_nul(&serde_json::json!({"title": "fine"}), String::new()),
            None
        );
        let err = decode::<serde_json::Value>(v).unwrap_err();
        assert_eq!(
            err.details(),
            Some(serde_json::json!({"field": "tasks[1].title"}))
        );
    }
}
