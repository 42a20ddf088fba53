//! WebAssembly plugins: the runtime that runs them sandboxed ([`runtime`]), the plain types
//! that cross the WIT boundary ([`contract`]), manifests ([`manifest`]) and the built-in
//! components ([`builtin`]).
//!
//! This is a leaf: it knows nothing of the domain or of storage (it could be its own crate). The
//! facade domain code calls — which plugin serves an organization, failure counting, report
//! descriptions — is `domain::plugins::PluginHost`.

pub mod builtin;
pub mod contract;
pub mod manifest;
pub mod runtime;

use std::path::{Path, PathBuf};

/// Name of the built-in `invoicing-rule` plugin.
pub const INVOICING_STANDARD: &str = "invoicing-standard";
/// Name of the built-in `recurrence` plugin.
pub const RECURRENCE_STANDARD: &str = "recurrence-standard";
/// Name of the built-in `report` plugin.
pub const REPORTS_STANDARD: &str = "reports-standard";
/// Name of the built-in `webhook` plugin.
pub const WEBHOOK_STANDARD: &str = "webhook-standard";
/// Default number of consecutive failed calls after which a plugin is disabled.
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 5;

/// `DATA_DIR/plugins`.
pub fn components_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("plugins")
}

/// Where an uploaded component with this hash is kept.
pub fn component_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(format!("{sha256}.wasm"))
}

/// The embedded component of a built-in plugin.
pub fn builtin_bytes(name: &str) -> Option<&'static [u8]> {
    match name {
        INVOICING_STANDARD => Some(builtin::INVOICING_STANDARD),
        RECURRENCE_STANDARD => Some(builtin::RECURRENCE_STANDARD),
        REPORTS_STANDARD => Some(builtin::REPORTS_STANDARD),
        WEBHOOK_STANDARD => Some(builtin::WEBHOOK_STANDARD),
        _ => None,
    }
}
