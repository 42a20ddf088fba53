//! Money never wraps, rates are a money decision, recurrences have a floor (issue 26, classes 5
//! and 6):
//!
//! * an entry's `hourly_rate` needs `manage_invoices` (a member with only `track_time` gets 403
//!   on create and update; a manager, an owner, or a member granted `manage_invoices` may), and
//!   every rate — entry, project, client, member `worker_rate`/`client_rate` — is capped at
//!   1,000,000,000 minor units per hour (`i64::MAX` is refused, even for the owner);
//! * invoice lines are capped (unit price, quantity) and no amount, subtotal or total may pass
//!   10¹⁵: two lines of `i64::MAX` are refused instead of totalling −2; a discount larger than the
//!   lines is refused; refused edits leave the draft as it was;
//! * an organization billing at the highest rate gets exact, non-negative figures from the
//!   revenue, summary, profitability and detailed reports and from a project's budget;
//! * recurrences repeating faster than `STINT_RECURRENCE_MIN_INTERVAL_SECS` (default one hour) are
//!   refused on create and update, whoever asks; the floor follows the setting.

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Resp, Server, created_id, id};

/// The highest rate, minor units per hour.
const MAX_RATE: i64 = 1_000_000_000;
/// The highest unit price of an invoice line.
const MAX_UNIT_PRICE: i64 = 1_000_000_000_000;
/// The highest amount, subtotal or total (10¹⁵).
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;
/// Seven days, the longest entry, in seconds.
const WEEK_SECS: i64 = 7 * 24 * 3600;

/// The status of input beyond a money limit (docs/security.md, "Money limits"): the value is out
/// of range, like a negative one (`400`); only a discount larger than the lines breaks a rule
/// between fields (`422`).
const BEYOND_LIMIT: u16 = 400;

/// Input beyond a money limit is refused with [`BEYOND_LIMIT`] `VALIDATION_ERROR` naming `field`.
#[track_caller]
fn assert_refused(resp: &Resp, field: &str) {
    resp.assert_error(BEYOND_LIMIT, "VALIDATION_ERROR");
    assert_eq!(
        resp.body["error"]["details"]["field"], field,
        "{}: {}",
        resp.request, resp.body
    );
}

/// A discount larger than the sum of the lines is refused with 422 `VALIDATION_ERROR` on
/// `discount`.
#[track_caller]
fn assert_discount_too_large(resp: &Resp) {
    resp.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(
        resp.body["error"]["details"]["field"], "discount",
        "{}: {}",
        resp.request, resp.body
    );
}

/// Registers a user and returns the client and the user id.
async fn user(server: &Server, email: &str, name: &str) -> (Client, String) {
    server.register_user(email, name).await
}

/// The body of a finished entry on `project_id` from `start` to `stop`, plus `extra` fields.
fn entry_body(project_id: &str, start: &str, stop: &str, extra: Value) -> Value {
    let mut body = json!({ "project_id": project_id, "started_at": start, "stopped_at": stop });
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    body
}

/// `GET path` as `c`, asserting 200, returning `data`.
async fn read(c: &Client, path: &str) -> Value {
    let resp = c.get(path, None).await;
    resp.assert_status(200);
    resp.data().clone()
}

/// Money in US dollars as the reports show it.
fn usd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "USD" })
}

/// `amount` of a report's money cell, asserting it is not negative.
#[track_caller]
fn non_negative(cell: &Value) -> i64 {
    let amount = cell["amount"]
        .as_i64()
        .unwrap_or_else(|| panic!("not money: {cell}"));
    assert!(amount >= 0, "a negative sum: {cell}");
    amount
}

/// An invoice line.
fn line(description: &str, quantity: f64, unit_price: i64) -> Value {
    json!({ "description": description, "quantity": quantity, "unit_price": unit_price })
}

/// Makes `task_id` repeat by `pattern` as `c`.
async fn repeat(c: &Client, task_id: &str, pattern: &str) -> Resp {
    c.post(
        &format!("/tasks/{task_id}/recurrence"),
        Some(json!({ "recurrence_pattern": pattern })),
    )
    .await
}

/// Asserts that a recurrence was refused for repeating faster than `floor_secs`.
#[track_caller]
fn assert_below_floor(resp: &Resp, floor_secs: u32) {
    resp.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(
        resp.body["error"]["details"]["field"], "recurrence_pattern",
        "{}: {}",
        resp.request, resp.body
    );
    let message = resp.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&floor_secs.to_string()),
        "{}: the refusal names the minimum interval of {floor_secs} s: {}",
        resp.request,
        resp.body
    );
}

both! {
    /// A member with only track_time cannot set an entry's rate (403 on create and update, nothing
    /// stored) but still records and edits their time; a manager, the owner and a member granted
    /// manage_invoices may. Every kind of rate is capped at 1,000,000,000 per hour: above it, and
    /// `i64::MAX` in particular, is a `VALIDATION_ERROR` naming the field, for the owner too, and
    /// stores nothing.
    async fn rates_need_manage_invoices_and_stay_capped(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, bob_id) = user(&server, "bob@example.com", "Bob").await;
        let (carol, carol_id) = user(&server, "carol@example.com", "Carol").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        server.join(&alice, &org, &carol, "carol@example.com", "manager").await;
        let member_path = |user_id: &str| format!("/organizations/{org}/members/{user_id}");
        let only_time = alice.patch(&member_path(&bob_id), Some(json!({ "permissions": { "manage_tasks": false } }))).await;
        assert_eq!(only_time.assert_status(200).data()["permissions"], json!(["track_time"]), "{}", only_time.body);
        let pid = created_id(&alice.post("/projects", Some(json!({ "name": "Website" }))).await);

        // Bob: the reproduction, on create and on update of his own entry.
        let day = |d: u32| (format!("2026-03-{d:02}T09:00:00Z"), format!("2026-03-{d:02}T10:00:00Z"));
        let (start, stop) = day(2);
        bob.post("/time-entries", Some(entry_body(&pid, &start, &stop, json!({ "hourly_rate": 100_000_000 }))))
            .await
            .assert_error(403, "FORBIDDEN");
        let none = bob.get("/time-entries", None).await;
        assert_eq!(none.assert_status(200).body["pagination"]["total"], 0, "a refused entry is not stored: {}", none.body);
        let own = created_id(&bob.post("/time-entries", Some(entry_body(&pid, &start, &stop, json!({})))).await);
        for rate in [json!(100_000_000), json!(1), json!(0)] {
            bob.patch(&format!("/time-entries/{own}"), Some(json!({ "hourly_rate": rate })))
                .await
                .assert_error(403, "FORBIDDEN");
        }
        bob.patch(&format!("/time-entries/{own}"), Some(json!({ "description": "Still mine", "hourly_rate": 100_000_000 })))
            .await
            .assert_error(403, "FORBIDDEN");
        let edited = bob.patch(&format!("/time-entries/{own}"), Some(json!({ "description": "Still mine" }))).await;
        edited.assert_status(200);
        assert_eq!(edited.data()["hourly_rate"], Value::Null, "{}", edited.body);
        assert_eq!(read(&bob, &format!("/time-entries/{own}")).await["hourly_rate"], Value::Null);

        // A manager and the owner may set rates, up to the cap.
        let (start, stop) = day(3);
        let managed = carol
            .post("/time-entries", Some(entry_body(&pid, &start, &stop, json!({ "org_id": org, "hourly_rate": 100_000_000 }))))
            .await;
        assert_eq!(managed.assert_status(201).data()["hourly_rate"], 100_000_000, "{}", managed.body);
        assert_eq!(managed.data()["user_id"], carol_id.as_str());
        let raised = carol.patch(&format!("/time-entries/{}", id(managed.data())), Some(json!({ "hourly_rate": MAX_RATE }))).await;
        assert_eq!(raised.assert_status(200).data()["hourly_rate"], MAX_RATE, "{}", raised.body);
        let (start, stop) = day(4);
        let top = alice.post("/time-entries", Some(entry_body(&pid, &start, &stop, json!({ "hourly_rate": MAX_RATE })))).await;
        assert_eq!(top.assert_status(201).data()["hourly_rate"], MAX_RATE, "{}", top.body);
        let top = id(top.data());

        // Granted manage_invoices, bob may too: the permission decides, not the role.
        alice
            .patch(&member_path(&bob_id), Some(json!({ "permissions": { "manage_invoices": true } })))
            .await
            .assert_status(200);
        let priced = bob.patch(&format!("/time-entries/{own}"), Some(json!({ "hourly_rate": 5000 }))).await;
        assert_eq!(priced.assert_status(200).data()["hourly_rate"], 5000, "{}", priced.body);

        // Above the cap: refused for everyone, stored nowhere.
        let (start, stop) = day(5);
        for rate in [i64::MAX, MAX_RATE + 1] {
            assert_refused(&alice.post("/time-entries", Some(entry_body(&pid, &start, &stop, json!({ "hourly_rate": rate })))).await, "hourly_rate");
            assert_refused(&alice.patch(&format!("/time-entries/{top}"), Some(json!({ "hourly_rate": rate }))).await, "hourly_rate");
            assert_refused(&bob.patch(&format!("/time-entries/{own}"), Some(json!({ "hourly_rate": rate }))).await, "hourly_rate");
        }
        assert_eq!(read(&alice, &format!("/time-entries/{top}")).await["hourly_rate"], MAX_RATE);
        assert_eq!(read(&bob, &format!("/time-entries/{own}")).await["hourly_rate"], 5000);
        let all = alice.get("/time-entries?from=2026-03-05&to=2026-03-05", None).await;
        assert_eq!(all.assert_status(200).body["pagination"]["total"], 0, "{}", all.body);

        // Projects and clients.
        for rate in [i64::MAX, MAX_RATE + 1] {
            assert_refused(&alice.post("/projects", Some(json!({ "name": "Gold", "hourly_rate": rate }))).await, "hourly_rate");
            assert_refused(&alice.post("/clients", Some(json!({ "name": "Gold", "hourly_rate": rate }))).await, "hourly_rate");
        }
        let project = alice.post("/projects", Some(json!({ "name": "Gold", "hourly_rate": MAX_RATE }))).await;
        assert_eq!(project.assert_status(201).data()["hourly_rate"], MAX_RATE, "{}", project.body);
        let client = alice.post("/clients", Some(json!({ "name": "Gold", "hourly_rate": MAX_RATE }))).await;
        assert_eq!(client.assert_status(201).data()["hourly_rate"], MAX_RATE, "{}", client.body);
        let (gold_project, gold_client) = (id(project.data()), id(client.data()));
        assert_refused(&alice.patch(&format!("/projects/{gold_project}"), Some(json!({ "hourly_rate": i64::MAX }))).await, "hourly_rate");
        assert_refused(&alice.patch(&format!("/clients/{gold_client}"), Some(json!({ "hourly_rate": MAX_RATE + 1 }))).await, "hourly_rate");
        assert_eq!(read(&alice, &format!("/projects/{gold_project}")).await["hourly_rate"], MAX_RATE);
        assert_eq!(read(&alice, &format!("/clients/{gold_client}")).await["hourly_rate"], MAX_RATE);
        let projects = alice.get("/projects?search=Gold", None).await;
        assert_eq!(projects.assert_status(200).body["pagination"]["total"], 1, "{}", projects.body);
        let clients = alice.get("/clients?search=Gold", None).await;
        assert_eq!(clients.assert_status(200).body["pagination"]["total"], 1, "{}", clients.body);

        // Member rates, organization-wide and per project.
        let org_rates = format!("/organizations/{org}/members/{bob_id}/rates");
        let project_rates = format!("/projects/{pid}/members/{bob_id}/rates");
        for path in [&org_rates, &project_rates] {
            let refused = [
                (json!({ "worker_rate": MAX_RATE + 1, "effective_from": "2026-03-01" }), "worker_rate"),
                (json!({ "worker_rate": i64::MAX, "client_rate": 100, "effective_from": "2026-03-01" }), "worker_rate"),
                (json!({ "client_rate": i64::MAX, "effective_from": "2026-03-01" }), "client_rate"),
                (json!({ "worker_rate": 100, "client_rate": MAX_RATE + 1, "effective_from": "2026-03-01" }), "client_rate"),
            ];
            for (body, field) in refused {
                assert_refused(&alice.post(path, Some(body)).await, field);
            }
            let set = alice.post(path, Some(json!({ "worker_rate": MAX_RATE, "client_rate": MAX_RATE, "effective_from": "2026-03-01" }))).await;
            let set = set.assert_status(201).data().clone();
            assert_eq!((set["worker_rate"].clone(), set["client_rate"].clone()), (json!(MAX_RATE), json!(MAX_RATE)), "{set}");
            let history = read(&alice, path).await;
            assert_eq!(history.as_array().map(Vec::len), Some(1), "only the valid rate is stored: {history}");
        }
    }

    /// Invoice lines are capped and totals never wrap: two lines of `i64::MAX` are a
    /// `VALIDATION_ERROR` instead of a total of −2; so are a unit price or quantity above its cap
    /// and a line whose quantity × unit price passes 10¹⁵; a line of exactly 10¹⁵ is fine, two of
    /// them (subtotal) or one plus tax (total) are not; a discount larger than the lines is 422
    /// while one equal to them totals 0; a refused edit leaves the draft unchanged.
    async fn invoice_totals_never_wrap(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let globex = created_id(&alice.post("/clients", Some(json!({ "name": "Globex" }))).await);
        let taxed = created_id(&alice.post("/clients", Some(json!({ "name": "Taxed", "tax_rate_bp": 1900 }))).await);
        let invoice = |client: &str, lines: Value, extra: Value| {
            let mut body = json!({ "client_id": client, "issue_date": "2026-04-01", "due_date": "2026-04-30", "lines": lines });
            if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
                b.extend(e);
            }
            let alice = alice.clone();
            async move { alice.post("/invoices", Some(body)).await }
        };

        // The reproduction: two lines at i64::MAX.
        let wrapped = invoice(&globex, json!([line("A", 1.0, i64::MAX), line("B", 1.0, i64::MAX)]), json!({})).await;
        assert_refused(&wrapped, "lines[0].unit_price");
        assert_refused(&invoice(&globex, json!([line("A", 1.0, 1), line("B", 1.0, i64::MAX)]), json!({})).await, "lines[1].unit_price");
        assert_refused(&invoice(&globex, json!([line("A", 1.0, MAX_UNIT_PRICE + 1)]), json!({})).await, "lines[0].unit_price");
        assert_refused(&invoice(&globex, json!([line("A", 1_000_001.0, 1)]), json!({})).await, "lines[0].quantity");
        assert_refused(&invoice(&globex, json!([line("A", -1_000_001.0, 1)]), json!({})).await, "lines[0].quantity");
        // Quantity and unit price within their caps can still make too large a line; a line of
        // exactly the largest amount is fine, two are not, nor is one plus 19 % tax.
        assert_refused(&invoice(&globex, json!([line("A", 1_000_000.0, MAX_UNIT_PRICE)]), json!({})).await, "lines[0].amount");
        assert_refused(&invoice(&globex, json!([line("A", 1.0, 1), line("B", 1000.001, MAX_UNIT_PRICE)]), json!({})).await, "lines[1].amount");
        let largest = line("Everything", 1000.0, MAX_UNIT_PRICE);
        assert_refused(&invoice(&globex, json!([largest.clone(), largest.clone()]), json!({})).await, "subtotal");
        assert_refused(&invoice(&taxed, json!([largest.clone()]), json!({})).await, "total");
        let none = alice.get("/invoices", None).await;
        assert_eq!(none.assert_status(200).body["pagination"]["total"], 0, "refused invoices are not stored: {}", none.body);
        let big = invoice(&globex, json!([largest.clone()]), json!({})).await;
        let big = big.assert_status(201).data().clone();
        assert_eq!(big["lines"][0]["amount"], MAX_AMOUNT, "{big}");
        assert_eq!((big["subtotal"].clone(), big["tax"].clone(), big["total"].clone()), (json!(MAX_AMOUNT), json!(0), json!(MAX_AMOUNT)), "{big}");

        // Discounts: larger than the lines is refused, equal totals zero.
        let lines = json!([line("Consulting", 2.0, 4000), line("Hosting", 1.0, 2000)]);
        assert_discount_too_large(&invoice(&globex, lines.clone(), json!({ "discount": 10_001 })).await);
        assert_refused(&invoice(&taxed, lines.clone(), json!({ "discount": i64::MAX })).await, "discount");
        let zero = invoice(&taxed, lines.clone(), json!({ "discount": 10_000 })).await;
        let zero = zero.assert_status(201).data().clone();
        assert_eq!((zero["subtotal"].clone(), zero["tax"].clone(), zero["total"].clone()), (json!(0), json!(0), json!(0)), "{zero}");

        // Editing a draft: the same limits, and a refused edit changes nothing.
        let draft = invoice(&taxed, lines.clone(), json!({ "discount": 1000 })).await;
        let draft = draft.assert_status(201).data().clone();
        assert_eq!((draft["subtotal"].clone(), draft["tax"].clone(), draft["total"].clone()), (json!(9000), json!(1710), json!(10710)), "{draft}");
        let path = format!("/invoices/{}", id(&draft));
        assert_discount_too_large(&alice.patch(&path, Some(json!({ "discount": 10_001 }))).await);
        assert_discount_too_large(&alice.patch(&path, Some(json!({ "lines": [line("A", 1.0, 999)] }))).await);
        assert_refused(&alice.patch(&path, Some(json!({ "lines": [line("A", 1.0, i64::MAX), line("B", 1.0, i64::MAX)] }))).await, "lines[0].unit_price");
        assert_refused(&alice.patch(&path, Some(json!({ "lines": [largest.clone()] }))).await, "total");
        assert_eq!(read(&alice, &path).await, draft, "refused edits leave the draft as it was");
        let all = alice.get("/invoices", None).await;
        assert_eq!(all.assert_status(200).body["pagination"]["total"], 3, "{}", all.body);
    }

    /// An organization billing at the highest rate — through a member's rates, an entry's own
    /// rate and the client's rate, over the longest entries — gets exact, non-negative revenue,
    /// summary, profitability and detailed reports and a budget; the `i64::MAX` rate that used to
    /// turn them into 500s and a negative budget is refused first.
    async fn reports_and_budget_at_the_highest_rate(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let alice_id = read(&alice, "/auth/me").await["id"].as_str().expect("me.id").to_owned();
        let (bob, bob_id) = user(&server, "bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let client = created_id(&alice.post("/clients", Some(json!({ "name": "Max", "hourly_rate": MAX_RATE }))).await);
        let project = alice
            .post("/projects", Some(json!({ "name": "Website", "client_id": client, "budget_minutes": 100_000, "budget_amount": MAX_AMOUNT })))
            .await;
        let pid = id(project.assert_status(201).data());
        alice
            .post(&format!("/organizations/{org}/members/{alice_id}/rates"), Some(json!({ "worker_rate": MAX_RATE, "client_rate": MAX_RATE, "effective_from": "2026-01-01" })))
            .await
            .assert_status(201);

        // The overflowing rate is refused up front.
        assert_refused(
            &alice.post("/time-entries", Some(entry_body(&pid, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", json!({ "hourly_rate": i64::MAX })))).await,
            "hourly_rate",
        );

        // Four weeks at the highest rate: alice's member rate twice, her entry rate once, the
        // client's rate for bob (who has no rates, so costs nothing).
        let weeks = [("2026-03-01", "2026-03-08"), ("2026-03-08", "2026-03-15"), ("2026-03-15", "2026-03-22")];
        let mut alice_entries = Vec::new();
        for (i, (from, to)) in weeks.into_iter().enumerate() {
            let extra = if i == 1 { json!({ "hourly_rate": MAX_RATE }) } else { json!({}) };
            let body = entry_body(&pid, &format!("{from}T00:00:00Z"), &format!("{to}T00:00:00Z"), extra);
            alice_entries.push(created_id(&alice.post("/time-entries", Some(body)).await));
        }
        created_id(&bob.post("/time-entries", Some(entry_body(&pid, "2026-03-22T00:00:00Z", "2026-03-29T00:00:00Z", json!({})))).await);
        assert_refused(&alice.patch(&format!("/time-entries/{}", alice_entries[1]), Some(json!({ "hourly_rate": i64::MAX }))).await, "hourly_rate");

        let week = MAX_RATE * WEEK_SECS / 3600;
        let (revenue, cost) = (4 * week, 3 * week);
        let march = "from=2026-03-01&to=2026-03-31";

        let r = read(&alice, &format!("/reports/revenue?{march}")).await;
        assert_eq!(non_negative(&r["totals"]["revenue"]), revenue, "{r}");
        let row = r["rows"].as_array().and_then(|rows| rows.iter().find(|row| row["client_id"] == client.as_str())).unwrap_or_else(|| panic!("no row for the client: {r}"));
        assert_eq!(row["revenue"], usd(revenue), "{r}");
        assert_eq!(row["billable_seconds"], 4 * WEEK_SECS, "{r}");
        let by_user = read(&alice, &format!("/reports/revenue?{march}&group_by=user")).await;
        let bobs = by_user["rows"].as_array().and_then(|rows| rows.iter().find(|row| row["user_id"] == bob_id.as_str())).unwrap_or_else(|| panic!("no row for bob: {by_user}"));
        assert_eq!(bobs["revenue"], usd(week), "bob bills at the client's rate: {by_user}");

        let s = read(&alice, &format!("/reports/summary?{march}")).await;
        let s0 = &s["rows"][0];
        assert_eq!(s0["entries"], 4, "{s}");
        assert_eq!(s0["seconds"], 4 * WEEK_SECS, "{s}");
        assert_eq!((non_negative(&s0["revenue"]), non_negative(&s0["cost"]), non_negative(&s0["profit"])), (revenue, cost, revenue - cost), "{s}");

        let p = read(&alice, &format!("/reports/profitability?{march}")).await;
        let totals = &p["totals"];
        assert_eq!((non_negative(&totals["revenue"]), non_negative(&totals["cost"]), non_negative(&totals["profit"])), (revenue, cost, revenue - cost), "{p}");
        assert_eq!(totals["margin"], 25.0, "{p}");

        let d = read(&alice, &format!("/reports/detailed?{march}")).await;
        assert_eq!(d["rows"].as_array().map(Vec::len), Some(4), "{d}");
        for row in d["rows"].as_array().into_iter().flatten() {
            assert_eq!(non_negative(&row["amount"]), week, "{row}");
            assert_eq!(row["client_rate"], usd(MAX_RATE), "{row}");
        }
        assert_eq!((non_negative(&d["totals"]["amount"]), non_negative(&d["totals"]["cost"])), (revenue, cost), "{d}");

        let b = read(&alice, &format!("/projects/{pid}/budget")).await;
        assert_eq!(b["spent_amount"], revenue, "{b}");
        assert_eq!(b["spent_minutes"], 4 * WEEK_SECS / 60, "{b}");
        assert_eq!(b["remaining_amount"], MAX_AMOUNT - revenue, "{b}");
        assert_eq!(b["remaining_minutes"], 100_000 - 4 * WEEK_SECS / 60, "{b}");
    }

    /// Recurrences have a floor: with the default of one hour, `RRULE:FREQ=SECONDLY` (the issue's
    /// reproduction, by a member with manage_tasks), `RRULE:FREQ=MINUTELY` and
    /// `cron:*/5 * * * *` are 422 on `recurrence_pattern` and the task does not repeat, while
    /// `daily` and exactly hourly are fine; changing a daily recurrence to a faster pattern is 422
    /// and changes nothing. With `STINT_RECURRENCE_MIN_INTERVAL_SECS=86400` hourly is refused too
    /// and daily still accepted.
    async fn recurrences_have_a_floor(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let (bob, _) = user(&server, "bob@example.com", "Bob").await;
        server.join(&alice, &org, &bob, "bob@example.com", "member").await;
        let pid = created_id(&alice.post("/projects", Some(json!({ "name": "Routine" }))).await);
        let task = |title: &str| {
            let (alice, pid, title) = (alice.clone(), pid.clone(), title.to_owned());
            async move { created_id(&alice.post("/tasks", Some(json!({ "project_id": pid, "title": title }))).await) }
        };
        let fast = task("Fast").await;
        assert_below_floor(&repeat(&bob, &fast, "RRULE:FREQ=SECONDLY").await, 3600);
        for pattern in ["RRULE:FREQ=SECONDLY", "RRULE:FREQ=MINUTELY", "cron:*/5 * * * *", "RRULE:FREQ=MINUTELY;INTERVAL=59"] {
            assert_below_floor(&repeat(&alice, &fast, pattern).await, 3600);
        }
        assert_eq!(read(&alice, &format!("/tasks/{fast}")).await["template_recurrence_id"], Value::Null, "the task does not repeat");

        let daily = repeat(&bob, &fast, "daily").await;
        let daily = daily.assert_status(201).data().clone();
        let hourly_task = task("Hourly").await;
        let hourly = repeat(&alice, &hourly_task, "RRULE:FREQ=HOURLY").await;
        assert_eq!(hourly.assert_status(201).data()["recurrence_pattern"], "RRULE:FREQ=HOURLY", "{}", hourly.body);

        let path = format!("/task-recurrences/{}", id(&daily));
        for pattern in ["RRULE:FREQ=SECONDLY", "cron:*/5 * * * *"] {
            let resp = bob.patch(&path, Some(json!({ "recurrence_pattern": pattern }))).await;
            assert_below_floor(&resp, 3600);
        }
        assert_eq!(read(&alice, &path).await, daily, "a refused update leaves the recurrence as it was");

        // A floor of a day.
        drop(server);
        let server = Server::start_with(backend, &[("STINT_RECURRENCE_MIN_INTERVAL_SECS", "86400")]).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let pid = created_id(&alice.post("/projects", Some(json!({ "name": "Routine" }))).await);
        let tid = created_id(&alice.post("/tasks", Some(json!({ "project_id": pid, "title": "Daily" }))).await);
        assert_below_floor(&repeat(&alice, &tid, "RRULE:FREQ=HOURLY").await, 86400);
        assert_below_floor(&repeat(&alice, &tid, "cron:0 */12 * * *").await, 86400);
        let daily = repeat(&alice, &tid, "daily").await;
        let daily = daily.assert_status(201).data().clone();
        let path = format!("/task-recurrences/{}", id(&daily));
        assert_below_floor(&alice.patch(&path, Some(json!({ "recurrence_pattern": "RRULE:FREQ=HOURLY" }))).await, 86400);
        assert_eq!(read(&alice, &path).await, daily);
    }
}
