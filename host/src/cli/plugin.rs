//! `stint plugin …`: plugin commands. Each subcommand is one variant of [`PluginCommand`] and
//! one function here (install/list/remove live in [`super::plugin_admin`]).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::plugin_admin::{self, InstallArgs, ListArgs, RemoveArgs};
use crate::plugins::runtime::{Limits, PluginKind, Runtime, RuntimeConfig, fixture};

/// The `stint plugin` subcommands.
#[derive(Debug, Subcommand)]
pub(super) enum PluginCommand {
    /// Run a plugin component against a JSON fixture, with no server and no database; print
    /// its output, its logs, the wall time and the peak memory as JSON.
    Test(TestArgs),
    /// Install a plugin into the configured database and data directory (like `stint migrate`,
    /// no server needed): a folder with plugin.yaml, or the plugin.yaml itself.
    Install(InstallArgs),
    /// List the installed plugins as JSON.
    List(ListArgs),
    /// Remove a plugin (`name` or `name@version`); refused while an organization binds it.
    Remove(RemoveArgs),
}

/// Arguments of `stint plugin test`.
#[derive(Debug, Args)]
pub(super) struct TestArgs {
    /// The component (`.wasm`, built for wasm32-wasip2).
    component: PathBuf,
    /// Which world the plugin implements.
    #[arg(long, value_parser = parse_kind)]
    kind: PluginKind,
    /// The fixture (see docs/plugins.md, "Testing a plugin without a server").
    #[arg(long)]
    input: PathBuf,
    /// The call's deadline in milliseconds.
    #[arg(long, default_value_t = 1000)]
    deadline_ms: u64,
    /// The call's memory limit in MiB.
    #[arg(long, default_value_t = 64)]
    memory_mb: u64,
    /// Where precompiled components are cached (default: a folder in the temp directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

fn parse_kind(s: &str) -> Result<PluginKind, String> {
    PluginKind::parse(s)
        .ok_or_else(|| format!("unknown kind `{s}` (invoicing-rule, recurrence, report, webhook)"))
}

/// Runs a plugin subcommand.
pub(super) async fn run(command: PluginCommand) -> anyhow::Result<()> {
    match command {
        PluginCommand::Test(args) => test(args).await,
        PluginCommand::Install(args) => plugin_admin::install(args).await,
        PluginCommand::List(args) => plugin_admin::list(args).await,
        PluginCommand::Remove(args) => plugin_admin::remove(args).await,
    }
}

async fn test(args: TestArgs) -> anyhow::Result<()> {
    let wasm = std::fs::read(&args.component)
        .with_context(|| format!("cannot read {}", args.component.display()))?;
    let input = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let memory_bytes = args.memory_mb.saturating_mul(1 << 20);
    let mut cfg = RuntimeConfig::new(
        args.cache_dir
            .unwrap_or_else(|| std::env::temp_dir().join("stint-plugin-cache")),
    );
    cfg.max_concurrent_calls = 1;
    cfg.max_memory_bytes = cfg.max_memory_bytes.max(memory_bytes);
    let runtime = Runtime::new(cfg)?;
    let name = args
        .component
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plugin");
    let limits = Limits {
        deadline: Duration::from_millis(args.deadline_ms),
        memory_bytes,
    };
    let plugin = runtime
        .load(name, args.kind, &wasm, limits)
        .await
        .with_context(|| format!("cannot load {}", args.component.display()))?;
    let outcome = fixture::run(&plugin, &input).await?;
    super::print_json(&outcome)?;
    if let Some(failure) = outcome.failure {
        anyhow::bail!("{failure}");
    }
    Ok(())
}
