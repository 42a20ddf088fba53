//! Organization roles and permissions.
//!
//! Each member has a [`Role`] that grants a fixed set of [`Permission`]s, and per-member overrides
//! that grant or revoke single permissions on top (`{"manage_tasks": false}`).

pub use crate::model::permissions::{Overrides, Permission, Role};

impl Permission {
    fn bit(self) -> u16 {
        1 << (self as u16)
    }
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
}

/// A compact set of permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u16);

impl PermissionSet {
    /// Every permission.
    pub fn all() -> Self {
        Self::of(Permission::ALL)
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
        Permission::parse(name).is_some_and(|p| self.contains(p))
    }

    /// The permissions in the set, in a stable order.
    pub fn to_vec(self) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
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
