//! Sends queued deliveries: claim, sign, send, record; retry with backoff; give up; disable.
//!
//! Runs in every process. A claim is one `UPDATE … RETURNING` that marks due deliveries
//! `sending`, bumps their attempt number and leases them (`next_attempt_at` = end of lease):
//! on PostgreSQL concurrent claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`), on
//! SQLite the single writer serializes them. The outcome is written only if the claim still
//! holds (same attempt number, still `sending`), so a process that lost its lease cannot
//! overwrite a newer attempt. A process killed mid-send leaves its claims to expire and be
//! taken over: delivery is at least once, and receivers deduplicate with `Stint-Delivery-Id`.

use std::sync::Arc;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt as _;

use crate::domain::Services;
use crate::store::webhooks::{AttemptRow, DeliveryRow, Finish, SubscriptionRow};
use crate::webhooks::client::{Answer, MAX_REDIRECTS, Outgoing};
use crate::{clock, ids, store};

/// How often due deliveries are looked for when nothing woke the worker.
const POLL: Duration = Duration::from_millis(250);

/// Runs until the process stops.
pub async fn run(app: Arc<Services>) {
    loop {
        match round(&app).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(e) => tracing::warn!(error = %e, "webhook worker failed; retrying"),
        }
        tokio::select! {
            _ = app.webhooks.queued() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// What one attempt of a claimed delivery gave.
struct Sent {
    delivery: DeliveryRow,
    started_at: chrono::DateTime<chrono::Utc>,
    answer: Answer,
}

/// Claims a batch, sends it, records it; returns how many deliveries were handled.
#[tracing::instrument(name = "webhooks.worker", skip(app))]
pub async fn round(app: &Services) -> crate::error::Result<usize> {
    let settings = app.webhooks.settings();
    let now = clock::now();
    // Long enough for every redirect hop to time out.
    let lease = settings.timeout * (MAX_REDIRECTS as u32 + 1) + Duration::from_secs(30);
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let batch = i64::from(settings.concurrency) * 4;
    let claimed =
        store::webhooks::claim_due(&mut app.db.auto_commit(), now, lease_until, batch).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut subscriptions: HashMap<String, SubscriptionRow> = HashMap::new();
    for d in &claimed {
        if !subscriptions.contains_key(&d.subscription_id)
            && let Some(s) = store::webhooks::subscription(&mut &app.db, &d.subscription_id).await?
        {
            subscriptions.insert(s.id.clone(), s);
        }
    }
    let count = claimed.len();
    let sent: Vec<Sent> = futures::stream::iter(claimed)
        .map(|d| {
            let secret = subscriptions
                .get(&d.subscription_id)
                .map(|s| s.secret.clone())
                .unwrap_or_default();
            send(app, d, secret)
        })
        .buffer_unordered(settings.concurrency as usize)
        .collect()
        .await;
    record(app, sent, &subscriptions).await?;
    Ok(count)
}

/// The request of a delivery, signed for this attempt.
pub fn outgoing(d: &DeliveryRow, secret: &str, timestamp: i64) -> Outgoing {
    let body = match (d.body_encoding.as_str(), &d.body) {
        ("base64", Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default(),
        (_, Some(b)) => b.clone().into_bytes(),
        (_, None) => Vec::new(),
    };
    let mut headers: Vec<(String, String)> = serde_json::from_str(&d.headers).unwrap_or_default();
    headers.retain(|(name, _)| {
        crate::plugins::runtime::webhook_header_allowed(&name.to_ascii_lowercase())
    });
    headers.extend([
        (
            "Stint-Signature".to_owned(),
            crate::webhooks::sign::header(secret, timestamp, &body),
        ),
        ("Stint-Delivery-Id".to_owned(), d.id.clone()),
        ("Idempotency-Key".to_owned(), d.id.clone()),
        ("Stint-Event".to_owned(), d.event_kind.clone()),
        ("Stint-Event-Id".to_owned(), d.event_id.to_string()),
        ("Stint-Attempt".to_owned(), d.attempts.to_string()),
    ]);
    Outgoing {
        method: match d.method.as_deref() {
            Some("PUT") => reqwest::Method::PUT,
            Some("PATCH") => reqwest::Method::PATCH,
            _ => reqwest::Method::POST,
        },
        url: d.url.clone().unwrap_or_default(),
        headers,
        body,
    }
}

async fn send(app: &Services, d: DeliveryRow, secret: String) -> Sent {
    let started_at = clock::now();
    let request = outgoing(&d, &secret, started_at.timestamp());
    let answer = app.webhooks.client().send(request).await;
    Sent {
        delivery: d,
        started_at,
        answer,
    }
}

/// Writes every outcome of a batch in one transaction, then counts failures per subscription.
async fn record(
    app: &Services,
    sent: Vec<Sent>,
    subscriptions: &HashMap<String, SubscriptionRow>,
) -> crate::error::Result<()> {
    let retry = app.webhooks.settings().retry;
    let now = clock::now();
    let mut succeeded: Vec<String> = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut tx = app.db.begin().await?;
    for s in &sent {
        let d = &s.delivery;
        let a = &s.answer;
        let error = match (&a.error, a.status) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(status)) if !a.delivered() => Some(format!("HTTP {status}")),
            _ => None,
        };
        let (status, next) = if a.delivered() {
            ("delivered", now)
        } else {
            let failed_attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX);
            let next = now
                + chrono::Duration::from_std(retry.delay(failed_attempts, &mut rand::rng()))
                    .unwrap_or_default();
            if a.permanent
                || d.manual
                || failed_attempts >= retry.max_attempts
                || next > d.give_up_at
            {
                ("failed", now)
            } else {
                ("pending", next)
            }
        };
        let finish = Finish {
            status,
            next_attempt_at: next,
            last_status: a.status.map(i64::from),
            last_error: error.as_deref(),
            delivered_at: a.delivered().then_some(now),
            now,
        };
        if !store::webhooks::finish(&mut tx, &d.id, d.attempts, &finish).await? {
            // The lease ran out and someone else has the delivery now; keep the attempt's log.
            tracing::warn!(delivery = %d.id, "webhook claim lost before the outcome was recorded");
        }
        store::webhooks::insert_attempt(
            &mut tx,
            &AttemptRow {
                id: ids::new_id("wha"),
                delivery_id: d.id.clone(),
                number: d.attempts,
                manual: d.manual,
                started_at: s.started_at,
                duration_ms: i64::try_from(a.elapsed.as_millis()).unwrap_or(i64::MAX),
                response_status: a.status.map(i64::from),
                response_body: a.excerpt.clone(),
                error: error.clone(),
            },
        )
        .await?;
        match status {
            "delivered" => succeeded.push(d.subscription_id.clone()),
            "failed" => failed.push((
                d.subscription_id.clone(),
                error.unwrap_or_else(|| "failed".into()),
            )),
            _ => {}
        }
        tracing::debug!(delivery = %d.id, attempt = d.attempts, status, "webhook attempt");
    }
    tx.commit().await?;
    succeeded.sort();
    succeeded.dedup();
    for id in succeeded {
        if subscriptions
            .get(&id)
            .is_some_and(|s| s.consecutive_failures != 0)
        {
            store::webhooks::reset_failures(&mut app.db.auto_commit(), &id).await?;
        }
    }
    let threshold = i64::from(app.webhooks.settings().failure_threshold);
    for (id, error) in failed {
        let n = store::webhooks::add_failure(&mut app.db.auto_commit(), &id).await?;
        if let Some(n) = n
            && n >= threshold
            && let Some(sub) = subscriptions.get(&id)
        {
            crate::domain::webhooks::auto_disable(&app.db, sub, n, &error).await?;
        }
    }
    Ok(())
}
