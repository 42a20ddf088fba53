//! The `report` world (since `stint:plugins@0.2.0`): [`Report`], its export adapter, and the data
//! the host lends while a report runs ([`data`]).
//!
//! The record types are the WIT records themselves (plain structs and enums with public
//! fields), re-exported here: `ReportInfo`, `Parameter`, `Column`, `Table`, `Value`, … for what a
//! report describes and returns, and `EntryFilter`, `Dimension`, `EntryGroup`, `TimeEntry`, … for
//! what it reads.
//!
//! ```ignore
//! use stint_plugin::report::{self, data, Argument, Report, ReportError, ReportInfo, Table};
//!
//! struct MyReports;
//!
//! impl Report for MyReports {
//!     fn describe() -> Vec<ReportInfo> { vec![/* … */] }
//!     fn run(name: &str, args: &[Argument]) -> Result<Table, ReportError> {
//!         let me = data::caller();
//!         // data::aggregate_entries(&filter, &[report::Dimension::Project]) …
//!         Err(ReportError::UnknownReport(name.into()))
//!     }
//! }
//!
//! stint_plugin::export_report!(MyReports);
//! ```

use std::marker::PhantomData;

/// Generated bindings of the `report` world (private; use the re-exports of this module).
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "report",
        pub_export_macro: true,
        export_macro_name: "__export_report_world",
        default_bindings_module: "::stint_plugin::__private::report_bindings",
        runtime_path: "::stint_plugin::__private::wit_bindgen::rt",
    });
}

use bindings::exports::stint::plugins::reports as wit;

pub use bindings::exports::stint::plugins::reports::{
    Argument, Column, ColumnType, Parameter, ReportError, ReportInfo, Table, Value, ValueType,
};
pub use bindings::stint::plugins::report_data::{
    CallerInfo, Client, Dimension, EntryFilter, EntryGroup, EntryPage, Member, Project,
    TaskDimension, TaskFilter, TaskGroup, TimeEntry,
};
/// The WIT `date` and `money` records, as report values use them.
pub use bindings::stint::plugins::types::{Date, Money};

/// The data the host lends during [`Report::run`]: the caller's organization only, and only the
/// caller's own time when the caller lacks `view_reports`. Calling these outside `run` (or
/// natively, outside WebAssembly) traps.
pub mod data {
    pub use super::bindings::stint::plugins::report_data::{
        aggregate_entries, aggregate_tasks, aggregate_time, caller, clients, list_entries, members,
        projects,
    };
}

/// A plugin of kind `report`: offers named reports computed over data the host lends.
///
/// Export it with [`export_report!`](crate::export_report).
pub trait Report {
    /// The reports offered: names (slugs), parameters (the host checks arguments against them
    /// before `run`) and default columns.
    fn describe() -> Vec<ReportInfo>;

    /// Runs report `name` with checked arguments (optional parameters not given are absent).
    fn run(name: &str, arguments: &[Argument]) -> Result<Table, ReportError>;
}

/// Bridges a [`Report`] to the generated `Guest` trait.
#[doc(hidden)]
pub struct ReportAdapter<T>(PhantomData<T>);

impl<T: Report> wit::Guest for ReportAdapter<T> {
    fn describe() -> Vec<ReportInfo> {
        T::describe()
    }

    fn run(name: String, arguments: Vec<Argument>) -> Result<Table, ReportError> {
        T::run(&name, &arguments)
    }
}

/// Finds an argument by name.
pub fn argument<'a>(arguments: &'a [Argument], name: &str) -> Option<&'a Value> {
    arguments.iter().find(|a| a.name == name).map(|a| &a.value)
}

/// A text (or id) argument.
pub fn text_argument(arguments: &[Argument], name: &str) -> Option<String> {
    match argument(arguments, name) {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Exports a type implementing [`Report`] as the component's `stint:plugins/reports` interface.
/// Use it once per crate, at module level; needs the `report` feature.
#[macro_export]
macro_rules! export_report {
    ($ty:ty) => {
        // The component's exports exist only in WebAssembly; natively only the trait bound is
        // checked.
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            type __StintReportExport = $crate::__private::ReportAdapter<$ty>;
            $crate::__private::report_bindings::__export_report_world!(
                __StintReportExport with_types_in $crate::__private::report_bindings
            );
        };
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            fn assert_impl<T: $crate::report::Report>() {}
            let _ = assert_impl::<$ty>;
        };
    };
}
