//! GraphQL at `POST /graphql` and `POST /api/v1/graphql`, subscriptions over WebSocket at
//! `GET /graphql` (`graphql-transport-ws` and the legacy `graphql-ws`), GraphiQL at `GET /graphql`
//! for browsers.
//!
//! The schema is generated from the action registry when the server starts ([`schema`]): every
//! action is a root field whose arguments are its payload's fields and whose type is its typed
//! output, so a new action is on GraphQL the moment it is registered. Relations between the
//! generated types are added by hand ([`relations`]), subscriptions read the event feed
//! ([`subscriptions`]). `docs/graphql.md` is the user's guide.

mod batch;
mod errors;
mod http;
mod operations;
mod relations;
mod request;
mod subscriptions;
mod types;

use async_graphql::dynamic::{Object, Schema, SchemaError};

pub use http::{Limits, router};
pub use operations::{TRCR_NAMES, field_name};

use crate::actions::Registry;

/// Builds the schema for `registry` with `limits`.
pub fn schema(registry: &Registry, limits: &Limits) -> Result<Schema, SchemaError> {
    let mut types = types::Types::default();
    let (queries, mutations) = operations::root_fields(&mut types, registry);
    relations::add(&mut types);
    let mut query = Object::new("Query").field(operations::me_field());
    for f in queries {
        query = query.field(f);
    }
    let mut mutation = Object::new("Mutation");
    for f in mutations {
        mutation = mutation.field(f);
    }
    let (subscription, event_types) = subscriptions::build();
    let mut builder = Schema::build("Query", Some("Mutation"), Some("Subscription"))
        .register(query)
        .register(mutation)
        .register(subscription)
        .register(operations::pagination_type())
        .register(relations::user_type())
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_depth.max(32));
    for t in event_types {
        builder = builder.register(t);
    }
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    types.register(builder).finish()
}

/// The schema in SDL, as `stint graphql-schema` prints it and `docs/schema.graphql` holds it.
pub fn sdl(registry: &Registry) -> Result<String, SchemaError> {
    Ok(schema(registry, &Limits::default())?.sdl())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The fields of `type NAME { … }` in an SDL text.
    fn fields_of(sdl: &str, name: &str) -> BTreeSet<String> {
        let start = format!("type {name} {{");
        let block = sdl
            .split(&start)
            .nth(1)
            .unwrap_or_else(|| panic!("no type {name}"));
        let block = &block[..block.find("\n}").unwrap_or(block.len())];
        block
            .lines()
            .filter_map(|l| l.strip_prefix('\t'))
            .filter(|l| !l.starts_with(['\t', '"', ' ']))
            .filter_map(|l| l.split(['(', ':']).next())
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_action_is_a_field_reads_on_query_and_writes_on_mutation() {
        let registry = crate::actions::build_registry();
        let sdl = sdl(&registry).expect("the schema builds");
        let queries = fields_of(&sdl, "Query");
        let mutations = fields_of(&sdl, "Mutation");
        let mut missing = Vec::new();
        for entry in registry.entries() {
            let name = field_name(entry.name);
            let (on, off) = if crate::actions::effect::is_read(entry.name) {
                (&queries, &mutations)
            } else {
                (&mutations, &queries)
            };
            if !on.contains(&name) || off.contains(&name) {
                missing.push(name);
            }
        }
        assert!(
            missing.is_empty(),
            "actions without their GraphQL field (or on the wrong root): {missing:?}"
        );
        for (name, _) in TRCR_NAMES {
            assert!(queries.contains(*name), "TRCR's `{name}` is missing");
        }
        assert!(queries.contains("me"));
    }

    #[test]
    fn the_committed_schema_is_current() {
        let registry = crate::actions::build_registry();
        let sdl = sdl(&registry).expect("the schema builds");
        let committed = include_str!("../../../docs/schema.graphql");
        assert!(
            committed.trim_end() == sdl.trim_end(),
            "docs/schema.graphql is out of date: run `cargo run -- graphql-schema > docs/schema.graphql`"
        );
    }
}
