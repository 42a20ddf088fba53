//! What a plugin may be: a component (not a core module, not text) that exports its kind's
//! interface and imports only what its kind allows. Checked at load, before anything runs.

use wasmtime::Engine;
use wasmtime::component::Component;

use super::{LoadError, LoadErrorKind, PluginKind};

const MAGIC: &[u8; 4] = b"\0asm";
/// Version + layer of a core module (`01 00 00 00`); components use layer 1.
const CORE_MODULE_VERSION: [u8; 4] = [1, 0, 0, 0];

/// Refuses bytes that are not a binary component, with a message saying what they are.
pub(super) fn header(wasm: &[u8]) -> Result<(), LoadError> {
    if wasm.len() < 8 || &wasm[..4] != MAGIC {
        let head = &wasm[..wasm.len().min(256)];
        let text = std::str::from_utf8(head).is_ok_and(|t| {
            t.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        });
        return Err(LoadError::new(
            LoadErrorKind::NotAComponent,
            if text {
                "not a WebAssembly component: the file is text (the WebAssembly text format is \
                 not accepted; build the plugin for wasm32-wasip2)"
                    .into()
            } else {
                "not a WebAssembly component: the file is not a WebAssembly binary".into()
            },
        ));
    }
    if wasm[4..8] == CORE_MODULE_VERSION {
        return Err(LoadError::new(
            LoadErrorKind::NotAComponent,
            "not a WebAssembly component: the file is a core WebAssembly module (build the \
             plugin for the wasm32-wasip2 target, or wrap it with `wasm-tools component new`)"
                .into(),
        ));
    }
    Ok(())
}

/// The interface a kind must export, at a version `manifest::supports` accepts.
fn required_export(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::InvoicingRule => "stint:plugins/invoicing",
        PluginKind::Recurrence => "stint:plugins/schedule",
        PluginKind::Report => "stint:plugins/reports",
        PluginKind::Webhook => "stint:plugins/webhooks",
    }
}

/// Checks exports and imports against what `kind` allows; returns the contract's minor version
/// the component was built against (`stint:plugins@0.<minor>.x`).
pub(super) fn component(
    engine: &Engine,
    kind: PluginKind,
    component: &Component,
) -> Result<u64, LoadError> {
    let ty = component.component_type();
    let wanted = required_export(kind);
    let exported = ty.exports(engine).find_map(|(name, _)| {
        let (iface, version) = split_version(name);
        let version = semver::Version::parse(version?).ok()?;
        (iface == wanted && crate::plugins::manifest::supports(kind, &version))
            .then_some(version.minor)
    });
    let Some(minor) = exported else {
        let since = kind.since();
        let current = crate::plugins::manifest::WIT_VERSION;
        let found: Vec<&str> = ty.exports(engine).map(|(name, _)| name).collect();
        return Err(LoadError::new(
            LoadErrorKind::WrongWorld,
            format!(
                "the component does not export `{wanted}` at a version from {since} to {}.x, so \
                 it is not a `{kind}` plugin this server runs (it exports: {})",
                format_args!("{}.{}", current.major, current.minor),
                if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found.join(", ")
                }
            ),
        ));
    };
    let refused: Vec<&str> = ty
        .imports(engine)
        .map(|(name, _)| name)
        .filter(|name| !import_allowed(kind, name))
        .collect();
    if !refused.is_empty() {
        return Err(LoadError::new(
            LoadErrorKind::ForbiddenImport,
            format!(
                "a plugin of kind `{kind}` may not import {} (rule plugins get no files, network or \
                 HTTP; allowed: stint:plugins/*, wasi:io/*, wasi:cli/{{environment, exit, stdin, \
                 stdout, stderr, terminal-*}}, wasi:clocks/*, wasi:random/*)",
                refused
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(minor)
}

/// `"wasi:io/poll@0.2.6"` → (`"wasi:io/poll"`, `Some("0.2.6")`).
fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((iface, version)) => (iface, Some(version)),
        None => (name, None),
    }
}

/// Whether a kind may import `name`. The rule kinds and webhook formatters are pure functions
/// (webhook plugins get no sockets or HTTP: they return requests, the host sends them); a
/// report plugin may also read the data the host lends (`stint:plugins/report-data`), which no
/// other kind may.
fn import_allowed(kind: PluginKind, name: &str) -> bool {
    let lends_data = split_version(name).0 == "stint:plugins/report-data";
    match kind {
        PluginKind::InvoicingRule | PluginKind::Recurrence | PluginKind::Webhook => {
            !lends_data && rule_import_allowed(name)
        }
        PluginKind::Report => rule_import_allowed(name),
    }
}

fn rule_import_allowed(name: &str) -> bool {
    let (iface, _) = split_version(name);
    let Some((package, interface)) = iface.split_once('/') else {
        return false;
    };
    match package {
        "stint:plugins" | "wasi:io" | "wasi:clocks" | "wasi:random" => true,
        "wasi:cli" => {
            matches!(
                interface,
                "environment" | "exit" | "stdin" | "stdout" | "stderr"
            ) || interface.starts_with("terminal-")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version_supported(kind: PluginKind, version: &str) -> bool {
        crate::plugins::manifest::supports(kind, &semver::Version::parse(version).unwrap())
    }

    #[test]
    fn rule_imports() {
        for ok in [
            "stint:plugins/log@0.1.0",
            "wasi:io/poll@0.2.6",
            "wasi:cli/stderr@0.2.6",
            "wasi:cli/terminal-output@0.2.6",
            "wasi:clocks/wall-clock@0.2.0",
            "wasi:random/insecure-seed@0.2.6",
        ] {
            assert!(import_allowed(PluginKind::InvoicingRule, ok), "{ok}");
        }
        for bad in [
            "wasi:filesystem/preopens@0.2.6",
            "wasi:sockets/tcp@0.2.6",
            "wasi:http/outgoing-handler@0.2.6",
            "wasi:cli/run@0.2.6",
            "acme:evil/thing",
            "plain-name",
        ] {
            assert!(!import_allowed(PluginKind::Recurrence, bad), "{bad}");
            assert!(!import_allowed(PluginKind::Report, bad), "{bad}");
            assert!(!import_allowed(PluginKind::Webhook, bad), "{bad}");
        }
        assert!(import_allowed(
            PluginKind::Report,
            "stint:plugins/report-data@0.2.0"
        ));
        assert!(import_allowed(
            PluginKind::Report,
            "stint:plugins/report-data@0.3.0"
        ));
        assert!(!import_allowed(
            PluginKind::InvoicingRule,
            "stint:plugins/report-data@0.2.0"
        ));
    }

    #[test]
    fn export_versions_follow_the_kind() {
        assert!(version_supported(PluginKind::InvoicingRule, "0.1.0"));
        assert!(version_supported(PluginKind::InvoicingRule, "0.2.0"));
        assert!(!version_supported(PluginKind::Report, "0.1.0"));
        assert!(version_supported(PluginKind::Report, "0.2.0"));
        assert!(version_supported(PluginKind::Report, "0.3.0"));
        assert!(version_supported(PluginKind::InvoicingRule, "0.3.0"));
        assert!(!version_supported(PluginKind::Report, "0.4.0"));
    }

    #[test]
    fn headers() {
        let text = header(b"(component)").unwrap_err();
        assert_eq!(text.kind(), LoadErrorKind::NotAComponent);
        assert!(text.to_string().contains("text"), "{text}");
        let core = header(b"\0asm\x01\0\0\0").unwrap_err();
        assert!(
            core.to_string().contains("core WebAssembly module"),
            "{core}"
        );
        assert!(header(b"\0asm\x0d\0\x01\0").is_ok());
        assert!(header(&[0xff, 0xfe, 0, 1, 2]).is_err());
    }
}
