//! Membership lookups that decide what a caller may touch.

use crate::q;
use crate::store::db::{Exec, Query, Sql};

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

/// The caller's membership in the organization that owns the entity `id`, found from the id's
/// prefix ([`crate::ids::KINDS`]). `None` when the entity does not exist, the prefix is unknown or
/// not organization-scoped, or the caller is not a member — deliberately indistinguishable.
pub async fn membership_of_entity(
    ex: &mut impl Exec,
    id: &str,
    user_id: &str,
) -> sqlx::Result<Option<MemberRow>> {
    let Some(kind) = crate::ids::kind_of(id) else {
        return Ok(None);
    };
    if kind.prefix == "org" {
        return membership(ex, id, user_id).await;
    }
    let Some(table) = kind.org_table else {
        return Ok(None);
    };
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT m.org_id, m.role, m.permission_overrides FROM {table} e \
             JOIN org_members m ON m.org_id = e.org_id AND m.user_id = $2 WHERE e.id = $1"
        )))
        .bind(id)
        .bind(user_id),
    )
    .await
}
