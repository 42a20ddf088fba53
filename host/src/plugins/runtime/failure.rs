//! How a call failed, in terms an operator can act on.

use serde::Serialize;
use wasmtime::Trap;

use super::engine::State;

/// Longest failure message kept (a panic message with its location fits easily).
const MAX_MESSAGE_BYTES: usize = 4 * 1024;

/// Why a plugin call produced no usable answer. Only this call is affected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("plugin {plugin} failed: {}: {message}", reason.as_str())]
pub struct PluginFailure {
    /// The plugin's name.
    pub plugin: String,
    /// The class of failure.
    pub reason: FailureReason,
    /// What happened (the trap, the panic message, the broken rule).
    pub message: String,
}

/// The class of a [`PluginFailure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// The guest trapped (other than the cases below).
    Trap,
    /// The call ran past its deadline and was interrupted.
    Timeout,
    /// The guest tried to grow its memory beyond its limit.
    OutOfMemory,
    /// The guest panicked; the message is the panic's.
    Panic,
    /// The guest returned output that breaks the contract (sums, unknown entries, order…).
    Contract,
}

impl FailureReason {
    /// The stable wire name: `trap`, `timeout`, `out_of_memory`, `panic`, `contract`.
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

impl From<PluginFailure> for crate::error::Error {
    fn from(f: PluginFailure) -> crate::error::Error {
        crate::error::Error::Plugin {
            plugin: f.plugin,
            reason: f.reason.as_str().into(),
            message: f.message,
        }
    }
}

impl PluginFailure {
    pub(super) fn new(plugin: &str, reason: FailureReason, message: String) -> PluginFailure {
        PluginFailure {
            plugin: plugin.into(),
            reason,
            message: super::bindings::truncate(message, MAX_MESSAGE_BYTES),
        }
    }

    /// The deadline passed (the `tokio::time::timeout` backstop, or the epoch trap).
    pub(super) fn timeout(plugin: &str, deadline: std::time::Duration) -> PluginFailure {
        PluginFailure::new(
            plugin,
            FailureReason::Timeout,
            format!(
                "the call ran past its deadline of {} ms",
                deadline.as_millis()
            ),
        )
    }
}

/// The error chain of a wasmtime error on one line.
pub(super) fn chain(e: &wasmtime::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Classifies an error returned by instantiation or a call, using what the store saw.
pub(super) fn classify(
    plugin: &str,
    deadline: std::time::Duration,
    e: &wasmtime::Error,
    state: &State,
) -> PluginFailure {
    let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
    if let Some(desired) = state.limiter.refused {
        let msg = if desired > 0 {
            format!("the plugin tried to grow its memory to {desired} bytes, beyond its limit")
        } else {
            "the plugin's memory could not grow".to_string()
        };
        return PluginFailure::new(plugin, FailureReason::OutOfMemory, msg);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginFailure::timeout(plugin, deadline),
        Some(Trap::UnreachableCodeReached) if stderr.contains("panicked at") => {
            PluginFailure::new(plugin, FailureReason::Panic, panic_message(&stderr))
        }
        // Rust's allocator aborts when `memory.grow` fails below the pool's hard cap.
        Some(Trap::UnreachableCodeReached) if stderr.contains("memory allocation of") => {
            PluginFailure::new(
                plugin,
                FailureReason::OutOfMemory,
                stderr.trim().to_string(),
            )
        }
        _ => {
            let mut msg = chain(e);
            if !stderr.trim().is_empty() {
                msg.push_str("; stderr: ");
                msg.push_str(stderr.trim());
            }
            PluginFailure::new(plugin, FailureReason::Trap, msg)
        }
    }
}

/// The panic message from a Rust guest's stderr, from `panicked at` on (the std hook writes
/// `thread '<name>' panicked at src/lib.rs:3:5:\n<message>`).
fn panic_message(stderr: &str) -> String {
    let from = stderr.find("panicked at").unwrap_or(0);
    let text = stderr[from..].trim();
    // Drop the backtrace hint: the guest has no environment to set.
    text.lines()
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_message_keeps_location_and_text() {
        let stderr = "\nthread '<unnamed>' panicked at src/lib.rs:9:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(panic_message(stderr), "panicked at src/lib.rs:9:5:\nboom");
    }

    #[test]
    fn converts_to_the_api_error() {
        let f = PluginFailure::new("p", FailureReason::OutOfMemory, "m".into());
        let e: crate::error::Error = f.into();
        assert_eq!(e.code(), "PLUGIN_ERROR");
        assert_eq!(e.details().unwrap()["reason"], "out_of_memory");
    }
}
