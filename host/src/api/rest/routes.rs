//! The REST map of `API.md`, in one table. Each action route is recorded in [`RouteInfo`] so the
//! test suite can walk every route (`stint routes` prints them).

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use serde::Serialize;

use super::{auth, invoke::call, invoke::file};
use crate::actions::Action;
use crate::app::App;
use crate::domain::search;
use crate::domain::{
    audit, budgets, chat, checklist, clients, comments, dashboard, dependencies, invoices, labels,
    members, milestones, notifications, organizations, plugins, projects, rates, recurrences,
    reports, sidebar, task_groups, task_statuses, tasks, time_entries, webhooks,
};

/// One route of the REST API.
#[derive(Debug, Clone, Serialize)]
pub struct RouteInfo {
    /// HTTP method.
    pub method: &'static str,
    /// Path under `/api/v1`, with `{param}` placeholders.
    pub path: &'static str,
    /// The action it calls, or `None` for account endpoints.
    pub action: Option<&'static str>,
    /// Whether the route needs a bearer token.
    pub authenticated: bool,
}

struct Routes {
    router: Router<App>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn raw(
        mut self,
        method: &'static str,
        path: &'static str,
        authenticated: bool,
        route: MethodRouter<App>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            method,
            path,
            action: None,
            authenticated,
        });
        self
    }

    fn action<A: Action>(
        mut self,
        method: &'static str,
        path: &'static str,
        route: MethodRouter<App>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            method,
            path,
            action: Some(A::NAME),
            authenticated: true,
        });
        self
    }

    /// `GET`, 200.
    fn get<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("GET", path, get(call::<A, 200>))
    }
    /// `POST` that performs an operation, 200.
    fn post<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("POST", path, post(call::<A, 200>))
    }
    /// `POST` that creates a resource, 201.
    fn create<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("POST", path, post(call::<A, 201>))
    }
    /// `POST` that answers with no body, 204.
    fn post_no_content<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("POST", path, post(call::<A, 204>))
    }
    /// `PATCH`, 200.
    fn patch<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("PATCH", path, patch(call::<A, 200>))
    }
    /// `PUT`, 200.
    fn put<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("PUT", path, put(call::<A, 200>))
    }

    /// `GET` answering with a file (not JSON), 200.
    fn get_file<A>(self, path: &'static str) -> Self
    where
        A: Action,
        A::Output: super::invoke::FileOutput,
    {
        self.action::<A>("GET", path, get(file::<A>))
    }
    /// `GET` of a report: JSON, or `text/csv` with `?format=csv`.
    fn report<A>(self, path: &'static str) -> Self
    where
        A: Action<Output = crate::domain::reports::ReportOutput>,
    {
        self.action::<A>("GET", path, get(super::reports::run::<A>))
    }
    /// `DELETE`, 204.
    fn delete<A: Action>(self, path: &'static str) -> Self {
        self.action::<A>("DELETE", path, delete(call::<A, 204>))
    }
}

/// The `/api/v1` router and its route table.
pub fn router() -> (Router<App>, Vec<RouteInfo>) {
    let r = Routes {
        router: Router::new(),
        table: Vec::new(),
    }
    // Accounts and credentials.
    .raw("POST", "/auth/register", false, post(auth::register))
    .raw("POST", "/auth/login", false, post(auth::login))
    .raw("POST", "/auth/refresh", false, post(auth::refresh))
    .raw("POST", "/auth/logout", true, post(auth::logout))
    .raw(
        "POST",
        "/auth/forgot-password",
        false,
        post(auth::forgot_password),
    )
    .raw(
        "POST",
        "/auth/reset-password",
        false,
        post(auth::reset_password),
    )
    .raw(
        "POST",
        "/auth/change-password",
        true,
        post(auth::change_password),
    )
    .raw("GET", "/auth/me", true, get(auth::me))
    .raw("PATCH", "/auth/me", true, patch(auth::update_me))
    .raw("POST", "/auth/ws-ticket", true, post(auth::ws_ticket))
    .raw(
        "POST",
        "/auth/verify-email",
        false,
        post(auth::verify_email),
    )
    .raw(
        "POST",
        "/auth/verify-email/resend",
        true,
        post(auth::resend_verification),
    )
    .raw(
        "GET",
        "/auth/invitations",
        true,
        get(auth::list_invitations),
    )
    .raw(
        "POST",
        "/auth/invitations/accept",
        true,
        post(auth::accept_invitation),
    )
    .raw(
        "POST",
        "/auth/invitations/{id}/accept",
        true,
        post(auth::accept_invitation_by_id),
    )
    .raw("GET", "/auth/tokens", true, get(auth::list_tokens))
    .raw("POST", "/auth/tokens", true, post(auth::create_token))
    .raw(
        "DELETE",
        "/auth/tokens/{id}",
        true,
        delete(auth::revoke_token),
    )
    .raw(
        "GET",
        "/auth/oauth-grants",
        true,
        get(auth::list_oauth_grants),
    )
    .raw(
        "DELETE",
        "/auth/oauth-grants/{id}",
        true,
        delete(auth::revoke_oauth_grant),
    )
    // Organizations and members.
    .get::<organizations::ListOrganizations>("/organizations")
    .create::<organizations::CreateOrganization>("/organizations")
    .get::<organizations::GetOrganization>("/organizations/{id}")
    .patch::<organizations::UpdateOrganization>("/organizations/{id}")
    .delete::<organizations::DeleteOrganization>("/organizations/{id}")
    .get::<members::ListMembers>("/organizations/{org_id}/members")
    .create::<members::InviteMember>("/organizations/{org_id}/members")
    .patch::<members::UpdateMember>("/organizations/{org_id}/members/{user_id}")
    .delete::<members::RemoveMember>("/organizations/{org_id}/members/{user_id}")
    // Projects and their structure.
    .get::<projects::ListProjects>("/projects")
    .create::<projects::CreateProject>("/projects")
    .get::<projects::GetProject>("/projects/{id}")
    .patch::<projects::UpdateProject>("/projects/{id}")
    .delete::<projects::DeleteProject>("/projects/{id}")
    .get::<task_groups::ListTaskGroups>("/projects/{project_id}/task-groups")
    .create::<task_groups::CreateTaskGroup>("/projects/{project_id}/task-groups")
    .post::<task_groups::ReorderTaskGroups>("/projects/{project_id}/task-groups/reorder")
    .patch::<task_groups::UpdateTaskGroup>("/projects/{project_id}/task-groups/{group_id}")
    .delete::<task_groups::DeleteTaskGroup>("/projects/{project_id}/task-groups/{group_id}")
    .post::<task_groups::ToggleTaskGroupCollapsed>(
        "/projects/{project_id}/task-groups/{group_id}/toggle-collapsed",
    )
    .get::<task_statuses::ListTaskStatuses>("/task-statuses")
    .create::<task_statuses::CreateTaskStatus>("/task-statuses")
    .patch::<task_statuses::UpdateTaskStatus>("/task-statuses/{id}")
    .delete::<task_statuses::DeleteTaskStatus>("/task-statuses/{id}")
    // Tasks.
    .get::<tasks::ListTasks>("/tasks")
    .create::<tasks::CreateTask>("/tasks")
    .create::<tasks::CreateTasksBulk>("/tasks/bulk")
    .get::<tasks::GetTask>("/tasks/{id}")
    .patch::<tasks::UpdateTask>("/tasks/{id}")
    .delete::<tasks::DeleteTask>("/tasks/{id}")
    .post::<tasks::UpdateTaskStatus>("/tasks/{id}/status")
    .post::<tasks::ReorderTask>("/tasks/{task_id}/reorder")
    .get::<comments::ListComments>("/tasks/{task_id}/comments")
    .create::<comments::AddComment>("/tasks/{task_id}/comments")
    .delete::<comments::DeleteComment>("/tasks/{task_id}/comments/{comment_id}")
    .get::<checklist::ListChecklist>("/tasks/{task_id}/checklist")
    .create::<checklist::CreateChecklistItem>("/tasks/{task_id}/checklist")
    .post::<checklist::ToggleChecklistItem>("/checklist-items/{item_id}/toggle")
    .delete::<checklist::DeleteChecklistItem>("/checklist-items/{item_id}")
    .get::<dependencies::ListDependencies>("/tasks/{task_id}/dependencies")
    .create::<dependencies::AddDependency>("/tasks/{task_id}/dependencies")
    .delete::<dependencies::RemoveDependency>("/tasks/{task_id}/dependencies/{dependency_id}")
    .get::<dependencies::ListAllDependencies>("/task-dependencies")
    .create::<recurrences::CreateRecurrence>("/tasks/{task_id}/recurrence")
    .get::<recurrences::GetRecurrence>("/task-recurrences/{recurrence_id}")
    .patch::<recurrences::UpdateRecurrence>("/task-recurrences/{recurrence_id}")
    .delete::<recurrences::DeleteRecurrence>("/task-recurrences/{recurrence_id}")
    // Labels and milestones.
    .get::<labels::ListLabels>("/labels")
    .create::<labels::CreateLabel>("/labels")
    .patch::<labels::UpdateLabel>("/labels/{id}")
    .delete::<labels::DeleteLabel>("/labels/{id}")
    .get::<milestones::ListMilestones>("/milestones")
    .create::<milestones::CreateMilestone>("/milestones")
    .patch::<milestones::UpdateMilestone>("/milestones/{milestone_id}")
    .delete::<milestones::DeleteMilestone>("/milestones/{milestone_id}")
    // Clients and time entries.
    .get::<clients::ListClients>("/clients")
    .create::<clients::CreateClient>("/clients")
    .get::<clients::GetClient>("/clients/{id}")
    .patch::<clients::UpdateClient>("/clients/{id}")
    .delete::<clients::DeleteClient>("/clients/{id}")
    .create::<time_entries::StartTimer>("/time-entries/start")
    .post::<time_entries::StopTimer>("/time-entries/stop")
    .get::<time_entries::CurrentTimer>("/time-entries/current")
    .post::<time_entries::StopTimerById>("/time-entries/{entry_id}/stop")
    .get::<time_entries::ListTimeEntries>("/time-entries")
    .create::<time_entries::CreateTimeEntry>("/time-entries")
    .get::<time_entries::GetTimeEntry>("/time-entries/{entry_id}")
    .patch::<time_entries::UpdateTimeEntry>("/time-entries/{entry_id}")
    .delete::<time_entries::DeleteTimeEntry>("/time-entries/{entry_id}")
    // Rates, budgets and invoices.
    .get::<rates::ListRates>("/organizations/{org_id}/members/{user_id}/rates")
    .create::<rates::SetRate>("/organizations/{org_id}/members/{user_id}/rates")
    .get::<rates::ListRates>("/projects/{project_id}/members/{user_id}/rates")
    .create::<rates::SetRate>("/projects/{project_id}/members/{user_id}/rates")
    .delete::<rates::DeleteRate>("/rates/{id}")
    .get::<budgets::GetBudget>("/projects/{id}/budget")
    .get::<invoices::ListInvoices>("/invoices")
    .create::<invoices::CreateInvoice>("/invoices")
    .get::<invoices::GetInvoice>("/invoices/{id}")
    .patch::<invoices::UpdateInvoice>("/invoices/{id}")
    .delete::<invoices::DeleteInvoice>("/invoices/{id}")
    .post::<invoices::GenerateInvoice>("/invoices/{id}/generate")
    .post::<invoices::SendInvoice>("/invoices/{id}/send")
    .post::<invoices::MarkPaid>("/invoices/{id}/mark-paid")
    .get_file::<invoices::InvoicePdf>("/invoices/{id}/pdf")
    // Reports (any enabled report plugin's, by name; `?format=csv` for CSV).
    .get::<reports::ListReports>("/reports")
    .report::<reports::Timesheet>("/reports/timesheet")
    .report::<reports::Revenue>("/reports/revenue")
    .report::<reports::Utilization>("/reports/utilization")
    .report::<reports::Profitability>("/reports/profitability")
    .report::<reports::Summary>("/reports/summary")
    .report::<reports::Detailed>("/reports/detailed")
    .report::<reports::Workload>("/reports/workload")
    .report::<reports::RunReport>("/reports/{name}")
    .report::<reports::RunReport>("/reports/{plugin}/{name}")
    // Per-user state, overview, audit.
    .get::<sidebar::GetCollapsed>("/sidebar/collapsed")
    .post::<sidebar::ToggleCollapsed>("/sidebar/toggle-collapsed")
    .get::<dashboard::Summary>("/dashboard/summary")
    .get::<search::Search>("/search")
    .get::<audit::ListAudit>("/audit")
    // Chat.
    .get::<chat::ListChannels>("/chat/channels")
    .create::<chat::CreateChannel>("/chat/channels")
    .create::<chat::AddChannelMember>("/chat/channels/{channel_id}/members")
    .delete::<chat::RemoveChannelMember>("/chat/channels/{channel_id}/members/{user_id}")
    .get::<chat::ListMessages>("/chat/channels/{channel_id}/messages")
    .create::<chat::SendMessage>("/chat/channels/{channel_id}/messages")
    .delete::<chat::DeleteMessage>("/chat/channels/{channel_id}/messages/{message_id}")
    .post_no_content::<chat::Typing>("/chat/channels/{channel_id}/typing")
    .create::<chat::AddReaction>("/chat/messages/{message_id}/reactions")
    .delete::<chat::RemoveReaction>("/chat/messages/{message_id}/reactions/{emoji}")
    .post::<chat::OpenDirect>("/chat/direct")
    // Notifications.
    .get::<notifications::ListNotifications>("/notifications")
    .post::<notifications::MarkRead>("/notifications/mark-read")
    // Plugins (instance-wide; configuration and bindings per organization). The upload is
    // multipart and streams under its own cap (`plugin_max_upload_bytes`), not the JSON one.
    .get::<plugins::ListPlugins>("/plugins")
    .raw(
        "POST",
        "/plugins",
        true,
        post(super::plugins::install).layer(DefaultBodyLimit::disable()),
    )
    .get::<plugins::PluginRef>("/plugins/{id}")
    .patch::<plugins::UpdatePlugin>("/plugins/{id}")
    .delete::<plugins::DeletePlugin>("/plugins/{id}")
    .post::<plugins::EnablePlugin>("/plugins/{id}/enable")
    .post::<plugins::DisablePlugin>("/plugins/{id}/disable")
    .get::<plugins::GetPluginConfig>("/plugins/{id}/config")
    .put::<plugins::SetPluginConfig>("/plugins/{id}/config")
    .post::<plugins::TestPlugin>("/plugins/{id}/test")
    .get::<plugins::ListBindings>("/plugin-bindings")
    .put::<plugins::BindPlugin>("/plugin-bindings/{kind}")
    .delete::<plugins::UnbindPlugin>("/plugin-bindings/{kind}")
    // Webhooks.
    .get::<webhooks::ListWebhooks>("/webhooks")
    .create::<webhooks::CreateWebhook>("/webhooks")
    .get::<webhooks::GetWebhook>("/webhooks/{id}")
    .patch::<webhooks::UpdateWebhook>("/webhooks/{id}")
    .delete::<webhooks::DeleteWebhook>("/webhooks/{id}")
    .get::<webhooks::ListDeliveries>("/webhooks/{id}/deliveries")
    .post::<webhooks::Redeliver>("/webhooks/{id}/deliveries/{delivery_id}/redeliver");
    (r.router, r.table)
}
