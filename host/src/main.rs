//! The `stint` binary.

fn main() -> std::process::ExitCode {
    stint_host::cli::main()
}
