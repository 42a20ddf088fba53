//! The command line: `stint migrate` (and running it twice), and `stint serve --help` documenting
//! every setting the README lists.

use std::process::Command;

fn stint() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stint"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("STINT_") {
            command.env_remove(&key);
        }
    }
    command
}

#[test]
fn migrate_creates_the_database_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for run in 1..=2 {
        let out = stint()
            .arg("migrate")
            .env("STINT_DATA_DIR", dir.path())
            .env("STINT_CONFIG", dir.path().join("none.yaml"))
            .output()
            .expect("stint migrate runs");
        assert!(
            out.status.success(),
            "run {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let db = dir.path().join("stint.db");
    assert!(db.metadata().expect("the SQLite file exists").len() > 0);
}

#[test]
fn serve_help_lists_every_setting_of_the_readme() {
    let out = stint()
        .args(["serve", "--help"])
        .output()
        .expect("stint serve --help runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let readme = include_str!("../../README.md");
    let settings: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| `STINT_"))
        .flat_map(|l| l.split('`').filter(|p| p.starts_with("STINT_")))
        .filter(|v| *v != "STINT_LOG")
        .collect();
    assert!(settings.len() >= 12, "the README table lists {settings:?}");
    for variable in settings {
        assert!(
            help.contains(variable),
            "`stint serve --help` does not mention {variable}"
        );
    }
}
