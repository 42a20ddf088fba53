use stint_plugin::{Date, NamedEntry, Weekday};

use super::*;

fn ctx(config: &str, tax_rate_bp: u32) -> InvoiceContext {
    InvoiceContext {
        org_id: "org".into(),
        invoice_id: "inv".into(),
        client_id: "cli".into(),
        client_name: "ACME".into(),
        currency: "EUR".into(),
        tax_rate_bp,
        period_from: Date {
            year: 2026,
            month: 11,
            day: 1,
        },
        period_to: Date {
            year: 2026,
            month: 11,
            day: 30,
        },
        time_zone: "Europe/Berlin".into(),
        config: config.into(),
    }
}

/// An entry; `id` only orders entries by start, as the host does (its length is the offset).
fn entry(id: &str, project: Option<&str>, secs: i64, rate: i64) -> NamedEntry {
    NamedEntry {
        person: ("u1".into(), "Ada".into()),
        project: project.map(|p| (format!("p-{p}"), p.to_string())),
        task: None,
        description: None,
        started_at: 1_795_000_000 + id.len() as i64,
        duration_secs: secs,
        local_date: Date {
            year: 2026,
            month: 11,
            day: 2,
        },
        local_weekday: Weekday::Monday,
        client_rate: rate,
        worker_rate: rate / 2,
    }
}

/// The entries as the plugin receives them, in the order given.
fn t(entries: &[NamedEntry]) -> BillableTime {
    entries.iter().cloned().collect()
}

/// The host's contract checks, restated.
fn assert_consistent(r: &InvoiceResult) {
    let lines: i64 = r.lines.iter().map(|l| l.amount).sum();
    assert_eq!(r.subtotal, lines - r.discount);
    assert_eq!(r.tax, r.taxes.iter().map(|t| t.amount).sum::<i64>());
    assert_eq!(r.total, r.subtotal + r.tax);
}

#[test]
fn default_config_bills_exact_seconds_grouped_by_project() {
    // Website: 1 h 30 min + 45 min at 100.00/h = 2.25 h → 225.00.
    // Hosting: 20 min at 90.00/h = 30.00.
    let entries = [
        entry("a", Some("Website"), 5400, 10_000),
        entry("bb", Some("Website"), 2700, 10_000),
        entry("ccc", Some("Hosting"), 1200, 9_000),
    ];
    let r = compute(&ctx("{}", 1900), &t(&entries)).unwrap();
    assert_consistent(&r);
    assert_eq!(r.lines.len(), 2);
    // Sorted by label: Hosting before Website.
    assert_eq!(r.lines[0].description, "Hosting");
    assert_eq!(r.lines[0].quantity_milli, 333); // 1200/3600 = 0.3333 h
    assert_eq!(r.lines[0].unit_price, 9_000);
    assert_eq!(r.lines[0].amount, 3_000);
    assert_eq!(r.lines[0].entries, [2]);
    assert_eq!(r.lines[1].description, "Website");
    assert_eq!(r.lines[1].quantity_milli, 2_250);
    assert_eq!(r.lines[1].amount, 22_500);
    assert_eq!(r.lines[1].entries, [0, 1]);
    assert_eq!(r.discount, 0);
    assert_eq!(r.subtotal, 25_500);
    // 19 % of 255.00 = 48.45
    assert_eq!(r.taxes.len(), 1);
    assert_eq!(r.taxes[0].description, "Tax 19 %");
    assert_eq!(r.taxes[0].base, 25_500);
    assert_eq!(r.taxes[0].amount, 4_845);
    assert_eq!(r.tax, 4_845);
    assert_eq!(r.total, 30_345);
}

#[test]
fn rounding_modes_per_entry() {
    let c = |mode: &str, minutes: u32, min: u32| {
        parse_config(&format!(
            r#"{{"rounding":{{"mode":"{mode}","minutes":{minutes}}},"minimum_minutes":{min}}}"#
        ))
        .unwrap()
    };
    // 7 min 1 s = 421 s
    assert_eq!(billed_secs(&c("none", 1, 0), 421), 421);
    assert_eq!(billed_secs(&c("up", 1, 0), 421), 480);
    assert_eq!(billed_secs(&c("up", 6, 0), 421), 720);
    assert_eq!(billed_secs(&c("up", 15, 0), 421), 900);
    assert_eq!(billed_secs(&c("up", 30, 0), 421), 1800);
    assert_eq!(billed_secs(&c("down", 6, 0), 421), 360);
    assert_eq!(billed_secs(&c("nearest", 1, 0), 421), 420);
    assert_eq!(billed_secs(&c("nearest", 6, 0), 421), 360);
    assert_eq!(billed_secs(&c("nearest", 15, 0), 421), 0);
    // Exactly half a step rounds up: 7 min 30 s to 15 min.
    assert_eq!(billed_secs(&c("nearest", 15, 0), 450), 900);
    assert_eq!(billed_secs(&c("nearest", 15, 0), 449), 0);
    // Exact multiples stay.
    assert_eq!(billed_secs(&c("up", 15, 0), 900), 900);
    // Minimum applies after rounding, only to positive durations.
    assert_eq!(billed_secs(&c("nearest", 15, 10), 421), 600);
    assert_eq!(billed_secs(&c("up", 15, 10), 421), 900);
    assert_eq!(billed_secs(&c("none", 1, 10), 0), 0);
    assert_eq!(billed_secs(&c("none", 1, 10), 1), 600);
}

#[test]
fn rounding_then_amount_per_line() {
    // Up to 15 min: 7 min → 15, 16 min → 30, 1 s → 15: 60 min at 85.50/h = 85.50.
    let cfg = r#"{"rounding":{"mode":"up","minutes":15}}"#;
    let entries = [
        entry("a", Some("P"), 420, 8_550),
        entry("bb", Some("P"), 960, 8_550),
        entry("ccc", Some("P"), 1, 8_550),
    ];
    let r = compute(&ctx(cfg, 0), &t(&entries)).unwrap();
    assert_consistent(&r);
    assert_eq!(r.lines.len(), 1);
    assert_eq!(r.lines[0].quantity_milli, 1_000);
    assert_eq!(r.lines[0].amount, 8_550);
    assert!(r.taxes.is_empty(), "a 0 % tax makes no tax line");
    assert_eq!(r.total, 8_550);
}

#[test]
fn line_amount_rounds_half_up_on_the_line_total() {
    // 1 s + 1 s at 1.00/h (100 minor units): 2 s × 100 / 3600 = 0.0556 → 0; 18 s → 0.5 → 1.
    let entries = [entry("a", None, 9, 100), entry("bb", None, 9, 100)];
    let r = compute(&ctx("{}", 0), &t(&entries)).unwrap();
    assert_eq!(r.lines[0].description, "No project");
    assert_eq!(r.lines[0].amount, 1);
    assert_eq!(r.lines[0].quantity_milli, 5); // 18 s = 0.005 h
    let r = compute(&ctx("{}", 0), &t(&entries[..1])).unwrap();
    assert_eq!(r.lines[0].amount, 0); // 9 s × 100 / 3600 = 0.25
}

#[test]
fn different_rates_in_one_group_split_into_lines() {
    let entries = [
        entry("a", Some("P"), 3600, 10_000),
        entry("bb", Some("P"), 1800, 12_000),
        entry("ccc", Some("P"), 3600, 10_000),
    ];
    let r = compute(&ctx("{}", 0), &t(&entries)).unwrap();
    assert_consistent(&r);
    assert_eq!(r.lines.len(), 2);
    // Higher rate first within a group.
    assert_eq!((r.lines[0].unit_price, r.lines[0].amount), (12_000, 6_000));
    assert_eq!(r.lines[0].entries, [1]);
    assert_eq!((r.lines[1].unit_price, r.lines[1].amount), (10_000, 20_000));
    assert_eq!(r.lines[1].quantity_milli, 2_000);
    assert_eq!(r.lines[1].entries, [0, 2]);
    assert_eq!(r.subtotal, 26_000);
}

#[test]
fn group_by_user_task_and_day() {
    let mut a = entry("a", Some("P"), 3600, 10_000);
    let mut b = entry("bb", Some("P"), 3600, 10_000);
    b.person = ("u2".into(), "Bob".into());
    b.task = Some(("t1".into(), "Design".into()));
    b.local_date = Date {
        year: 2026,
        month: 11,
        day: 3,
    };
    a.local_date = Date {
        year: 2026,
        month: 11,
        day: 2,
    };

    let by = |g: &str| {
        compute(
            &ctx(&format!(r#"{{"group_by":"{g}"}}"#), 0),
            &t(&[a.clone(), b.clone()]),
        )
        .unwrap()
    };
    let users: Vec<_> = by("user")
        .lines
        .into_iter()
        .map(|l| l.description)
        .collect();
    assert_eq!(users, ["Ada", "Bob"]);
    let tasks: Vec<_> = by("task")
        .lines
        .into_iter()
        .map(|l| l.description)
        .collect();
    assert_eq!(tasks, ["P: Design", "P: no task"]);
    let days: Vec<_> = by("day").lines.into_iter().map(|l| l.description).collect();
    assert_eq!(days, ["2026-11-02", "2026-11-03"]);
    let projects = by("project");
    assert_eq!(projects.lines.len(), 1);
    assert_eq!(projects.lines[0].entries, [0, 1]);
}

#[test]
fn discount_percent_and_fixed_then_tax() {
    // Lines 1,234.56 (3 h at 411.52/h = 1,234.56).
    // 12.5 % = 154.32; + 10.00 fixed = 164.32 → subtotal 1,070.24.
    // Tax 7 % = 74.9168 → 74.92; city tax 1.25 % = 13.378 → 13.38. Total 1,158.54.
    let cfg = r#"{"discount_bp":1250,"discount_amount":1000,"tax_rate_bp":700,"tax_label":"VAT",
                  "extra_taxes":[{"description":"City tax","rate_bp":125}]}"#;
    let r = compute(
        &ctx(cfg, 1900),
        &t(&[entry("a", Some("P"), 10_800, 41_152)]),
    )
    .unwrap();
    assert_consistent(&r);
    assert_eq!(r.lines[0].amount, 123_456);
    assert_eq!(r.discount, 16_432);
    assert_eq!(r.subtotal, 107_024);
    assert_eq!(r.taxes.len(), 2);
    assert_eq!(r.taxes[0].description, "VAT 7 %");
    assert_eq!(r.taxes[0].amount, 7_492);
    assert_eq!(r.taxes[1].description, "City tax 1.25 %");
    assert_eq!(r.taxes[1].amount, 1_338);
    assert_eq!(r.tax, 8_830);
    assert_eq!(r.total, 115_854);
}

#[test]
fn discount_never_exceeds_the_lines() {
    let r = compute(
        &ctx(r#"{"discount_amount":999999}"#, 1900),
        &t(&[entry("a", Some("P"), 3600, 5_000)]),
    )
    .unwrap();
    assert_consistent(&r);
    assert_eq!((r.discount, r.subtotal, r.tax, r.total), (5_000, 0, 0, 0));
}

#[test]
fn half_cent_tax_rounds_up() {
    // 0.50 at 1 % = 0.005 → 0.01.
    let r = compute(&ctx("{}", 100), &t(&[entry("a", None, 1800, 100)])).unwrap();
    assert_eq!(r.subtotal, 50);
    assert_eq!(r.tax, 1);
    assert_eq!(r.total, 51);
}

#[test]
fn empty_input_gives_an_empty_invoice() {
    let r = compute(&ctx("", 1900), &BillableTime::default()).unwrap();
    assert!(r.lines.is_empty());
    assert_eq!(r.total, 0);
}

#[test]
fn big_figures_do_not_overflow() {
    // 10,000 h at 1,000,000.00/h.
    let r = compute(
        &ctx("{}", 2500),
        &t(&[entry("a", None, 36_000_000, 100_000_000)]),
    )
    .unwrap();
    assert_eq!(r.subtotal, 1_000_000_000_000);
    assert_eq!(r.tax, 250_000_000_000);
}

#[test]
fn bad_config_and_input_are_refused_with_clear_errors() {
    let err = |cfg: &str| compute(&ctx(cfg, 0), &BillableTime::default()).unwrap_err();
    assert!(
        err(r#"{"roundng":{}}"#).contains("unknown field `roundng`"),
        "{}",
        err(r#"{"roundng":{}}"#)
    );
    assert!(err(r#"{"group_by":"client"}"#).contains("unknown variant `client`"));
    assert!(err(r#"{"rounding":{"mode":"up","minutes":0}}"#).contains("rounding.minutes"));
    assert!(err(r#"{"discount_bp":10001}"#).contains("discount_bp"));
    assert!(err(r#"{"discount_amount":-1}"#).contains("discount_amount"));
    assert!(err("[1]").contains("invalid invoicing-standard config"));
    let bad = compute(&ctx("{}", 0), &t(&[entry("a", None, -1, 100)])).unwrap_err();
    assert!(bad.contains("negative duration"), "{bad}");
    let bad = compute(&ctx("{}", 0), &t(&[entry("a", None, 1, -100)])).unwrap_err();
    assert!(bad.contains("negative rate"), "{bad}");
}

#[test]
fn percent_labels() {
    assert_eq!(percent(1900), "19 %");
    assert_eq!(percent(750), "7.5 %");
    assert_eq!(percent(25), "0.25 %");
    assert_eq!(percent(5), "0.05 %");
}

#[test]
fn schema_and_manifest_match_the_config() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../config.schema.json")).unwrap();
    // plugin.yaml carries the same schema inline, as JSON on its `config_schema:` line.
    let manifest = include_str!("../../plugin.yaml");
    let inline = manifest
        .lines()
        .find_map(|l| l.strip_prefix("config_schema: "))
        .expect("plugin.yaml has config_schema");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(inline).unwrap(),
        schema
    );
    // Every property the schema names is accepted by the parser, with its schema default.
    let defaults: serde_json::Map<String, serde_json::Value> = schema["properties"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "rounding" && *k != "tax_label")
        .map(|(k, v)| (k.clone(), v["default"].clone()))
        .collect();
    let parsed = parse_config(&serde_json::Value::Object(defaults).to_string()).unwrap();
    assert_eq!(parsed, Config::default());
    let full = r#"{"rounding":{"mode":"nearest","minutes":6},"minimum_minutes":15,"group_by":"day",
        "discount_bp":500,"discount_amount":100,"tax_rate_bp":700,"tax_label":"VAT",
        "extra_taxes":[{"description":"x","rate_bp":1}]}"#;
    parse_config(full).unwrap();
}
