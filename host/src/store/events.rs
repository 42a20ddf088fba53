//! The outbox and the audit log.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::q;
use crate::store::db::{Arg, Exec, Listing, Query, Sql, fetch_page};

/// An event about to be written.
pub struct NewEvent<'a> {
    /// Organization the entity belongs to.
    pub org_id: &'a str,
    /// `task`, `project`, …
    pub entity_type: &'a str,
    /// The entity's id.
    pub entity_id: &'a str,
    /// `created`, `updated` or `deleted`.
    pub action: &'a str,
    /// Who made the change.
    pub user_id: Option<&'a str>,
    /// The `EntityChanged` data.
    pub payload: &'a Value,
    /// When.
    pub at: DateTime<Utc>,
    /// The push event name (`EntityChanged`, …).
    pub event: &'a str,
    /// Who may receive it (`None` = the whole organization; see [`crate::events::Audience`]).
    pub audience: Option<&'a str>,
}

/// Appends to the outbox.
pub async fn insert_outbox(ex: &mut impl Exec, e: &NewEvent<'_>) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO outbox (org_id, entity_type, entity_id, action, user_id, payload, created_at, event, audience)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        e.org_id,
        e.entity_type,
        e.entity_id,
        e.action,
        e.user_id,
        e.payload.to_string(),
        e.at,
        e.event,
        e.audience
    ))
    .await
    .map(drop)
}

/// A stored event.
#[derive(Debug, sqlx::FromRow)]
pub struct OutboxRow {
    /// Monotonic event id.
    pub id: i64,
    /// Organization.
    pub org_id: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// `created`, `updated`, `deleted`, …
    pub action: String,
    /// Acting user.
    pub user_id: Option<String>,
    /// The event's `data`, as JSON text.
    pub payload: String,
    /// Push event name.
    pub event: String,
    /// Audience column.
    pub audience: Option<String>,
}

/// The newest event id (0 when there is none).
pub async fn max_outbox_id(ex: &mut impl Exec) -> sqlx::Result<i64> {
    let (id,): (Option<i64>,) = ex.fetch_one(q!("SELECT MAX(id) FROM outbox")).await?;
    Ok(id.unwrap_or(0))
}

const OUTBOX_COLUMNS: &str =
    "id, org_id, entity_type, entity_id, action, user_id, payload, event, audience";

/// Events after `after` in id order, optionally only of the given organizations.
pub async fn outbox_after(
    ex: &mut impl Exec,
    after: i64,
    orgs: Option<&[String]>,
    limit: i64,
) -> sqlx::Result<Vec<OutboxRow>> {
    let Some(orgs) = orgs else {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id > $1 ORDER BY id LIMIT $2");
        return ex
            .fetch_all(Query::new(Sql::Built(sql)).bind(after).bind(limit))
            .await;
    };
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Arg> = vec![after.into(), limit.into()];
    let mut placeholders = Vec::with_capacity(orgs.len());
    for org in orgs {
        args.push(org.into());
        placeholders.push(format!("${}", args.len()));
    }
    let sql = format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id > $1 AND org_id IN ({}) ORDER BY id LIMIT $2",
        placeholders.join(", ")
    );
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(args))
        .await
}

/// The oldest event still kept, if any.
pub async fn oldest_outbox_id(ex: &mut impl Exec) -> sqlx::Result<Option<i64>> {
    let (id,): (Option<i64>,) = ex.fetch_one(q!("SELECT MIN(id) FROM outbox")).await?;
    Ok(id)
}

/// Deletes events older than `before` (retention); returns how many.
pub async fn purge_outbox(ex: &mut impl Exec, before: DateTime<Utc>) -> sqlx::Result<u64> {
    ex.execute(q!("DELETE FROM outbox WHERE created_at < $1", before))
        .await
}

/// Appends to the audit log.
pub async fn insert_audit(
    ex: &mut impl Exec,
    e: &NewEvent<'_>,
    action: &str,
    ip: Option<String>,
    details: &Value,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO audit_log (id, org_id, user_id, action, entity_type, entity_id, ip, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        crate::ids::new_id("aud"), e.org_id, e.user_id, action, e.entity_type, e.entity_id, ip,
        details.to_string(), e.at
    ))
    .await
    .map(drop)
}

/// An entry of the instance itself (no organization): the operator's own actions.
#[derive(Debug)]
pub struct InstanceEntry<'a> {
    /// Acting user, if a user acted.
    pub user_id: Option<&'a str>,
    /// `plugin.installed`, …
    pub action: &'a str,
    /// Entity type.
    pub entity_type: &'a str,
    /// Entity id.
    pub entity_id: &'a str,
    /// What the entry records.
    pub details: &'a Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Appends an entry of the instance itself (`org_id` NULL).
pub async fn insert_instance_audit(ex: &mut impl Exec, e: &InstanceEntry<'_>) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO audit_log (id, org_id, user_id, action, entity_type, entity_id, ip, details, created_at)
         VALUES ($1, NULL, $2, $3, $4, $5, NULL, $6, $7)",
        crate::ids::new_id("aud"), e.user_id, e.action, e.entity_type, e.entity_id,
        e.details.to_string(), e.at
    ))
    .await
    .map(drop)
}

/// The instance's own entries, newest first.
pub async fn instance_audit(ex: &mut impl Exec, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    ex.fetch_all(q!(
        "SELECT id, user_id, action, entity_type, entity_id, ip, details, created_at FROM audit_log
         WHERE org_id IS NULL ORDER BY created_at DESC, id DESC LIMIT $1",
        limit
    ))
    .await
}

/// One row of the audit log.
#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    /// Entry id.
    pub id: String,
    /// Acting user.
    pub user_id: Option<String>,
    /// `task.updated`, …
    pub action: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// Client address.
    pub ip: Option<String>,
    /// JSON details (the changes).
    pub details: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Filters for [`list_audit`].
#[derive(Debug, Default)]
pub struct AuditFilter {
    /// Only this user's actions.
    pub user_id: Option<String>,
    /// Only this action (`task.updated`) or action prefix ending in `.` (`task.`).
    pub action: Option<String>,
    /// Only this entity type.
    pub entity_type: Option<String>,
    /// From this date (inclusive, UTC).
    pub from: Option<NaiveDate>,
    /// Up to this date (inclusive, UTC).
    pub to: Option<NaiveDate>,
}

/// Audit entries of an organization, newest first, with the total count.
pub async fn list_audit(
    ex: &mut impl Exec,
    org_id: &str,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<AuditRow>, i64)> {
    let mut wh = String::from("org_id = $1");
    let mut args: Vec<Arg> = vec![org_id.into()];
    let mut push = |clause: &str, arg: Arg| {
        args.push(arg);
        wh.push_str(&format!(" AND {clause} ${}", args.len()));
    };
    if let Some(u) = &f.user_id {
        push("user_id =", u.into());
    }
    if let Some(a) = &f.action {
        if a.ends_with('.') {
            push("action LIKE", format!("{a}%").into());
        } else {
            push("action =", a.into());
        }
    }
    if let Some(t) = &f.entity_type {
        push("entity_type =", t.into());
    }
    if let Some(from) = f.from {
        push(
            "created_at >=",
            from.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).into(),
        );
    }
    if let Some(to) = f.to {
        let next = to.succ_opt().unwrap_or(to);
        push(
            "created_at <",
            next.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).into(),
        );
    }
    let listing = Listing {
        select: "SELECT id, user_id, action, entity_type, entity_id, ip, details, created_at FROM audit_log",
        from: "audit_log",
        filter: &wh,
        order: "created_at DESC, id DESC",
    };
    fetch_page(ex, listing, args, limit, offset).await
}
