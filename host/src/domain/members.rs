//! Members of an organization: invitations, roles, per-member permission overrides, leaving.
//!
//! Rules: only an owner may make someone an owner or change or remove an owner; an organization
//! always keeps at least one owner; a member may always leave (unless they are the last owner).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::Services;
use crate::domain::events::{self, Entity};
use crate::domain::page::{Page, PageQuery};
use crate::domain::permissions::{Overrides, Permission, PermissionSet, Role};
use crate::domain::{Cx, validate};
use crate::error::{Error, OnConstraint, Result};
use crate::{ids, store};

pub use crate::model::members::{Invitation, Member};
use crate::store::organizations::MemberRecord;

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

/// The role and effective permissions of a stored membership row.
pub fn effective(row: &store::access::MemberRow) -> (Role, PermissionSet) {
    let role = Role::parse(&row.role).unwrap_or(Role::Viewer);
    (
        role,
        PermissionSet::effective(role, &parse_overrides(&row.permission_overrides)),
    )
}

/// The names of the effective permissions of a stored membership (what an event feed checks
/// audiences against).
pub fn grants(row: &store::access::MemberRow) -> crate::events::feed::Grants {
    let (_, perms) = effective(row);
    perms.to_vec().into_iter().map(Permission::as_str).collect()
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

/// An invitation as its invitee sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PendingInvitation {
    /// `ivt_…`
    pub id: String,
    /// The organization.
    pub org_id: String,
    /// Its name.
    pub org_name: String,
    /// Role on joining.
    pub role: Role,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Until when it can be accepted.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<store::organizations::InvitationRow> for PendingInvitation {
    fn from(r: store::organizations::InvitationRow) -> Self {
        PendingInvitation {
            id: r.id,
            org_id: r.org_id,
            org_name: r.org_name,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

crate::entity!(Invitation, "invitation", |_i| {
    crate::events::Audience::holders(Permission::ManageMembers.as_str())
});

/// The outcome of `members.invite`: always a pending invitation, whether or not the address has
/// an account (which the answer does not reveal).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum InviteOutcome {
    /// The invitation was recorded (or renewed) and its link mailed.
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
        items: items.into_iter().map(Member::from).collect(),
        request,
        total,
    })
}

/// Refuses to give anyone more than the caller holds: a role ranked above the caller's, or a
/// permission set (role plus overrides) that is not a subset of the caller's own.
fn ensure_within_own(cx: &Cx<'_>, role: Role, permissions: PermissionSet) -> Result<()> {
    let me = cx.member()?;
    if role == Role::Owner && me.role != Role::Owner {
        return Err(Error::Forbidden(
            "only an owner can make someone an owner".into(),
        ));
    }
    if role.rank() > me.role.rank() {
        return Err(Error::Forbidden(format!(
            "you cannot give the role {}, which ranks above your own ({})",
            role.as_str(),
            me.role.as_str()
        )));
    }
    let extra = permissions.minus(me.permissions).to_vec();
    if !extra.is_empty() {
        let names: Vec<&str> = extra.iter().map(|p| p.as_str()).collect();
        return Err(Error::Forbidden(format!(
            "you cannot grant permissions you do not hold: {}",
            names.join(", ")
        )));
    }
    Ok(())
}

/// Refuses to change or remove a member who outranks the caller: a higher role, or any
/// permission the caller does not hold.
fn ensure_not_outranked(cx: &Cx<'_>, target: &Member) -> Result<()> {
    let me = cx.member()?;
    if target.user_id == cx.user_id() {
        return Ok(());
    }
    if target.role == Role::Owner && me.role != Role::Owner {
        return Err(Error::Forbidden(
            "only an owner can change or remove an owner".into(),
        ));
    }
    let theirs = PermissionSet::effective(target.role, &target.permission_overrides);
    if target.role.rank() > me.role.rank() || !theirs.is_subset_of(me.permissions) {
        return Err(Error::Forbidden(
            "this member outranks you: their role or permissions exceed your own".into(),
        ));
    }
    Ok(())
}

/// Invites an address: records a pending invitation (or renews one already pending) and mails
/// its link. Nothing is granted until the link is used ([`accept_invitation`]) or an account
/// whose address is verified accepts it ([`accept_invitation_by_id`]).
pub async fn invite(cx: &Cx<'_>, input: InviteMember) -> Result<InviteOutcome> {
    let org_id = cx.org_id()?.to_owned();
    let email = validate::email(&input.email)?;
    let role = input.role.unwrap_or(Role::Member);
    ensure_within_own(cx, role, role.permissions())?;
    let now = crate::clock::now();
    let token = ids::secret(32);
    let mut invitation = Invitation {
        id: ids::new_id("ivt"),
        email: email.clone(),
        role,
        created_at: now,
        expires_at: Some(now + cx.services.config.invitation_ttl),
    };
    let mut tx = cx.db().begin().await?;
    if store::organizations::is_member_by_email(&mut tx, &org_id, &email).await? {
        return Err(Error::Conflict("this user is already a member".into()));
    }
    invitation.id = store::organizations::upsert_invitation(
        &mut tx,
        &invitation,
        &org_id,
        cx.user_id(),
        &ids::hash_secret(&token),
    )
    .await?;
    events::created(&mut tx, cx, &invitation).await?;
    tx.commit().await?;
    let link = format!(
        "{}/accept-invitation?token={token}",
        cx.services.config.public_url.trim_end_matches('/')
    );
    let days = cx.services.config.invitation_ttl.as_secs() / 86_400;
    cx.services.mailer.send(
        &email,
        "You were invited to an organization on Stint",
        format!("You have been invited to join an organization on Stint as {}.\n\nSign in or create your account, then open this link within {days} days to accept:\n{link}\n\nIf you did not expect this, ignore this message.", role.as_str()),
    );
    Ok(InviteOutcome::Invited { invitation })
}

/// Accepts the invitation whose mailed link carries `token`, for the calling account. The link
/// proves the invited mailbox: the account joins with the invited role, and when its own address
/// is the invited one, that address counts as verified.
pub async fn accept_invitation(
    app: &Services,
    caller: &crate::auth::Caller,
    token: &str,
) -> Result<Accepted> {
    let row = store::organizations::invitation_by_token(
        &mut &app.db,
        &ids::hash_secret(token.trim()),
        crate::clock::now(),
    )
    .await?
    .ok_or_else(|| {
        Error::invalid_field("token", "the invitation link is invalid or has expired")
    })?;
    join(app, caller, row, true).await
}

/// Accepts an invitation to the caller's address by id: only for an account whose address is
/// verified (otherwise the mailed link is the way).
pub async fn accept_invitation_by_id(
    app: &Services,
    caller: &crate::auth::Caller,
    id: &str,
) -> Result<Member> {
    let user = crate::domain::accounts::me(app, &caller.principal).await?;
    let row = store::organizations::invitation(&mut &app.db, id)
        .await?
        .filter(|r| r.email == user.email)
        .filter(|r| r.expires_at.is_none_or(|at| at > crate::clock::now()))
        .ok_or_else(|| Error::not_found("invitation"))?;
    if user.email_verified_at.is_none() {
        return Err(Error::Forbidden(
            "verify your e-mail address first, or use the link in the invitation e-mail".into(),
        ));
    }
    Ok(join(app, caller, row, false).await?.member)
}

/// The pending invitations to the caller's address; empty until the address is verified.
pub async fn my_invitations(
    app: &Services,
    principal: &crate::auth::Principal,
) -> Result<Vec<PendingInvitation>> {
    let user = crate::domain::accounts::me(app, principal).await?;
    if user.email_verified_at.is_none() {
        return Ok(Vec::new());
    }
    Ok(
        store::organizations::invitations_for_email(&mut &app.db, &user.email, crate::clock::now())
            .await?
            .into_iter()
            .map(PendingInvitation::from)
            .collect(),
    )
}

/// Turns an invitation into the caller's membership, in one transaction with its event.
/// An accepted invitation.
#[derive(Debug)]
pub struct Accepted {
    /// The new membership.
    pub member: Member,
    /// Whether the account's own address is verified now.
    pub address_verified: bool,
}

async fn join(
    app: &Services,
    caller: &crate::auth::Caller,
    row: store::organizations::InvitationRow,
    proves_mailbox: bool,
) -> Result<Accepted> {
    if !caller.principal.acts_for_account() {
        return Err(Error::Forbidden(
            "a personal access token cannot accept invitations".into(),
        ));
    }
    let user_id = caller.principal.user_id.clone();
    let role = Role::parse(&row.role).unwrap_or(Role::Viewer);
    let now = crate::clock::now();
    let cx = Cx::new(
        app,
        caller,
        Some(crate::domain::Membership {
            org_id: row.org_id.clone(),
            role,
            permissions: role.permissions(),
        }),
    );
    let mut tx = app.db.begin().await?;
    store::organizations::insert_member(&mut tx, &row.org_id, &user_id, role.as_str(), now)
        .await
        .on_unique("you are already a member of this organization")?;
    store::organizations::delete_invitation(&mut tx, &row.id).await?;
    if proves_mailbox {
        store::accounts::mark_email_verified(&mut tx, &user_id, &row.email, now).await?;
    }
    let member = store::organizations::member(&mut tx, &row.org_id, &user_id)
        .await?
        .map(Member::from)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("member vanished after insert")))?;
    events::created(&mut tx, &cx, &member).await?;
    let mut user = store::accounts::user(&mut tx, &user_id)
        .await?
        .ok_or_else(|| Error::Unauthorized("the account no longer exists".into()))?;
    if user.current_org_id.is_none() {
        user.current_org_id = Some(row.org_id.clone());
        store::accounts::update_user(&mut tx, &user).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = %user_id, org_id = %row.org_id, role = role.as_str(), "invitation accepted");
    Ok(Accepted {
        member,
        address_verified: user.email_verified_at.is_some(),
    })
}

async fn existing(cx: &Cx<'_>, tx: &mut store::Tx, user_id: &str) -> Result<Member> {
    store::organizations::member(tx, cx.org_id()?, user_id)
        .await?
        .map(Member::from)
        .ok_or_else(|| Error::not_found("member"))
}

/// Changes a member's role and/or permission overrides.
pub async fn update(cx: &Cx<'_>, input: UpdateMember) -> Result<Member> {
    let org_id = cx.org_id()?.to_owned();
    let mut tx = cx.db().begin().await?;
    let before = existing(cx, &mut tx, &input.user_id).await?;
    let mut after = before.clone();
    ensure_not_outranked(cx, &before)?;
    if let Some(role) = input.role {
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
    let effective = PermissionSet::effective(after.role, &after.permission_overrides);
    if after.role != before.role || effective.to_vec() != before.permissions {
        ensure_within_own(cx, after.role, effective)?;
    }
    after.permissions = effective.to_vec();
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
    ensure_not_outranked(cx, &member)?;
    if member.role == Role::Owner && store::organizations::owner_count(&mut tx, &org_id).await? <= 1
    {
        return Err(Error::Conflict(
            "the last owner cannot leave; make someone else an owner first".into(),
        ));
    }
    store::organizations::delete_member(&mut tx, &org_id, &member.user_id).await?;
    // Private channels and direct messages are joined per person: leaving the organization
    // leaves them too, so a later re-invitation does not reopen what was said meanwhile.
    store::chat::remove_from_org_channels(&mut tx, &org_id, &member.user_id).await?;
    events::deleted(&mut tx, cx, &member).await?;
    tx.commit().await?;
    Ok(())
}
