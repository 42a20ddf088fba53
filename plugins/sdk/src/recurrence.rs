//! The `recurrence` world: [`Recurrence`] and its export adapter.

use std::marker::PhantomData;

use crate::Timestamp;

/// Generated bindings of the `recurrence` world (private; authors use the plain types).
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "recurrence",
        pub_export_macro: true,
        export_macro_name: "__export_recurrence_world",
        default_bindings_module: "::stint_plugin::__private::recurrence_bindings",
        runtime_path: "::stint_plugin::__private::wit_bindgen::rt",
    });
}

use bindings::exports::stint::plugins::schedule as wit;

/// A plugin of kind `recurrence`: evaluates task recurrence patterns.
///
/// Export it with [`export_recurrence!`](crate::export_recurrence).
pub trait Recurrence {
    /// Checks a pattern; returns its canonical form or a message saying what is wrong.
    fn validate(pattern: &str) -> Result<String, String>;

    /// The first `count` occurrences strictly after `after`, ascending, evaluating `pattern` in
    /// the IANA time zone `time_zone`; `anchor` is the series' first instant (it fixes the time
    /// of day and the phase of intervals). Fewer than `count` when the series ends.
    fn next(
        pattern: &str,
        time_zone: &str,
        anchor: Timestamp,
        after: Timestamp,
        count: u32,
    ) -> Result<Vec<Timestamp>, String>;
}

/// Bridges a [`Recurrence`] to the generated `Guest` trait.
#[doc(hidden)]
pub struct RecurrenceAdapter<T>(PhantomData<T>);

impl<T: Recurrence> wit::Guest for RecurrenceAdapter<T> {
    fn validate(pattern: String) -> Result<String, String> {
        T::validate(&pattern)
    }

    fn next(
        pattern: String,
        time_zone: String,
        anchor: Timestamp,
        after: Timestamp,
        count: u32,
    ) -> Result<Vec<Timestamp>, String> {
        T::next(&pattern, &time_zone, anchor, after, count)
    }
}

/// Exports a type implementing [`Recurrence`] as the component's `stint:plugins/schedule`
/// interface. Use it once per crate, at module level; needs the `recurrence` feature.
#[macro_export]
macro_rules! export_recurrence {
    ($ty:ty) => {
        // The component's exports exist only in WebAssembly; natively (unit tests, benchmarks)
        // only the trait bound is checked (export names like `pkg:iface/fn` do not link there).
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            type __StintRecurrenceExport = $crate::__private::RecurrenceAdapter<$ty>;
            $crate::__private::recurrence_bindings::__export_recurrence_world!(
                __StintRecurrenceExport with_types_in $crate::__private::recurrence_bindings
            );
        };
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            fn assert_impl<T: $crate::Recurrence>() {}
            let _ = assert_impl::<$ty>;
        };
    };
}
