//! The `stint` binary.

/// mimalloc returns freed memory to the operating system promptly; with glibc's allocator, every
/// thread that once hashed a password (Argon2id: 19 MiB per hash) kept that memory in its arena,
/// so a burst of logins left the process hundreds of megabytes larger.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stint_host::cli::main()
}
