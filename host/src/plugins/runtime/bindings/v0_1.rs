//! `stint:plugins@0.1.0` (`wit/archive/0.1.0/`): kept so that plugins built against it keep
//! loading (`wit/README.md`, "What this server accepts"). Its `invoicing` and `schedule` have
//! 0.2's shapes under 0.1 names; it has no `report` or `webhook`.

pub(in crate::plugins::runtime) mod invoicing_world {
    wasmtime::component::bindgen!({
        path: "../wit/archive/0.1.0",
        world: "invoicing-rule",
        exports: { default: async },
        with: {
            "stint:plugins/types": crate::plugins::runtime::bindings::v0_3::invoicing_world::stint::plugins::types,
        },
    });
}

pub(in crate::plugins::runtime) mod recurrence_world {
    wasmtime::component::bindgen!({
        path: "../wit/archive/0.1.0",
        world: "recurrence",
        exports: { default: async },
        with: {
            "stint:plugins/types": crate::plugins::runtime::bindings::v0_3::invoicing_world::stint::plugins::types,
            "stint:plugins/log": super::invoicing_world::stint::plugins::log,
        },
    });
}

pub(in crate::plugins::runtime) use invoicing_world::stint::plugins::log;

/// Conversions between the host's contract types and this version's `invoicing` types.
pub(in crate::plugins::runtime) mod convert {
    use super::invoicing_world::exports::stint::plugins::invoicing as wit_invoicing;
    flat_invoicing_conversions!();
}
