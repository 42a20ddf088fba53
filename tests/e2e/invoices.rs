//! Invoices end to end: drafts with manual lines and their totals, gap-free numbering (numbers are
//! taken at send, so deleted drafts leave no gap), the status machine and its refusals, sending by
//! e-mail or recorded, payment, voiding, the PDF, search, the overdue job; and — through the
//! `invoicing-rule` plugin — generation from time entries with the built-in rule, entries locked
//! while invoiced and released by voiding, and concurrent generation never billing an entry twice.
//!
//! The generation tests need the plugin runtime (`app.plugins.compute_invoice`); their expected
//! totals are computed by hand below from the built-in rule's default configuration (no
//! rounding, lines grouped by project, the client's tax rate).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Server, created_id, id};
use crate::rates::{berlin_org, entry};

fn lines(inv: &Value) -> Vec<Value> {
    inv["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("no lines in {inv}"))
        .clone()
}

async fn invoice(c: &Client, id: &str) -> Value {
    c.get(&format!("/invoices/{id}"), None)
        .await
        .assert_status(200)
        .data()
        .clone()
}

both! {
    async fn invoice_crud_numbering_and_statuses(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, _org, _bob_id, _) = berlin_org(&server).await;
        let globex = created_id(&alice.post("/clients", Some(json!({ "name": "Globex", "email": "billing@globex.example", "tax_rate_bp": 1900 }))).await);
        let initech = created_id(&alice.post("/clients", Some(json!({ "name": "Initech", "currency": "USD" }))).await);

        // A draft with manual lines: 1.5 × 100.01 = 150.015 → 150.02; 1 × 25.00.
        let created = alice.post("/invoices", Some(json!({
            "client_id": globex,
            "issue_date": "2026-04-01",
            "issue_date": "2026-04-01", "due_date": "2026-04-30",
            "lines": [
                { "description": "Consulting", "quantity": 1.5, "unit_price": 10001 },
                { "description": "Hosting", "unit_price": 2500, "amount": 2500 },
            ],
        }))).await;
        let a = created.assert_status(201).data().clone();
        let a_id = id(&a);
        assert!(a_id.starts_with("inv_"), "{a}");
        assert_eq!(a["status"], "draft");
        assert_eq!(a["number"], Value::Null, "drafts have no number");
        assert_eq!(a["currency"], "EUR", "the client's currency");
        assert_eq!(a["tax_rate_bp"], 1900, "the client's tax rate");
        let l = lines(&a);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0]["quantity"], "1.5");
        assert_eq!(l[0]["quantity_milli"], 1500);
        assert_eq!(l[0]["amount"], 15002);
        assert_eq!(l[1]["quantity"], "1");
        assert_eq!(a["subtotal"], 17502);
        assert_eq!(a["tax"], 3325, "19 % of 175.02 = 33.2538");
        assert_eq!(a["total"], 20827);

        // Refusals at creation.
        alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30",
            "lines": [{ "description": "X", "unit_price": 100, "amount": 99 }] }))).await.assert_error(422, "VALIDATION_ERROR");
        alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-02", "due_date": "2026-04-01" })))
            .await.assert_error(422, "VALIDATION_ERROR");
        alice.post("/invoices", Some(json!({ "client_id": "cli_nope", "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await.assert_error(422, "VALIDATION_ERROR");
        alice.post("/invoices", Some(json!({ "client_id": globex }))).await.assert_error(400, "VALIDATION_ERROR");
        bob.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await.assert_error(403, "FORBIDDEN");
        bob.get("/invoices", None).await.assert_error(403, "FORBIDDEN");

        let b_id = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-05-31" }))).await);
        let c = alice.post("/invoices", Some(json!({ "client_id": initech, "issue_date": "2026-04-01", "due_date": "2026-05-31", "notes": "Net 30",
            "lines": [{ "description": "Audit", "quantity": 2, "unit_price": 5000 }] }))).await;
        let c = c.assert_status(201).data().clone();
        assert_eq!(c["currency"], "USD");
        assert_eq!(c["total"], 10000, "no tax for a client without a tax rate");
        let c_id = id(&c);

        // Listing and filters.
        let all = alice.get("/invoices", None).await;
        assert_eq!(all.assert_status(200).body["pagination"]["total"], 3);
        let globex_only = alice.get(&format!("/invoices?client_id={globex}"), None).await;
        assert_eq!(globex_only.assert_status(200).data().as_array().unwrap().len(), 2);
        let drafts = alice.get("/invoices?status=draft", None).await;
        assert_eq!(drafts.assert_status(200).data().as_array().unwrap().len(), 3);
        alice.get("/invoices?status=bogus", None).await.assert_error(400, "VALIDATION_ERROR");

        // Editing a draft recomputes the totals.
        let patched = alice.patch(&format!("/invoices/{a_id}"), Some(json!({ "notes": "Thank you", "discount": 2 }))).await;
        let patched = patched.assert_status(200).data().clone();
        assert_eq!(patched["subtotal"], 17500);
        assert_eq!(patched["tax"], 3325);
        assert_eq!(patched["total"], 20825);
        assert_eq!(lines(&patched).len(), 2, "lines stay unless given");

        // Deleting a draft.
        alice.delete(&format!("/invoices/{b_id}"), None).await.assert_status(204);
        alice.get(&format!("/invoices/{b_id}"), None).await.assert_error(404, "NOT_FOUND");

        // Sending numbers the invoice; the client with an address is e-mailed (logged without SMTP).
        let sent = alice.post(&format!("/invoices/{a_id}/send"), Some(json!({ "message": "Hello Globex" }))).await;
        let sent = sent.assert_status(200).data().clone();
        assert_eq!(sent["status"], "sent");
        assert_eq!(sent["number"], "INV-0001");
        assert_eq!(sent["sent_to"], "billing@globex.example");
        assert!(sent["sent_at"].is_string());
        wait_for_log(&server, &["to=billing@globex.example attachment=INV-0001.pdf subject=Invoice INV-0001 body=Hello Globex"]).await;

        // A draft deleted between two sends leaves no gap.
        let d_id = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-05-31" }))).await);
        alice.delete(&format!("/invoices/{d_id}"), None).await.assert_status(204);
        let sent_c = alice.post(&format!("/invoices/{c_id}/send"), None).await;
        assert_eq!(sent_c.assert_status(200).data()["number"], "INV-0002");
        assert_eq!(sent_c.data()["sent_to"], Value::Null);
        wait_for_log(&server, &["recorded only", "INV-0002"]).await;

        // Only drafts are edited, deleted, sent or generated.
        alice.patch(&format!("/invoices/{a_id}"), Some(json!({ "notes": "changed" }))).await.assert_error(422, "VALIDATION_ERROR");
        alice.delete(&format!("/invoices/{a_id}"), None).await.assert_error(422, "VALIDATION_ERROR");
        alice.post(&format!("/invoices/{a_id}/send"), None).await.assert_error(422, "VALIDATION_ERROR");
        alice.post(&format!("/invoices/{a_id}/generate"), None).await.assert_error(422, "VALIDATION_ERROR");
        alice.patch(&format!("/invoices/{a_id}"), Some(json!({ "status": "paid" }))).await.assert_error(422, "VALIDATION_ERROR");
        let e_id = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-05-31" }))).await);
        alice.post(&format!("/invoices/{e_id}/mark-paid"), None).await.assert_error(422, "VALIDATION_ERROR");

        // Paid, then no longer voidable.
        let paid = alice.post(&format!("/invoices/{a_id}/mark-paid"), Some(json!({ "payment_method": "bank_transfer" }))).await;
        let paid = paid.assert_status(200).data().clone();
        assert_eq!(paid["status"], "paid");
        assert_eq!(paid["payment_method"], "bank_transfer");
        assert!(paid["paid_at"].is_string());
        alice.patch(&format!("/invoices/{a_id}"), Some(json!({ "status": "void" }))).await.assert_error(422, "VALIDATION_ERROR");
        alice.post(&format!("/invoices/{a_id}/mark-paid"), None).await.assert_error(422, "VALIDATION_ERROR");

        // Voiding a sent invoice keeps its number; voiding a draft gives it none.
        let voided = alice.patch(&format!("/invoices/{c_id}"), Some(json!({ "status": "void" }))).await;
        let voided = voided.assert_status(200).data().clone();
        assert_eq!(voided["status"], "void");
        assert_eq!(voided["number"], "INV-0002");
        let voided_draft = alice.patch(&format!("/invoices/{e_id}"), Some(json!({ "status": "void" }))).await;
        assert_eq!(voided_draft.assert_status(200).data()["number"], Value::Null);
        alice.post(&format!("/invoices/{e_id}/send"), None).await.assert_error(422, "VALIDATION_ERROR");
        let next = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-05-31" }))).await);
        let next = alice.post(&format!("/invoices/{next}/send"), None).await;
        assert_eq!(next.assert_status(200).data()["number"], "INV-0003");

        // The PDF.
        let pdf = alice.get(&format!("/invoices/{a_id}/pdf"), None).await;
        pdf.assert_status(200);
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        let text = pdf.body.as_str().expect("a PDF is not JSON");
        assert!(text.starts_with("%PDF-"), "{}", &text[..text.len().min(40)]);
        for needle in ["INV-0001", "Globex", "Consulting", "EUR 150.02", "EUR 208.25", "2026-04-30"] {
            assert!(text.contains(needle), "the PDF shows {needle}");
        }
        let draft_pdf = alice.get(&format!("/invoices/{e_id}/pdf"), None).await;
        assert!(draft_pdf.assert_status(200).body.as_str().unwrap().starts_with("%PDF-"));
        bob.get(&format!("/invoices/{a_id}/pdf"), None).await.assert_error(403, "FORBIDDEN");

        // Search finds invoices and their lines, for those who manage invoices.
        let hits = alice.get("/search?q=Consulting", None).await;
        let hits = hits.assert_status(200).data().as_array().unwrap().clone();
        assert!(hits.iter().any(|h| h["type"] == "invoice_line" && h["invoice_id"] == a_id.as_str()), "{hits:?}");
        let hits = alice.get("/search?q=INV-0001&type=invoice", None).await;
        let hits = hits.assert_status(200).data().as_array().unwrap().clone();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0]["id"], a_id.as_str());
        let hidden = bob.get("/search?q=Consulting", None).await;
        assert!(hidden.assert_status(200).data().as_array().unwrap().is_empty());

        // A client with invoices stays.
        alice.delete(&format!("/clients/{globex}"), None).await.assert_error(409, "CONFLICT");
    }

    async fn overdue_job_marks_sent_invoices_past_due(backend: Backend) {
        let server = Server::start_with(backend, &[("STINT_JOBS_INTERVAL_SECS", "1")]).await;
        let (alice, _bob, _org, _, _) = berlin_org(&server).await;
        let client = created_id(&alice.post("/clients", Some(json!({ "name": "Globex" }))).await);
        let past = created_id(&alice.post("/invoices", Some(json!({ "client_id": client, "issue_date": "2026-01-01", "due_date": "2026-01-15" }))).await);
        let future = created_id(&alice.post("/invoices", Some(json!({ "client_id": client, "issue_date": "2026-01-01", "due_date": "2999-12-31" }))).await);
        let draft = created_id(&alice.post("/invoices", Some(json!({ "client_id": client, "issue_date": "2026-01-01", "due_date": "2026-01-15" }))).await);
        alice.post(&format!("/invoices/{past}/send"), None).await.assert_status(200);
        alice.post(&format!("/invoices/{future}/send"), None).await.assert_status(200);

        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if invoice(&alice, &past).await["status"] == "overdue" {
                break;
            }
            assert!(Instant::now() < deadline, "the job did not mark {past} overdue");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(invoice(&alice, &future).await["status"], "sent");
        assert_eq!(invoice(&alice, &draft).await["status"], "draft", "drafts never become overdue");
        let overdue = alice.get("/invoices?status=overdue", None).await;
        assert_eq!(overdue.assert_status(200).data().as_array().unwrap().len(), 1);

        // Overdue invoices can still be paid, or voided.
        let paid = alice.post(&format!("/invoices/{past}/mark-paid"), None).await;
        assert_eq!(paid.assert_status(200).data()["status"], "paid");
        let audit = alice.get("/audit?entity_type=invoice", None).await;
        let audit = audit.assert_status(200).data().as_array().unwrap().clone();
        assert!(audit.iter().any(|a| a["entity_id"] == past.as_str() && a["details"]["status"]["to"] == "overdue"), "{audit:?}");
    }

    /// Needs the plugin runtime (built-in `invoicing-standard`, default configuration).
    async fn generate_with_the_standard_rule_and_locked_entries(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, bob, org, bob_id, _) = berlin_org(&server).await;
        let globex = created_id(&alice.post("/clients", Some(json!({ "name": "Globex", "hourly_rate": 9000, "tax_rate_bp": 1900 }))).await);
        let other_client = created_id(&alice.post("/clients", Some(json!({ "name": "Initech" }))).await);
        let web = created_id(&alice.post("/projects", Some(json!({ "name": "Website", "client_id": globex }))).await);
        let app = created_id(&alice.post("/projects", Some(json!({ "name": "App", "client_id": globex }))).await);
        let foreign = created_id(&alice.post("/projects", Some(json!({ "name": "Elsewhere", "client_id": other_client }))).await);
        // Bob's client rate changes in the middle of March.
        let rates = format!("/organizations/{org}/members/{bob_id}/rates");
        created_id(&alice.post(&rates, Some(json!({ "client_rate": 10000, "worker_rate": 5000, "effective_from": "2026-03-01" }))).await);
        created_id(&alice.post(&rates, Some(json!({ "client_rate": 12000, "worker_rate": 6000, "effective_from": "2026-03-16" }))).await);

        let w1 = entry(&bob, &web, "2026-03-10T09:00:00Z", "2026-03-10T11:00:00Z", json!({})).await; // 2 h × 100.00 = 200.00
        let w2 = entry(&bob, &web, "2026-03-20T09:00:00Z", "2026-03-20T10:30:00Z", json!({})).await; // 1.5 h × 120.00 = 180.00
        // An entry's own rate is a money decision: bob needs manage_invoices for it, just then.
        let bob_member = format!("/organizations/{org}/members/{bob_id}");
        alice.patch(&bob_member, Some(json!({ "permissions": { "manage_invoices": true } }))).await.assert_status(200);
        let a1 = entry(&bob, &app, "2026-03-25T09:00:00Z", "2026-03-25T09:30:00Z", json!({ "hourly_rate": 8000 })).await; // 0.5 h × 80.00 = 40.00
        alice.patch(&bob_member, Some(json!({ "permissions": { "manage_invoices": null } }))).await.assert_status(200);
        let a2 = entry(&alice, &app, "2026-03-26T09:00:00Z", "2026-03-26T10:00:00Z", json!({})).await; // 1 h × 90.00 (client) = 90.00
        // Not billed: non-billable, outside the period, another client's project.
        entry(&bob, &web, "2026-03-11T09:00:00Z", "2026-03-11T10:00:00Z", json!({ "billable": false })).await;
        let april = entry(&bob, &web, "2026-04-02T09:00:00Z", "2026-04-02T10:00:00Z", json!({})).await;
        entry(&bob, &foreign, "2026-03-12T09:00:00Z", "2026-03-12T10:00:00Z", json!({})).await;

        let inv = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
        let generated = alice.post(&format!("/invoices/{inv}/generate"), Some(json!({ "from": "2026-03-01", "to": "2026-03-31" }))).await;
        let g = generated.assert_status(200).data().clone();
        let expected_subtotal = 20000 + 18000 + 4000 + 9000;
        // 19 % of 510.00 = 96.90, exact.
        let expected_tax = expected_subtotal * 1900 / 10_000;
        assert_eq!(expected_tax, 9690);
        assert_eq!(g["subtotal"], expected_subtotal, "{g}");
        assert_eq!(g["tax"], expected_tax, "{g}");
        assert_eq!(g["total"], expected_subtotal + expected_tax, "{g}");
        assert_eq!(g["period_from"], "2026-03-01");
        assert_eq!(g["period_to"], "2026-03-31");
        // Grouped by project: every line bills entries of one project, and the entries are exactly
        // the four billable March entries of Globex's projects.
        let project_of: HashMap<&str, &str> = [(w1.as_str(), "web"), (w2.as_str(), "web"), (a1.as_str(), "app"), (a2.as_str(), "app")].into();
        let mut billed = HashSet::new();
        for line in lines(&g) {
            let ids: Vec<String> = line["entry_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
            let projects: HashSet<&str> = ids.iter().map(|i| *project_of.get(i.as_str()).unwrap_or_else(|| panic!("{i} was billed"))).collect();
            assert_eq!(projects.len(), 1, "a line mixes projects: {line}");
            billed.extend(ids);
        }
        let expected: HashSet<String> = [&w1, &w2, &a1, &a2].into_iter().cloned().collect();
        assert_eq!(billed, expected);
        for e in &expected {
            let got = bob.get(&format!("/time-entries/{e}"), None).await;
            let got = if got.status == 200 { got } else { alice.get(&format!("/time-entries/{e}"), None).await };
            assert_eq!(got.assert_status(200).data()["invoice_id"], inv.as_str());
        }

        // Invoiced entries are locked, naming the invoice.
        let locked = bob.patch(&format!("/time-entries/{w1}"), Some(json!({ "description": "changed" }))).await;
        locked.assert_error(422, "VALIDATION_ERROR");
        assert!(locked.body["error"]["message"].as_str().unwrap().contains(&inv));
        bob.delete(&format!("/time-entries/{w2}"), None).await.assert_error(422, "VALIDATION_ERROR");
        bob.patch(&format!("/time-entries/{april}"), Some(json!({ "description": "fine" }))).await.assert_status(200);

        // Regenerating a draft with a wider period releases and re-claims: April joins.
        let again = alice.post(&format!("/invoices/{inv}/generate"), Some(json!({ "from": "2026-03-01", "to": "2026-04-30" }))).await;
        assert_eq!(again.assert_status(200).data()["subtotal"], expected_subtotal + 12000, "{}", again.body);
        // A second draft finds nothing left to bill.
        let second = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
        let empty = alice.post(&format!("/invoices/{second}/generate"), Some(json!({ "to": "2026-04-30" }))).await;
        assert_eq!(empty.assert_status(200).data()["subtotal"], 0);
        assert!(lines(empty.data()).is_empty());

        // Sent, the entries stay locked; voided, they are released and can be billed again.
        alice.post(&format!("/invoices/{inv}/send"), None).await.assert_status(200);
        bob.delete(&format!("/time-entries/{w2}"), None).await.assert_error(422, "VALIDATION_ERROR");
        alice.patch(&format!("/invoices/{inv}"), Some(json!({ "status": "void" }))).await.assert_status(200);
        let released = bob.get(&format!("/time-entries/{w1}"), None).await;
        assert_eq!(released.assert_status(200).data()["invoice_id"], Value::Null);
        let rebilled = alice.post(&format!("/invoices/{second}/generate"), Some(json!({ "from": "2026-03-01", "to": "2026-04-30" }))).await;
        assert_eq!(rebilled.assert_status(200).data()["subtotal"], expected_subtotal + 12000);
        bob.patch(&format!("/time-entries/{april}"), Some(json!({ "description": "locked again" }))).await.assert_error(422, "VALIDATION_ERROR");
        // Deleting the draft releases them too.
        alice.delete(&format!("/invoices/{second}"), None).await.assert_status(204);
        bob.patch(&format!("/time-entries/{w1}"), Some(json!({ "description": "free" }))).await.assert_status(200);
    }

    /// Needs the plugin runtime. Two drafts of one client generated at the same time, several
    /// rounds: no entry ever lands on both, and every entry's `invoice_id` names the invoice that
    /// lists it.
    async fn concurrent_generate_never_bills_an_entry_twice(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _bob, _org, _, _) = berlin_org(&server).await;
        let globex = created_id(&alice.post("/clients", Some(json!({ "name": "Globex", "hourly_rate": 6000 }))).await);
        let web = created_id(&alice.post("/projects", Some(json!({ "name": "Website", "client_id": globex }))).await);
        let mut all = HashSet::new();
        for day in 1..=28 {
            for hour in [8, 10, 13, 15] {
                let start = format!("2026-02-{day:02}T{hour:02}:00:00Z");
                let stop = format!("2026-02-{day:02}T{hour:02}:45:00Z");
                all.insert(entry(&alice, &web, &start, &stop, json!({})).await);
            }
        }
        for round in 0..3 {
            let a = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
            let b = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
            let body = json!({ "from": "2026-02-01", "to": "2026-02-28" });
            let (pa, pb) = (format!("/invoices/{a}/generate"), format!("/invoices/{b}/generate"));
            let (ra, rb) = tokio::join!(
                alice.post(&pa, Some(body.clone())),
                alice.post(&pb, Some(body.clone())),
            );
            let mut listed: HashMap<String, String> = HashMap::new();
            for (inv, r) in [(&a, &ra), (&b, &rb)] {
                r.assert_status(200);
                for line in lines(r.data()) {
                    for e in line["entry_ids"].as_array().unwrap() {
                        let e = e.as_str().unwrap().to_owned();
                        assert!(listed.insert(e.clone(), inv.clone()).is_none(), "round {round}: {e} is on both invoices");
                    }
                }
            }
            assert_eq!(listed.len(), all.len(), "round {round}: every entry is billed once");
            for e in &all {
                let got = alice.get(&format!("/time-entries/{e}"), None).await;
                assert_eq!(got.assert_status(200).data()["invoice_id"], listed[e].as_str());
            }
            // Release everything for the next round.
            alice.delete(&format!("/invoices/{a}"), None).await.assert_status(204);
            alice.delete(&format!("/invoices/{b}"), None).await.assert_status(204);
        }
    }

    /// Needs the plugin runtime. Entries edited while a `generate` runs: every edit either lands
    /// before the claim (and the invoice prices the edited entry) or is refused because the entry
    /// is on the invoice (`422`) — never a stale price, a lost edit or a `500`.
    async fn edits_racing_generate_are_priced_or_refused(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, _bob, _org, _, _) = berlin_org(&server).await;
        let globex = created_id(&alice.post("/clients", Some(json!({ "name": "Globex", "hourly_rate": 6000 }))).await);
        let web = created_id(&alice.post("/projects", Some(json!({ "name": "Website", "client_id": globex }))).await);
        // How far apart the edits start, per round: the generate's read, plugin call and claim
        // fall at different points among them.
        for (round, spacing) in [0u64, 1000, 3000, 10_000].into_iter().enumerate() {
            let round = round as u32;
            // One hour each on a February day of this round; each edit makes it two hours.
            let mut entries = Vec::new();
            for n in 0..40 {
                let (day, hour) = (round * 7 + n / 8 + 1, 8 + n % 8);
                let at = |h: u32| format!("2026-02-{day:02}T{h:02}:00:00Z");
                let id = entry(&alice, &web, &at(hour), &at(hour + 1), json!({})).await;
                entries.push((id, at(hour + 2)));
            }
            let inv = created_id(&alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await);
            let (first, last) = (round * 7 + 1, round * 7 + 5);
            let period = json!({ "from": format!("2026-02-{first:02}"), "to": format!("2026-02-{last:02}") });
            let generate_path = format!("/invoices/{inv}/generate");
            let generate = alice.post(&generate_path, Some(period));
            let paths: Vec<String> = entries.iter().map(|(e, _)| format!("/time-entries/{e}")).collect();
            // Spread over the time a generate takes, so that edits land before its read, between
            // its read and its claim, or after it.
            let edits = futures::future::join_all(entries.iter().zip(&paths).enumerate().map(|(n, ((_, stop), path))| {
                let alice = &alice;
                async move {
                    tokio::time::sleep(Duration::from_micros(n as u64 * spacing)).await;
                    alice.patch(path, Some(json!({ "stopped_at": stop }))).await
                }
            }));
            let (generated, edits) = tokio::join!(generate, edits);
            // Edits between reading and claiming make `generate` start over; after four rounds
            // of that it gives up with `409`, having claimed nothing.
            assert!(generated.status == 200 || generated.status == 409, "round {round}: {}", generated.body);
            let mut edited = HashSet::new();
            for ((e, _), r) in entries.iter().zip(&edits) {
                match r.status {
                    200 => {
                        edited.insert(e.clone());
                    }
                    422 => assert!(r.body["error"]["message"].as_str().unwrap_or_default().contains(&inv), "round {round}: {}", r.body),
                    s => panic!("round {round}: edit of {e} answered {s}: {}", r.body),
                }
            }
            // What the invoice bills is what the entries on it say now.
            let got = invoice(&alice, &inv).await;
            let mut expected = 0;
            let mut on_invoice = 0;
            for (e, _) in &entries {
                let now = alice.get(&format!("/time-entries/{e}"), None).await.assert_status(200).data().clone();
                let secs = now["duration_secs"].as_i64().unwrap();
                assert_eq!(secs, if edited.contains(e) { 7200 } else { 3600 }, "round {round}: {now}");
                if now["invoice_id"] == inv.as_str() {
                    on_invoice += 1;
                    expected += secs * 6000 / 3600;
                } else {
                    assert_eq!(now["invoice_id"], Value::Null, "round {round}: {now}");
                }
            }
            let billed: usize = lines(&got).iter().map(|l| l["entry_ids"].as_array().unwrap().len()).sum();
            assert_eq!(billed, on_invoice, "round {round}: {got}");
            assert_eq!(got["subtotal"], expected, "round {round}: {got}");
            // Whatever an edit found on the invoice is still on it; the rest is billable later.
            alice.delete(&format!("/invoices/{inv}"), None).await.assert_status(204);
        }
    }
}

/// Waits (up to 10 s) until the server's log has a line containing every needle.
async fn wait_for_log(server: &Server, needles: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = server.log();
        if log.lines().any(|l| needles.iter().all(|n| l.contains(n))) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {needles:?} in:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
