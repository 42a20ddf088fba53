//! Plugin runtime benchmarks (`cargo bench -p stint-host --bench plugins`; figures in
//! docs/benchmarks.md, "Plugins"):
//! - one plugin call on a fresh store + instance from the pool (`schedule.validate("daily")`),
//! - `invoicing-standard` over 10,000 entries through wasm and natively (the same crate, rlib),
//!   natively both from the SDK's types and from the host's (conversion included),
//! - 100,000 next occurrences through `recurrence-standard`,
//! - one `reports-standard` call (`summary`: fresh instance, `caller` + one grouped query) with a
//!   lender answering from memory, i.e. the report call's overhead without the database query.

#![allow(missing_docs)]

use std::time::Duration;

use chrono::{Datelike, Duration as ChronoDuration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use stint_host::plugins::builtin::{INVOICING_STANDARD, RECURRENCE_STANDARD, REPORTS_STANDARD};
use stint_host::plugins::contract::{BillableEntry, BillableTime, InvoiceContext, OccurrenceQuery};
use stint_host::plugins::runtime::{Limits, PluginKind, Runtime, RuntimeConfig};

fn context() -> InvoiceContext {
    InvoiceContext {
        org_id: "org".into(),
        invoice_id: "inv".into(),
        client_id: "client".into(),
        client_name: "ACME".into(),
        currency: "EUR".into(),
        tax_rate_bp: 1900,
        period_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        period_to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        time_zone: "Europe/Berlin".into(),
        config: serde_json::json!({}),
    }
}

/// 10,000 entries over a year, five users, twenty projects, mixed rates.
fn entries(n: usize) -> Vec<BillableEntry> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let started_at = start + ChronoDuration::minutes(50 * i as i64);
            BillableEntry {
                id: format!("entry-{i:05}"),
                user_id: format!("user-{}", i % 5),
                user_name: format!("User {}", i % 5),
                project_id: Some(format!("project-{}", i % 20)),
                project_name: Some(format!("Project {}", i % 20)),
                task_id: None,
                task_title: None,
                description: Some("Work".into()),
                started_at,
                duration_secs: 600 + (i as i64 % 7) * 300,
                local_date: started_at.date_naive(),
                client_rate: 9_000 + (i as i64 % 3) * 1_500,
                worker_rate: 5_000,
            }
        })
        .collect()
}

/// Report data answered from memory: what a report call costs besides its queries.
mod fixed {
    use futures::FutureExt;
    use futures::future::BoxFuture;
    use stint_host::plugins::contract::report::*;

    pub struct Fixed;

    fn group() -> EntryGroup {
        EntryGroup {
            key: Vec::new(),
            entries: 1_000_000,
            seconds: 1_800_000_000,
            billable_seconds: 1_440_000_000,
            revenue: 4_000_000_000,
            cost: 2_000_000_000,
        }
    }

    impl ReportData for Fixed {
        fn caller(&self) -> CallerInfo {
            CallerInfo {
                user_id: "usr_1".into(),
                organization_id: "org_1".into(),
                time_zone: "Europe/Berlin".into(),
                currency: "EUR".into(),
                sees_everyone: true,
            }
        }
        fn aggregate_entries(
            &self,
            _: EntryFilter,
            _: Vec<Dimension>,
        ) -> BoxFuture<'_, DataResult<Vec<EntryGroup>>> {
            async { Ok(vec![group()]) }.boxed()
        }
        fn aggregate_time(
            &self,
            _: EntryFilter,
            _: Vec<Dimension>,
        ) -> BoxFuture<'_, DataResult<Vec<EntryGroup>>> {
            async { Ok(vec![group()]) }.boxed()
        }
        fn list_entries(
            &self,
            _: EntryFilter,
            _: Option<String>,
            _: u32,
        ) -> BoxFuture<'_, DataResult<EntryPage>> {
            async { Ok(EntryPage::default()) }.boxed()
        }
        fn members(&self) -> BoxFuture<'_, DataResult<Vec<ReportMember>>> {
            async { Ok(Vec::new()) }.boxed()
        }
        fn projects(&self) -> BoxFuture<'_, DataResult<Vec<ReportProject>>> {
            async { Ok(Vec::new()) }.boxed()
        }
        fn clients(&self) -> BoxFuture<'_, DataResult<Vec<ReportClient>>> {
            async { Ok(Vec::new()) }.boxed()
        }
        fn aggregate_tasks(
            &self,
            _: TaskFilter,
            _: Vec<TaskDimension>,
        ) -> BoxFuture<'_, DataResult<Vec<TaskGroup>>> {
            async { Ok(Vec::new()) }.boxed()
        }
    }
}

fn plugins(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(RuntimeConfig::new(cache.path().to_path_buf())).unwrap();
    let limits = Limits {
        deadline: Duration::from_secs(10),
        memory_bytes: 128 << 20,
    };
    let recurrence = tokio
        .block_on(runtime.load(
            "recurrence-standard",
            PluginKind::Recurrence,
            RECURRENCE_STANDARD,
            limits,
        ))
        .unwrap();
    let invoicing = tokio
        .block_on(runtime.load(
            "invoicing-standard",
            PluginKind::InvoicingRule,
            INVOICING_STANDARD,
            limits,
        ))
        .unwrap();

    let reports = tokio
        .block_on(runtime.load(
            "reports-standard",
            PluginKind::Report,
            REPORTS_STANDARD,
            limits,
        ))
        .unwrap();
    let data: std::sync::Arc<dyn stint_host::plugins::contract::report::ReportData> =
        std::sync::Arc::new(fixed::Fixed);
    let args = [
        stint_host::plugins::contract::report::Argument {
            name: "from".into(),
            value: stint_host::plugins::contract::report::ReportValue::Date(
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ),
        },
        stint_host::plugins::contract::report::Argument {
            name: "to".into(),
            value: stint_host::plugins::contract::report::ReportValue::Date(
                NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            ),
        },
    ];
    c.bench_function(
        "report call, fresh instance (summary, data from memory)",
        |b| {
            b.to_async(&tokio).iter(|| async {
                reports
                    .run_report(data.clone(), "summary", &args)
                    .await
                    .unwrap()
                    .unwrap()
            })
        },
    );

    c.bench_function("plugin call, fresh instance (validate daily)", |b| {
        b.to_async(&tokio).iter(|| async {
            recurrence
                .validate_recurrence("daily")
                .await
                .unwrap()
                .unwrap()
        })
    });

    let ctx = context();
    // Indexed once, as the host does when it reads the entries from the database.
    let time: BillableTime = entries(10_000).into_iter().collect();
    let mut group = c.benchmark_group("invoicing-standard, 10,000 entries");
    group.sample_size(20);
    group.bench_function("wasm", |b| {
        b.to_async(&tokio).iter(|| async {
            invoicing
                .compute_invoice(&ctx, &time)
                .await
                .unwrap()
                .unwrap()
        })
    });
    let (native_ctx, native_time) = native::convert(&ctx, &time);
    group.bench_function("native", |b| {
        b.iter(|| native::compute(&native_ctx, &native_time))
    });
    // What an in-process call from the host would cost: the rules plus turning the host's
    // entries into the SDK's (the wasm side pays the equivalent in the canonical ABI).
    group.bench_function("native, from the host's types", |b| {
        b.iter(|| {
            let (c, t) = native::convert(&ctx, &time);
            native::compute(&c, &t)
        })
    });
    group.finish();

    let anchor = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    let query = OccurrenceQuery {
        pattern: "daily".into(),
        time_zone: "Europe/Berlin".into(),
        anchor,
        after: anchor,
        // recurrence-standard answers at most 1,000 per call: 100 calls of 1,000.
        count: 1_000,
    };
    let mut group = c.benchmark_group("recurrence-standard");
    group.sample_size(10);
    group.bench_function("100,000 next occurrences (daily, Europe/Berlin)", |b| {
        b.to_async(&tokio).iter(|| async {
            let mut q = query.clone();
            let mut last = None;
            for _ in 0..100 {
                let next = recurrence.next_occurrences(&q).await.unwrap().unwrap();
                assert_eq!(next.len(), 1_000);
                q.after = *next.last().unwrap();
                last = Some(q.after.year());
            }
            last
        })
    });
    group.finish();
}

/// The same rules natively: `invoicing-standard` is an rlib too.
mod native {
    use chrono::{Datelike, NaiveDate, Weekday as W};
    use stint_host::plugins::contract::{BillableTime, InvoiceContext, Named};
    use stint_plugin::{Date, InvoiceResult, TimeEntry, Weekday};

    fn date(d: NaiveDate) -> Date {
        Date {
            year: d.year(),
            month: d.month() as u8,
            day: d.day() as u8,
        }
    }

    fn weekday(d: NaiveDate) -> Weekday {
        match d.weekday() {
            W::Mon => Weekday::Monday,
            W::Tue => Weekday::Tuesday,
            W::Wed => Weekday::Wednesday,
            W::Thu => Weekday::Thursday,
            W::Fri => Weekday::Friday,
            W::Sat => Weekday::Saturday,
            W::Sun => Weekday::Sunday,
        }
    }

    fn named(rows: &[Named]) -> Vec<stint_plugin::Named> {
        rows.iter()
            .map(|r| stint_plugin::Named {
                id: r.id.clone(),
                name: r.name.clone(),
            })
            .collect()
    }

    /// The host's types to the SDK's: what the canonical ABI does on the wasm side.
    pub fn convert(
        c: &InvoiceContext,
        t: &BillableTime,
    ) -> (stint_plugin::InvoiceContext, stint_plugin::BillableTime) {
        let ctx = stint_plugin::InvoiceContext {
            org_id: c.org_id.clone(),
            invoice_id: c.invoice_id.clone(),
            client_id: c.client_id.clone(),
            client_name: c.client_name.clone(),
            currency: c.currency.clone(),
            tax_rate_bp: c.tax_rate_bp,
            period_from: date(c.period_from),
            period_to: date(c.period_to),
            time_zone: c.time_zone.clone(),
            config: c.config.to_string(),
        };
        let time = stint_plugin::BillableTime {
            people: named(&t.people),
            projects: named(&t.projects),
            tasks: named(&t.tasks),
            descriptions: t.descriptions.clone(),
            entries: t
                .entries
                .iter()
                .map(|e| TimeEntry {
                    person: e.person,
                    project: e.project,
                    task: e.task,
                    description: e.description,
                    started_at: e.started_at.timestamp(),
                    duration_secs: e.duration_secs,
                    local_date: date(e.local_date),
                    local_weekday: weekday(e.local_date),
                    client_rate: e.client_rate,
                    worker_rate: e.worker_rate,
                })
                .collect(),
        };
        (ctx, time)
    }

    pub fn compute(
        ctx: &stint_plugin::InvoiceContext,
        time: &stint_plugin::BillableTime,
    ) -> InvoiceResult {
        invoicing_standard::rules::compute(ctx, time).unwrap()
    }
}

criterion_group!(benches, plugins);
criterion_main!(benches);
