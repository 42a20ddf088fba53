//! Organization roles and permissions.
//!
//! Each member has a [`Role`] that grants a fixed set of [`Permission`]s, and per-member overrides
//! that grant or revoke single permissions on top (`{"manage_tasks": false}`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a member may do in an organization.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Rename the organization, change its settings, read the audit log.
    ManageOrg,
    /// Invite, remove and change the role of members.
    ManageMembers,
    /// Create, change and delete projects, task groups, statuses and labels.
    ManageProjects,
    /// Create, change and delete tasks, checklist items, dependencies and milestones.
    ManageTasks,
    /// Track time.
    TrackTime,
    /// Manage clients.
    ManageClients,
    /// Manage invoices.
    ManageInvoices,
    /// See reports of everyone's time.
    ViewReports,
    /// Configure and bind plugins.
    ManagePlugins,
    /// Manage webhook subscriptions and read their delivery log (which holds event data).
    ManageWebhooks,
}

impl Permission {
    /// Every permission, in a stable order.
    pub const ALL: [Permission; 10] = [
        Permission::ManageOrg,
        Permission::ManageMembers,
        Permission::ManageProjects,
        Permission::ManageTasks,
        Permission::TrackTime,
        Permission::ManageClients,
        Permission::ManageInvoices,
        Permission::ViewReports,
        Permission::ManagePlugins,
        Permission::ManageWebhooks,
    ];

    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageOrg => "manage_org",
            Permission::ManageMembers => "manage_members",
            Permission::ManageProjects => "manage_projects",
            Permission::ManageTasks => "manage_tasks",
            Permission::TrackTime => "track_time",
            Permission::ManageClients => "manage_clients",
            Permission::ManageInvoices => "manage_invoices",
            Permission::ViewReports => "view_reports",
            Permission::ManagePlugins => "manage_plugins",
            Permission::ManageWebhooks => "manage_webhooks",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including deleting the organization; at least one per organization.
    Owner,
    /// Everything but deleting the organization and managing owners.
    Admin,
    /// Runs projects: projects, tasks, time, clients, invoices, reports.
    Manager,
    /// Works on tasks and tracks time.
    Member,
    /// Reads, comments and ticks checklist items.
    Viewer,
}

impl Role {
    /// The permissions the role grants before overrides.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        match self {
            Role::Owner | Role::Admin => PermissionSet::all(),
            Role::Manager => PermissionSet::of(&[
                ManageProjects,
                ManageTasks,
                TrackTime,
                ManageClients,
                ManageInvoices,
                ViewReports,
            ]),
            Role::Member => PermissionSet::of(&[ManageTasks, TrackTime]),
            Role::Viewer => PermissionSet::default(),
        }
    }

    /// Every role, highest rank first.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Member,
        Role::Viewer,
    ];

    /// The rank order of roles: owner 4, admin 3, manager 2, member 1, viewer 0.
    pub fn rank(self) -> u8 {
        match self {
            Role::Owner => 4,
            Role::Admin => 3,
            Role::Manager => 2,
            Role::Member => 1,
            Role::Viewer => 0,
        }
    }

    /// The snake_case name stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored role name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "manager" => Role::Manager,
            "member" => Role::Member,
            "viewer" => Role::Viewer,
            _ => return None,
        })
    }
}

/// Per-member grants (`true`) and revocations (`false`) on top of the role.
pub type Overrides = BTreeMap<Permission, bool>;

/// A compact set of permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u16);

impl PermissionSet {
    /// Every permission.
    pub fn all() -> Self {
        Self::of(&Permission::ALL)
    }

    /// Exactly the given permissions.
    pub fn of(perms: &[Permission]) -> Self {
        PermissionSet(perms.iter().fold(0, |acc, p| acc | p.bit()))
    }

    /// The role's set with the overrides applied.
    pub fn effective(role: Role, overrides: &Overrides) -> Self {
        overrides
            .iter()
            .fold(role.permissions(), |set, (perm, granted)| {
                if *granted {
                    PermissionSet(set.0 | perm.bit())
                } else {
                    PermissionSet(set.0 & !perm.bit())
                }
            })
    }

    /// Whether every permission of `self` is also in `other`.
    pub fn is_subset_of(self, other: PermissionSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The permissions of `self` that are not in `other`.
    pub fn minus(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 & !other.0)
    }

    /// Whether `perm` is in the set.
    pub fn contains(self, perm: Permission) -> bool {
        self.0 & perm.bit() != 0
    }

    /// Whether the permission called `name` (its wire name) is in the set; unknown names are not.
    pub fn contains_named(self, name: &str) -> bool {
        Permission::ALL
            .into_iter()
            .any(|p| p.as_str() == name && self.contains(p))
    }

    /// The permissions in the set, in a stable order.
    pub fn to_vec(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.contains(*p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_grant_and_revoke() {
        let mut o = Overrides::new();
        o.insert(Permission::ManageTasks, false);
        o.insert(Permission::ViewReports, true);
        let set = PermissionSet::effective(Role::Member, &o);
        assert!(!set.contains(Permission::ManageTasks));
        assert!(set.contains(Permission::ViewReports));
        assert!(set.contains(Permission::TrackTime));
        assert!(PermissionSet::all().contains(Permission::ManagePlugins));
        assert_eq!(Role::parse("viewer"), Some(Role::Viewer));
    }
}
