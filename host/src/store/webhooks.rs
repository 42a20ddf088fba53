//! Webhook subscriptions, the delivery queue, its attempt log and the fan-out cursor.

use crate::model::webhooks::DeliveryStatus;
use chrono::{DateTime, Utc};

use crate::q;
use crate::store::db::{Arg, Exec, Listing, Query, Sql, fetch_page};

/// A row of `webhook_subscriptions`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    /// `whk_…`
    pub id: String,
    /// Organization.
    pub org_id: String,
    /// Target URL.
    pub url: String,
    /// Signing key.
    pub secret: String,
    /// JSON array of event filters.
    pub events: String,
    /// The formatting plugin (none: the organization's default).
    pub plugin_id: Option<String>,
    /// Whether events are queued for it.
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Deliveries that failed in a row.
    pub consecutive_failures: i64,
    /// Only events after this outbox id.
    pub after_event_id: i64,
    /// Who made it.
    pub created_by: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

macro_rules! subscription_columns {
    () => {
        "id, org_id, url, secret, events, plugin_id, enabled, disabled_reason, consecutive_failures, \
         after_event_id, created_by, created_at, updated_at"
    };
}

/// Inserts a subscription.
pub async fn insert_subscription(ex: &mut impl Exec, s: &SubscriptionRow) -> sqlx::Result<()> {
    ex.execute(q!(
        concat!(
            "INSERT INTO webhook_subscriptions (",
            subscription_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        &s.id,
        &s.org_id,
        &s.url,
        &s.secret,
        &s.events,
        s.plugin_id.as_deref(),
        s.enabled,
        s.disabled_reason.as_deref(),
        s.consecutive_failures,
        s.after_event_id,
        s.created_by.as_deref(),
        s.created_at,
        s.updated_at
    ))
    .await
    .map(drop)
}

/// A subscription by id.
pub async fn subscription(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<SubscriptionRow>> {
    ex.fetch_optional(q!(
        concat!(
            "SELECT ",
            subscription_columns!(),
            " FROM webhook_subscriptions WHERE id = $1"
        ),
        id
    ))
    .await
}

/// An organization's subscriptions, oldest first, with the total.
pub async fn list_subscriptions(
    ex: &mut impl Exec,
    org_id: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<SubscriptionRow>, i64)> {
    let listing = Listing {
        select: concat!(
            "SELECT ",
            subscription_columns!(),
            " FROM webhook_subscriptions"
        ),
        from: "webhook_subscriptions",
        filter: "org_id = $1",
        order: "created_at, id",
    };
    fetch_page(ex, listing, vec![org_id.into()], limit, offset).await
}

/// Every enabled subscription of the given organizations.
pub async fn enabled_subscriptions(
    ex: &mut impl Exec,
    orgs: &[String],
) -> sqlx::Result<Vec<SubscriptionRow>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Arg> = Vec::with_capacity(orgs.len());
    let mut placeholders = Vec::with_capacity(orgs.len());
    for org in orgs {
        args.push(org.into());
        placeholders.push(format!("${}", args.len()));
    }
    let sql = format!(
        concat!(
            "SELECT ",
            subscription_columns!(),
            " FROM webhook_subscriptions WHERE enabled = TRUE AND org_id IN ({}) ORDER BY id"
        ),
        placeholders.join(", ")
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(args))
        .await
}

/// Writes the changeable fields.
pub async fn update_subscription(ex: &mut impl Exec, s: &SubscriptionRow) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE webhook_subscriptions SET url = $2, secret = $3, events = $4, plugin_id = $5,
         enabled = $6, disabled_reason = $7, consecutive_failures = $8, updated_at = $9 WHERE id = $1",
        &s.id, &s.url, &s.secret, &s.events, s.plugin_id.as_deref(), s.enabled,
        s.disabled_reason.as_deref(), s.consecutive_failures, s.updated_at
    ))
    .await
    .map(drop)
}

/// Deletes a subscription (its deliveries go with it).
pub async fn delete_subscription(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM webhook_subscriptions WHERE id = $1", id))
        .await
        .map(drop)
}

/// Deletes finished (delivered or given-up) deliveries last touched before `before`, with their
/// attempts (retention); returns how many deliveries.
pub async fn purge_finished(ex: &mut impl Exec, before: DateTime<Utc>) -> sqlx::Result<u64> {
    ex.execute(q!(
        "DELETE FROM webhook_deliveries
         WHERE status IN ('delivered', 'failed') AND updated_at < $1",
        before
    ))
    .await
}

/// Counts a delivery that finally failed; returns the new count.
pub async fn add_failure(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = ex
        .fetch_optional(q!(
            "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1
             WHERE id = $1 RETURNING consecutive_failures",
            id
        ))
        .await?;
    Ok(row.map(|(n,)| n))
}

/// Clears the failure count after a delivery succeeded.
pub async fn reset_failures(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE webhook_subscriptions SET consecutive_failures = 0
         WHERE id = $1 AND consecutive_failures <> 0",
        id
    ))
    .await
    .map(drop)
}

/// Disables an enabled subscription; `false` when it already was disabled (so one process
/// tells the organization).
pub async fn disable_if_enabled(
    ex: &mut impl Exec,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE webhook_subscriptions SET enabled = FALSE, disabled_reason = $2, updated_at = $3
             WHERE id = $1 AND enabled = TRUE",
            id,
            reason,
            now
        ))
        .await?;
    Ok(n == 1)
}

/// The fan-out cursor: events up to it have been matched to subscriptions.
pub async fn cursor(ex: &mut impl Exec) -> sqlx::Result<i64> {
    let (id,): (i64,) = ex
        .fetch_one(q!("SELECT last_event_id FROM webhook_cursor WHERE id = 1"))
        .await?;
    Ok(id)
}

/// Moves the cursor from `from` to `to`; `false` when another process moved it first.
pub async fn advance_cursor(ex: &mut impl Exec, from: i64, to: i64) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE webhook_cursor SET last_event_id = $2 WHERE id = 1 AND last_event_id = $1",
            from,
            to
        ))
        .await?;
    Ok(n == 1)
}

/// An outbox row as the fan-out reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    /// Outbox id.
    pub id: i64,
    /// Organization.
    pub org_id: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// Action.
    pub action: String,
    /// Acting user.
    pub user_id: Option<String>,
    /// The event's data as JSON.
    pub payload: String,
    /// `EntityChanged`, …
    pub event: String,
    /// Audience column (`NULL` = the organization).
    pub audience: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Outbox events with `after < id <= upto`, in id order.
pub async fn events_between(
    ex: &mut impl Exec,
    after: i64,
    upto: i64,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    ex.fetch_all(q!(
        "SELECT id, org_id, entity_type, entity_id, action, user_id, payload, event, audience, created_at
         FROM outbox WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
        after,
        upto,
        limit
    ))
    .await
}

/// A row of `webhook_deliveries`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    /// `whd_…`, also the idempotency key.
    pub id: String,
    /// Organization.
    pub org_id: String,
    /// Subscription.
    pub subscription_id: String,
    /// Outbox id of the event.
    pub event_id: i64,
    /// `EntityChanged`, …
    pub event_kind: String,
    /// Position among the event's requests.
    pub seq: i64,
    /// HTTP method (none when formatting failed).
    pub method: Option<String>,
    /// Target URL (none when formatting failed).
    pub url: Option<String>,
    /// JSON array of `[name, value]`.
    pub headers: String,
    /// The body, as `body_encoding` says.
    pub body: Option<String>,
    /// `utf8` or `base64`.
    pub body_encoding: String,
    /// `pending`, `sending`, `delivered`, `failed`.
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    /// Attempts made (or started).
    pub attempts: i64,
    /// When it is due (or, while sending, when the lease ends).
    pub next_attempt_at: DateTime<Utc>,
    /// No automatic attempt after this.
    pub give_up_at: DateTime<Utc>,
    /// The next attempt was asked for by an operator.
    pub manual: bool,
    /// Status of the last response.
    pub last_status: Option<i64>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Queued.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

macro_rules! delivery_columns {
    () => {
        "id, org_id, subscription_id, event_id, event_kind, seq, method, url, headers, body, \
         body_encoding, status, attempts, next_attempt_at, give_up_at, manual, last_status, \
         last_error, delivered_at, created_at, updated_at"
    };
}

/// Queues a delivery; `false` when the subscription already has this event's request `seq`.
pub async fn insert_delivery(ex: &mut impl Exec, d: &DeliveryRow) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            concat!(
                "INSERT INTO webhook_deliveries (",
                delivery_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21) ON CONFLICT DO NOTHING"
            ),
            &d.id,
            &d.org_id,
            &d.subscription_id,
            d.event_id,
            &d.event_kind,
            d.seq,
            d.method.as_deref(),
            d.url.as_deref(),
            &d.headers,
            d.body.as_deref(),
            &d.body_encoding,
            d.status.as_str(),
            d.attempts,
            d.next_attempt_at,
            d.give_up_at,
            d.manual,
            d.last_status,
            d.last_error.as_deref(),
            d.delivered_at,
            d.created_at,
            d.updated_at
        ))
        .await?;
    Ok(n == 1)
}

/// A delivery by id.
pub async fn delivery(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<DeliveryRow>> {
    ex.fetch_optional(q!(
        concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM webhook_deliveries WHERE id = $1"
        ),
        id
    ))
    .await
}

/// A subscription's deliveries, newest first, with the total.
pub async fn list_deliveries(
    ex: &mut impl Exec,
    subscription_id: &str,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<DeliveryRow>, i64)> {
    let mut filter = String::from("subscription_id = $1");
    let mut args: Vec<Arg> = vec![subscription_id.into()];
    if let Some(s) = status {
        args.push(s.into());
        filter.push_str(" AND status = $2");
    }
    let listing = Listing {
        select: concat!("SELECT ", delivery_columns!(), " FROM webhook_deliveries"),
        from: "webhook_deliveries",
        filter: &filter,
        order: "created_at DESC, id DESC",
    };
    fetch_page(ex, listing, args, limit, offset).await
}

/// Claims up to `limit` due deliveries of enabled subscriptions: each becomes `sending`, its
/// attempt count goes up and it is leased until `lease_until` (after which, if this process
/// died, another takes it over). On PostgreSQL rows another process is claiming are skipped;
/// SQLite has one writer.
pub async fn claim_due(
    ex: &mut impl Exec,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    ex.fetch_all(q!(
        Sql::split(
            concat!(
                "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
                 next_attempt_at = $2, updated_at = $1
                 WHERE id IN (SELECT d.id FROM webhook_deliveries d
                     JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled = TRUE
                     WHERE d.status IN ('pending', 'sending') AND d.next_attempt_at <= $1
                     ORDER BY d.next_attempt_at LIMIT $3)
                 RETURNING ",
                delivery_columns!()
            ),
            concat!(
                "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
                 next_attempt_at = $2, updated_at = $1
                 WHERE id IN (SELECT d.id FROM webhook_deliveries d
                     JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled = TRUE
                     WHERE d.status IN ('pending', 'sending') AND d.next_attempt_at <= $1
                     ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED)
                 AND status IN ('pending', 'sending') AND next_attempt_at <= $1
                 RETURNING ",
                delivery_columns!()
            )
        ),
        now,
        lease_until,
        limit
    ))
    .await
}

/// How an attempt ended, for [`finish`].
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    /// `delivered`, `pending` (retry) or `failed`.
    pub status: &'a str,
    /// When to try again (`pending`), else now.
    pub next_attempt_at: DateTime<Utc>,
    /// Response status.
    pub last_status: Option<i64>,
    /// Error text.
    pub last_error: Option<&'a str>,
    /// Set when delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Records the end of attempt `attempt` of a claimed delivery; `false` when the claim was lost
/// (the lease ran out and another worker took the delivery over, or an operator re-queued it).
pub async fn finish(
    ex: &mut impl Exec,
    id: &str,
    attempt: i64,
    f: &Finish<'_>,
) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, last_status = $5,
             last_error = $6, delivered_at = COALESCE($7, delivered_at), manual = FALSE, updated_at = $8
             WHERE id = $1 AND attempts = $2 AND status = 'sending'",
            id,
            attempt,
            f.status,
            f.next_attempt_at,
            f.last_status,
            f.last_error,
            f.delivered_at,
            f.now
        ))
        .await?;
    Ok(n == 1)
}

/// Queues a delivery again now for one manual attempt; `false` when it is being sent.
pub async fn requeue(ex: &mut impl Exec, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, give_up_at = $2,
             manual = TRUE, updated_at = $2
             WHERE id = $1 AND status <> 'sending' AND method IS NOT NULL",
            id,
            now
        ))
        .await?;
    Ok(n == 1)
}

/// A row of `webhook_attempts`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    /// `wha_…`
    pub id: String,
    /// The delivery.
    pub delivery_id: String,
    /// 1, 2, …
    pub number: i64,
    /// Asked for by an operator.
    pub manual: bool,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: i64,
    /// Response status.
    pub response_status: Option<i64>,
    /// Start of the response body.
    pub response_body: Option<String>,
    /// Why it failed before a response.
    pub error: Option<String>,
}

/// Logs an attempt.
pub async fn insert_attempt(ex: &mut impl Exec, a: &AttemptRow) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO webhook_attempts (id, delivery_id, number, manual, started_at, duration_ms,
         response_status, response_body, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &a.id,
        &a.delivery_id,
        a.number,
        a.manual,
        a.started_at,
        a.duration_ms,
        a.response_status,
        a.response_body.as_deref(),
        a.error.as_deref()
    ))
    .await
    .map(drop)
}

/// The attempts of the given deliveries, in order.
pub async fn attempts_of(
    ex: &mut impl Exec,
    delivery_ids: &[String],
) -> sqlx::Result<Vec<AttemptRow>> {
    if delivery_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Arg> = Vec::with_capacity(delivery_ids.len());
    let mut placeholders = Vec::with_capacity(delivery_ids.len());
    for id in delivery_ids {
        args.push(id.into());
        placeholders.push(format!("${}", args.len()));
    }
    let sql = format!(
        "SELECT id, delivery_id, number, manual, started_at, duration_ms, response_status, \
         response_body, error FROM webhook_attempts WHERE delivery_id IN ({}) \
         ORDER BY delivery_id, number, started_at",
        placeholders.join(", ")
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(args))
        .await
}
