//! Reports end to end: every built-in report against figures worked out by hand from one
//! fixture (Berlin time zone, rates cascade, per-entry rounding, an invoice), CSV output, what a
//! member without `view_reports` sees, a third-party report plugin installed over REST that can
//! read nothing of another organization, and bad input answered with the documented envelopes.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Resp, Server, created_id};
use crate::rates::{berlin_org, entry};

use crate::plugins::upload;

/// The fixture's ids.
struct Fixture {
    alice: Client,
    bob: Client,
    alice_id: String,
    bob_id: String,
    website: String,
    internal: String,
    globex: String,
    invoice: String,
}

/// Alice (owner, Berlin, EUR) and Bob (member, no `view_reports`); client Globex at 90.00/h,
/// projects Website (Globex) and Internal (no client). March 2026, by hand:
///
/// | entry | who | project | local day | seconds | billable | client rate | revenue | worker rate | cost |
/// |---|---|---|---|---|---|---|---|---|---|
/// | E1 | bob | Website | 03-10 | 3600 | yes | 10000 (org) | 10000 | 4000 | 4000 |
/// | E2 | bob | Website | 03-15 (23:30Z on 03-14) | 3600 | yes | 10000 | 10000 | 4000 | 4000 |
/// | E3 | bob | Website | 03-20 | 5400 | yes | 15000 (project) | 22500 | 4000 | 6000 |
/// | E4 | bob | Internal | 03-21 | 3600 | no | – | 0 | 4000 | 4000 |
/// | E5 | alice | Website | 03-16 | 7200 | yes | 9000 (client) | 18000 | 6000 | 12000 |
/// | E6 | alice | Website | 03-17 | 1800 | yes | 5001 (entry) | 2501 (2500.5 ↑) | 6000 | 3000 |
///
/// Plus E7 (alice, April) outside the range. The invoice bills Globex's March: E1, E2, E3, E5, E6.
async fn fixture(server: &Server) -> Fixture {
    let (alice, bob, org, bob_id, alice_id) = berlin_org(server).await;
    let globex = created_id(
        &alice
            .post(
                "/clients",
                Some(json!({ "name": "Globex", "hourly_rate": 9000 })),
            )
            .await,
    );
    let website = created_id(
        &alice
            .post(
                "/projects",
                Some(json!({ "name": "Website", "client_id": globex })),
            )
            .await,
    );
    let internal = created_id(
        &alice
            .post("/projects", Some(json!({ "name": "Internal" })))
            .await,
    );
    let bob_rates = format!("/organizations/{org}/members/{bob_id}/rates");
    alice.post(&bob_rates, Some(json!({ "worker_rate": 4000, "client_rate": 10000, "effective_from": "2026-03-01" }))).await.assert_status(201);
    alice
        .post(
            &format!("/projects/{website}/members/{bob_id}/rates"),
            Some(json!({ "client_rate": 15000, "effective_from": "2026-03-20" })),
        )
        .await
        .assert_status(201);
    alice
        .post(
            &format!("/organizations/{org}/members/{alice_id}/rates"),
            Some(json!({ "worker_rate": 6000, "effective_from": "2026-01-01" })),
        )
        .await
        .assert_status(201);

    entry(
        &bob,
        &website,
        "2026-03-10T09:00:00Z",
        "2026-03-10T10:00:00Z",
        json!({}),
    )
    .await;
    entry(
        &bob,
        &website,
        "2026-03-14T23:30:00Z",
        "2026-03-15T00:30:00Z",
        json!({}),
    )
    .await;
    entry(
        &bob,
        &website,
        "2026-03-20T08:00:00Z",
        "2026-03-20T09:30:00Z",
        json!({}),
    )
    .await;
    entry(
        &bob,
        &internal,
        "2026-03-21T08:00:00Z",
        "2026-03-21T09:00:00Z",
        json!({ "billable": false, "description": "Team meeting" }),
    )
    .await;
    entry(
        &alice,
        &website,
        "2026-03-16T08:00:00Z",
        "2026-03-16T10:00:00Z",
        json!({}),
    )
    .await;
    entry(
        &alice,
        &website,
        "2026-03-17T08:00:00Z",
        "2026-03-17T08:30:00Z",
        json!({ "hourly_rate": 5001 }),
    )
    .await;
    entry(
        &alice,
        &website,
        "2026-04-02T08:00:00Z",
        "2026-04-02T09:00:00Z",
        json!({}),
    )
    .await;
    // A running timer counts nothing.
    bob.post(
        "/time-entries/start",
        Some(json!({ "project_id": website })),
    )
    .await
    .assert_status(201);

    let invoice = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
    alice
        .post(
            &format!("/invoices/{invoice}/generate"),
            Some(json!({ "from": "2026-03-01", "to": "2026-03-31" })),
        )
        .await
        .assert_status(200);
    Fixture {
        alice,
        bob,
        alice_id,
        bob_id,
        website,
        internal,
        globex,
        invoice,
    }
}

const MARCH: &str = "from=2026-03-01&to=2026-03-31";

async fn report(c: &Client, name: &str, query: &str) -> Value {
    let r = c.get(&format!("/reports/{name}?{query}"), None).await;
    r.assert_status(200);
    r.data().clone()
}

/// The row whose `key` column is `value`.
fn row<'a>(out: &'a Value, key: &str, value: &str) -> &'a Value {
    out["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {out}"))
}

fn eur(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "EUR" })
}

both! {
    async fn built_in_reports_match_hand_computed_figures(backend: Backend) {
        let server = Server::start(backend).await;
        let f = fixture(&server).await;

        // Timesheet by user (the default).
        let t = report(&f.alice, "timesheet", MARCH).await;
        assert_eq!(t["rows"].as_array().unwrap().len(), 2, "{t}");
        let a = row(&t, "user_id", &f.alice_id);
        assert_eq!((a["user"].clone(), a["entries"].clone(), a["seconds"].clone(), a["hours"].clone(), a["billable_seconds"].clone()),
                   (json!("Alice"), json!(2), json!(9000), json!(2.5), json!(9000)));
        let b = row(&t, "user_id", &f.bob_id);
        assert_eq!((b["entries"].clone(), b["seconds"].clone(), b["hours"].clone(), b["billable_seconds"].clone()),
                   (json!(4), json!(16200), json!(4.5), json!(12600)));
        assert_eq!(t["totals"]["seconds"], 25200);
        assert_eq!(t["totals"]["hours"], 7.0);
        assert_eq!(t["totals"]["user_id"], Value::Null);
        // The named action route and the generic one agree.
        assert_eq!(report(&f.alice, "timesheet", MARCH).await, t);

        // By day in Berlin: E2 started 23:30 UTC on the 14th, which is the 15th.
        let d = report(&f.alice, "timesheet", &format!("{MARCH}&group_by=day")).await;
        assert_eq!(row(&d, "day", "2026-03-15")["seconds"], 3600);
        assert!(d["rows"].as_array().unwrap().iter().all(|r| r["day"] != "2026-03-14"), "{d}");
        assert_eq!(d["rows"].as_array().unwrap().len(), 6);
        // By week (from Monday): 03-09..03-15 holds E1 and E2; 03-16..03-22 the rest.
        let w = report(&f.alice, "timesheet", &format!("{MARCH}&group_by=week")).await;
        assert_eq!(row(&w, "week", "2026-03-09")["seconds"], 7200);
        assert_eq!(row(&w, "week", "2026-03-16")["seconds"], 18000);
        let m = report(&f.alice, "timesheet", &format!("{MARCH}&group_by=month")).await;
        assert_eq!(row(&m, "month", "2026-03-01")["seconds"], 25200);
        // By project, with names; filters.
        let p = report(&f.alice, "timesheet", &format!("{MARCH}&group_by=project")).await;
        assert_eq!(row(&p, "project_id", &f.website)["project"], "Website");
        assert_eq!(row(&p, "project_id", &f.website)["seconds"], 21600);
        assert_eq!(row(&p, "project_id", &f.internal)["seconds"], 3600);
        let meeting = report(&f.alice, "timesheet", &format!("{MARCH}&description=MEETING")).await;
        assert_eq!(meeting["totals"]["seconds"], 3600);
        let by_client = report(&f.alice, "timesheet", &format!("{MARCH}&client_id={}", f.globex)).await;
        assert_eq!(by_client["totals"]["seconds"], 21600);
        // invoice_id: only the entries the invoice billed (not E4, not April's).
        let billed = report(&f.alice, "timesheet", &format!("{MARCH}&invoice_id={}", f.invoice)).await;
        assert_eq!(billed["totals"]["seconds"], 21600, "{billed}");
        assert_eq!(billed["totals"]["entries"], 5);
        let billed_all_time = report(&f.alice, "timesheet", &format!("from=2026-01-01&to=2026-12-31&invoice_id={}", f.invoice)).await;
        assert_eq!(billed_all_time["totals"]["seconds"], 21600);

        // Revenue by client: billable time at client rates, rounded per entry.
        let r = report(&f.alice, "revenue", MARCH).await;
        let g = row(&r, "client_id", &f.globex);
        assert_eq!(g["client"], "Globex");
        assert_eq!(g["billable_seconds"], 21600);
        assert_eq!(g["revenue"], eur(10000 + 10000 + 22500 + 18000 + 2501));
        assert_eq!(r["rows"].as_array().unwrap().len(), 1, "non-billable Internal has no revenue row: {r}");
        let by_user = report(&f.alice, "revenue", &format!("{MARCH}&group_by=user")).await;
        assert_eq!(row(&by_user, "user_id", &f.alice_id)["revenue"], eur(20501));
        assert_eq!(row(&by_user, "user_id", &f.bob_id)["revenue"], eur(42500));

        // Profitability by project: revenue minus cost, margin to one decimal.
        let pr = report(&f.alice, "profitability", MARCH).await;
        let web = row(&pr, "project_id", &f.website);
        assert_eq!(web["revenue"], eur(63001));
        assert_eq!(web["cost"], eur(4000 + 4000 + 6000 + 12000 + 3000));
        assert_eq!(web["profit"], eur(63001 - 29000));
        assert_eq!(web["margin"], 54.0);
        let int = row(&pr, "project_id", &f.internal);
        assert_eq!(int["revenue"], eur(0));
        assert_eq!(int["profit"], eur(-4000));
        assert_eq!(int["margin"], Value::Null);
        assert_eq!(pr["totals"]["profit"], eur(63001 - 33000));
        let prc = report(&f.alice, "profitability", &format!("{MARCH}&group_by=client")).await;
        assert_eq!(row(&prc, "client_id", &f.globex)["cost"], eur(29000));

        // Utilization: 22 weekdays in March 2026 × 8 h = 176 h capacity.
        let u = report(&f.alice, "utilization", MARCH).await;
        let ub = row(&u, "user_id", &f.bob_id);
        assert_eq!((ub["hours"].clone(), ub["billable_hours"].clone(), ub["capacity_hours"].clone()), (json!(4.5), json!(3.5), json!(176.0)));
        assert_eq!(ub["utilization"], 2.6); // 4.5 / 176 = 2.56 %
        assert_eq!(ub["billable_utilization"], 2.0); // 3.5 / 176 = 1.99 %
        let u20 = report(&f.alice, "utilization", "from=2026-03-16&to=2026-03-20&target_hours=10").await;
        let ua = row(&u20, "user_id", &f.alice_id);
        assert_eq!((ua["capacity_hours"].clone(), ua["hours"].clone(), ua["utilization"].clone()), (json!(10.0), json!(2.5), json!(25.0)));
        let ui = report(&f.alice, "utilization", &format!("{MARCH}&invoice_id={}", f.invoice)).await;
        assert_eq!(row(&ui, "user_id", &f.bob_id)["hours"], 3.5);

        // Summary and detailed.
        let s = report(&f.alice, "summary", MARCH).await;
        let s0 = &s["rows"][0];
        assert_eq!((s0["entries"].clone(), s0["seconds"].clone(), s0["billable_seconds"].clone()), (json!(6), json!(25200), json!(21600)));
        assert_eq!((s0["revenue"].clone(), s0["cost"].clone(), s0["profit"].clone()), (eur(63001), eur(33000), eur(30001)));
        let det = report(&f.alice, "detailed", MARCH).await;
        let rows = det["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0]["start"], "2026-03-10T09:00:00Z");
        let e6 = rows.iter().find(|r| r["start"] == "2026-03-17T08:00:00Z").unwrap();
        assert_eq!((e6["client_rate"].clone(), e6["amount"].clone(), e6["cost"].clone()), (eur(5001), eur(2501), eur(3000)));
        let e3 = rows.iter().find(|r| r["start"] == "2026-03-20T08:00:00Z").unwrap();
        assert_eq!((e3["client_rate"].clone(), e3["worker_rate"].clone(), e3["amount"].clone()), (eur(15000), eur(4000), eur(22500)));
        assert_eq!(det["totals"]["amount"], eur(63001));

        // CSV: the same table as text/csv.
        let csv = f.alice.get(&format!("/reports/timesheet?{MARCH}&group_by=project&format=csv"), None).await;
        csv.assert_status(200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"), "{:?}", csv.header("content-type"));
        let text = csv.body.as_str().unwrap_or_default().to_owned();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "project_id,project,entries,seconds,hours,billable_seconds,billable_hours");
        assert!(lines.contains(&format!("{},Website,5,21600,6,21600,6", f.website).as_str()), "{text}");
        assert!(lines.contains(&",,6,25200,7,21600,6"), "totals row: {text}");
        let rev_csv = f.alice.get(&format!("/reports/revenue?{MARCH}&format=csv"), None).await;
        let rev_text = rev_csv.body.as_str().unwrap_or_default();
        assert!(rev_text.contains(&format!("{},Globex,21600,6,63001", f.globex)), "{rev_text}");

        // Workload: open tasks per assignee.
        f.alice.post("/tasks", Some(json!({ "title": "Launch", "project_id": f.website, "assignee_ids": [f.bob_id], "estimate_minutes": 90 }))).await.assert_status(201);
        f.alice.post("/tasks", Some(json!({ "title": "Polish", "project_id": f.website, "assignee_ids": [f.bob_id, f.alice_id], "estimate_minutes": 30, "due_date": "2020-01-01" }))).await.assert_status(201);
        let wl = report(&f.alice, "workload", "").await;
        let wb = row(&wl, "user_id", &f.bob_id);
        assert_eq!((wb["open_tasks"].clone(), wb["estimated_hours"].clone(), wb["overdue_tasks"].clone()), (json!(2), json!(2.0), json!(1)));
        assert_eq!(row(&wl, "user_id", &f.alice_id)["open_tasks"], 1);

        // The generic action over the WebSocket/MCP registry: `reports.run` by REST body-less GET
        // of the qualified name gives the same figures.
        let q = report(&f.alice, "reports-standard/summary", MARCH).await;
        assert_eq!(q["rows"][0]["revenue"], eur(63001));

        // A member without view_reports sees only their own time.
        let bt = report(&f.bob, "timesheet", MARCH).await;
        assert_eq!(bt["rows"].as_array().unwrap().len(), 1, "{bt}");
        assert_eq!(bt["rows"][0]["user_id"], f.bob_id.as_str());
        assert_eq!(bt["totals"]["seconds"], 16200);
        let bs = report(&f.bob, "summary", MARCH).await;
        assert_eq!(bs["rows"][0]["revenue"], eur(42500));
        let peek_alice = report(&f.bob, "timesheet", &format!("{MARCH}&user_id={}", f.alice_id)).await;
        assert_eq!(peek_alice["rows"].as_array().unwrap().len(), 0, "{peek_alice}");
        assert_eq!(peek_alice["totals"]["seconds"], 0);
        let bu = report(&f.bob, "utilization", MARCH).await;
        assert_eq!(bu["rows"].as_array().unwrap().len(), 1);
        let bw = report(&f.bob, "workload", "").await;
        assert_eq!(bw["rows"].as_array().unwrap().len(), 1, "{bw}");
        assert_eq!(bw["rows"][0]["user_id"], f.bob_id.as_str());
        let bd = report(&f.bob, "detailed", MARCH).await;
        assert_eq!(bd["rows"].as_array().unwrap().len(), 4);
    }

    async fn report_listing_and_bad_input(backend: Backend) {
        let server = Server::start(backend).await;
        let f = fixture(&server).await;
        let list = f.alice.get("/reports", None).await;
        let names: Vec<String> = list.assert_status(200).data().as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect();
        for n in ["timesheet", "revenue", "utilization", "profitability", "summary", "detailed", "workload"] {
            assert!(names.contains(&n.to_owned()), "{n} missing from {names:?}");
        }
        let ts = list.data().as_array().unwrap().iter().find(|r| r["name"] == "timesheet").unwrap().clone();
        assert_eq!(ts["plugin"], "reports-standard");
        assert_eq!(ts["qualified_name"], "reports-standard/timesheet");
        assert!(ts["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "from" && p["required"] == true && p["type"] == "date"));

        let field = |r: &Resp| r.body["error"]["details"]["field"].as_str().unwrap_or("").to_owned();
        f.alice.get(&format!("/reports/nonesuch?{MARCH}"), None).await.assert_error(404, "NOT_FOUND");
        f.alice.get(&format!("/reports/nobody/timesheet?{MARCH}"), None).await.assert_error(404, "NOT_FOUND");
        let r = f.alice.get("/reports/timesheet?to=2026-03-31", None).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(field(&r), "from");
        let r = f.alice.get("/reports/timesheet?from=2026-02-30&to=2026-03-31", None).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(field(&r), "from");
        let r = f.alice.get("/reports/timesheet?from=yesterday&to=2026-03-31", None).await;
        assert_eq!(field(r.assert_error(400, "VALIDATION_ERROR")), "from");
        let r = f.alice.get(&format!("/reports/timesheet?{MARCH}&group_by=moon"), None).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(field(&r), "group_by");
        let r = f.alice.get("/reports/timesheet?from=2026-03-31&to=2026-03-01", None).await;
        assert_eq!(field(r.assert_error(400, "VALIDATION_ERROR")), "to");
        let r = f.alice.get(&format!("/reports/timesheet?{MARCH}&colour=red"), None).await;
        assert_eq!(field(r.assert_error(400, "VALIDATION_ERROR")), "colour");
        let r = f.alice.get(&format!("/reports/timesheet?{MARCH}&format=xml"), None).await;
        assert_eq!(field(r.assert_error(400, "VALIDATION_ERROR")), "format");
        let r = f.alice.get(&format!("/reports/utilization?{MARCH}&target_hours=lots"), None).await;
        assert_eq!(field(r.assert_error(400, "VALIDATION_ERROR")), "target_hours");
        f.alice.anonymous().get(&format!("/reports/timesheet?{MARCH}"), None).await.assert_status(401);
    }

    async fn third_party_report_plugin_runs_scoped_to_the_organization(backend: Backend) {
        let server = Server::start(backend).await;
        let f = fixture(&server).await;
        // Carol's organization, with a project and time of her own.
        let (carol, _) = server.register_with_org("carol@example.com", "Carol", "Other").await;
        let other_project = created_id(&carol.post("/projects", Some(json!({ "name": "Secret" }))).await);
        let carol_me = carol.get("/auth/me", None).await;
        let carol_id = carol_me.body["data"]["id"].as_str().or(carol_me.body["data"]["user"]["id"].as_str()).unwrap().to_owned();
        entry(&carol, &other_project, "2026-03-10T09:00:00Z", "2026-03-10T17:00:00Z", json!({})).await;

        let wasm = std::fs::read(crate::plugins_build::build_plugin("tests/plugins/report-peek")).unwrap();
        let manifest = "name: report-peek\nversion: 1.0.0\nkind: report\nworld: stint:plugins/report@0.3.0\ncomponent: report_peek.wasm\ncapabilities: [log, report-data]\n";
        upload(&f.alice, manifest, &wasm).await.assert_status(201);

        let list = f.alice.get("/reports", None).await;
        let peek = list.assert_status(200).data().as_array().unwrap().iter().find(|r| r["qualified_name"] == "report-peek/peek").cloned();
        let peek = peek.unwrap_or_else(|| panic!("peek not listed: {}", list.body));
        assert_eq!(peek["name"], "peek");
        assert_eq!(peek["builtin"], false);

        // Its own organization's data: Website's time (bob 12600 + alice 9000 + April 3600).
        let own = report(&f.alice, "peek", &format!("project_id={}", f.website)).await;
        let total: i64 = own["rows"].as_array().unwrap().iter().map(|r| r["seconds"].as_i64().unwrap()).sum();
        assert_eq!(total, 12600 + 9000 + 3600, "{own}");
        assert_eq!(own["plugin"], "report-peek");
        // Another organization's project or user: nothing, not even the count of its members.
        let theirs = report(&f.alice, "report-peek/peek", &format!("project_id={other_project}")).await;
        assert_eq!(theirs["rows"].as_array().unwrap().len(), 0, "{theirs}");
        let theirs = report(&f.alice, "peek", &format!("user_id={carol_id}")).await;
        assert_eq!(theirs["rows"].as_array().unwrap().len(), 0, "{theirs}");
        let all = report(&f.alice, "peek", "").await;
        assert!(all["rows"].as_array().unwrap().iter().all(|r| r["members"] == 2 && r["projects"] == 2), "{all}");
        // Bob, without view_reports, peeking at Alice: nothing; at himself: his time.
        let b = report(&f.bob, "peek", &format!("user_id={}", f.alice_id)).await;
        assert_eq!(b["rows"].as_array().unwrap().len(), 0, "{b}");
        let b = report(&f.bob, "peek", "").await;
        assert_eq!(b["rows"].as_array().unwrap().len(), 1, "{b}");
        assert_eq!(b["rows"][0]["members"], 1);
        // Disabled: gone from the listing and from the names.
        let plugin_id = f.alice.get("/plugins?name=report-peek", None).await.data()[0]["id"].as_str().unwrap().to_owned();
        f.alice.post(&format!("/plugins/{plugin_id}/disable"), None).await.assert_status(200);
        f.alice.get("/reports/peek", None).await.assert_error(404, "NOT_FOUND");
    }
}
