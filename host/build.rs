//! Build script: compiles the built-in plugins (`plugins/invoicing-standard`,
//! `plugins/recurrence-standard`, `plugins/reports-standard`) for `wasm32-wasip2` and leaves the components in `OUT_DIR`,
//! where `src/plugins/builtin.rs` embeds them with `include_bytes!`.
//!
//! It runs a nested `cargo build --release --target wasm32-wasip2` (the way wasmtime's
//! `crates/test-programs/artifacts` does) with a target directory of its own: the outer cargo
//! holds the lock on its target directory for the whole build. That directory sits beside the
//! outer profiles (`<target>/stint-plugins-wasm`) so debug, release, check and clippy builds share
//! one set of compiled plugins. The rust-toolchain.toml installs the wasm32-wasip2 target.
//!
//! Each plugin is built by its own cargo invocation: cargo unifies the features of packages built
//! together, and the SDK's `invoicing` and `recurrence` features each embed their world's type
//! information, so building both plugins at once would give each component both worlds.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (package, file stem of its `.wasm` output)
const BUILTINS: &[(&str, &str)] = &[
    ("invoicing-standard", "invoicing_standard"),
    ("recurrence-standard", "recurrence_standard"),
    ("reports-standard", "reports_standard"),
    ("webhook-standard", "webhook_standard"),
];

/// Variables through which the outer build's settings would leak into the nested one.
const SCRUB: &[&str] = &[
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_INCREMENTAL",
    "CARGO_LLVM_COV",
    "CARGO_LLVM_COV_TARGET_DIR",
    "LLVM_PROFILE_FILE",
    "__CARGO_FIX_PLZ",
    "CLIPPY_ARGS",
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("host/ has a parent")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));

    // Relative to the package root, so that a target directory shared by several checkouts
    // (worktrees, CI clones) watches the checkout being built, not the one that built first.
    for watched in ["plugins", "wit", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed=../{watched}");
    }
    println!("cargo:rerun-if-env-changed=STINT_PLUGINS_TARGET_DIR");

    let target_dir = env::var_os("STINT_PLUGINS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| nested_target_dir(&out_dir));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    ensure_wasm_target();

    for (package, stem) in BUILTINS {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&root)
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--package",
                package,
            ])
            .arg("--target-dir")
            .arg(&target_dir);
        for var in SCRUB {
            cmd.env_remove(var);
        }
        for (key, _) in env::vars_os() {
            if key.to_string_lossy().starts_with("CARGO_PROFILE_") {
                cmd.env_remove(key);
            }
        }
        // Small components: no debug info in what ships inside the binary. Every call of a
        // built-in runs this code, so it gets the optimisations a release binary would: one
        // codegen unit and link-time optimisation across the plugin, the SDK and std.
        cmd.env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo")
            .env("CARGO_PROFILE_RELEASE_LTO", "fat")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1");
        let status = cmd
            .status()
            .unwrap_or_else(|e| panic!("running `cargo build` for plugin {package}: {e}"));
        assert!(
            status.success(),
            "building built-in plugin {package} for wasm32-wasip2 failed ({status}); \
             is the wasm32-wasip2 target installed (`rustup target add wasm32-wasip2`)?"
        );
        let built = target_dir
            .join("wasm32-wasip2")
            .join("release")
            .join(format!("{stem}.wasm"));
        let dest = out_dir.join(format!("{stem}.wasm"));
        std::fs::copy(&built, &dest)
            .unwrap_or_else(|e| panic!("copying {} to {}: {e}", built.display(), dest.display()));
    }
}

/// Installs the `wasm32-wasip2` standard library when the active toolchain lacks it: a fresh
/// rustup install takes the target from rust-toolchain.toml, but a toolchain installed earlier
/// without it does not get it added, and `cargo test` should need no manual step.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", "wasm32-wasip2"])
        .output();
    if let Ok(out) = libdir
        && out.status.success()
        && Path::new(String::from_utf8_lossy(&out.stdout).trim()).is_dir()
    {
        return;
    }
    println!("cargo:warning=installing the wasm32-wasip2 target with rustup");
    let _ = Command::new("rustup")
        .args(["target", "add", "wasm32-wasip2"])
        .status();
}

/// `<target>/stint-plugins-wasm`, found from `OUT_DIR` =
/// `<target>[/<triple>]/<profile>/build/<package>-<hash>/out`; `OUT_DIR` itself if that shape
/// does not hold.
fn nested_target_dir(out_dir: &Path) -> PathBuf {
    match out_dir.ancestors().nth(4) {
        Some(target)
            if out_dir
                .ancestors()
                .nth(2)
                .is_some_and(|b| b.ends_with("build")) =>
        {
            target.join("stint-plugins-wasm")
        }
        _ => out_dir.join("stint-plugins-wasm"),
    }
}
