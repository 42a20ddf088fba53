//! `stint:plugins@0.1.0` (`wit/archive/0.1.0/`): kept so that plugins built against it keep
//! loading (`wit/README.md`, "What this server accepts"). Its shapes equal 0.2's, but its
//! interface names carry `@0.1.0`, so it needs bindings of its own. The shared `types` are
//! 0.2's (component types are structural), so only the `invoicing` records are converted twice,
//! by the same macro.

pub(in crate::plugins::runtime) mod invoicing_world {
    wasmtime::component::bindgen!({
        path: "../wit/archive/0.1.0",
        world: "invoicing-rule",
        exports: { default: async },
        with: {
            "stint:plugins/types": crate::plugins::runtime::bindings::v0_2::invoicing_world::stint::plugins::types,
        },
    });
}

pub(in crate::plugins::runtime) mod recurrence_world {
    wasmtime::component::bindgen!({
        path: "../wit/archive/0.1.0",
        world: "recurrence",
        exports: { default: async },
        with: {
            "stint:plugins/types": crate::plugins::runtime::bindings::v0_2::invoicing_world::stint::plugins::types,
            "stint:plugins/log": super::invoicing_world::stint::plugins::log,
        },
    });
}

pub(in crate::plugins::runtime) use invoicing_world::stint::plugins::log;

/// Conversions between the host's contract types and this version's `invoicing` types.
pub(in crate::plugins::runtime) mod convert {
    use super::invoicing_world::exports::stint::plugins::invoicing as wit_invoicing;
    invoicing_conversions!();
}
