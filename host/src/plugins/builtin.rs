//! The built-in plugins, compiled by `host/build.rs` from `plugins/*` for `wasm32-wasip2` and
//! embedded in the binary, so a fresh server needs no plugin files.

/// `plugins/invoicing-standard`: the default `invoicing-rule` component
/// (world `stint:plugins/invoicing-rule@0.3.0`).
pub const INVOICING_STANDARD: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/invoicing_standard.wasm"));

/// `plugins/recurrence-standard`: the default `recurrence` component
/// (world `stint:plugins/recurrence@0.3.0`).
pub const RECURRENCE_STANDARD: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/recurrence_standard.wasm"));

/// `plugins/reports-standard`: the built-in `report` component
/// (world `stint:plugins/report@0.3.0`).
pub const REPORTS_STANDARD: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/reports_standard.wasm"));
/// `plugins/webhook-standard`: the default `webhook` component
/// (world `stint:plugins/webhook@0.3.0`).
pub const WEBHOOK_STANDARD: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/webhook_standard.wasm"));

#[cfg(test)]
mod tests {
    use super::*;

    /// A component's preamble: `\0asm`, version 0x0d, layer 1 (a core module has version 1,
    /// layer 0).
    const COMPONENT_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    #[test]
    fn builtins_are_components() {
        for (name, bytes) in [
            ("invoicing-standard", INVOICING_STANDARD),
            ("recurrence-standard", RECURRENCE_STANDARD),
            ("reports-standard", REPORTS_STANDARD),
            ("webhook-standard", WEBHOOK_STANDARD),
        ] {
            assert!(bytes.len() > 8, "{name} is empty");
            assert_eq!(bytes[..8], COMPONENT_PREAMBLE, "{name} is not a component");
        }
    }
}
