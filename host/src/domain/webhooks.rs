//! Webhook subscriptions of an organization, their delivery log, manual redelivery and the
//! automatic disabling of a subscription whose deliveries keep failing (`manage_webhooks`).
//!
//! Sending is [`crate::webhooks`]' job; this module validates and stores what operators ask for.

pub use crate::model::webhooks::DeliveryStatus;
pub mod fanout;
pub mod worker;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::Cx;
use crate::domain::events;
use crate::domain::page::{Page, PageQuery};
use crate::domain::permissions::Permission;
use crate::error::{Error, Result};
use crate::plugins::runtime::PluginKind;
use crate::store::webhooks::{AttemptRow, DeliveryRow, SubscriptionRow};
use crate::webhooks::client::{TargetError, check_url};
use crate::webhooks::filter;
use crate::{ids, store};

/// Longest accepted URL.
const MAX_URL_BYTES: usize = 2048;
/// Shortest secret an operator may choose.
const MIN_SECRET_CHARS: usize = 16;

/// A webhook subscription as the API shows it. The secret is returned only by `webhooks.create`
/// (and by `webhooks.update` when it sets a new one); otherwise only its last four characters.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Webhook {
    /// `whk_…`
    pub id: String,
    /// Organization.
    pub org_id: String,
    /// Target URL.
    pub url: String,
    /// The signing secret, only right after it was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `…` and the secret's last four characters.
    pub secret_hint: String,
    /// Event filters.
    pub events: Vec<String>,
    /// The formatting plugin (none: the organization's bound webhook plugin, else
    /// `webhook-standard`).
    pub plugin_id: Option<String>,
    /// Whether events are queued for it.
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Deliveries that failed in a row.
    pub consecutive_failures: i64,
    /// Who created it.
    pub created_by: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

crate::entity!(Webhook, "webhook", |_w| crate::events::Audience::holders(
    Permission::ManageWebhooks.as_str()
));

impl Webhook {
    fn from_row(row: &SubscriptionRow) -> Webhook {
        let tail: String = {
            let chars: Vec<char> = row.secret.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        };
        Webhook {
            id: row.id.clone(),
            org_id: row.org_id.clone(),
            url: row.url.clone(),
            secret: None,
            secret_hint: format!("…{tail}"),
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            plugin_id: row.plugin_id.clone(),
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.clone(),
            consecutive_failures: row.consecutive_failures,
            created_by: row.created_by.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `webhooks.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListWebhooks {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `webhooks.get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetWebhook {
    /// Organization the subscription must belong to (optional).
    pub org_id: Option<String>,
    /// `whk_…`
    pub id: String,
}

/// `webhooks.delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteWebhook {
    /// Organization the subscription must belong to (optional).
    pub org_id: Option<String>,
    /// `whk_…`
    pub id: String,
}

/// `webhooks.create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Target: an absolute `http` or `https` URL.
    pub url: String,
    /// Signing secret (at least 16 characters); generated when omitted. Shown only in this
    /// response.
    pub secret: Option<String>,
    /// Event filters (default `["*"]`): `*`, an event name such as `EntityChanged`, or
    /// `entity_type.action` with `*` wildcards (`task.created`, `task.*`).
    pub events: Option<Vec<String>>,
    /// A `webhook` plugin (`plg_…`) that formats the requests (default: the organization's
    /// bound webhook plugin, else the built-in `webhook-standard`).
    pub plugin_id: Option<String>,
    /// Whether to deliver (default true).
    pub enabled: Option<bool>,
}

/// `webhooks.update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    /// Organization the subscription must belong to (optional).
    pub org_id: Option<String>,
    /// `whk_…`
    pub id: String,
    /// New target URL.
    pub url: Option<String>,
    /// New secret (at least 16 characters), or `"generate"` for a new random one; the response
    /// shows it once.
    pub secret: Option<String>,
    /// New event filters.
    pub events: Option<Vec<String>>,
    /// New plugin (`plg_…`), or `""` for the default.
    pub plugin_id: Option<String>,
    /// Enable (also clears the failure count) or disable.
    pub enabled: Option<bool>,
}

/// `webhooks.deliveries`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDeliveries {
    /// Organization the subscription must belong to (optional).
    pub org_id: Option<String>,
    /// `whk_…`
    pub id: String,
    /// Only `pending`, `sending`, `delivered` or `failed` ones.
    pub status: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `webhooks.redeliver`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Redeliver {
    /// Organization the subscription must belong to (optional).
    pub org_id: Option<String>,
    /// `whk_…`
    pub id: String,
    /// `whd_…`
    pub delivery_id: String,
}

/// One delivery (one request for one event) and its attempts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Delivery {
    /// `whd_…`; also sent as `Stint-Delivery-Id` and `Idempotency-Key`.
    pub id: String,
    /// The subscription.
    pub webhook_id: String,
    /// The event's id in the stream.
    pub event_id: i64,
    /// `EntityChanged`, …
    pub event: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// The request (none when the plugin produced none).
    pub request: Option<DeliveryRequest>,
    /// Attempts so far.
    pub attempts: i64,
    /// When the next automatic attempt is due (pending ones).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Status of the last response.
    pub last_status: Option<i64>,
    /// Error of the last attempt, or why nothing could be sent.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Queued.
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<Attempt>,
}

/// The request of a delivery (without the per-attempt signature headers).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeliveryRequest {
    /// `POST`, `PUT` or `PATCH`.
    pub method: String,
    /// Target.
    pub url: String,
    /// Headers the plugin set.
    pub headers: Vec<(String, String)>,
    /// The body (text, or base64 when `body_encoding` says so).
    pub body: Option<String>,
    /// `utf8` or `base64`.
    pub body_encoding: String,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Attempt {
    /// 1, 2, …
    pub number: i64,
    /// Asked for by an operator (`webhooks.redeliver`).
    pub manual: bool,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it took, milliseconds.
    pub duration_ms: i64,
    /// Response status.
    pub response_status: Option<i64>,
    /// Start of the response body.
    pub response_body: Option<String>,
    /// Why it failed before a response (or `refused: …`).
    pub error: Option<String>,
}

fn delivery_of(d: &DeliveryRow, attempts: &[AttemptRow]) -> Delivery {
    Delivery {
        id: d.id.clone(),
        webhook_id: d.subscription_id.clone(),
        event_id: d.event_id,
        event: d.event_kind.clone(),
        status: d.status,
        request: d.method.as_ref().map(|m| DeliveryRequest {
            method: m.clone(),
            url: d.url.clone().unwrap_or_default(),
            headers: serde_json::from_str(&d.headers).unwrap_or_default(),
            body: d.body.clone(),
            body_encoding: d.body_encoding.clone(),
        }),
        attempts: d.attempts,
        next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        delivered_at: d.delivered_at,
        created_at: d.created_at,
        attempt_log: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| Attempt {
                number: a.number,
                manual: a.manual,
                started_at: a.started_at,
                duration_ms: a.duration_ms,
                response_status: a.response_status,
                response_body: a.response_body.clone(),
                error: a.error.clone(),
            })
            .collect(),
    }
}

fn check_target(cx: &Cx<'_>, url: &str) -> Result<String> {
    let url = url.trim();
    if url.len() > MAX_URL_BYTES {
        return Err(Error::invalid_field(
            "url",
            format!("the URL is longer than {MAX_URL_BYTES} bytes"),
        ));
    }
    match check_url(&cx.services.config.webhooks.policy, url) {
        Ok(parsed) => Ok(parsed.to_string()),
        Err(e @ TargetError::Address(_)) => Err(Error::rule("url", e.to_string())),
        Err(e) => Err(Error::invalid_field("url", e.to_string())),
    }
}

fn check_secret(secret: &str) -> Result<String> {
    if secret == "generate" {
        return Ok(ids::secret(32));
    }
    let n = secret.chars().count();
    if !(MIN_SECRET_CHARS..=256).contains(&n) || secret.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            "secret",
            format!("the secret must be {MIN_SECRET_CHARS} to 256 printable characters"),
        ));
    }
    Ok(secret.to_owned())
}

fn check_events(events: Vec<String>) -> Result<String> {
    if events.is_empty() || events.len() > filter::MAX_FILTERS {
        return Err(Error::invalid_field(
            "events",
            format!("give 1 to {} event filters", filter::MAX_FILTERS),
        ));
    }
    if let Some(bad) = events.iter().find(|e| !filter::valid(e)) {
        return Err(Error::invalid_field(
            "events",
            format!(
                "`{bad}` is not an event filter (use *, an event name, or entity_type.action \
                 such as task.created or task.*)"
            ),
        ));
    }
    Ok(serde_json::to_string(&events).map_err(anyhow::Error::from)?)
}

async fn check_plugin(cx: &Cx<'_>, plugin_id: &str) -> Result<()> {
    let row = store::plugins::get(&mut cx.db(), plugin_id)
        .await?
        .ok_or_else(|| Error::rule("plugin_id", format!("no plugin {plugin_id} is installed")))?;
    if row.kind != PluginKind::Webhook.as_str() {
        return Err(Error::rule(
            "plugin_id",
            format!(
                "plugin {} is a {} plugin, not a webhook plugin",
                row.name, row.kind
            ),
        ));
    }
    Ok(())
}

async fn load(cx: &Cx<'_>, ex: &mut impl store::Exec, id: &str) -> Result<SubscriptionRow> {
    let s = store::webhooks::subscription(ex, id)
        .await?
        .ok_or_else(|| Error::not_found("webhook"))?;
    cx.same_org(&s.org_id, "webhook")?;
    Ok(s)
}

/// The organization's subscriptions.
pub async fn list(cx: &Cx<'_>, input: ListWebhooks) -> Result<Page<Webhook>> {
    let request = input.page.resolve()?;
    let (rows, total) = store::webhooks::list_subscriptions(
        &mut cx.db(),
        cx.org_id()?,
        request.limit(),
        request.offset(),
    )
    .await?;
    Ok(Page {
        items: rows.iter().map(Webhook::from_row).collect(),
        request,
        total,
    })
}

/// One subscription.
pub async fn get(cx: &Cx<'_>, input: GetWebhook) -> Result<Webhook> {
    Ok(Webhook::from_row(&load(cx, &mut cx.db(), &input.id).await?))
}

/// Creates a subscription; the response carries the secret, once.
pub async fn create(cx: &Cx<'_>, input: CreateWebhook) -> Result<Webhook> {
    let url = check_target(cx, &input.url)?;
    let secret = match &input.secret {
        Some(s) => check_secret(s)?,
        None => ids::secret(32),
    };
    let events = check_events(input.events.unwrap_or_else(|| vec!["*".into()]))?;
    let plugin_id = input.plugin_id.filter(|p| !p.is_empty());
    if let Some(p) = &plugin_id {
        check_plugin(cx, p).await?;
    }
    let now = crate::clock::now();
    let mut tx = cx.db().begin().await?;
    let after_event_id = store::events::max_outbox_id(&mut tx).await?;
    let row = SubscriptionRow {
        id: ids::new_id("whk"),
        org_id: cx.org_id()?.to_owned(),
        url,
        secret: secret.clone(),
        events,
        plugin_id,
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: None,
        consecutive_failures: 0,
        after_event_id,
        created_by: Some(cx.user_id().to_owned()),
        created_at: now,
        updated_at: now,
    };
    store::webhooks::insert_subscription(&mut tx, &row).await?;
    let webhook = Webhook::from_row(&row);
    events::created(&mut tx, cx, &webhook).await?;
    tx.commit().await?;
    Ok(Webhook {
        secret: Some(secret),
        ..webhook
    })
}

/// Changes a subscription.
pub async fn update(cx: &Cx<'_>, input: UpdateWebhook) -> Result<Webhook> {
    let url = input
        .url
        .as_deref()
        .map(|u| check_target(cx, u))
        .transpose()?;
    let secret = input.secret.as_deref().map(check_secret).transpose()?;
    let events = input.events.map(check_events).transpose()?;
    if let Some(p) = input.plugin_id.as_deref().filter(|p| !p.is_empty()) {
        check_plugin(cx, p).await?;
    }
    let mut tx = cx.db().begin().await?;
    let before = load(cx, &mut tx, &input.id).await?;
    let mut row = before.clone();
    if let Some(u) = url {
        row.url = u;
    }
    if let Some(s) = &secret {
        row.secret = s.clone();
    }
    if let Some(e) = events {
        row.events = e;
    }
    if let Some(p) = input.plugin_id {
        row.plugin_id = (!p.is_empty()).then_some(p);
    }
    if let Some(enabled) = input.enabled {
        row.enabled = enabled;
        if enabled {
            row.disabled_reason = None;
            row.consecutive_failures = 0;
        } else if before.enabled {
            row.disabled_reason = Some("disabled by an administrator".into());
        }
    }
    row.updated_at = crate::clock::now();
    store::webhooks::update_subscription(&mut tx, &row).await?;
    let after = Webhook::from_row(&row);
    events::updated(&mut tx, cx, &Webhook::from_row(&before), &after).await?;
    tx.commit().await?;
    if row.enabled {
        cx.services.webhooks.wake();
    }
    Ok(Webhook { secret, ..after })
}

/// Deletes a subscription and its delivery log.
pub async fn delete(cx: &Cx<'_>, input: DeleteWebhook) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let row = load(cx, &mut tx, &input.id).await?;
    store::webhooks::delete_subscription(&mut tx, &row.id).await?;
    events::deleted(&mut tx, cx, &Webhook::from_row(&row)).await?;
    tx.commit().await?;
    Ok(())
}

/// A subscription's deliveries, newest first, each with its attempts.
pub async fn deliveries(cx: &Cx<'_>, input: ListDeliveries) -> Result<Page<Delivery>> {
    let request = input.page.resolve()?;
    if let Some(s) = &input.status
        && DeliveryStatus::parse(s).is_none()
    {
        return Err(Error::invalid_field(
            "status",
            "status must be pending, sending, delivered or failed",
        ));
    }
    let sub = load(cx, &mut cx.db(), &input.id).await?;
    let (rows, total) = store::webhooks::list_deliveries(
        &mut cx.db(),
        &sub.id,
        input.status.as_deref(),
        request.limit(),
        request.offset(),
    )
    .await?;
    let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
    let attempts = store::webhooks::attempts_of(&mut cx.db(), &ids).await?;
    Ok(Page {
        items: rows.iter().map(|d| delivery_of(d, &attempts)).collect(),
        request,
        total,
    })
}

/// Queues a delivery for one more attempt now (same delivery id, so receivers can still
/// deduplicate); the attempt appears in its log marked `manual`.
pub async fn redeliver(cx: &Cx<'_>, input: Redeliver) -> Result<Delivery> {
    let sub = load(cx, &mut cx.db(), &input.id).await?;
    let d = store::webhooks::delivery(&mut cx.db(), &input.delivery_id)
        .await?
        .filter(|d| d.subscription_id == sub.id)
        .ok_or_else(|| Error::not_found("delivery"))?;
    if d.method.is_none() {
        return Err(Error::rule(
            "delivery_id",
            "this delivery has no request to send (its plugin produced none)",
        ));
    }
    let now = crate::clock::now();
    if !store::webhooks::requeue(&mut cx.db().auto_commit(), &d.id, now).await? {
        return Err(Error::Conflict(
            "the delivery is being sent right now; try again when it finished".into(),
        ));
    }
    cx.services.webhooks.wake();
    let d = store::webhooks::delivery(&mut cx.db(), &d.id)
        .await?
        .ok_or_else(|| Error::not_found("delivery"))?;
    let attempts = store::webhooks::attempts_of(&mut cx.db(), std::slice::from_ref(&d.id)).await?;
    Ok(delivery_of(&d, &attempts))
}

/// Disables a subscription after `failures` consecutive failed deliveries (once, across
/// processes) and tells the organization: an event, an audit entry and a notification for
/// each owner and admin.
pub async fn auto_disable(
    db: &crate::store::Db,
    sub: &SubscriptionRow,
    failures: i64,
    last_error: &str,
) -> Result<()> {
    let now = crate::clock::now();
    let last: String = last_error.chars().take(300).collect();
    let reason = format!(
        "disabled automatically after {failures} consecutive failed deliveries (last: {last})"
    );
    let mut tx = db.begin().await?;
    if !store::webhooks::disable_if_enabled(&mut tx, &sub.id, &reason, now).await? {
        return Ok(());
    }
    tracing::error!(webhook = %sub.id, org_id = %sub.org_id, %reason, "webhook disabled");
    let org_id = sub.org_id.as_str();
    events::system_change(
        &mut tx,
        events::SystemChange {
            org_id,
            entity_type: "webhook",
            entity_id: &sub.id,
            action: "disabled",
            entity: Some(
                json!({ "id": sub.id, "url": sub.url, "enabled": false, "disabled_reason": reason }),
            ),
            changes: None,
            // Subscriptions (their URLs) are read with manage_webhooks only.
            audience: crate::events::Audience::holders(Permission::ManageWebhooks.as_str()),
            details: json!({ "reason": reason, "failures": failures, "url": sub.url }),
        },
    )
    .await?;
    let title = format!(
        "Webhook to {} was disabled after {failures} failed deliveries",
        sub.url
    );
    crate::domain::notifications::notify_admins(
        &mut tx,
        org_id,
        crate::domain::notifications::NotificationKind::WebhookDisabled,
        &title,
        "webhook",
        &sub.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
