//! `stint plugin …`: plugin commands. Each subcommand is one variant of [`PluginCommand`] and
//! one function here (the install/list/remove ones live in [`super::plugin_admin`]).
//!
//! TEMPORARY on h5-plugin-admin: h2-runtime owns this file (it adds `test`); on merge keep theirs
//! and add the three `Install`/`List`/`Remove` variants below.

use clap::Subcommand;

use super::plugin_admin::{self, InstallArgs, ListArgs, RemoveArgs};

/// The `stint plugin` subcommands.
#[derive(Debug, Subcommand)]
pub(super) enum PluginCommand {
    /// Install a plugin into the configured database and data directory (like `stint migrate`,
    /// no server needed): a folder with plugin.yaml, or the plugin.yaml itself.
    Install(InstallArgs),
    /// List the installed plugins as JSON.
    List(ListArgs),
    /// Remove a plugin (`name` or `name@version`); refused while an organization binds it.
    Remove(RemoveArgs),
}

/// Runs a plugin subcommand.
pub(super) async fn run(command: PluginCommand) -> anyhow::Result<()> {
    match command {
        PluginCommand::Install(args) => plugin_admin::install(args).await,
        PluginCommand::List(args) => plugin_admin::list(args).await,
        PluginCommand::Remove(args) => plugin_admin::remove(args).await,
    }
}
