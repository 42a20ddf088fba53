//! The audit log: every recorded change with who made it, from where and what changed. Readable
//! by members with `manage_org` (owners and admins by default).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::page::{Page, PageQuery};
use crate::domain::{Cx, validate};
use crate::error::Result;
use crate::store;

/// One audit entry.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditEntry {
    /// `aud_…`
    pub id: String,
    /// Acting user.
    pub user_id: Option<String>,
    /// `task.updated`, `member.created`, …
    pub action: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// Client address.
    pub ip: Option<String>,
    /// What changed (`{field: {from, to}}` for updates).
    pub details: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// `audit.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListAudit {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only this user's actions.
    pub user_id: Option<String>,
    /// Only this action (`task.updated`), or all of an entity with a trailing dot (`task.`).
    pub action: Option<String>,
    /// Only this entity type.
    pub entity_type: Option<String>,
    /// From this date (`YYYY-MM-DD`, UTC, inclusive).
    pub from: Option<String>,
    /// To this date (`YYYY-MM-DD`, UTC, inclusive).
    pub to: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// The organization's audit log, newest first.
pub async fn list(cx: &Cx<'_>, input: ListAudit) -> Result<Page<AuditEntry>> {
    let request = input.page.resolve()?;
    let filter = store::events::AuditFilter {
        user_id: input.user_id,
        action: input.action,
        entity_type: input.entity_type,
        from: validate::opt_date("from", input.from.as_deref())?,
        to: validate::opt_date("to", input.to.as_deref())?,
    };
    let (rows, total) = store::events::list_audit(
        &mut cx.db(),
        cx.org_id()?,
        &filter,
        request.limit(),
        request.offset(),
    )
    .await?;
    let items = rows.into_iter().map(AuditEntry::from).collect();
    Ok(Page {
        items,
        request,
        total,
    })
}

impl From<store::events::AuditRow> for AuditEntry {
    fn from(r: store::events::AuditRow) -> AuditEntry {
        AuditEntry {
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            id: r.id,
            user_id: r.user_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            ip: r.ip,
            created_at: r.created_at,
        }
    }
}

/// Records an action of the instance's operator — the CLI, acting as Stint itself, outside any
/// organization — in the audit log (`org_id` and `user_id` null), in `tx`.
pub async fn record_instance(
    tx: &mut store::Tx,
    entity_type: &str,
    entity_id: &str,
    action: &str,
    details: &serde_json::Value,
) -> Result<()> {
    let action = format!("{entity_type}.{action}");
    store::events::insert_instance_audit(
        tx,
        &store::events::InstanceEntry {
            user_id: None,
            action: &action,
            entity_type,
            entity_id,
            details,
            at: crate::clock::now(),
        },
    )
    .await?;
    Ok(())
}

/// The instance's own entries, newest first (`stint audit`).
pub async fn instance_entries(db: &store::Db, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = store::events::instance_audit(&mut { db }, limit.clamp(1, 10_000)).await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}
