//! Every action, in one table: name, output, permission, scope and the domain function it runs.
//! Adding an operation means adding its line here; REST and the WebSocket pick it up from the
//! registry this builds.

use std::future::Future;

use super::registry::{Action, Registry, Scope};
use crate::domain::permissions::Permission::{self, *};
use crate::domain::*;
use crate::error::Result;

macro_rules! actions {
    ($(
        $ty:path => $name:literal -> $out:ty {
            $desc:literal,
            permission: $perm:expr,
            scope: |$p:ident| $scope:expr,
            run: $run:path $(,)?
        }
    )*) => {
        $(
            impl Action for $ty {
                const NAME: &'static str = $name;
                const DESCRIPTION: &'static str = $desc;
                const PERMISSION: Option<Permission> = $perm;
                type Output = $out;
                #[allow(unused_variables)]
                fn scope(&self) -> Scope<'_> {
                    let $p = self;
                    $scope
                }
                fn run(self, cx: &Cx<'_>) -> impl Future<Output = Result<$out>> + Send {
                    $run(cx, self)
                }
            }
        )*

        /// The registry of every action Stint offers.
        pub fn build_registry() -> Registry {
            let mut registry = Registry::default();
            $( registry.add::<$ty>(); )*
            registry
        }
    };
}

actions! {
    // Organizations
    organizations::ListOrganizations => "organizations.list" -> Vec<organizations::Organization> {
        "List the caller's organizations", permission: None, scope: |p| Scope::User, run: organizations::list }
    organizations::GetOrganization => "organizations.get" -> organizations::Organization {
        "Get an organization", permission: None, scope: |p| Scope::entity(&p.id, &None), run: organizations::get }
    organizations::CreateOrganization => "organizations.create" -> organizations::Organization {
        "Create an organization (the caller becomes its owner)", permission: None, scope: |p| Scope::User,
        run: organizations::create }
    organizations::UpdateOrganization => "organizations.update" -> organizations::Organization {
        "Update an organization's name, slug or settings", permission: Some(ManageOrg),
        scope: |p| Scope::entity(&p.id, &None), run: organizations::update }
    organizations::DeleteOrganization => "organizations.delete" -> () {
        "Delete an organization and everything in it (owners only)", permission: Some(ManageOrg),
        scope: |p| Scope::entity(&p.id, &None), run: organizations::delete }

    // Members
    members::ListMembers => "members.list" -> Page<members::Member> {
        "List members, optionally by role", permission: None, scope: |p| Scope::org(&p.org_id), run: members::list }
    members::InviteMember => "members.invite" -> members::InviteOutcome {
        "Invite a member by e-mail", permission: Some(ManageMembers), scope: |p| Scope::org(&p.org_id),
        run: members::invite }
    members::UpdateMember => "members.update" -> members::Member {
        "Change a member's role or permission overrides", permission: Some(ManageMembers),
        scope: |p| Scope::org(&p.org_id), run: members::update }
    members::RemoveMember => "members.remove" -> () {
        "Remove a member (or leave)", permission: None, scope: |p| Scope::org(&p.org_id), run: members::remove }

    // Projects
    projects::ListProjects => "projects.list" -> Page<projects::Project> {
        "List projects, by status or a search term", permission: None, scope: |p| Scope::org(&p.org_id),
        run: projects::list }
    projects::GetProject => "projects.get" -> projects::Project {
        "Get a project", permission: None, scope: |p| Scope::entity(&p.id, &p.org_id), run: projects::get }
    projects::CreateProject => "projects.create" -> projects::Project {
        "Create a project", permission: Some(ManageProjects), scope: |p| Scope::org(&p.org_id),
        run: projects::create }
    projects::UpdateProject => "projects.update" -> projects::Project {
        "Update a project", permission: Some(ManageProjects), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: projects::update }
    projects::DeleteProject => "projects.delete" -> () {
        "Delete a project with its tasks", permission: Some(ManageProjects),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: projects::delete }

    // Task groups
    task_groups::ListTaskGroups => "task_groups.list" -> Vec<task_groups::ListedTaskGroup> {
        "List a project's task groups", permission: None, scope: |p| Scope::entity(&p.project_id, &p.org_id),
        run: task_groups::list }
    task_groups::CreateTaskGroup => "task_groups.create" -> task_groups::TaskGroup {
        "Create a task group", permission: Some(ManageProjects),
        scope: |p| Scope::entity(&p.project_id, &p.org_id), run: task_groups::create }
    task_groups::UpdateTaskGroup => "task_groups.update" -> task_groups::TaskGroup {
        "Rename a task group", permission: Some(ManageProjects), scope: |p| Scope::entity(&p.group_id, &p.org_id),
        run: task_groups::update }
    task_groups::DeleteTaskGroup => "task_groups.delete" -> () {
        "Delete a task group (its tasks stay, ungrouped)", permission: Some(ManageProjects),
        scope: |p| Scope::entity(&p.group_id, &p.org_id), run: task_groups::delete }
    task_groups::ReorderTaskGroups => "task_groups.reorder" -> Vec<task_groups::TaskGroup> {
        "Reorder a project's task groups", permission: Some(ManageProjects),
        scope: |p| Scope::entity(&p.project_id, &p.org_id), run: task_groups::reorder }
    task_groups::ToggleTaskGroupCollapsed => "task_groups.toggle_collapsed" -> sidebar::CollapsedState {
        "Toggle a task group's collapsed state for the caller", permission: None,
        scope: |p| Scope::entity(&p.group_id, &p.org_id), run: task_groups::toggle_collapsed }

    // Task statuses
    task_statuses::ListTaskStatuses => "task_statuses.list" -> Vec<task_statuses::TaskStatus> {
        "List the organization's task statuses", permission: None, scope: |p| Scope::org(&p.org_id),
        run: task_statuses::list }
    task_statuses::CreateTaskStatus => "task_statuses.create" -> task_statuses::TaskStatus {
        "Create a custom task status", permission: Some(ManageProjects), scope: |p| Scope::org(&p.org_id),
        run: task_statuses::create }
    task_statuses::UpdateTaskStatus => "task_statuses.update" -> task_statuses::TaskStatus {
        "Update a task status", permission: Some(ManageProjects), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: task_statuses::update }
    task_statuses::DeleteTaskStatus => "task_statuses.delete" -> () {
        "Delete a task status no task uses", permission: Some(ManageProjects),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: task_statuses::delete }

    // Tasks
    tasks::ListTasks => "tasks.list" -> Page<tasks::Task> {
        "List tasks with filters and pagination", permission: None, scope: |p| Scope::org(&p.org_id),
        run: tasks::list }
    tasks::GetTask => "tasks.get" -> tasks::Task {
        "Get a task", permission: None, scope: |p| Scope::entity(&p.id, &p.org_id), run: tasks::get }
    tasks::CreateTask => "tasks.create" -> tasks::Task {
        "Create a task", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.project_id, &p.org_id),
        run: tasks::create }
    tasks::CreateTasksBulk => "tasks.create_bulk" -> Vec<tasks::Task> {
        "Create several tasks in one call", permission: Some(ManageTasks), scope: |p| p.scope(),
        run: tasks::create_bulk }
    tasks::UpdateTask => "tasks.update" -> tasks::Task {
        "Update a task", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: tasks::update }
    tasks::UpdateTaskStatus => "tasks.update_status" -> tasks::Task {
        "Change a task's status (notifies reporter and assignees)", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: tasks::update_status }
    tasks::DeleteTask => "tasks.delete" -> () {
        "Delete a task", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: tasks::delete }
    tasks::ReorderTask => "tasks.reorder" -> tasks::Task {
        "Move a task to a position within its group (or another group)", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.task_id, &p.org_id), run: tasks::reorder }

    // Comments
    comments::ListComments => "tasks.list_comments" -> Vec<comments::Comment> {
        "List a task's comments", permission: None, scope: |p| Scope::entity(&p.task_id, &p.org_id),
        run: comments::list }
    comments::AddComment => "tasks.add_comment" -> comments::Comment {
        "Comment on a task", permission: None, scope: |p| Scope::entity(&p.task_id, &p.org_id), run: comments::add }
    comments::DeleteComment => "tasks.delete_comment" -> () {
        "Delete a comment (one's own, or with manage_tasks)", permission: None,
        scope: |p| Scope::entity(&p.comment_id, &p.org_id), run: comments::delete }

    // Checklists
    checklist::ListChecklist => "tasks.checklist.list" -> Vec<checklist::ChecklistItem> {
        "List a task's checklist", permission: None, scope: |p| Scope::entity(&p.task_id, &p.org_id),
        run: checklist::list }
    checklist::CreateChecklistItem => "tasks.checklist.create" -> checklist::ChecklistItem {
        "Add a checklist item", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.task_id, &p.org_id),
        run: checklist::create }
    checklist::ToggleChecklistItem => "tasks.checklist.toggle" -> checklist::ChecklistItem {
        "Tick or untick a checklist item (any member)", permission: None,
        scope: |p| Scope::entity(&p.item_id, &p.org_id), run: checklist::toggle }
    checklist::DeleteChecklistItem => "tasks.checklist.delete" -> () {
        "Delete a checklist item", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.item_id, &p.org_id),
        run: checklist::delete }

    // Dependencies
    dependencies::ListDependencies => "tasks.dependency.list" -> dependencies::TaskDependencies {
        "List what blocks a task and what it blocks", permission: None,
        scope: |p| Scope::entity(&p.task_id, &p.org_id), run: dependencies::list }
    dependencies::AddDependency => "tasks.dependency.add" -> dependencies::Dependency {
        "Add a blocks/blocked_by link (cycles are refused)", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.task_id, &p.org_id), run: dependencies::add }
    dependencies::RemoveDependency => "tasks.dependency.remove" -> () {
        "Remove a dependency link", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.dependency_id, &p.org_id), run: dependencies::remove }
    dependencies::ListAllDependencies => "tasks.dependencies.list_all" -> Vec<dependencies::Dependency> {
        "List every dependency in the organization", permission: None, scope: |p| Scope::org(&p.org_id),
        run: dependencies::list_all }

    // Labels
    labels::ListLabels => "labels.list" -> Vec<labels::Label> {
        "List labels", permission: None, scope: |p| Scope::org(&p.org_id), run: labels::list }
    labels::CreateLabel => "labels.create" -> labels::Label {
        "Create a label", permission: Some(ManageProjects), scope: |p| Scope::org(&p.org_id), run: labels::create }
    labels::UpdateLabel => "labels.update" -> labels::Label {
        "Update a label", permission: Some(ManageProjects), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: labels::update }
    labels::DeleteLabel => "labels.delete" -> () {
        "Delete a label (it is removed from tasks)", permission: Some(ManageProjects),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: labels::delete }

    // Task recurrences
    recurrences::CreateRecurrence => "task_recurrences.create" -> recurrences::Recurrence {
        "Make a task repeat (daily, weekly, monthly, yearly, cron or RRULE; evaluated by the recurrence plugin)",
        permission: Some(ManageTasks), scope: |p| Scope::entity(&p.task_id, &p.org_id), run: recurrences::create }
    recurrences::GetRecurrence => "task_recurrences.get" -> recurrences::Recurrence {
        "Get a task recurrence", permission: None, scope: |p| Scope::entity(&p.recurrence_id, &p.org_id),
        run: recurrences::get }
    recurrences::UpdateRecurrence => "task_recurrences.update" -> recurrences::Recurrence {
        "Change a recurrence's pattern or bounds", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.recurrence_id, &p.org_id), run: recurrences::update }
    recurrences::DeleteRecurrence => "task_recurrences.delete" -> () {
        "Stop a recurrence (instances already created stay)", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.recurrence_id, &p.org_id), run: recurrences::delete }

    // Clients
    clients::ListClients => "clients.list" -> Page<clients::Client> {
        "List clients, optionally by a search term", permission: None, scope: |p| Scope::org(&p.org_id),
        run: clients::list }
    clients::GetClient => "clients.get" -> clients::Client {
        "Get a client", permission: None, scope: |p| Scope::entity(&p.id, &p.org_id), run: clients::get }
    clients::CreateClient => "clients.create" -> clients::Client {
        "Create a client", permission: Some(ManageClients), scope: |p| Scope::org(&p.org_id),
        run: clients::create }
    clients::UpdateClient => "clients.update" -> clients::Client {
        "Update a client", permission: Some(ManageClients), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: clients::update }
    clients::DeleteClient => "clients.delete" -> () {
        "Delete a client (refused while projects name it)", permission: Some(ManageClients),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: clients::delete }

    // Rates and budgets
    rates::ListRates => "rates.list" -> Vec<rates::Rate> {
        "A member's rate history, organization-wide or on one project (view_reports, or one's own)",
        permission: None,
        scope: |p| match &p.project_id { Some(id) => Scope::entity(id, &p.org_id), None => Scope::org(&p.org_id) },
        run: rates::list }
    rates::SetRate => "rates.set" -> rates::Rate {
        "Set a member's worker and/or client rate from a date on (history is kept)",
        permission: Some(ManageInvoices),
        scope: |p| match &p.project_id { Some(id) => Scope::entity(id, &p.org_id), None => Scope::org(&p.org_id) },
        run: rates::set }
    rates::DeleteRate => "rates.delete" -> () {
        "Delete a rate row", permission: Some(ManageInvoices), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: rates::delete }
    budgets::GetBudget => "projects.budget" -> budgets::Budget {
        "A project's budget: spent minutes and amount, remaining, percent used", permission: Some(ViewReports),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: budgets::get }

    // Invoices
    invoices::ListInvoices => "invoices.list" -> Page<invoices::Invoice> {
        "List invoices, by client or status", permission: Some(ManageInvoices), scope: |p| Scope::org(&p.org_id),
        run: invoices::list }
    invoices::GetInvoice => "invoices.get" -> invoices::Invoice {
        "Get an invoice with its lines", permission: Some(ManageInvoices),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::get }
    invoices::CreateInvoice => "invoices.create" -> invoices::Invoice {
        "Create a draft invoice", permission: Some(ManageInvoices), scope: |p| Scope::org(&p.org_id),
        run: invoices::create }
    invoices::UpdateInvoice => "invoices.update" -> invoices::Invoice {
        "Update a draft (or void an invoice with status: void)", permission: Some(ManageInvoices),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::update }
    invoices::DeleteInvoice => "invoices.delete" -> () {
        "Delete a draft invoice (its entries are released)", permission: Some(ManageInvoices),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::delete }
    invoices::GenerateInvoice => "invoices.generate" -> invoices::Invoice {
        "Fill a draft's lines from the client's billable, uninvoiced time entries of a period",
        permission: Some(ManageInvoices), scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::generate }
    invoices::SendInvoice => "invoices.send" -> invoices::Invoice {
        "Number and send a draft to the client (e-mail, or recorded)", permission: Some(ManageInvoices),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::send }
    invoices::MarkPaid => "invoices.mark_paid" -> invoices::Invoice {
        "Mark a sent or overdue invoice paid", permission: Some(ManageInvoices),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::mark_paid }
    invoices::InvoicePdf => "invoices.pdf" -> invoices::Document {
        "The invoice as a PDF (REST: application/pdf; elsewhere base64)", permission: Some(ManageInvoices),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: invoices::pdf }

    // Time entries
    time_entries::StartTimer => "time_entries.start" -> time_entries::TimeEntry {
        "Start a timer (refused while another runs)", permission: Some(TrackTime),
        scope: |p| Scope::org(&p.org_id), run: time_entries::start }
    time_entries::StopTimer => "time_entries.stop" -> time_entries::TimeEntry {
        "Stop the caller's running timer", permission: Some(TrackTime), scope: |p| Scope::org(&p.org_id),
        run: time_entries::stop }
    time_entries::StopTimerById => "time_entries.stop_by_id" -> time_entries::TimeEntry {
        "Stop one of the caller's running entries by id", permission: Some(TrackTime),
        scope: |p| Scope::entity(&p.entry_id, &p.org_id), run: time_entries::stop_by_id }
    time_entries::CurrentTimer => "time_entries.current" -> Option<time_entries::TimeEntry> {
        "The caller's running timer, or null", permission: None, scope: |p| Scope::org(&p.org_id),
        run: time_entries::current }
    time_entries::GetTimeEntry => "time_entries.get" -> time_entries::TimeEntry {
        "Get a time entry", permission: None, scope: |p| Scope::entity(&p.entry_id, &p.org_id),
        run: time_entries::get }
    time_entries::ListTimeEntries => "time_entries.list" -> Page<time_entries::TimeEntry> {
        "List time entries by day range, project, task, user or billable", permission: None,
        scope: |p| Scope::org(&p.org_id), run: time_entries::list }
    time_entries::CreateTimeEntry => "time_entries.create" -> time_entries::TimeEntry {
        "Record a finished time entry by hand", permission: Some(TrackTime), scope: |p| Scope::org(&p.org_id),
        run: time_entries::create }
    time_entries::UpdateTimeEntry => "time_entries.update" -> time_entries::TimeEntry {
        "Update one of the caller's time entries", permission: Some(TrackTime),
        scope: |p| Scope::entity(&p.entry_id, &p.org_id), run: time_entries::update }
    time_entries::DeleteTimeEntry => "time_entries.delete" -> () {
        "Delete one of the caller's time entries", permission: Some(TrackTime),
        scope: |p| Scope::entity(&p.entry_id, &p.org_id), run: time_entries::delete }

    // Milestones
    milestones::ListMilestones => "milestones.list" -> Vec<milestones::Milestone> {
        "List a project's milestones by target date", permission: None,
        scope: |p| Scope::entity(&p.project_id, &p.org_id), run: milestones::list }
    milestones::CreateMilestone => "milestones.create" -> milestones::Milestone {
        "Create a milestone", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.project_id, &p.org_id),
        run: milestones::create }
    milestones::UpdateMilestone => "milestones.update" -> milestones::Milestone {
        "Update a milestone (description: null clears it)", permission: Some(ManageTasks),
        scope: |p| Scope::entity(&p.milestone_id, &p.org_id), run: milestones::update }
    milestones::DeleteMilestone => "milestones.delete" -> () {
        "Delete a milestone", permission: Some(ManageTasks), scope: |p| Scope::entity(&p.milestone_id, &p.org_id),
        run: milestones::delete }

    // Search
    search::Search => "search" -> Vec<search::SearchHit> {
        "Full-text search over the organization's tasks, projects and comments, best match first",
        permission: None, scope: |p| Scope::org(&p.org_id), run: search::search }

    // Sidebar, dashboard, audit
    sidebar::GetCollapsed => "sidebar.get_collapsed" -> Vec<String> {
        "The caller's collapsed sidebar nodes", permission: None, scope: |p| Scope::org(&p.org_id),
        run: sidebar::get_collapsed }
    sidebar::ToggleCollapsed => "sidebar.toggle_collapsed" -> sidebar::CollapsedState {
        "Toggle a sidebar node's collapsed state", permission: None,
        scope: |p| Scope::entity(&p.project_id, &p.org_id), run: sidebar::toggle_collapsed }
    dashboard::Summary => "dashboard.summary" -> dashboard::DashboardSummary {
        "Task totals: all, done, overdue, by status and priority", permission: None,
        scope: |p| Scope::org(&p.org_id), run: dashboard::summary }
    // Plugins: installed instance-wide, configured and bound per organization.
    plugins::ListPlugins => "plugins.list" -> Page<plugins::Plugin> {
        "List installed plugins, by kind or name", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::list }
    plugins::PluginRef => "plugins.get" -> plugins::Plugin {
        "Get an installed plugin", permission: Some(ManagePlugins), scope: |p| Scope::org(&p.org_id),
        run: plugins::get }
    plugins::UpdatePlugin => "plugins.update" -> plugins::Plugin {
        "Change a plugin's limits (instance admins)", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::update }
    plugins::EnablePlugin => "plugins.enable" -> plugins::Plugin {
        "Enable a plugin and clear its failure count (instance admins)", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::enable }
    plugins::DisablePlugin => "plugins.disable" -> plugins::Plugin {
        "Disable a plugin (instance admins)", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::disable }
    plugins::DeletePlugin => "plugins.delete" -> () {
        "Remove a plugin no organization binds (instance admins)", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::delete }
    plugins::GetPluginConfig => "plugins.get_config" -> plugins::PluginConfig {
        "The organization's configuration of a plugin", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::get_config }
    plugins::SetPluginConfig => "plugins.set_config" -> plugins::PluginConfig {
        "Set the organization's configuration of a plugin (validated against its schema)",
        permission: Some(ManagePlugins), scope: |p| Scope::org(&p.org_id), run: plugins::set_config }
    plugins::ListBindings => "plugins.bindings" -> Vec<plugins::PluginBinding> {
        "Which plugin serves each kind for the organization", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::bindings }
    plugins::BindPlugin => "plugins.bind" -> plugins::PluginBinding {
        "Make a plugin serve a kind for the organization", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::bind }
    plugins::UnbindPlugin => "plugins.unbind" -> () {
        "Go back to the built-in plugin for a kind", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::unbind }
    plugins::TestPlugin => "plugins.test" -> plugins::TestOutcome {
        "Run a plugin on a JSON fixture with the organization's configuration", permission: Some(ManagePlugins),
        scope: |p| Scope::org(&p.org_id), run: plugins::test }

    // Reports: served by report plugins (built-in reports-standard and installed ones). Any member
    // may run them; without view_reports the data lent is the caller's own.
    reports::ListReports => "reports.list" -> Vec<reports::ReportListing> {
        "List the reports of the enabled report plugins, with their parameters and columns", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::list }
    reports::RunReport => "reports.run" -> reports::ReportOutput {
        "Run a report by name (plain, or plugin/report) with its arguments", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::run }
    reports::Timesheet => "reports.timesheet" -> reports::ReportOutput {
        "Hours per member, project, client, task or period", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::timesheet }
    reports::Revenue => "reports.revenue" -> reports::ReportOutput {
        "Billed value of billable time per client, project, member or period", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::revenue }
    reports::Utilization => "reports.utilization" -> reports::ReportOutput {
        "Billable and total hours against capacity per member", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::utilization }
    reports::Profitability => "reports.profitability" -> reports::ReportOutput {
        "Client-rate revenue minus worker-rate cost per project or client", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::profitability }
    reports::Summary => "reports.summary" -> reports::ReportOutput {
        "Totals of a period: hours, billable hours, revenue, cost", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::summary }
    reports::Detailed => "reports.detailed" -> reports::ReportOutput {
        "One row per time entry with its rates and amounts", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::detailed }
    reports::Workload => "reports.workload" -> reports::ReportOutput {
        "Open tasks and estimated hours per assignee", permission: None,
        scope: |p| Scope::org(&p.org_id), run: reports::workload }
    // Webhooks: subscriptions per organization, their delivery log, redelivery.
    webhooks::ListWebhooks => "webhooks.list" -> Page<webhooks::Webhook> {
        "List the organization's webhook subscriptions", permission: Some(ManageWebhooks),
        scope: |p| Scope::org(&p.org_id), run: webhooks::list }
    webhooks::GetWebhook => "webhooks.get" -> webhooks::Webhook {
        "Get a webhook subscription (the secret is not shown)", permission: Some(ManageWebhooks),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: webhooks::get }
    webhooks::CreateWebhook => "webhooks.create" -> webhooks::Webhook {
        "Subscribe a URL to events (url, secret?, events?, plugin_id?, enabled?); shows the secret once",
        permission: Some(ManageWebhooks), scope: |p| Scope::org(&p.org_id), run: webhooks::create }
    webhooks::UpdateWebhook => "webhooks.update" -> webhooks::Webhook {
        "Change a webhook subscription's URL, secret, events, plugin or enabled state",
        permission: Some(ManageWebhooks), scope: |p| Scope::entity(&p.id, &p.org_id), run: webhooks::update }
    webhooks::DeleteWebhook => "webhooks.delete" -> () {
        "Delete a webhook subscription and its delivery log", permission: Some(ManageWebhooks),
        scope: |p| Scope::entity(&p.id, &p.org_id), run: webhooks::delete }
    webhooks::ListDeliveries => "webhooks.deliveries" -> Page<webhooks::Delivery> {
        "A webhook's deliveries, newest first, with request, attempts, statuses and timing",
        permission: Some(ManageWebhooks), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: webhooks::deliveries }
    webhooks::Redeliver => "webhooks.redeliver" -> webhooks::Delivery {
        "Send a delivery again now (same delivery id; logged as a manual attempt)",
        permission: Some(ManageWebhooks), scope: |p| Scope::entity(&p.id, &p.org_id),
        run: webhooks::redeliver }

    audit::ListAudit => "audit.list" -> Page<audit::AuditEntry> {
        "The organization's audit log (admins)", permission: Some(ManageOrg), scope: |p| Scope::org(&p.org_id),
        run: audit::list }

    // Chat
    chat::ListChannels => "chat.channels.list" -> Vec<chat::Channel> {
        "List the chat channels the caller belongs to (general first)", permission: None,
        scope: |p| Scope::org(&p.org_id), run: chat::list_channels }
    chat::CreateChannel => "chat.channels.create" -> chat::Channel {
        "Create a project or private channel", permission: None, scope: |p| Scope::org(&p.org_id),
        run: chat::create_channel }
    chat::AddChannelMember => "chat.channels.add_member" -> chat::Channel {
        "Add an organization member to a project or private channel", permission: None,
        scope: |p| Scope::entity(&p.channel_id, &p.org_id), run: chat::add_member }
    chat::RemoveChannelMember => "chat.channels.remove_member" -> () {
        "Remove a member from a channel (oneself, or as its creator or with manage_org)", permission: None,
        scope: |p| Scope::entity(&p.channel_id, &p.org_id), run: chat::remove_member }
    chat::OpenDirect => "chat.direct.open" -> chat::Channel {
        "Open (or create) the direct conversation with another member", permission: None,
        scope: |p| Scope::org(&p.org_id), run: chat::open_direct }
    chat::ListMessages => "chat.messages.list" -> Vec<chat::Message> {
        "List a channel's messages, newest first (before, limit)", permission: None,
        scope: |p| Scope::entity(&p.channel_id, &p.org_id), run: chat::list_messages }
    chat::SendMessage => "chat.messages.send" -> chat::Message {
        "Send a message to a channel", permission: None, scope: |p| Scope::entity(&p.channel_id, &p.org_id),
        run: chat::send_message }
    chat::DeleteMessage => "chat.messages.delete" -> () {
        "Delete a message (one's own, or with manage_org)", permission: None,
        scope: |p| Scope::entity(&p.message_id, &p.org_id), run: chat::delete_message }
    chat::AddReaction => "chat.reactions.add" -> chat::Message {
        "React to a message with an emoji", permission: None,
        scope: |p| Scope::entity(&p.message_id, &p.org_id), run: chat::add_reaction }
    chat::RemoveReaction => "chat.reactions.remove" -> () {
        "Take back a reaction", permission: None, scope: |p| Scope::entity(&p.message_id, &p.org_id),
        run: chat::remove_reaction }
    chat::Typing => "chat.typing" -> () {
        "Tell a channel's members that the caller is typing (not stored)", permission: None,
        scope: |p| Scope::entity(&p.channel_id, &p.org_id), run: chat::typing }

    // Notifications
    notifications::ListNotifications => "notifications.list" -> Page<notifications::Notification> {
        "List the caller's notifications in the organization, newest first (unread)", permission: None,
        scope: |p| Scope::org(&p.org_id), run: notifications::list }
    notifications::MarkRead => "notifications.mark_read" -> notifications::MarkedRead {
        "Mark the caller's notifications read (the given ids, or all unread)", permission: None,
        scope: |p| Scope::org(&p.org_id), run: notifications::mark_read }
}
