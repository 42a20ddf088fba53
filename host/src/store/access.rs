//! Membership lookups that decide what a caller may touch.

use crate::q;
use crate::store::db::Exec;

/// A member row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct MemberRow {
    /// The organization.
    pub org_id: String,
    /// Role name.
    pub role: String,
    /// JSON object of permission overrides.
    pub permission_overrides: String,
}

/// The caller's membership in `org_id`, if any.
pub async fn membership(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<MemberRow>> {
    ex.fetch_optional(q!(
        "SELECT org_id, role, permission_overrides FROM org_members WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    ))
    .await
}

/// Every membership of a user.
pub async fn memberships(ex: &mut impl Exec, user_id: &str) -> sqlx::Result<Vec<MemberRow>> {
    ex.fetch_all(q!(
        "SELECT org_id, role, permission_overrides FROM org_members WHERE user_id = $1",
        user_id
    ))
    .await
}

macro_rules! member_of {
    ($table:literal) => {
        concat!(
            "SELECT m.org_id, m.role, m.permission_overrides FROM ",
            $table,
            " e JOIN org_members m ON m.org_id = e.org_id AND m.user_id = $2 WHERE e.id = $1"
        )
    };
}

/// The caller's membership in the organization that owns the entity `id`, found from the id's
/// prefix. `None` when the entity does not exist, the prefix is unknown, or the caller is not a
/// member — the three are deliberately indistinguishable.
pub async fn membership_of_entity(
    ex: &mut impl Exec,
    id: &str,
    user_id: &str,
) -> sqlx::Result<Option<MemberRow>> {
    let sql: &'static str = match crate::ids::prefix(id) {
        Some("org") => return membership(ex, id, user_id).await,
        Some("prj") => member_of!("projects"),
        Some("grp") => member_of!("task_groups"),
        Some("sts") => member_of!("task_statuses"),
        Some("tsk") => member_of!("tasks"),
        Some("cmt") => member_of!("task_comments"),
        Some("chk") => member_of!("checklist_items"),
        Some("dep") => member_of!("task_dependencies"),
        Some("lbl") => member_of!("labels"),
        Some("ms") => member_of!("milestones"),
        Some("ch") => member_of!("chat_channels"),
        Some("msg") => member_of!("chat_messages"),
        Some("cli") => member_of!("clients"),
        Some("te") => member_of!("time_entries"),
        Some("rt") => member_of!("member_rates"),
        Some("inv") => member_of!("invoices"),
        Some("rec") => member_of!("task_recurrences"),
        Some("whk") => member_of!("webhook_subscriptions"),
        _ => return Ok(None),
    };
    ex.fetch_optional(q!(sql, id, user_id)).await
}
