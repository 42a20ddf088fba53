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

/// `stint plugin install | list | test | remove` work on a data directory with no server: the
/// example plugin is installed from its folder, listed beside the built-ins, run against a
/// fixture (output, logs, time and peak memory printed as JSON), and removed again; `stint audit`
/// shows the install and the removal.
#[test]
fn plugin_commands_install_list_test_and_remove() {
    let wasm = crate::plugins_build::build_plugin("examples/weekend-surcharge");
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    let folder = dir.path().join("weekend-surcharge");
    std::fs::create_dir_all(&folder).expect("plugin folder");
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/weekend-surcharge/plugin.yaml"
    );
    std::fs::copy(manifest, folder.join("plugin.yaml")).expect("copy the manifest");
    std::fs::copy(&wasm, folder.join("weekend_surcharge.wasm")).expect("copy the component");
    let run = |args: &[&str]| {
        let out = stint()
            .args(args)
            .env("STINT_DATA_DIR", &data)
            .env("STINT_CONFIG", dir.path().join("none.yaml"))
            .output()
            .expect("stint runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let names = |listing: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(listing).expect("list prints JSON");
        let rows = v
            .as_array()
            .or_else(|| v["data"].as_array())
            .expect("a list")
            .clone();
        rows.iter()
            .map(|p| p["name"].as_str().expect("name").to_owned())
            .collect()
    };

    let (ok, _, err) = run(&["plugin", "install", folder.to_str().expect("utf-8 path")]);
    assert!(ok, "install: {err}");
    let (ok, out, err) = run(&["plugin", "list"]);
    assert!(ok, "list: {err}");
    let listed = names(&out);
    for wanted in [
        "weekend-surcharge",
        "invoicing-standard",
        "recurrence-standard",
    ] {
        assert!(
            listed.iter().any(|n| n == wanted),
            "{wanted} not in {listed:?}"
        );
    }

    // A Saturday hour at 80.00 costs 120.00 with the surcharge.
    let fixture = dir.path().join("fixture.json");
    std::fs::write(
        &fixture,
        serde_json::json!({
            "context": { "org_id": "org_x", "invoice_id": "inv_x", "client_id": "cli_x",
                "client_name": "Globex", "currency": "EUR", "tax_rate_bp": 0,
                "period_from": "2026-03-01", "period_to": "2026-03-31", "time_zone": "UTC" },
            "entries": [{ "id": "te_1", "user_id": "usr_1", "user_name": "Ada",
                "started_at": "2026-03-07T09:00:00Z", "duration_secs": 3600,
                "local_date": "2026-03-07", "client_rate": 8000, "worker_rate": 0 }]
        })
        .to_string(),
    )
    .expect("write the fixture");
    let (ok, out, err) = run(&[
        "plugin",
        "test",
        wasm.to_str().expect("utf-8 path"),
        "--kind",
        "invoicing-rule",
        "--input",
        fixture.to_str().expect("utf-8 path"),
    ]);
    assert!(ok, "test: {err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("test prints JSON");
    assert_eq!(report["result"]["ok"]["total"], 12000, "{report}");
    assert!(report["wall_time_ms"].is_number(), "{report}");
    assert!(
        report["peak_memory_bytes"].as_u64().unwrap_or(0) > 0,
        "{report}"
    );

    let (ok, _, err) = run(&["plugin", "remove", "weekend-surcharge"]);
    assert!(ok, "remove: {err}");
    let (_, out, _) = run(&["plugin", "list"]);
    assert!(!names(&out).iter().any(|n| n == "weekend-surcharge"));
    // Both left an entry of the instance (no organization, no user), newest first.
    let (ok, out, err) = run(&["audit"]);
    assert!(ok, "audit: {err}");
    let entries: serde_json::Value = serde_json::from_str(&out).expect("audit prints JSON");
    let actions: Vec<&str> = entries
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["plugin.deleted", "plugin.created"], "{entries}");
    for e in entries.as_array().expect("a list") {
        assert_eq!(e["user_id"], serde_json::Value::Null, "{e}");
        assert_eq!(e["details"]["via"], "cli", "{e}");
        assert_eq!(e["details"]["name"], "weekend-surcharge", "{e}");
    }
    // Built-ins cannot be removed.
    let (ok, _, err) = run(&["plugin", "remove", "invoicing-standard"]);
    assert!(
        !ok && !err.is_empty(),
        "removing a built-in must fail with a message"
    );
}

/// A reader that stops early (`stint actions | head`) ends the output quietly: no panic, success.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = stint()
        .arg("actions")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stint actions runs");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // The pipe's reading end is closed here, long before the registry's JSON is all written.
    let out = child.wait_with_output().expect("stint exits");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        first.starts_with(b"["),
        "{:?}",
        String::from_utf8_lossy(&first)
    );
}
