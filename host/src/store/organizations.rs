//! Organizations, their members and pending invitations.

use chrono::{DateTime, Utc};

use crate::model::members::{Invitation, Member};
use crate::model::organizations::Organization;
use crate::q;
use crate::store::db::{Arg, Backend, Db, Exec, Listing, Query, Sql, Tx, fetch_page};

/// Inserts an organization.
pub async fn insert(ex: &mut impl Exec, org: &Organization, created_by: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO organizations (id, name, slug, timezone, currency, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &org.id, &org.name, &org.slug, &org.settings.timezone, &org.settings.currency, created_by,
        org.created_at, org.updated_at
    ))
    .await
    .map(drop)
}

const ORG_SELECT: &str =
    "SELECT o.id, o.name, o.slug, o.timezone, o.currency, o.created_at, o.updated_at, m.role
     FROM organizations o JOIN org_members m ON m.org_id = o.id AND m.user_id = $1";

/// One organization, with the caller's role.
pub async fn get(
    ex: &mut impl Exec,
    user_id: &str,
    id: &str,
) -> sqlx::Result<Option<Organization>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!("{ORG_SELECT} WHERE o.id = $2")))
            .bind(user_id)
            .bind(id),
    )
    .await
}

/// The organizations a user belongs to (only `only` when given), by name.
pub async fn list_for_user(
    ex: &mut impl Exec,
    user_id: &str,
    only: Option<&str>,
) -> sqlx::Result<Vec<Organization>> {
    let mut sql = ORG_SELECT.to_owned();
    let mut args: Vec<Arg> = vec![user_id.into()];
    if let Some(o) = only {
        sql.push_str(" WHERE o.id = $2");
        args.push(o.into());
    }
    sql.push_str(" ORDER BY o.name, o.id");
    ex.fetch_all(Query::new(Sql::Built(sql)).with_args(args))
        .await
}

/// Writes name, slug and settings.
pub async fn update(ex: &mut impl Exec, org: &Organization) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE organizations SET name = $2, slug = $3, timezone = $4, currency = $5, updated_at = $6 WHERE id = $1",
        &org.id, &org.name, &org.slug, &org.settings.timezone, &org.settings.currency, org.updated_at
    ))
    .await
    .map(drop)
}

/// Deletes an organization and, by cascade, everything in it; clears it as anyone's current one.
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE users SET current_org_id = NULL WHERE current_org_id = $1",
        id
    ))
    .await?;
    ex.execute(q!("DELETE FROM organizations WHERE id = $1", id))
        .await
        .map(drop)
}

/// Reserves `count` consecutive task numbers of an organization and returns the first.
///
/// On SQLite this runs inside the caller's transaction (writers are serialised anyway). On
/// PostgreSQL it runs as its own one-statement transaction, so the organization's row is locked
/// for microseconds instead of until the caller commits — otherwise every task creation in an
/// organization would wait for the previous one's commit. That statement commits without waiting
/// for its WAL flush: WAL is flushed in order, so any task that becomes durable implies its
/// counter update is durable too, and a crash or a rolled-back caller leaves only a gap.
pub async fn reserve_task_numbers(
    db: &Db,
    tx: &mut Tx,
    org_id: &str,
    count: i64,
) -> sqlx::Result<i64> {
    let (first,): (i64,) = match tx.backend() {
        Backend::Sqlite => {
            tx.fetch_one(q!(
                "UPDATE organizations SET next_task_number = next_task_number + $2 WHERE id = $1
                 RETURNING next_task_number - $2",
                org_id,
                count
            ))
            .await?
        }
        Backend::Postgres => {
            db.side()
                .fetch_one(q!(
                    "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
                     UPDATE organizations SET next_task_number = next_task_number + $2 FROM relaxed
                     WHERE id = $1 RETURNING next_task_number - $2",
                    org_id,
                    count
                ))
                .await?
        }
    };
    Ok(first)
}

/// Adds a member.
pub async fn insert_member(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
    role: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO org_members (org_id, user_id, role, permission_overrides, created_at) VALUES ($1, $2, $3, '{}', $4)",
        org_id,
        user_id,
        role,
        at
    ))
    .await
    .map(drop)
}

const MEMBER_SELECT: &str =
    "SELECT m.user_id, u.name, u.email, m.role, m.permission_overrides, m.created_at
     FROM org_members m JOIN users u ON u.id = m.user_id";

/// One member.
pub async fn member(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<MemberRecord>> {
    let row: Option<MemberRecord> = ex
        .fetch_optional(
            Query::new(Sql::Built(format!(
                "{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id = $2"
            )))
            .bind(org_id)
            .bind(user_id),
        )
        .await?;
    Ok(row)
}

/// Members of an organization, optionally of one role, by name; with the total.
pub async fn members(
    ex: &mut impl Exec,
    org_id: &str,
    role: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<MemberRecord>, i64)> {
    let (filter, args): (&str, Vec<Arg>) = match role {
        Some(r) => (" AND m.role = $2", vec![org_id.into(), r.into()]),
        None => ("", vec![org_id.into()]),
    };
    let listing = Listing {
        select: MEMBER_SELECT,
        // Counted with the join too, so the total always matches what the pages list.
        from: "org_members m JOIN users u ON u.id = m.user_id",
        filter: &format!("m.org_id = $1{filter}"),
        order: "u.name, u.id",
    };
    fetch_page(ex, listing, args, limit, offset).await
}

/// Number of owners.
pub async fn owner_count(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!(
            "SELECT COUNT(*) FROM org_members WHERE org_id = $1 AND role = 'owner'",
            org_id
        ))
        .await?;
    Ok(n)
}

/// Writes a member's role and overrides.
pub async fn update_member(ex: &mut impl Exec, org_id: &str, m: &Member) -> sqlx::Result<()> {
    let overrides =
        serde_json::to_string(&m.permission_overrides).unwrap_or_else(|_| "{}".to_owned());
    ex.execute(q!(
        "UPDATE org_members SET role = $3, permission_overrides = $4 WHERE org_id = $1 AND user_id = $2",
        org_id,
        &m.user_id,
        m.role.as_str(),
        overrides
    ))
    .await
    .map(drop)
}

/// Removes a member and forgets the organization as their current one.
pub async fn delete_member(ex: &mut impl Exec, org_id: &str, user_id: &str) -> sqlx::Result<()> {
    ex.execute(q!(
        "DELETE FROM org_members WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    ))
    .await?;
    ex.execute(q!(
        "DELETE FROM collapsed_nodes WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    ))
    .await?;
    ex.execute(q!(
        "UPDATE users SET current_org_id = NULL WHERE id = $1 AND current_org_id = $2",
        user_id,
        org_id
    ))
    .await
    .map(drop)
}

/// An invitation as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct InvitationRow {
    /// `inv_…`
    pub id: String,
    /// The organization.
    pub org_id: String,
    /// The organization's name.
    pub org_name: String,
    /// Invited address.
    pub email: String,
    /// Role name on joining.
    pub role: String,
    /// Who invited.
    pub invited_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Until when its link works (`NULL` for invitations made before links existed).
    pub expires_at: Option<DateTime<Utc>>,
}

const INVITATION_SELECT: &str = "SELECT i.id, i.org_id, o.name AS org_name, i.email, i.role, i.invited_by, i.created_at, i.expires_at
     FROM org_invitations i JOIN organizations o ON o.id = i.org_id";

/// Records an invitation with the hash of its mailed link, or — when the address was already
/// invited — gives the existing one a new link, role and expiry. Returns the invitation's id.
pub async fn upsert_invitation(
    ex: &mut impl Exec,
    inv: &Invitation,
    org_id: &str,
    invited_by: &str,
    token_hash: &str,
) -> sqlx::Result<String> {
    let row: (String,) = ex
        .fetch_one(q!(
            "INSERT INTO org_invitations (id, org_id, email, role, invited_by, created_at, token_hash, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (org_id, email) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by,
                 token_hash = excluded.token_hash, expires_at = excluded.expires_at
             RETURNING id",
            &inv.id, org_id, &inv.email, inv.role.as_str(), invited_by, inv.created_at, token_hash, inv.expires_at
        ))
        .await?;
    Ok(row.0)
}

/// The live invitation whose link hashes to `token_hash`.
pub async fn invitation_by_token(
    ex: &mut impl Exec,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<InvitationRow>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "{INVITATION_SELECT} WHERE i.token_hash = $1 AND i.expires_at > $2"
        )))
        .bind(token_hash)
        .bind(now),
    )
    .await
}

/// One invitation by id.
pub async fn invitation(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<InvitationRow>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!("{INVITATION_SELECT} WHERE i.id = $1"))).bind(id),
    )
    .await
}

/// The live invitations for an address, oldest first.
pub async fn invitations_for_email(
    ex: &mut impl Exec,
    email: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<InvitationRow>> {
    ex.fetch_all(
        Query::new(Sql::Built(format!(
            "{INVITATION_SELECT} WHERE i.email = $1 AND (i.expires_at IS NULL OR i.expires_at > $2) ORDER BY i.created_at"
        )))
        .bind(email)
        .bind(now),
    )
    .await
}

/// Deletes an invitation (accepted).
pub async fn delete_invitation(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM org_invitations WHERE id = $1", id))
        .await
        .map(drop)
}

/// Whether the account with this address is a member of the organization.
pub async fn is_member_by_email(
    ex: &mut impl Exec,
    org_id: &str,
    email: &str,
) -> sqlx::Result<bool> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT m.user_id FROM org_members m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = $1 AND u.email = $2",
            org_id,
            email
        ))
        .await?;
    Ok(row.is_some())
}

/// A member as stored (role and overrides as text).
#[derive(Debug, sqlx::FromRow)]
pub struct MemberRecord {
    /// The user.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// Their role, as stored.
    pub role: String,
    /// Their permission overrides, as stored (JSON).
    pub permission_overrides: String,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}
