//! Logging through the host: records reach the Stint server's log tagged with the plugin's name.
//!
//! Outside WebAssembly (native tests) records go to standard error instead.
//!
//! ```ignore
//! stint_plugin::log::info("starting");
//! stint_plugin::info!("{} entries", n);
//! ```

use crate::LogLevel;

/// Writes one record at `level`. The host truncates long messages.
pub fn log(level: LogLevel, message: &str) {
    imp::log(level, message)
}

/// Logs at trace level.
pub fn trace(message: &str) {
    log(LogLevel::Trace, message)
}

/// Logs at debug level.
pub fn debug(message: &str) {
    log(LogLevel::Debug, message)
}

/// Logs at info level.
pub fn info(message: &str) {
    log(LogLevel::Info, message)
}

/// Logs at warn level.
pub fn warn(message: &str) {
    log(LogLevel::Warn, message)
}

/// Logs at error level.
pub fn error(message: &str) {
    log(LogLevel::Error, message)
}

/// `format!`-style logging at info level: `stint_plugin::info!("{} entries", n)`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::info(&::std::format!($($arg)*)) };
}

/// `format!`-style logging at debug level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::debug(&::std::format!($($arg)*)) };
}

/// `format!`-style logging at warn level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::warn(&::std::format!($($arg)*)) };
}

/// `format!`-style logging at error level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::error(&::std::format!($($arg)*)) };
}

#[cfg(all(target_arch = "wasm32", feature = "invoicing"))]
mod imp {
    use crate::invoicing::bindings::stint::plugins::{log, types};

    pub(super) fn log(level: crate::LogLevel, message: &str) {
        log::log(super::level!(types, level), message)
    }
}

#[cfg(all(
    target_arch = "wasm32",
    feature = "recurrence",
    not(feature = "invoicing")
))]
mod imp {
    use crate::recurrence::bindings::stint::plugins::{log, types};

    pub(super) fn log(level: crate::LogLevel, message: &str) {
        log::log(super::level!(types, level), message)
    }
}

#[cfg(all(
    target_arch = "wasm32",
    feature = "webhook",
    not(any(feature = "invoicing", feature = "recurrence"))
))]
mod imp {
    use crate::webhook::bindings::stint::plugins::{log, types};

    pub(super) fn log(level: crate::LogLevel, message: &str) {
        log::log(super::level!(types, level), message)
    }
}

#[cfg(any(
    not(target_arch = "wasm32"),
    not(any(feature = "invoicing", feature = "recurrence", feature = "webhook"))
))]
mod imp {
    pub(super) fn log(level: crate::LogLevel, message: &str) {
        eprintln!("[{level:?}] {message}");
    }
}

#[cfg(all(
    target_arch = "wasm32",
    any(feature = "invoicing", feature = "recurrence", feature = "webhook")
))]
macro_rules! level {
    ($types:ident, $level:expr) => {
        match $level {
            crate::LogLevel::Trace => $types::LogLevel::Trace,
            crate::LogLevel::Debug => $types::LogLevel::Debug,
            crate::LogLevel::Info => $types::LogLevel::Info,
            crate::LogLevel::Warn => $types::LogLevel::Warn,
            crate::LogLevel::Error => $types::LogLevel::Error,
        }
    };
}
#[cfg(all(
    target_arch = "wasm32",
    any(feature = "invoicing", feature = "recurrence", feature = "webhook")
))]
use level;
