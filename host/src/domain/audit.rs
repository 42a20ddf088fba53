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
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            id: r.id,
            user_id: r.user_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            ip: r.ip,
            created_at: r.created_at,
        })
        .collect();
    Ok(Page {
        items,
        request,
        total,
    })
}
