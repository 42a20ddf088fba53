//! Members of an organization: invitations, roles, per-member permission overrides, leaving.
//!
//! Rules: only an owner may make someone an owner or change or remove an owner; an organization
//! always keeps at least one owner; a member may always leave (unless they are the last owner).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::events::{self, Entity};
use crate::domain::page::{Page, PageQuery};
use crate::domain::permissions::{Overrides, Permission, PermissionSet, Role};
use crate::domain::{Cx, validate};
use crate::error::{Error, OnConstraint, Result};
use crate::{ids, store};

/// A member as stored (role and overrides as text).
#[derive(Debug, sqlx::FromRow)]
pub struct MemberRecord {
    user_id: String,
    name: String,
    email: String,
    role: String,
    permission_overrides: String,
    created_at: DateTime<Utc>,
}

/// A member of an organization.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// The user.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Grants (`true`) and revocations (`false`) on top of the role.
    pub permission_overrides: Overrides,
    /// The effective permissions.
    pub permissions: Vec<Permission>,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<MemberRecord> for Member {
    fn from(r: MemberRecord) -> Self {
        let role = Role::parse(&r.role).unwrap_or(Role::Viewer);
        let overrides = parse_overrides(&r.permission_overrides);
        Member {
            permissions: PermissionSet::effective(role, &overrides).to_vec(),
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            role,
            permission_overrides: overrides,
            joined_at: r.created_at,
        }
    }
}

/// Parses stored overrides; anything unreadable counts as no overrides.
pub fn parse_overrides(json: &str) -> Overrides {
    serde_json::from_str(json).unwrap_or_default()
}

impl Entity for Member {
    const TYPE: &'static str = "member";
    fn id(&self) -> &str {
        &self.user_id
    }
}

/// An invitation for an address without an account; it becomes a membership at registration.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    /// `inv_…`
    pub id: String,
    /// Invited address.
    pub email: String,
    /// Role on joining.
    pub role: Role,
    /// When.
    pub created_at: DateTime<Utc>,
}

crate::entity!(Invitation, "invitation");

/// The outcome of `members.invite`.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum InviteOutcome {
    /// The address had an account and is now a member.
    Added {
        /// The new member.
        member: Member,
    },
    /// The address has no account yet; it joins when it registers.
    Invited {
        /// The pending invitation.
        invitation: Invitation,
    },
}

/// `members.list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListMembers {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Only members with this role.
    pub role: Option<Role>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `members.invite`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMember {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// Address to invite.
    pub email: String,
    /// Role (default `member`).
    pub role: Option<Role>,
}

/// `members.update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The member.
    pub user_id: String,
    /// New role.
    pub role: Option<Role>,
    /// Overrides to set: `true` grants, `false` revokes, `null` returns to the role's default.
    pub permissions: Option<BTreeMap<Permission, Option<bool>>>,
}

/// `members.remove`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RemoveMember {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The member (may be the caller: leaving).
    pub user_id: String,
}

/// Members of the organization.
pub async fn list(cx: &Cx<'_>, input: ListMembers) -> Result<Page<Member>> {
    let request = input.page.resolve()?;
    let (items, total) = store::organizations::members(
        &mut cx.db(),
        cx.org_id()?,
        input.role.map(Role::as_str),
        request.limit(),
        request.offset(),
    )
    .await?;
    Ok(Page {
        items,
        request,
        total,
    })
}

fn ensure_may_assign(cx: &Cx<'_>, role: Role) -> Result<()> {
    if role == Role::Owner && cx.member()?.role != Role::Owner {
        return Err(Error::Forbidden(
            "only an owner can make someone an owner".into(),
        ));
    }
    Ok(())
}

/// Invites an address: adds it at once when it has an account, else records an invitation and
/// mails it.
pub async fn invite(cx: &Cx<'_>, input: InviteMember) -> Result<InviteOutcome> {
    let org_id = cx.org_id()?.to_owned();
    let email = validate::email(&input.email)?;
    let role = input.role.unwrap_or(Role::Member);
    ensure_may_assign(cx, role)?;
    let now = crate::clock::now();
    let mut tx = cx.db().begin().await?;
    let outcome = match store::accounts::user_by_email(&mut tx, &email).await? {
        Some(user) => {
            store::organizations::insert_member(&mut tx, &org_id, &user.id, role.as_str(), now)
                .await
                .on_unique("this user is already a member")?;
            let member = store::organizations::member(&mut tx, &org_id, &user.id)
                .await?
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("member vanished after insert")))?;
            events::created(&mut tx, cx, &member).await?;
            InviteOutcome::Added { member }
        }
        None => {
            let invitation = Invitation {
                id: ids::new_id("inv"),
                email: email.clone(),
                role,
                created_at: now,
            };
            store::organizations::insert_invitation(&mut tx, &invitation, &org_id, cx.user_id())
                .await
                .on_unique("this address has already been invited")?;
            events::created(&mut tx, cx, &invitation).await?;
            InviteOutcome::Invited { invitation }
        }
    };
    tx.commit().await?;
    let link = format!(
        "{}/register",
        cx.app.config.public_url.trim_end_matches('/')
    );
    cx.app.mailer.send(
        &email,
        "You were invited to an organization on Stint",
        format!("You have been added to an organization on Stint as {}.\n\nSign in or create your account with this address: {link}", role.as_str()),
    );
    Ok(outcome)
}

async fn existing(cx: &Cx<'_>, tx: &mut store::Tx, user_id: &str) -> Result<Member> {
    store::organizations::member(tx, cx.org_id()?, user_id)
        .await?
        .ok_or_else(|| Error::not_found("member"))
}

/// Changes a member's role and/or permission overrides.
pub async fn update(cx: &Cx<'_>, input: UpdateMember) -> Result<Member> {
    let org_id = cx.org_id()?.to_owned();
    let mut tx = cx.db().begin().await?;
    let before = existing(cx, &mut tx, &input.user_id).await?;
    let mut after = before.clone();
    if before.role == Role::Owner && cx.member()?.role != Role::Owner {
        return Err(Error::Forbidden("only an owner can change an owner".into()));
    }
    if let Some(role) = input.role {
        ensure_may_assign(cx, role)?;
        if before.role == Role::Owner
            && role != Role::Owner
            && store::organizations::owner_count(&mut tx, &org_id).await? <= 1
        {
            return Err(Error::Conflict(
                "the last owner cannot be demoted; make someone else an owner first".into(),
            ));
        }
        after.role = role;
    }
    if let Some(perms) = input.permissions {
        for (perm, value) in perms {
            match value {
                Some(granted) => after.permission_overrides.insert(perm, granted),
                None => after.permission_overrides.remove(&perm),
            };
        }
    }
    after.permissions = PermissionSet::effective(after.role, &after.permission_overrides).to_vec();
    store::organizations::update_member(&mut tx, &org_id, &after).await?;
    events::updated(&mut tx, cx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a member, or lets the caller leave.
pub async fn remove(cx: &Cx<'_>, input: RemoveMember) -> Result<()> {
    let org_id = cx.org_id()?.to_owned();
    let leaving = input.user_id == cx.user_id();
    if !leaving {
        cx.require(Permission::ManageMembers)?;
    }
    let mut tx = cx.db().begin().await?;
    let member = existing(cx, &mut tx, &input.user_id).await?;
    if member.role == Role::Owner {
        if !leaving && cx.member()?.role != Role::Owner {
            return Err(Error::Forbidden("only an owner can remove an owner".into()));
        }
        if store::organizations::owner_count(&mut tx, &org_id).await? <= 1 {
            return Err(Error::Conflict(
                "the last owner cannot leave; make someone else an owner first".into(),
            ));
        }
    }
    store::organizations::delete_member(&mut tx, &org_id, &member.user_id).await?;
    events::deleted(&mut tx, cx, &member).await?;
    tx.commit().await?;
    Ok(())
}
