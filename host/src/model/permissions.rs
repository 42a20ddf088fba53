//! Permissions and roles: what a member may do.

use std::collections::BTreeMap;

crate::code_enum! {
    /// What a member may do in an organization.
    pub enum Permission {
        /// Rename the organization, change its settings, read the audit log.
        ManageOrg = "manage_org",
        /// Invite, remove and change the role of members.
        ManageMembers = "manage_members",
        /// Create, change and delete projects, task groups, statuses and labels.
        ManageProjects = "manage_projects",
        /// Create, change and delete tasks, checklist items, dependencies and milestones.
        ManageTasks = "manage_tasks",
        /// Track time.
        TrackTime = "track_time",
        /// Manage clients.
        ManageClients = "manage_clients",
        /// Manage invoices.
        ManageInvoices = "manage_invoices",
        /// See reports of everyone's time.
        ViewReports = "view_reports",
        /// Configure and bind plugins.
        ManagePlugins = "manage_plugins",
        /// Manage webhook subscriptions and read their delivery log (which holds event data).
        ManageWebhooks = "manage_webhooks",
    }
}

crate::code_enum! {
    /// A member's role in an organization (`ALL` is highest rank first).
    pub enum Role {
        /// Everything, including deleting the organization; at least one per organization.
        Owner = "owner",
        /// Everything but deleting the organization and managing owners.
        Admin = "admin",
        /// Runs projects: projects, tasks, time, clients, invoices, reports.
        Manager = "manager",
        /// Works on tasks and tracks time.
        Member = "member",
        /// Reads, comments and ticks checklist items.
        Viewer = "viewer",
    }
}

/// Per-member grants (`true`) and revocations (`false`) on top of the role.
pub type Overrides = BTreeMap<Permission, bool>;
