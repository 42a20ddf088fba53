//! The context every operation runs in: the services, the caller, and — for operations inside
//! an organization — the caller's membership there, resolved and checked before the operation runs.

use crate::auth::Caller;
use crate::domain::Services;
use crate::domain::events::Entity;
use crate::domain::permissions::{Permission, PermissionSet, Role};
use crate::error::{Error, Result};
use crate::store::db::Db;

/// The caller's membership in the organization an operation touches.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The organization.
    pub org_id: String,
    /// The caller's role there.
    pub role: Role,
    /// Effective permissions (role plus overrides).
    pub permissions: PermissionSet,
}

/// Who is calling, and where.
pub struct Cx<'a> {
    /// What the operation runs on (database, configuration, mail, plugins).
    pub services: &'a Services,
    /// The authenticated caller.
    pub caller: &'a Caller,
    member: Option<Membership>,
}

impl<'a> Cx<'a> {
    /// A context, optionally inside an organization the caller is known to belong to.
    pub fn new(services: &'a Services, caller: &'a Caller, member: Option<Membership>) -> Self {
        Cx {
            services,
            caller,
            member,
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.services.db
    }

    /// The calling user's id.
    pub fn user_id(&self) -> &str {
        &self.caller.principal.user_id
    }

    /// The caller's membership in the organization the operation is scoped to.
    pub fn member(&self) -> Result<&Membership> {
        self.member.as_ref().ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "operation ran without an organization scope"
            ))
        })
    }

    /// The organization the operation is scoped to.
    pub fn org_id(&self) -> Result<&str> {
        Ok(&self.member()?.org_id)
    }

    /// Whether the caller holds `perm` in the organization.
    pub fn can(&self, perm: Permission) -> bool {
        self.member
            .as_ref()
            .is_some_and(|m| m.permissions.contains(perm))
    }

    /// Whether the caller may read `entity`: [`Entity::audience`] decided by the same
    /// [`Audience::admits`](crate::events::Audience::admits) that filters its pushed events.
    /// Chat channels are decided by the chat rules, not here (`false`).
    pub fn may_read<E: Entity>(&self, entity: &E) -> bool {
        let Some(member) = &self.member else {
            return false;
        };
        entity
            .audience()
            .admits(self.user_id(), |name| {
                member.permissions.contains_named(name)
            })
            .unwrap_or(false)
    }

    /// Fails with `FORBIDDEN` unless the caller holds `perm`.
    pub fn require(&self, perm: Permission) -> Result<()> {
        if self.can(perm) {
            Ok(())
        } else {
            Err(Error::missing_permission(perm.as_str()))
        }
    }

    /// Fails with `NOT_FOUND` unless `org_id` is the organization in scope: an id that exists in
    /// another organization must look exactly like one that does not exist.
    pub fn same_org(&self, org_id: &str, what: &str) -> Result<()> {
        if self.org_id()? == org_id {
            Ok(())
        } else {
            Err(Error::not_found(what))
        }
    }
}

/// Where an operation runs, which decides the membership that is checked.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Only the caller's own account is involved.
    User,
    /// An organization: the one named, else the caller's current one.
    Org(Option<&'a str>),
    /// The organization that owns the entity with this id. When the payload also names an
    /// organization, the two must agree.
    Entity {
        /// Entity id (its prefix tells the table).
        id: &'a str,
        /// The organization the payload names, if any.
        org_id: Option<&'a str>,
    },
}

impl<'a> Scope<'a> {
    /// [`Scope::Org`] from an optional `org_id` field.
    pub fn org(org_id: &'a Option<String>) -> Self {
        Scope::Org(org_id.as_deref())
    }

    /// [`Scope::Entity`] from an id and an optional `org_id` field.
    pub fn entity(id: &'a str, org_id: &'a Option<String>) -> Self {
        Scope::Entity {
            id,
            org_id: org_id.as_deref(),
        }
    }
}
