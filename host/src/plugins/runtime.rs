//! TEMPORARY STUB of h2-runtime's API (PLAN.md), so h5-plugin-admin compiles before the runtime
//! lands. Replaced wholesale by `git merge h2-runtime` (take theirs).
#![allow(missing_docs, dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::contract::{BillableEntry, InvoiceContext, InvoiceResult, OccurrenceQuery};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    InvoicingRule,
    Recurrence,
}

impl PluginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::InvoicingRule => "invoicing-rule",
            PluginKind::Recurrence => "recurrence",
        }
    }
    pub fn parse(s: &str) -> Option<PluginKind> {
        match s {
            "invoicing-rule" => Some(PluginKind::InvoicingRule),
            "recurrence" => Some(PluginKind::Recurrence),
            _ => None,
        }
    }
}

impl std::fmt::Display for PluginKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub deadline: Duration,
    pub memory_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub cache_dir: PathBuf,
    pub max_concurrent_calls: u32,
    pub max_memory_bytes: u64,
    pub epoch_tick: Duration,
}

impl RuntimeConfig {
    pub fn new(cache_dir: PathBuf) -> RuntimeConfig {
        RuntimeConfig {
            cache_dir,
            max_concurrent_calls: 16,
            max_memory_bytes: 256 << 20,
            epoch_tick: Duration::from_millis(10),
        }
    }
}

#[derive(Clone)]
pub struct Runtime;

impl Runtime {
    pub fn new(_cfg: RuntimeConfig) -> anyhow::Result<Runtime> {
        Ok(Runtime)
    }
    pub async fn load(
        &self,
        name: &str,
        _kind: PluginKind,
        wasm: &[u8],
        _limits: Limits,
    ) -> Result<LoadedPlugin, LoadError> {
        if !wasm.starts_with(b"\0asm") {
            return Err(LoadError("not a WebAssembly component".into()));
        }
        Ok(LoadedPlugin {
            name: name.to_owned(),
        })
    }
}

#[derive(Clone)]
pub struct LoadedPlugin {
    name: String,
}

impl LoadedPlugin {
    pub fn name(&self) -> &str {
        &self.name
    }
    fn stub(&self) -> PluginFailure {
        PluginFailure {
            plugin: self.name.clone(),
            reason: FailureReason::Trap,
            message: "runtime stub".into(),
        }
    }
    pub async fn compute_invoice(
        &self,
        _ctx: &InvoiceContext,
        _entries: &[BillableEntry],
    ) -> Result<Result<InvoiceResult, String>, PluginFailure> {
        Err(self.stub())
    }
    pub async fn validate_recurrence(
        &self,
        _pattern: &str,
    ) -> Result<Result<String, String>, PluginFailure> {
        Err(self.stub())
    }
    pub async fn next_occurrences(
        &self,
        _q: &OccurrenceQuery,
    ) -> Result<Result<Vec<DateTime<Utc>>, String>, PluginFailure> {
        Err(self.stub())
    }
}

#[derive(Debug, Clone, Copy)]
pub enum FailureReason {
    Trap,
    Timeout,
    OutOfMemory,
    Panic,
    Contract,
}

impl FailureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::Trap => "trap",
            FailureReason::Timeout => "timeout",
            FailureReason::OutOfMemory => "out_of_memory",
            FailureReason::Panic => "panic",
            FailureReason::Contract => "contract",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PluginFailure {
    pub plugin: String,
    pub reason: FailureReason,
    pub message: String,
}

impl From<PluginFailure> for crate::error::Error {
    fn from(f: PluginFailure) -> Self {
        crate::error::Error::Plugin {
            plugin: f.plugin,
            reason: f.reason.as_str().into(),
            message: f.message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(String);
