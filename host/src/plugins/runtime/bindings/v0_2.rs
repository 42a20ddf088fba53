//! `stint:plugins@0.2.0` (the repository's `wit/`): the contract this server implements.

pub(in crate::plugins::runtime) mod invoicing_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "invoicing-rule",
        exports: { default: async },
    });
}

pub(in crate::plugins::runtime) mod recurrence_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "recurrence",
        exports: { default: async },
        // One set of shared interfaces: one `log` implementation, one linker entry.
        with: {
            "stint:plugins/types": super::invoicing_world::stint::plugins::types,
            "stint:plugins/log": super::invoicing_world::stint::plugins::log,
        },
    });
}

pub(in crate::plugins::runtime) use invoicing_world::stint::plugins::{log, types};

/// Conversions between the host's contract types and this version's `invoicing` types.
pub(in crate::plugins::runtime) mod convert {
    use super::invoicing_world::exports::stint::plugins::invoicing as wit_invoicing;
    invoicing_conversions!();
}
