//! Plugin management end to end: the built-ins registered at start-up, uploads through the
//! multipart REST route (good, bad and oversized), configuration validated against the
//! manifest's schema, bindings per organization, enable/disable, upgrade beside the old version,
//! remove refused while bound, hostile plugins stopped per call, and the automatic disable after
//! repeated failures with its audit entry and notification.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Backend, Client, Resp, Server, id};

const BOUNDARY: &str = "stint-e2e-boundary-7d1f";

/// A `multipart/form-data` body with the given parts (name, file name, bytes).
fn multipart(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// `POST /plugins` with a manifest and a component, as an operator uploads a plugin.
pub(crate) async fn upload(c: &Client, manifest: &str, component: &[u8]) -> Resp {
    c.raw(
        "POST",
        "/plugins",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        multipart(&[
            ("manifest", "plugin.yaml", manifest.as_bytes()),
            ("component", "plugin.wasm", component),
        ]),
    )
    .await
}

fn manifest(name: &str, version: &str, extra: &str) -> String {
    format!(
        "name: {name}\nversion: {version}\nkind: invoicing-rule\nworld: stint:plugins/invoicing-rule@0.3.0\ncomponent: {}.wasm\ncapabilities: [log]\n{extra}",
        name.replace('-', "_")
    )
}

fn wasm(dir: &str) -> Vec<u8> {
    std::fs::read(crate::plugins_build::build_plugin(dir)).expect("read the built component")
}

/// An invoice fixture: two 90-minute entries, one on a Saturday.
fn fixture() -> Value {
    json!({
        "context": {
            "org_id": "org_x", "invoice_id": "inv_x", "client_id": "cli_x", "client_name": "Globex",
            "currency": "EUR", "tax_rate_bp": 1900, "period_from": "2026-03-01",
            "period_to": "2026-03-31", "time_zone": "UTC"
        },
        "entries": [
            { "id": "te_1", "user_id": "usr_1", "user_name": "Alice", "started_at": "2026-03-06T09:00:00Z",
              "duration_secs": 5400, "local_date": "2026-03-06", "client_rate": 10000, "worker_rate": 5000 },
            { "id": "te_2", "user_id": "usr_1", "user_name": "Alice", "started_at": "2026-03-07T09:00:00Z",
              "duration_secs": 5400, "local_date": "2026-03-07", "client_rate": 10000, "worker_rate": 5000 }
        ]
    })
}

/// The built-in plugins every server starts with.
const BUILTINS: [&str; 4] = [
    "invoicing-standard",
    "recurrence-standard",
    "reports-standard",
    "webhook-standard",
];

async fn plugin_count(c: &Client) -> i64 {
    let r = c.get("/plugins", None).await;
    r.assert_status(200);
    r.body["pagination"]["total"].as_i64().expect("a total")
}

both! {
    /// The built-ins are there from the start; bad uploads (text as a component, a bad manifest,
    /// a WIT version mismatch, a missing part, 50 MB) are clear errors and install nothing; only
    /// instance administrators may upload.
    async fn builtins_and_bad_uploads(backend: Backend) {
        let server = Server::start(backend).await;
        let (alice, org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let list = alice.get("/plugins", None).await;
        list.assert_status(200);
        let names: Vec<&str> = list.data().as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, BUILTINS, "{}", list.body);
        assert!(list.data()[0]["builtin"].as_bool().unwrap());
        let bindings = alice.get("/plugin-bindings", None).await;
        bindings.assert_status(200);
        assert_eq!(bindings.data()[0]["kind"], "invoicing-rule");
        assert_eq!(bindings.data()[0]["default"], true);
        assert_eq!(bindings.data()[1]["plugin_name"], "recurrence-standard");
        let builtin = id(&list.data()[0]);
        alice.delete(&format!("/plugins/{builtin}"), None).await.assert_error(409, "CONFLICT");
        alice.post(&format!("/plugins/{builtin}/disable"), None).await.assert_error(409, "CONFLICT");

        let good = manifest("weekend-surcharge", "1.0.0", "");
        let r = upload(&alice, &good, b"hello, I am a text file\n").await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"]["field"], "component", "{}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("not a WebAssembly"), "{}", r.body);

        let fake = b"\0asm\x0d\x00\x01\x00";
        let r = upload(&alice, &good.replace("capabilities: [log]", "capabilitys: [log]"), fake).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"]["field"], "manifest.capabilitys", "{}", r.body);
        let r = upload(&alice, &good.replace("@0.3.0", "@0.4.0"), fake).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"]["field"], "manifest.world", "{}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("not supported"), "{}", r.body);
        let r = upload(&alice, &good.replace("kind: invoicing-rule", "kind: webhook"), fake).await;
        assert_eq!(r.body["error"]["details"]["field"], "manifest.world", "{}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("does not match kind webhook"), "{}", r.body);
        let r = upload(&alice, &format!("{good}limits:\n  deadline_ms: 999999\n"), fake).await;
        assert_eq!(r.body["error"]["details"]["field"], "manifest.limits.deadline_ms", "{}", r.body);
        let r = alice
            .raw("POST", "/plugins", &format!("multipart/form-data; boundary={BOUNDARY}"),
                 multipart(&[("manifest", "plugin.yaml", good.as_bytes())]))
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"]["field"], "component");
        alice.raw("POST", "/plugins", "application/json", "{}").await.assert_error(400, "VALIDATION_ERROR");

        // 50 MB: refused from its declared length without reading it (own client: the server
        // closes the connection).
        let big = multipart(&[
            ("manifest", "plugin.yaml", good.as_bytes()),
            ("component", "plugin.wasm", &vec![0u8; 50 * 1024 * 1024]),
        ]);
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let resp = http
            .post(alice.url("/plugins"))
            .header("authorization", format!("Bearer {}", alice.token().unwrap()))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(big)
            .send()
            .await;
        match resp {
            Ok(resp) => {
                assert_eq!(resp.status().as_u16(), 413);
                let v: Value = resp.json().await.unwrap();
                assert_eq!(v["error"]["code"], "PAYLOAD_TOO_LARGE", "{v}");
            }
            // The server may close before the client finished writing; the refusal is then
            // only visible as the closed connection and in the count below.
            Err(e) => assert!(e.is_request() || e.is_body() || e.is_connect(), "{e}"),
        }
        // Bob owns his organization (manage_plugins there) but is no instance admin.
        let (bob, _) = server.register_with_org("bob@example.com", "Bob", "Bobco").await;
        let r = upload(&bob, &good, fake).await;
        r.assert_error(403, "FORBIDDEN");
        assert!(r.body["error"]["message"].as_str().unwrap().contains("super_admin"), "{}", r.body);
        // Naming another organization is NOT_FOUND, like everywhere.
        let r = bob
            .raw("POST", &format!("/plugins?org_id={org}"), &format!("multipart/form-data; boundary={BOUNDARY}"),
                 multipart(&[("manifest", "plugin.yaml", good.as_bytes())]))
            .await;
        r.assert_error(404, "NOT_FOUND");
        assert_eq!(plugin_count(&alice).await, BUILTINS.len() as i64, "nothing was installed");
    }

    /// The example plugin through REST: install, config (validated), bind, dry run, upgrade
    /// beside the old version, disable/enable, remove refused while bound, unbind, remove.
    async fn example_plugin_lifecycle(backend: Backend) {
        let component = wasm("examples/weekend-surcharge");
        let server = Server::start(backend).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;
        let schema = "config_schema:\n  type: object\n  properties:\n    surcharge_percent: { type: integer, minimum: 0, maximum: 500 }\n";
        let r = upload(&alice, &manifest("weekend-surcharge", "1.0.0", schema), &component).await;
        r.assert_status(201);
        let v1 = id(r.data());
        assert!(v1.starts_with("plg_"), "{}", r.body);
        assert_eq!(r.data()["kind"], "invoicing-rule");
        assert_eq!(r.data()["enabled"], true);
        upload(&alice, &manifest("weekend-surcharge", "1.0.0", schema), &component).await.assert_error(409, "CONFLICT");

        alice.json("PUT", &format!("/plugins/{v1}/config"), Some(json!({ "config": { "surcharge_percent": 900 } })))
            .await.assert_error(422, "VALIDATION_ERROR");
        alice.json("PUT", &format!("/plugins/{v1}/config"), Some(json!({ "config": { "surcharge_percent": 50 } })))
            .await.assert_status(200);
        let cfg = alice.get(&format!("/plugins/{v1}/config"), None).await;
        assert_eq!(cfg.assert_status(200).data()["config"]["surcharge_percent"], 50);

        alice.json("PUT", "/plugin-bindings/recurrence", Some(json!({ "plugin_id": v1 })))
            .await.assert_error(422, "VALIDATION_ERROR");
        let b = alice.json("PUT", "/plugin-bindings/invoicing-rule", Some(json!({ "plugin_id": v1 }))).await;
        b.assert_status(200);
        assert_eq!(b.data()["plugin_id"], v1.as_str());
        assert_eq!(b.data()["default"], false);
        alice.delete(&format!("/plugins/{v1}"), None).await.assert_error(409, "CONFLICT");

        let t = alice.post(&format!("/plugins/{v1}/test"), Some(json!({ "input": fixture() }))).await;
        t.assert_status(200);
        assert_eq!(t.data()["ok"], true, "{}", t.body);
        assert!(t.data()["output"]["total"].as_i64().unwrap() > 0, "{}", t.body);

        // Upgrade: a new row beside the old; the binding stays on the old one.
        let r = upload(&alice, &manifest("weekend-surcharge", "1.1.0", schema), &component).await;
        r.assert_status(201);
        let v2 = id(r.data());
        assert_ne!(v1, v2);
        let bindings = alice.get("/plugin-bindings", None).await;
        assert_eq!(bindings.data()[0]["plugin_id"], v1.as_str(), "{}", bindings.body);
        assert_eq!(alice.get("/plugins?name=weekend-surcharge", None).await.body["pagination"]["total"], 2);

        // Disabled: bound calls fail with reason `disabled`, no silent fall-back.
        alice.post(&format!("/plugins/{v1}/disable"), Some(json!({ "reason": "maintenance" }))).await.assert_status(200);
        let t = alice.post(&format!("/plugins/{v1}/test"), Some(json!({ "input": fixture() }))).await;
        t.assert_error(502, "PLUGIN_ERROR");
        assert_eq!(t.body["error"]["details"]["reason"], "disabled", "{}", t.body);
        alice.post(&format!("/plugins/{v1}/enable"), None).await.assert_status(200);
        alice.post(&format!("/plugins/{v1}/test"), Some(json!({ "input": fixture() }))).await.assert_status(200);

        // Limits can be changed within range.
        alice.patch(&format!("/plugins/{v2}"), Some(json!({ "limits": { "deadline_ms": 0 } }))).await.assert_error(400, "VALIDATION_ERROR");
        let p = alice.patch(&format!("/plugins/{v2}"), Some(json!({ "limits": { "deadline_ms": 250 } }))).await;
        assert_eq!(p.assert_status(200).data()["limits"]["deadline_ms"], 250);

        // Rebind to the new version, unbind, remove both.
        alice.json("PUT", "/plugin-bindings/invoicing-rule", Some(json!({ "plugin_id": v2 }))).await.assert_status(200);
        alice.delete(&format!("/plugins/{v1}"), None).await.assert_status(204);
        alice.delete("/plugin-bindings/invoicing-rule", None).await.assert_status(204);
        let bindings = alice.get("/plugin-bindings", None).await;
        assert_eq!(bindings.data()[0]["plugin_name"], "invoicing-standard", "{}", bindings.body);
        alice.delete(&format!("/plugins/{v2}"), None).await.assert_status(204);
        assert_eq!(plugin_count(&alice).await, BUILTINS.len() as i64);

        // Binding is recorded as an update of the organization's effective binding (from the
        // built-in to the plugin), so the audit diff shows both.
        let audit = alice.get("/audit?per_page=200", None).await;
        audit.assert_status(200);
        let actions: Vec<&str> = audit.data().as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        for wanted in ["plugin.created", "plugin.updated", "plugin.deleted", "plugin_binding.updated", "plugin_binding.deleted", "plugin_config.updated"] {
            assert!(actions.contains(&wanted), "{wanted} missing from {actions:?}");
        }
    }

    /// Hostile plugins: each failure is an error for that call only, with its reason; a
    /// component that wants files is refused at install; other requests keep being answered;
    /// three failures in a row disable the plugin, with an audit entry and a notification.
    async fn hostile_plugins_fail_alone(backend: Backend) {
        let (looping, bomb, panics, bad, files) = (
            wasm("tests/plugins/loop-forever"),
            wasm("tests/plugins/memory-bomb"),
            wasm("tests/plugins/panics"),
            wasm("tests/plugins/bad-output"),
            wasm("tests/plugins/wants-files"),
        );
        let server = Server::start_with(backend, &[("STINT_PLUGIN_FAILURE_THRESHOLD", "3")]).await;
        let (alice, _org) = server.register_with_org("alice@example.com", "Alice", "Acme").await;

        let r = upload(&alice, &manifest("wants-files", "0.1.0", ""), &files).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert!(r.body["error"]["message"].as_str().unwrap().contains("filesystem"), "{}", r.body);

        let limits = "limits:\n  deadline_ms: 300\n  memory_mb: 16\n";
        let mut ids = Vec::new();
        for (name, bytes) in [("loop-forever", &looping), ("memory-bomb", &bomb), ("panics", &panics), ("bad-output", &bad)] {
            let r = upload(&alice, &manifest(name, "0.1.0", limits), bytes).await;
            r.assert_status(201);
            ids.push(id(r.data()));
        }

        // The loop is stopped at its deadline while other requests are answered.
        let loop_id = ids[0].clone();
        let a2 = alice.clone();
        let started = Instant::now();
        let call = tokio::spawn(async move {
            a2.post(&format!("/plugins/{loop_id}/test"), Some(json!({ "input": fixture() }))).await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        alice.get("/plugins", None).await.assert_status(200);
        assert!(t.elapsed() < Duration::from_millis(250), "another request waited {:?}", t.elapsed());
        let r = call.await.unwrap();
        r.assert_error(502, "PLUGIN_ERROR");
        assert_eq!(r.body["error"]["details"]["reason"], "timeout", "{}", r.body);
        assert!(started.elapsed() < Duration::from_secs(3), "stopped after {:?}", started.elapsed());

        let r = alice.post(&format!("/plugins/{}/test", ids[1]), Some(json!({ "input": fixture() }))).await;
        r.assert_error(502, "PLUGIN_ERROR");
        assert_eq!(r.body["error"]["details"]["reason"], "out_of_memory", "{}", r.body);
        let r = alice.post(&format!("/plugins/{}/test", ids[3]), Some(json!({ "input": fixture() }))).await;
        r.assert_error(502, "PLUGIN_ERROR");
        assert_eq!(r.body["error"]["details"]["reason"], "contract", "{}", r.body);

        // Panics: the message is returned; the third failure in a row disables it.
        let p = &ids[2];
        alice.json("PUT", "/plugin-bindings/invoicing-rule", Some(json!({ "plugin_id": p }))).await.assert_status(200);
        for _ in 0..3 {
            let r = alice.post(&format!("/plugins/{p}/test"), Some(json!({ "input": fixture() }))).await;
            r.assert_error(502, "PLUGIN_ERROR");
            assert_eq!(r.body["error"]["details"]["reason"], "panic", "{}", r.body);
            assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
        }
        let got = alice.get(&format!("/plugins/{p}"), None).await;
        assert_eq!(got.data()["enabled"], false, "{}", got.body);
        assert!(got.data()["disabled_reason"].as_str().unwrap().contains("3 consecutive"), "{}", got.body);
        let r = alice.post(&format!("/plugins/{p}/test"), Some(json!({ "input": fixture() }))).await;
        assert_eq!(r.body["error"]["details"]["reason"], "disabled", "{}", r.body);
        let audit = alice.get("/audit?action=plugin.disabled", None).await;
        assert_eq!(audit.assert_status(200).data().as_array().unwrap().len(), 1, "{}", audit.body);
        let notes = alice.get("/notifications", None).await;
        let kinds: Vec<&str> = notes.data().as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"plugin_disabled"), "{}", notes.body);
        // The other hostile plugins were counted but not disabled (below the threshold).
        let got = alice.get(&format!("/plugins/{}", ids[1]), None).await;
        assert_eq!(got.data()["enabled"], true);
        assert_eq!(got.data()["consecutive_failures"], 1);
    }
}

/// An organization in Berlin with one client (100.00/h, 10 % tax), 70 minutes on Friday
/// 6 March 2026 and 60 minutes on Saturday 7 March, and a draft invoice for that client.
struct SurchargeFixture {
    _server: Server,
    alice: Client,
    invoice: String,
}

impl SurchargeFixture {
    async fn new(backend: Backend) -> SurchargeFixture {
        let server = Server::start(backend).await;
        let (alice, _bob, _org, _bob_id, _alice_id) = crate::rates::berlin_org(&server).await;
        let globex = crate::harness::created_id(
            &alice
                .post(
                    "/clients",
                    Some(json!({ "name": "Globex", "hourly_rate": 10000, "tax_rate_bp": 1000 })),
                )
                .await,
        );
        let web = crate::harness::created_id(
            &alice
                .post(
                    "/projects",
                    Some(json!({ "name": "Website", "client_id": globex })),
                )
                .await,
        );
        crate::rates::entry(
            &alice,
            &web,
            "2026-03-06T09:00:00Z",
            "2026-03-06T10:10:00Z",
            json!({}),
        )
        .await;
        crate::rates::entry(
            &alice,
            &web,
            "2026-03-07T09:00:00Z",
            "2026-03-07T10:00:00Z",
            json!({}),
        )
        .await;
        let invoice = crate::harness::created_id(
            &alice.post("/invoices", Some(json!({ "client_id": globex, "issue_date": "2026-04-01", "due_date": "2026-04-30" }))).await,
        );
        SurchargeFixture {
            _server: server,
            alice,
            invoice,
        }
    }

    /// (subtotal, tax, total) of a fresh `generate` over March.
    async fn generate(&self) -> (i64, i64, i64) {
        let r = self
            .alice
            .post(
                &format!("/invoices/{}/generate", self.invoice),
                Some(json!({ "from": "2026-03-01", "to": "2026-03-31" })),
            )
            .await;
        r.assert_status(200);
        let d = r.data();
        (
            d["subtotal"].as_i64().unwrap(),
            d["tax"].as_i64().unwrap(),
            d["total"].as_i64().unwrap(),
        )
    }

    /// Installs a component through REST and binds it as the invoicing rule.
    async fn install_and_bind(&self, manifest: &str, component: &[u8]) {
        let r = upload(&self.alice, manifest, component).await;
        r.assert_status(201);
        let plugin = id(r.data());
        self.alice
            .json(
                "PUT",
                "/plugin-bindings/invoicing-rule",
                Some(json!({ "plugin_id": plugin })),
            )
            .await
            .assert_status(200);
    }
}

/// Standard rule: one line, 130 min at 100.00/h = 216.666… → 216.67; tax 10 % = 21.667 → 21.67.
const STANDARD_TOTALS: (i64, i64, i64) = (21667, 2167, 23834);
/// Weekend surcharge: Friday 70 → 75 min at 100.00 = 125.00; Saturday 60 min at 150.00 =
/// 150.00; subtotal 275.00, tax 27.50.
const SURCHARGE_TOTALS: (i64, i64, i64) = (27500, 2750, 30250);

both! {
    /// The example third-party rule, installed through REST and bound, changes what `generate`
    /// bills (15-minute rounding up, +50 % at weekends); unbinding restores the standard rule.
    async fn binding_the_example_plugin_changes_invoice_totals(backend: Backend) {
        let component = wasm("examples/weekend-surcharge");
        let f = SurchargeFixture::new(backend).await;
        assert_eq!(f.generate().await, STANDARD_TOTALS);
        f.install_and_bind(&manifest("weekend-surcharge", "1.0.0", ""), &component).await;
        assert_eq!(f.generate().await, SURCHARGE_TOTALS);
        f.alice.delete("/plugin-bindings/invoicing-rule", None).await.assert_status(204);
        assert_eq!(f.generate().await, STANDARD_TOTALS);
    }

    /// A plugin compiled against the previous contract (`stint:plugins@0.1.0`, kept as a binary in
    /// `tests/fixtures/plugins/`) still installs and computes the same invoice; its manifest must
    /// say which version it was built against.
    async fn a_plugin_built_against_wit_0_1_still_installs_and_runs(backend: Backend) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/plugins/weekend-surcharge-wit-0.1.0");
        let component = std::fs::read(format!("{dir}/weekend_surcharge.wasm")).unwrap();
        let old_manifest = std::fs::read_to_string(format!("{dir}/plugin.yaml")).unwrap();
        assert!(old_manifest.contains("invoicing-rule@0.1.0"), "{old_manifest}");
        let f = SurchargeFixture::new(backend).await;

        let r = upload(&f.alice, &old_manifest.replace("@0.1.0", "@0.3.0"), &component).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"]["field"], "manifest.world", "{}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("stint:plugins@0.1"), "{}", r.body);

        f.install_and_bind(&old_manifest, &component).await;
        assert_eq!(f.generate().await, SURCHARGE_TOTALS);
        let r = f.alice.get("/plugins?name=weekend-surcharge", None).await;
        assert_eq!(r.body["data"][0]["world"], "stint:plugins/invoicing-rule@0.1.0", "{}", r.body);
    }

    /// Plugins compiled against `stint:plugins@0.2.0` (kept as binaries in
    /// `tests/fixtures/plugins/`): an invoicing rule, whose entries cross as records spelling
    /// out every name and whose lines name entries by id (0.3 indexes both), and a webhook
    /// plugin, whose shapes did not change but whose interface names did.
    async fn plugins_built_against_wit_0_2_still_install_and_run(backend: Backend) {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/plugins");
        let dir = format!("{fixtures}/weekend-surcharge-wit-0.2.0");
        let component = std::fs::read(format!("{dir}/weekend_surcharge.wasm")).unwrap();
        let old_manifest = std::fs::read_to_string(format!("{dir}/plugin.yaml")).unwrap();
        assert!(old_manifest.contains("invoicing-rule@0.2.0"), "{old_manifest}");
        let f = SurchargeFixture::new(backend).await;
        let r = upload(&f.alice, &old_manifest.replace("@0.2.0", "@0.3.0"), &component).await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert!(r.body["error"]["message"].as_str().unwrap().contains("stint:plugins@0.2"), "{}", r.body);
        f.install_and_bind(&old_manifest, &component).await;
        assert_eq!(f.generate().await, SURCHARGE_TOTALS);
        // Generating again re-bills the same entries (released, then claimed by id).
        assert_eq!(f.generate().await, SURCHARGE_TOTALS);

        let dir = format!("{fixtures}/chat-webhook-wit-0.2.0");
        let component = std::fs::read(format!("{dir}/chat_webhook.wasm")).unwrap();
        let manifest = std::fs::read_to_string(format!("{dir}/plugin.yaml")).unwrap();
        assert!(manifest.contains("webhook@0.2.0"), "{manifest}");
        let installed = upload(&f.alice, &manifest, &component).await;
        installed.assert_status(201);
        let plugin = id(installed.data());
        let fixture = json!({
            "event": { "id": 7, "kind": "EntityChanged", "entity_type": "project", "action": "created",
                       "organization_id": "ignored", "user_id": "usr_x", "occurred_at": "2026-03-02T09:00:00Z",
                       "payload": json!({ "data": { "entity": { "name": "Website" } } }).to_string() },
            "subscription": { "id": "whk_fixture", "url": "https://chat.example.com/hook", "config": {} },
        });
        let t = f.alice.post(&format!("/plugins/{plugin}/test"), Some(json!({ "input": fixture }))).await;
        t.assert_status(200);
        assert_eq!(t.data()["ok"], true, "{}", t.body);
        let body: Vec<u8> = serde_json::from_value(t.data()["output"][0]["body"].clone()).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({ "text": "Someone created project “Website”" })
        );
    }
}
