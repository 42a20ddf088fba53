//! The MCP server handler: tools from the registry, resources and their live updates from the
//! event feed, prompts. One handler serves Streamable HTTP (the caller comes with each request,
//! authenticated by the HTTP layer) and stdio (the caller is fixed when the process starts).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Extensions,
    GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    ResourceUpdatedNotificationParam, ServerCapabilities, ServerConfig, SubscribeRequestParams,
    SubscriptionFilter, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

use super::{prompts, resources};
use crate::actions::Reply;
use crate::app::App;
use crate::auth::Caller;
use crate::error::Error;
use crate::events::feed::{Feed, Next, Subscriber};

/// Tools per `tools/list` page.
pub const TOOLS_PER_PAGE: usize = 50;

/// What the server tells a client about itself when it connects.
const INSTRUCTIONS: &str = "Stint: time tracking, projects and tasks, invoicing and team chat. \
Every tool is one Stint operation, named as in Stint's API (`tasks.create`, `time_entries.start`, \
`invoices.generate`). Results are `{data, pagination?}` as the REST API returns them. Most tools \
act in the organization the credential is bound to; `org_id` picks another where allowed. \
Resources: stint://tasks/{id}, stint://projects/{id}, stint://invoices/{id}, \
stint://time_entries/{id}, stint://chat_channels/{id}.";

/// The handler. Cheap to clone: the transport makes one per session or per request.
#[derive(Clone)]
pub struct StintMcp {
    app: App,
    tools: Arc<Vec<Tool>>,
    /// The caller of every request (stdio); `None`: each HTTP request brings its own.
    fixed: Option<Caller>,
    /// `resources/subscribe` of a 2025 session (a handler lives as long as its session).
    legacy: Arc<LegacySubscriptions>,
}

impl StintMcp {
    /// A handler whose callers come with each HTTP request.
    pub fn new(app: App, tools: Arc<Vec<Tool>>) -> Self {
        StintMcp {
            app,
            tools,
            fixed: None,
            legacy: Arc::default(),
        }
    }

    /// A handler that acts as `caller` for every request (stdio).
    pub fn for_caller(app: App, tools: Arc<Vec<Tool>>, caller: Caller) -> Self {
        StintMcp {
            fixed: Some(caller),
            ..StintMcp::new(app, tools)
        }
    }

    /// The caller of a request: the fixed one, or the one the HTTP layer authenticated.
    fn caller(&self, extensions: &Extensions) -> Result<Caller, McpError> {
        if let Some(c) = &self.fixed {
            return Ok(c.clone());
        }
        extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>())
            .cloned()
            .ok_or_else(|| McpError::invalid_request("not authenticated", None))
    }

    /// Runs an action as `caller`.
    async fn run(&self, caller: &Caller, action: &str, payload: Value) -> Result<Value, Error> {
        let entry = self
            .app
            .registry
            .get(action)
            .ok_or_else(|| Error::NotFound(format!("no tool {action}")))?;
        let reply = entry.invoke(&self.app, caller, payload).await?;
        Ok(envelope(reply))
    }
}

/// A reply as REST sends it: `{data, pagination?}`.
fn envelope(reply: Reply) -> Value {
    let mut out = Map::new();
    out.insert("data".into(), reply.data);
    if let Some(p) = reply.pagination {
        out.insert("pagination".into(), json!(p));
    }
    Value::Object(out)
}

/// A failed call as a tool result the assistant reads: `isError`, the text `CODE: message`, and
/// the REST error envelope as structured content.
fn tool_error(err: &Error) -> CallToolResult {
    if let Error::Internal(e) = err {
        tracing::error!(error = ?e, "internal error");
    }
    let envelope = err.envelope();
    let text = format!(
        "{}: {}",
        err.code(),
        envelope["error"]["message"].as_str().unwrap_or_default()
    );
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(envelope);
    result
}

/// A Stint error as a protocol error (for resources and prompts, which have no error result).
fn protocol_error(err: Error) -> McpError {
    if let Error::Internal(e) = &err {
        tracing::error!(error = ?e, "internal error");
    }
    let data = Some(err.envelope()["error"].clone());
    let message = match &err {
        Error::Internal(_) => "internal error".to_owned(),
        other => other.to_string(),
    };
    match err.code() {
        "NOT_FOUND" => McpError::resource_not_found(message, data),
        "VALIDATION_ERROR" => McpError::invalid_params(message, data),
        "INTERNAL_ERROR" => McpError::internal_error(message, data),
        _ => McpError::invalid_request(message, data),
    }
}

/// The page of items at `cursor` (an offset, as this server hands them out).
fn page<T: Clone>(
    items: &[T],
    request: Option<&PaginatedRequestParams>,
    per_page: usize,
) -> Result<(Vec<T>, Option<String>), McpError> {
    let start = match request.and_then(|r| r.cursor.as_deref()) {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| McpError::invalid_params(format!("invalid cursor {c:?}"), None))?,
    };
    let end = (start + per_page).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

/// The running prompt's view of the registry.
struct PromptCx<'a> {
    server: &'a StintMcp,
    caller: Caller,
}

impl prompts::Invoke for PromptCx<'_> {
    async fn invoke(&self, action: &str, payload: Value) -> crate::error::Result<Value> {
        self.server.run(&self.caller, action, payload).await
    }
    fn user_id(&self) -> &str {
        &self.caller.principal.user_id
    }
}

impl ServerHandler for StintMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_prompts()
                .build(),
        )
        .with_server_info(
            Implementation::new("stint", env!("CARGO_PKG_VERSION")).with_title("Stint"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let (tools, next) = page(&self.tools, request.as_ref(), TOOLS_PER_PAGE)?;
        let mut result = ListToolsResult::with_all_items(tools);
        result.next_cursor = next;
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let caller = self.caller(&context.extensions)?;
        if self.app.registry.get(&request.name).is_none() {
            return Err(McpError::invalid_params(
                format!("unknown tool {:?}", request.name),
                None,
            ));
        }
        let payload = Value::Object(request.arguments.unwrap_or_default());
        let result = match self.run(&caller, &request.name, payload).await {
            Ok(body) => CallToolResult::structured(body),
            Err(e) => tool_error(&e),
        };
        Ok(result.into())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourcesResult, McpError> {
        // Resources are addressed through the templates; there is no fixed list.
        Ok(rmcp::model::ListResourcesResult::with_all_items(Vec::new()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let caller = self.caller(&context.extensions)?;
        let read = resources::parse(&request.uri).ok_or_else(|| {
            McpError::resource_not_found(
                format!(
                    "no resource {:?}: see resources/templates/list",
                    request.uri
                ),
                None,
            )
        })?;
        let body = self
            .run(&caller, read.action, read.payload)
            .await
            .map_err(protocol_error)?;
        Ok(ReadResourceResult::new(vec![resources::contents(&request.uri, &body["data"])]).into())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let uris: Vec<String> = requested
            .resource_subscriptions
            .iter()
            .flatten()
            .filter(|uri| resources::parse(uri).is_some())
            .cloned()
            .collect();
        Some(
            SubscriptionFilter::builder()
                .resource_subscriptions(uris)
                .build(),
        )
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let caller = self.caller(&context.request_context().extensions)?;
        let uris: HashSet<String> = context
            .accepted()
            .resource_subscriptions
            .iter()
            .flatten()
            .cloned()
            .collect();
        let mut feed = open_feed(&self.app, &caller).await?;
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                next = feed.next() => match next {
                    Next::Event(d) => {
                        for uri in resources::touched(&d) {
                            if uris.contains(&uri)
                                && context.sink().notify_resource_updated(uri).await.is_err()
                            {
                                return Ok(());
                            }
                        }
                    }
                    Next::CaughtUp => {}
                    Next::Closed => return Ok(()),
                },
            }
        }
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let caller = self.caller(&context.extensions)?;
        if resources::parse(&request.uri).is_none() {
            return Err(McpError::resource_not_found(
                format!("no resource {:?}", request.uri),
                None,
            ));
        }
        self.legacy
            .add(&self.app, caller, request.uri, context.peer)
            .await
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.legacy.remove(&request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let caller = self.caller(&context.extensions)?;
        let cx = PromptCx {
            server: self,
            caller,
        };
        let arguments = request.arguments.unwrap_or_default();
        let result = prompts::get(&cx, &request.name, &arguments)
            .await
            .map_err(|e| match e {
                Error::NotFound(m) if m.starts_with("no prompt") => {
                    McpError::invalid_params(m, None)
                }
                other => protocol_error(other),
            })?;
        Ok(result.into())
    }
}

/// The caller's event feed, live from now.
async fn open_feed(app: &App, caller: &Caller) -> Result<Feed, McpError> {
    let subscriber = Subscriber {
        user_id: caller.principal.user_id.clone(),
        bound_org: caller.principal.bound_org().map(str::to_owned),
    };
    let mut source = app.feed_source();
    // Presence follows `/ws` connections, not MCP clients.
    source.away_after = None;
    Feed::open(source, subscriber, None)
        .await
        .map_err(|e| protocol_error(Error::from(e)))
}

/// The resources a 2025 session subscribed to with `resources/subscribe`, and the task that
/// watches the feed for them.
#[derive(Default)]
struct LegacySubscriptions {
    uris: Arc<Mutex<HashSet<String>>>,
    watcher: Mutex<Option<JoinHandle<()>>>,
}

impl LegacySubscriptions {
    async fn add(
        &self,
        app: &App,
        caller: Caller,
        uri: String,
        peer: rmcp::Peer<RoleServer>,
    ) -> Result<(), McpError> {
        lock(&self.uris).insert(uri);
        if lock(&self.watcher).is_some() {
            return Ok(());
        }
        let mut feed = open_feed(app, &caller).await?;
        let uris = self.uris.clone();
        let task = tokio::spawn(async move {
            loop {
                let d = match feed.next().await {
                    Next::Event(d) => d,
                    Next::CaughtUp => continue,
                    Next::Closed => return,
                };
                for uri in resources::touched(&d) {
                    if !lock(&uris).contains(&uri) {
                        continue;
                    }
                    let param = ResourceUpdatedNotificationParam::new(uri);
                    if peer.notify_resource_updated(param).await.is_err() {
                        return;
                    }
                }
            }
        });
        let mut watcher = lock(&self.watcher);
        match &*watcher {
            // Another subscribe won the race: keep its watcher.
            Some(_) => task.abort(),
            None => *watcher = Some(task),
        }
        Ok(())
    }

    fn remove(&self, uri: &str) {
        lock(&self.uris).remove(uri);
    }
}

impl Drop for LegacySubscriptions {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.watcher).take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
