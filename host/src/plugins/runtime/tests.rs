//! Runtime tests against the built-in plugins and the hostile test plugins of `tests/plugins/`.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::plugins::builtin::{INVOICING_STANDARD, RECURRENCE_STANDARD};
use crate::plugins::contract::{BillableEntry, BillableTime, InvoiceContext, OccurrenceQuery};

fn runtime(slots: u32) -> (Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = RuntimeConfig::new(dir.path().to_path_buf());
    cfg.max_concurrent_calls = slots;
    (Runtime::new(cfg).unwrap(), dir)
}

fn limits(deadline_ms: u64, memory_mb: u64) -> Limits {
    Limits {
        deadline: Duration::from_millis(deadline_ms),
        memory_bytes: memory_mb << 20,
    }
}

fn context() -> InvoiceContext {
    InvoiceContext {
        org_id: "org".into(),
        invoice_id: "inv".into(),
        client_id: "client".into(),
        client_name: "ACME".into(),
        currency: "EUR".into(),
        tax_rate_bp: 1900,
        period_from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        period_to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        time_zone: "Europe/Berlin".into(),
        config: serde_json::json!({}),
    }
}

fn entry(id: &str, day: u32, secs: i64) -> BillableEntry {
    BillableEntry {
        id: id.into(),
        user_id: "u1".into(),
        user_name: "Ada".into(),
        project_id: Some("p1".into()),
        project_name: Some("Website".into()),
        task_id: None,
        task_title: None,
        description: Some("Work".into()),
        started_at: Utc.with_ymd_and_hms(2026, 11, day, 8, 0, 0).unwrap(),
        duration_secs: secs,
        local_date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        client_rate: 12_000,
        worker_rate: 6_000,
    }
}

/// One entry of 60 s, indexed.
fn one_entry() -> BillableTime {
    std::iter::once(entry("e1", 2, 60)).collect()
}

/// Builds a hostile test plugin (`tests/plugins/<name>`) for wasm32-wasip2, once per process.
fn hostile(name: &str) -> Vec<u8> {
    static BUILD: OnceLock<Mutex<()>> = OnceLock::new();
    let _guard = BUILD.get_or_init(|| Mutex::new(())).lock().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("stint-hostile-wasm");
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(&root)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--release", "--target", "wasm32-wasip2", "-p"])
        .arg(format!("test-plugin-{name}"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building tests/plugins/{name} failed");
    let file = target
        .join("wasm32-wasip2/release")
        .join(format!("test_plugin_{}.wasm", name.replace('-', "_")));
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

#[test]
fn futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let (rt, _dir) = runtime(1);
    let load = rt.load("x", PluginKind::Recurrence, b"", Limits::default());
    send(&load);
    drop(load);
    // The call futures hold only `&self` and the arguments: check the types, not a value.
    fn call_is_send(p: &LoadedPlugin, c: &InvoiceContext, q: &OccurrenceQuery) {
        fn send<T: Send>(_: T) {}
        send(p.compute_invoice(c, &BillableTime::default()));
        send(p.validate_recurrence("daily"));
        send(p.next_occurrences(q));
    }
    let _ = call_is_send;
}

#[tokio::test]
async fn builtin_invoicing_round_trips() {
    let (rt, _dir) = runtime(2);
    let p = rt
        .load(
            "invoicing-standard",
            PluginKind::InvoicingRule,
            INVOICING_STANDARD,
            Limits::default(),
        )
        .await
        .unwrap();
    assert_eq!(p.name(), "invoicing-standard");
    let time: BillableTime = [entry("e1", 2, 5400), entry("e2", 3, 3600)]
        .into_iter()
        .collect();
    let r = p.compute_invoice(&context(), &time).await.unwrap().unwrap();
    assert_eq!(r.total, r.subtotal + r.tax);
    assert!(r.total > 0, "{r:?}");
    let billed: Vec<&str> = r.lines.iter().flat_map(|l| l.entry_ids(&time)).collect();
    assert!(billed.contains(&"e1") && billed.contains(&"e2"), "{r:?}");
}

#[tokio::test]
async fn builtin_recurrence_validates_and_computes() {
    let (rt, _dir) = runtime(2);
    let p = rt
        .load(
            "recurrence-standard",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            Limits::default(),
        )
        .await
        .unwrap();
    assert!(p.validate_recurrence("daily").await.unwrap().is_ok());
    let err = p.validate_recurrence("every blue moon").await.unwrap();
    assert!(err.is_err(), "{err:?}");
    let anchor = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    let q = OccurrenceQuery {
        pattern: "daily".into(),
        time_zone: "Europe/Berlin".into(),
        anchor,
        after: anchor,
        count: 3,
    };
    let next = p.next_occurrences(&q).await.unwrap().unwrap();
    assert_eq!(next.len(), 3);
    assert!(next[0] > anchor && next[0] < next[1] && next[1] < next[2]);
}

#[tokio::test]
async fn infinite_loop_times_out() {
    let (rt, _dir) = runtime(1);
    let p = rt
        .load(
            "loop-forever",
            PluginKind::InvoicingRule,
            &hostile("loop-forever"),
            limits(100, 16),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let f = p
        .compute_invoice(&context(), &one_entry())
        .await
        .unwrap_err();
    assert_eq!(f.reason, FailureReason::Timeout, "{f:?}");
    assert_eq!(f.plugin, "loop-forever");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn memory_bomb_is_out_of_memory() {
    let (rt, _dir) = runtime(1);
    let p = rt
        .load(
            "memory-bomb",
            PluginKind::InvoicingRule,
            &hostile("memory-bomb"),
            limits(5_000, 16),
        )
        .await
        .unwrap();
    let f = p
        .compute_invoice(&context(), &BillableTime::default())
        .await
        .unwrap_err();
    assert_eq!(f.reason, FailureReason::OutOfMemory, "{f:?}");
}

#[tokio::test]
async fn panic_reports_its_message() {
    let (rt, _dir) = runtime(1);
    let p = rt
        .load(
            "panics",
            PluginKind::InvoicingRule,
            &hostile("panics"),
            Limits::default(),
        )
        .await
        .unwrap();
    let f = p
        .compute_invoice(&context(), &BillableTime::default())
        .await
        .unwrap_err();
    assert_eq!(f.reason, FailureReason::Panic, "{f:?}");
    assert!(f.message.contains("stint-test-panic: boom"), "{f:?}");
    // The failure is for that call only: the next one runs in a fresh instance.
    let again = p
        .compute_invoice(&context(), &BillableTime::default())
        .await
        .unwrap_err();
    assert_eq!(again.reason, FailureReason::Panic);
    let api: crate::error::Error = f.into();
    assert_eq!(api.details().unwrap()["reason"], "panic");
}

#[tokio::test]
async fn bad_output_breaks_the_contract() {
    let (rt, _dir) = runtime(1);
    let p = rt
        .load(
            "bad-output",
            PluginKind::InvoicingRule,
            &hostile("bad-output"),
            Limits::default(),
        )
        .await
        .unwrap();
    let f = p
        .compute_invoice(&context(), &one_entry())
        .await
        .unwrap_err();
    assert_eq!(f.reason, FailureReason::Contract, "{f:?}");
}

#[tokio::test]
async fn filesystem_import_is_refused_at_load() {
    let (rt, _dir) = runtime(1);
    let Err(e) = rt
        .load(
            "wants-files",
            PluginKind::InvoicingRule,
            &hostile("wants-files"),
            Limits::default(),
        )
        .await
    else {
        panic!("loaded a component importing wasi:filesystem");
    };
    assert_eq!(e.kind(), LoadErrorKind::ForbiddenImport, "{e}");
    assert!(e.to_string().contains("wasi:filesystem/"), "{e}");
}

#[tokio::test]
async fn non_components_are_refused() {
    let (rt, _dir) = runtime(1);
    for (bytes, says) in [
        (&b"(component)"[..], "text"),
        (&b"\0asm\x01\0\0\0"[..], "core WebAssembly module"),
        (
            &b"\x7fELF\x02\x01\x01\0\0\0"[..],
            "not a WebAssembly binary",
        ),
    ] {
        let Err(e) = rt
            .load("x", PluginKind::Recurrence, bytes, Limits::default())
            .await
        else {
            panic!("loaded {bytes:?}");
        };
        assert_eq!(e.kind(), LoadErrorKind::NotAComponent);
        assert!(e.to_string().contains(says), "{e}");
    }
}

#[tokio::test]
async fn wrong_kind_is_refused() {
    let (rt, _dir) = runtime(1);
    let Err(e) = rt
        .load(
            "x",
            PluginKind::Recurrence,
            INVOICING_STANDARD,
            Limits::default(),
        )
        .await
    else {
        panic!("loaded an invoicing plugin as a recurrence plugin");
    };
    assert_eq!(e.kind(), LoadErrorKind::WrongWorld, "{e}");
    assert!(e.to_string().contains("stint:plugins/schedule"), "{e}");
}

#[tokio::test]
async fn limits_beyond_the_pool_are_refused() {
    let (rt, _dir) = runtime(1);
    let e = rt
        .load(
            "x",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            limits(100, 1 << 20),
        )
        .await
        .err()
        .unwrap();
    assert_eq!(e.kind(), LoadErrorKind::Limits);
}

#[tokio::test]
async fn precompiled_artifact_is_cached_and_reused() {
    let (rt, dir) = runtime(1);
    let a = rt
        .load(
            "a",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            Limits::default(),
        )
        .await
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(".cwasm"), "{files:?}");
    // A corrupted artifact is recompiled, not trusted. (Replaced, not rewritten in place: `a`
    // still maps the old file, as the runtime's own atomic rename guarantees.)
    let artifact = dir.path().join(&files[0]);
    std::fs::remove_file(&artifact).unwrap();
    std::fs::write(&artifact, b"garbage").unwrap();
    let b = rt
        .load(
            "b",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            Limits::default(),
        )
        .await
        .unwrap();
    assert!(a.validate_recurrence("daily").await.unwrap().is_ok());
    assert!(b.validate_recurrence("daily").await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_wait_for_a_pool_slot() {
    let (rt, _dir) = runtime(2);
    let p = rt
        .load(
            "recurrence-standard",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            Limits::default(),
        )
        .await
        .unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.validate_recurrence("daily").await })
        })
        .collect();
    for c in calls {
        assert!(c.await.unwrap().unwrap().is_ok());
    }
}

#[tokio::test]
async fn fixture_runs_capture_report() {
    let (rt, _dir) = runtime(1);
    let p = rt
        .load(
            "recurrence-standard",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            Limits::default(),
        )
        .await
        .unwrap();
    let out = fixture::run(
        &p,
        r#"{"next":{"pattern":"daily","time_zone":"UTC","anchor":"2026-11-02T09:00:00Z","after":"2026-11-02T09:00:00Z","count":2}}"#,
    )
    .await
    .unwrap();
    assert!(out.failure.is_none());
    assert_eq!(
        out.result.unwrap()["ok"],
        serde_json::json!(["2026-11-03T09:00:00Z", "2026-11-04T09:00:00Z"])
    );
    assert!(out.peak_memory_bytes > 0);
    assert!(fixture::run(&p, r#"{"nope":1}"#).await.is_err());
}
