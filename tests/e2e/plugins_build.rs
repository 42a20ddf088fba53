//! Building plugin crates for the plugin tests: [`build_plugin`] compiles a guest crate of this
//! workspace (`tests/plugins/*`, `examples/*`, `plugins/*`) for `wasm32-wasip2` and returns the
//! component's path. The crates under `tests/plugins/` are hostile on purpose (loop, allocate
//! without end, panic, break the output contract, want files) and are built only here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// A component's preamble: `\0asm`, version 0x0d, layer 1 (a core module: version 1, layer 0).
pub const COMPONENT_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// Builds the guest crate in `dir` (relative to the workspace root, e.g. `"tests/plugins/panics"`)
/// with `cargo build --release --target wasm32-wasip2` and returns the `.wasm` component.
///
/// Built once per test process and crate; calls are serialized in-process (cargo's own lock
/// covers other processes). The target directory is `stint-plugins-wasm` beside
/// `CARGO_TARGET_TMPDIR` — the one `host/build.rs` uses, so compiled dependencies are shared.
pub fn build_plugin(dir: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(dir) {
        return path.clone();
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent");
    let manifest = root.join(dir).join("Cargo.toml");
    let package = package_name(&manifest);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target_dir = tmp
        .parent()
        .map(|t| t.join("stint-plugins-wasm"))
        .unwrap_or_else(|| tmp.join("stint-plugins-wasm"));

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--package",
            &package,
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    // The same profile settings as host/build.rs, so their artifacts are shared.
    cmd.env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo");
    let output = cmd.output().expect("running cargo build for a plugin");
    assert!(
        output.status.success(),
        "building plugin {dir} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wasm = target_dir
        .join("wasm32-wasip2")
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    assert!(wasm.is_file(), "{} was not produced", wasm.display());
    built.insert(dir.to_string(), wasm.clone());
    wasm
}

/// The `name = "…"` of a manifest's `[package]`.
fn package_name(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest)
        .unwrap_or_else(|e| panic!("reading {}: {e}", manifest.display()));
    text.lines()
        .skip_while(|l| l.trim() != "[package]")
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("no package name in {}", manifest.display()))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn test_and_example_plugins_build_as_components() {
    for dir in [
        "tests/plugins/loop-forever",
        "tests/plugins/memory-bomb",
        "tests/plugins/panics",
        "tests/plugins/bad-output",
        "tests/plugins/wants-files",
        "examples/weekend-surcharge",
    ] {
        let path = build_plugin(dir);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes[..8], COMPONENT_PREAMBLE, "{dir} is not a component");
        assert!(
            contains(&bytes, "stint:plugins/invoicing@0.3.0"),
            "{dir} does not export the invoicing interface"
        );
        assert!(
            !contains(&bytes, "stint:plugins/schedule@0.3.0"),
            "{dir} carries the recurrence world too"
        );
        let files = contains(&bytes, "wasi:filesystem");
        assert_eq!(
            files,
            dir.ends_with("wants-files"),
            "{dir}: imports wasi:filesystem = {files}"
        );
    }
    // Built once per process.
    assert_eq!(
        build_plugin("tests/plugins/panics"),
        build_plugin("tests/plugins/panics")
    );
}

#[test]
fn builtin_plugins_are_embedded_components() {
    use stint_host::plugins::builtin::{INVOICING_STANDARD, RECURRENCE_STANDARD};
    assert_eq!(INVOICING_STANDARD[..8], COMPONENT_PREAMBLE);
    assert_eq!(RECURRENCE_STANDARD[..8], COMPONENT_PREAMBLE);
    assert!(contains(
        INVOICING_STANDARD,
        "stint:plugins/invoicing@0.3.0"
    ));
    assert!(contains(
        RECURRENCE_STANDARD,
        "stint:plugins/schedule@0.3.0"
    ));
    assert!(!contains(
        INVOICING_STANDARD,
        "stint:plugins/schedule@0.3.0"
    ));
    assert!(!contains(INVOICING_STANDARD, "wasi:filesystem"));
}
