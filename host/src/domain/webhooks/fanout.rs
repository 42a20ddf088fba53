//! From the outbox to the delivery queue.
//!
//! Runs in every process. One pass reads the shared cursor, the committed events after it (up
//! to this process's dispatcher watermark, so a transaction that has not committed yet is never
//! skipped), the enabled subscriptions of those events' organizations, and asks each matching
//! subscription's plugin what to send — all outside any transaction. It then opens one
//! transaction that moves the cursor with a compare-and-set and inserts the deliveries; if
//! another process moved the cursor first, the transaction is rolled back and the pass starts
//! over from the new cursor. A unique key on (subscription, event, request) is the second guard.
//!
//! Only events the whole organization may see are delivered: events addressed to one user, a
//! chat channel or a permission group (timers, notifications, chat messages, money events) stay
//! inside Stint.

use std::sync::Arc;

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use crate::domain::Services;
use crate::model::webhooks::DeliveryStatus;
use crate::plugins::contract::{WebhookEvent, WebhookTarget};
use crate::store::webhooks::{DeliveryRow, EventRow, SubscriptionRow};
use crate::{clock, ids, store};

/// Events read per pass.
const BATCH: i64 = 500;
/// How often the cursor is compared with the watermark when nothing woke the loop.
const POLL: Duration = Duration::from_millis(200);

/// Runs until the process stops.
pub async fn run(app: Arc<Services>) {
    // The cursor as last seen: a pass is only worth a query when the watermark is past it.
    let mut seen = -1;
    loop {
        let watermark = app.events_published.get();
        if watermark > seen {
            match pass(&app, watermark).await {
                Ok(Pass::Done(cursor)) => seen = cursor,
                Ok(Pass::More) => continue,
                Err(e) => tracing::warn!(error = %e, "webhook fan-out failed; retrying"),
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

enum Pass {
    /// Caught up with the watermark at this cursor.
    Done(i64),
    /// Queued a batch (or lost a race); look again at once.
    More,
}

#[tracing::instrument(name = "webhooks.fanout", skip(app))]
async fn pass(app: &Services, watermark: i64) -> crate::error::Result<Pass> {
    let cursor = store::webhooks::cursor(&mut &app.db).await?;
    let events = store::webhooks::events_between(&mut &app.db, cursor, watermark, BATCH).await?;
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(Pass::Done(cursor));
    };
    let orgs: Vec<String> = events
        .iter()
        .filter(|e| e.audience.is_none())
        .map(|e| e.org_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let subscriptions = store::webhooks::enabled_subscriptions(&mut &app.db, &orgs).await?;
    let mut deliveries = Vec::new();
    for event in events.iter().filter(|e| e.audience.is_none()) {
        for sub in subscriptions
            .iter()
            .filter(|s| s.org_id == event.org_id && wants(s, event))
        {
            deliveries.extend(format(app, sub, event).await);
        }
    }
    let mut tx = app.db.begin().await?;
    if !store::webhooks::advance_cursor(&mut tx, cursor, last).await? {
        // Another process queued these events.
        return Ok(Pass::More);
    }
    for d in &deliveries {
        store::webhooks::insert_delivery(&mut tx, d).await?;
    }
    tx.commit().await?;
    if !deliveries.is_empty() {
        tracing::debug!(
            events = events.len(),
            deliveries = deliveries.len(),
            "webhooks queued"
        );
        app.webhooks.wake();
    }
    Ok(Pass::More)
}

fn wants(sub: &SubscriptionRow, event: &EventRow) -> bool {
    if event.id <= sub.after_event_id {
        return false;
    }
    let filters: Vec<String> = serde_json::from_str(&sub.events).unwrap_or_default();
    crate::webhooks::filter::matches(&filters, &event.event, &event.entity_type, &event.action)
}

/// The event as the plugin receives it.
pub fn plugin_event(e: &EventRow) -> WebhookEvent {
    let entity = e.event == "EntityChanged";
    WebhookEvent {
        id: u64::try_from(e.id).unwrap_or_default(),
        kind: e.event.clone(),
        entity_type: entity.then(|| e.entity_type.clone()),
        action: entity.then(|| e.action.clone()),
        organization_id: e.org_id.clone(),
        user_id: e.user_id.clone(),
        occurred_at: e.created_at,
        payload: crate::events::Delivery::render(&e.event, Some(e.id), &e.payload).to_string(),
    }
}

/// The delivery rows for one (subscription, event): one per request the plugin returned, or
/// one `failed` row saying why there is nothing to send.
async fn format(app: &Services, sub: &SubscriptionRow, event: &EventRow) -> Vec<DeliveryRow> {
    let now = clock::now();
    let retry = app.webhooks.settings().retry;
    let give_up_at = now + chrono::Duration::from_std(retry.window).unwrap_or_default();
    let row = |seq: i64| DeliveryRow {
        id: ids::new_id("whd"),
        org_id: sub.org_id.clone(),
        subscription_id: sub.id.clone(),
        event_id: event.id,
        event_kind: event.event.clone(),
        seq,
        method: None,
        url: None,
        headers: "[]".into(),
        body: None,
        body_encoding: "utf8".into(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        give_up_at,
        manual: false,
        last_status: None,
        last_error: None,
        delivered_at: None,
        created_at: now,
        updated_at: now,
    };
    let failed = |message: String| {
        let mut d = row(0);
        d.status = DeliveryStatus::Failed;
        d.last_error = Some(message);
        vec![d]
    };
    let target = WebhookTarget {
        id: sub.id.clone(),
        url: sub.url.clone(),
        config: json!({}),
    };
    let answer = app
        .plugins
        .format_webhook(
            &app.db,
            sub.plugin_id.as_deref(),
            &plugin_event(event),
            target,
        )
        .await;
    let (plugin, requests) = match answer {
        Ok((plugin, Ok(requests))) => (plugin, requests),
        Ok((plugin, Err(message))) => {
            return failed(format!(
                "plugin {} declined the event: {message}",
                plugin.name
            ));
        }
        Err(e) => return failed(format!("formatting failed: {e}")),
    };
    let allowed_hosts = crate::plugins::manifest::Manifest::allowed_hosts_of(&plugin.manifest);
    let own_host = url::Url::parse(&sub.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let mut out = Vec::with_capacity(requests.len());
    for (seq, r) in requests.into_iter().enumerate() {
        let mut d = row(i64::try_from(seq).unwrap_or_default());
        let url = match &r.url {
            None => sub.url.clone(),
            Some(u) => {
                let host = url::Url::parse(u)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
                let ok = host.as_ref().is_some_and(|h| {
                    Some(h) == own_host.as_ref()
                        || crate::plugins::manifest::host_allowed(&allowed_hosts, h)
                });
                if !ok {
                    d.status = DeliveryStatus::Failed;
                    d.last_error = Some(format!(
                        "refused: plugin {} asked for {u}, whose host is neither the \
                         subscription's nor in its manifest's allowed_hosts",
                        plugin.name
                    ));
                }
                u.clone()
            }
        };
        d.method = Some(r.method.as_str().into());
        d.url = Some(url);
        d.headers = serde_json::to_string(&r.headers).unwrap_or_else(|_| "[]".into());
        match String::from_utf8(r.body) {
            Ok(text) => d.body = Some(text),
            Err(e) => {
                d.body = Some(base64::engine::general_purpose::STANDARD.encode(e.into_bytes()));
                d.body_encoding = "base64".into();
            }
        }
        out.push(d);
    }
    out
}
