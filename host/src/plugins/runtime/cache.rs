//! Precompiled components on disk: `cache_dir/<sha256 of the wasm>-<engine hash>.cwasm`.
//!
//! The engine hash is `Engine::precompile_compatibility_hash` (wasmtime version, target and
//! compilation settings), so an upgraded binary never loads an artifact it cannot run; a file
//! that still fails to deserialize is compiled again and overwritten.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::{LoadError, LoadErrorKind};

/// The component for `wasm`, from the cache when possible.
pub(super) async fn compile(
    engine: &Engine,
    cache_dir: &Path,
    wasm: &[u8],
) -> Result<Component, LoadError> {
    let path = artifact_path(engine, cache_dir, wasm);
    if path.is_file() {
        match load_trusted_artifact(engine, Artifact::File(&path)) {
            Ok(component) => return Ok(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "stale plugin artifact; recompiling");
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let compiled = {
        let engine = engine.clone();
        let wasm = wasm.to_vec();
        tokio::task::spawn_blocking(move || engine.precompile_component(&wasm))
            .await
            .map_err(|e| {
                LoadError::new(LoadErrorKind::Compile, format!("compilation aborted: {e}"))
            })?
            .map_err(|e| {
                LoadError::new(
                    LoadErrorKind::Compile,
                    format!(
                        "the component does not compile: {}",
                        super::failure::chain(&e)
                    ),
                )
            })?
    };
    match write_atomically(&path, &compiled) {
        Ok(()) => {
            if let Ok(component) = load_trusted_artifact(engine, Artifact::File(&path)) {
                return Ok(component);
            }
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot cache the plugin artifact")
        }
    }
    load_trusted_artifact(engine, Artifact::Bytes(&compiled)).map_err(|e| {
        LoadError::new(
            LoadErrorKind::Compile,
            format!(
                "the compiled component does not load: {}",
                super::failure::chain(&e)
            ),
        )
    })
}

enum Artifact<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

/// Loads machine code the host itself produced with `Engine::precompile_component`.
#[allow(unsafe_code)]
fn load_trusted_artifact(engine: &Engine, artifact: Artifact<'_>) -> wasmtime::Result<Component> {
    // SAFETY: `Component::deserialize*` run the bytes as native code without validation. Both
    // sources are output of `Engine::precompile_component` written by this host: `Bytes` comes
    // straight from it, and `File` lives under the operator's cache directory (written only by
    // `write_atomically` below, never by a plugin upload), named by the engine's compatibility
    // hash; wasmtime itself rejects files from another version or configuration.
    unsafe {
        match artifact {
            Artifact::File(path) => Component::deserialize_file(engine, path),
            Artifact::Bytes(bytes) => Component::deserialize(engine, bytes),
        }
    }
}

fn artifact_path(engine: &Engine, cache_dir: &Path, wasm: &[u8]) -> PathBuf {
    let content = hex::encode(Sha256::digest(wasm));
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let engine_hash = hex::encode(&hasher.0.finalize()[..8]);
    cache_dir.join(format!("{content}-{engine_hash}.cwasm"))
}

/// Feeds `Hash` output into SHA-256: a key that is stable across processes and Rust versions,
/// unlike `DefaultHasher`.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let d = self.0.clone().finalize();
        u64::from_le_bytes(d[..8].try_into().unwrap_or_default())
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Writes to a temporary file and renames it, so a concurrent load never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("artifact"),
        ulid::Ulid::new()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
