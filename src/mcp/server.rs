//! The MCP server: rmcp's [`ServerHandler`] answering from the shared
//! [`Catalog`]. Every transport (Streamable HTTP in both eras, stdio) serves
//! this one handler; rmcp owns the protocol, we own what is offered and the
//! few rules rmcp leaves to servers (log filtering, subscription fan-out).

// Logging and resource subscriptions are deprecated in 2026-07-28 (SEP-2577,
// `subscriptions/listen`) but remain the legacy revisions' wire protocol.
#![allow(deprecated)]

use std::sync::Arc;

use rmcp::{
    ErrorData as McpError, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskMethod,
        CancelTaskParams, ClientCapabilities, CompleteRequestParams, CompleteResult,
        CompletionInfo, ConstString, ContentBlock, GetPromptRequestParams, GetPromptResponse,
        GetTaskMethod, GetTaskParams, GetTaskResult, Implementation, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Reference,
        ServerCapabilities, ServerConfig, SetLevelRequestMethod, SetLevelRequestParams,
        SubscribeRequestParams, SubscriptionFilter, TASKS_EXTENSION_ID, Tool,
        UnsubscribeRequestParams, UpdateTaskMethod, UpdateTaskParams,
    },
    service::{RequestContext, SubscriptionContext},
};

use super::{
    operation::{Operation, Outcome},
    session::Session,
    subscriptions::Subscriptions,
};
use crate::{
    catalog::{
        Catalog, ListChanges, LogGate, TaskSupport, ToolContext, ToolError, ToolOutput, permitted,
        speaks_2026,
    },
    lifecycle::Lifecycle,
    tasks::Tasks,
};

/// Cheap to clone: Streamable HTTP builds one handler per stateless request
/// (and one per legacy session), so what is shared is built once.
#[derive(Clone)]
pub struct McpServer {
    catalog: Arc<Catalog>,
    info: Arc<ServerConfig>,
    /// Tool calls count as in-flight work, so a graceful shutdown waits for
    /// them even when their HTTP request has already turned into a stream.
    lifecycle: Lifecycle,
    /// Open `subscriptions/listen` streams, shared by the whole process.
    subscriptions: Subscriptions,
    /// The same streams, as the domain's list-change seam.
    listeners: Arc<dyn ListChanges>,
    /// What a legacy session asked for; fresh for each session.
    session: Session,
    /// Task-augmented tool calls (2026-07-28), shared by the whole process.
    tasks: Tasks,
}

impl McpServer {
    pub fn new(catalog: Arc<Catalog>, lifecycle: Lifecycle, tasks: Tasks) -> Self {
        let info = server_config(&catalog);
        let subscriptions = Subscriptions::default();
        Self {
            catalog,
            info: Arc::new(info),
            lifecycle,
            tasks,
            listeners: Arc::new(subscriptions.clone()),
            subscriptions,
            session: Session::default(),
        }
    }

    /// What this server offers.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The same server, its `subscriptions/listen` streams being
    /// `subscriptions` (e.g. [`Subscriptions::shared`] across replicas).
    pub fn with_subscriptions(self, subscriptions: Subscriptions) -> Self {
        Self {
            listeners: Arc::new(subscriptions.clone()),
            subscriptions,
            ..self
        }
    }

    /// A handler for a new session (or stateless request): shares the
    /// catalog and subscriptions, starts with no session state.
    pub fn for_new_session(&self) -> Self {
        Self {
            session: Session::default(),
            ..self.clone()
        }
    }

    fn tool_context(
        &self,
        context: RequestContext<RoleServer>,
        input_responses: Option<rmcp::model::InputResponses>,
        request_state: Option<String>,
    ) -> ToolContext {
        let logging = LogGate::for_request(&context, self.session.log_level());
        ToolContext::mcp(
            context,
            input_responses,
            request_state,
            logging,
            Arc::clone(&self.listeners),
        )
    }
}

impl McpServer {
    /// An unknown tool is the request's fault (a JSON-RPC error); a tool that
    /// ran and failed, or was given bad arguments, is a tool error result the
    /// model can read and correct (SEP-1303). A tool that may run as a task,
    /// called by a request that declares the tasks extension, starts as one
    /// and the answer is its handle ([`crate::tasks`]); one that must run as
    /// a task answers `-32021` to a request that does not declare it.
    async fn call_tool_observed(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let tool = self.catalog.tool(&request.name).ok_or_else(|| {
            McpError::invalid_params(format!("Unknown tool: {}", request.name), None)
        })?;
        let _in_flight = self.lifecycle.track();
        let arguments = request.arguments.unwrap_or_default();
        let as_task = match (tool.task_support(), wants_tasks(&context)) {
            (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => false,
            (TaskSupport::Required, false) => {
                return Err(McpError::missing_required_client_capability(
                    ClientCapabilities::builder().enable_tasks().build(),
                ));
            }
            (_, true) => true,
        };
        let owner = principal(&context);
        let context = self.tool_context(context, request.input_responses, request.request_state);
        if !as_task {
            return call_tool_response(tool.call(arguments, context).await);
        }
        if let Some(answer) = tool.before_task(&context).transpose() {
            return call_tool_response(answer);
        }
        let handle = self
            .tasks
            .start(
                Arc::clone(&self.catalog),
                &request.name,
                arguments,
                context,
                owner,
            )
            .await?;
        Ok(CallToolResponse::Task(handle))
    }
}

/// A tool's outcome as MCP's `tools/call` answer (shared with the fast
/// path, so both send the same bytes).
pub(super) fn call_tool_response(
    output: Result<ToolOutput, ToolError>,
) -> Result<CallToolResponse, McpError> {
    Ok(match output {
        Ok(output) => output.into_response(),
        Err(ToolError::Protocol(error)) => return Err(error),
        Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]).into(),
    })
}

/// True when this request may get a task back: it speaks 2026-07-28 and
/// declares the tasks extension (for the whole client or just this request).
fn wants_tasks(context: &RequestContext<RoleServer>) -> bool {
    speaks_2026(context)
        && context
            .client_capabilities()
            .is_some_and(|capabilities| capabilities.supports_tasks())
}

/// Who is asking, with auth on: the principal admission put in the HTTP
/// request's extensions (rmcp hands the request parts on). `None` with auth
/// off and over stdio.
fn principal(context: &RequestContext<RoleServer>) -> Option<String> {
    let parts = context.extensions.get::<http::request::Parts>()?;
    let principal = parts.extensions.get::<crate::auth::Principal>()?;
    Some(principal.subject.clone())
}

/// The tasks methods exist only in 2026-07-28: rmcp has already checked that
/// the request declares the extension.
fn tasks_revision<M: ConstString>(context: &RequestContext<RoleServer>) -> Result<(), McpError> {
    if speaks_2026(context) {
        Ok(())
    } else {
        Err(McpError::method_not_found::<M>())
    }
}

/// `initialize` / `server/discover` answer: capabilities follow from what the
/// catalog holds, so a client is never told about a feature we lack.
fn server_config(catalog: &Catalog) -> ServerConfig {
    let features = catalog.features();
    let mut capabilities = ServerCapabilities::builder()
        .enable_tools()
        .enable_resources()
        .build();
    if !catalog.prompts().is_empty() {
        capabilities.prompts = Some(Default::default());
    }
    if !catalog.prompts().is_empty() || !catalog.templates().is_empty() {
        capabilities.completions = Some(Default::default());
    }
    if features.logging {
        capabilities.logging = Some(Default::default());
    }
    let tasks = catalog.tools().iter();
    if tasks
        .map(|tool| tool.task_support())
        .any(|support| support != TaskSupport::Forbidden)
    {
        capabilities
            .extensions
            .get_or_insert_with(Default::default)
            .insert(TASKS_EXTENSION_ID.to_owned(), Default::default());
    }
    if features.subscriptions {
        // Every list can change, and resources can be subscribed to.
        if let Some(tools) = &mut capabilities.tools {
            tools.list_changed = Some(true);
        }
        if let Some(prompts) = &mut capabilities.prompts {
            prompts.list_changed = Some(true);
        }
        if let Some(resources) = &mut capabilities.resources {
            resources.list_changed = Some(true);
            resources.subscribe = Some(true);
        }
    }
    ServerConfig::new(capabilities)
        .with_server_info(
            Implementation::new(crate::NAME, crate::VERSION)
                .with_title("MCP Rust Server")
                .with_description(env!("CARGO_PKG_DESCRIPTION")),
        )
        .with_instructions(
            "Tools: `echo` repeats a message; `calculate` does add, subtract, multiply or \
             divide on two numbers. Resource `mcp://demo/status` reports server status.",
        )
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        self.info.as_ref().clone()
    }

    /// The tools the caller's token may call (every tool without
    /// authentication, and over stdio).
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        // rmcp puts the HTTP request's parts in every message's extensions;
        // the authentication stage put the caller's access in theirs.
        let http = context.extensions.get::<http::request::Parts>();
        let tools = self
            .catalog
            .tools()
            .iter()
            .filter(|tool| http.is_none_or(|parts| permitted(&parts.extensions, tool.name())));
        Ok(ListToolsResult::with_all_items(
            tools.map(|tool| tool.definition().clone()).collect(),
        ))
    }

    /// Lets rmcp check `Mcp-Name` and `Mcp-Param-*` headers against the tool.
    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.catalog
            .tool(name)
            .map(|tool| tool.definition().clone())
    }

    /// The call, then its outcome on the request's operation (its span,
    /// duration metric and audit event).
    ///
    /// Boxed: rmcp's `handle_request` future holds room for the largest
    /// handler future, and every legacy session's worker task holds that
    /// future for the session's whole life. Unboxed, this one (3.3 KB) made
    /// it 5.9 KB instead of rmcp's own 4.3 KB; boxed, a live session measured
    /// 61.4 KiB instead of 62.7 (`bench/lib/sessions_rss.py`, 2,000
    /// sessions, three runs of each side by side). The box costs one
    /// allocation per call on rmcp's path.
    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + Send + '_ {
        Box::pin(async move {
            let operation = Operation::of(&context);
            let result = self.call_tool_observed(request, context).await;
            if let Some(operation) = operation {
                operation.finish(Outcome::of_tool_call(&result));
            }
            result
        })
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        tasks_revision::<GetTaskMethod>(&context)?;
        let owner = principal(&context);
        Ok(self.tasks.get(&request.task_id, owner.as_deref()).await?)
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        tasks_revision::<UpdateTaskMethod>(&context)?;
        let owner = principal(&context);
        let responses = request.input_responses;
        Ok(self
            .tasks
            .update(&request.task_id, owner.as_deref(), responses)
            .await?)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        tasks_revision::<CancelTaskMethod>(&context)?;
        let owner = principal(&context);
        Ok(self
            .tasks
            .cancel(&request.task_id, owner.as_deref())
            .await?)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let resources = self.catalog.resources().iter();
        Ok(ListResourcesResult::with_all_items(
            resources.map(|r| r.definition().clone()).collect(),
        ))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let templates = self.catalog.templates().iter();
        Ok(ListResourceTemplatesResult::with_all_items(
            templates.map(|t| t.definition().clone()).collect(),
        ))
    }

    /// An unknown URI is an error, never empty contents; rmcp turns the
    /// legacy `-32002` into `-32602` for 2026-07-28 peers (SEP-2164).
    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let result = self.catalog.read_uri(&request.uri).map_or_else(
            || {
                Err(McpError::resource_not_found(
                    format!("Resource not found: {}", request.uri),
                    Some(serde_json::json!({ "uri": request.uri })),
                ))
            },
            |(body, mime_type)| {
                let contents = body.to_mcp_contents(&request.uri, mime_type);
                Ok(ReadResourceResult::new(vec![contents]).into())
            },
        );
        if let Some(operation) = Operation::of(&context) {
            operation.finish(Outcome::of_resource_read(&result));
        }
        result
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        if self.info.capabilities.prompts.is_none() {
            return Err(McpError::method_not_found::<
                rmcp::model::ListPromptsRequestMethod,
            >());
        }
        let prompts = self.catalog.prompts().iter();
        Ok(ListPromptsResult::with_all_items(
            prompts.map(|p| p.definition().clone()).collect(),
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let operation = Operation::of(&context);
        let result = match self.catalog.prompt(&request.name) {
            Some(prompt) => {
                let context = self.tool_context(
                    context,
                    request.input_responses.clone(),
                    request.request_state.clone(),
                );
                prompt.get(&request, &context)
            }
            None => Err(McpError::invalid_params(
                format!("Unknown prompt: {}", request.name),
                None,
            )),
        };
        if let Some(operation) = operation {
            operation.finish(Outcome::of_prompt_get(&result));
        }
        result
    }

    /// Completions for prompt arguments and resource-template variables;
    /// an unknown reference has no suggestions rather than an error.
    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        if self.info.capabilities.completions.is_none() {
            return Err(McpError::method_not_found::<
                rmcp::model::CompleteRequestMethod,
            >());
        }
        let (argument, prefix) = (&request.argument.name, &request.argument.value);
        let mut values = match &request.r#ref {
            Reference::Prompt(prompt) => self
                .catalog
                .prompt(&prompt.name)
                .map(|p| p.complete(argument, prefix)),
            Reference::Resource(resource) => self
                .catalog
                .template(&resource.uri)
                .map(|t| t.complete(argument, prefix)),
            // A reference kind newer than this server: nothing to suggest.
            _ => None,
        }
        .unwrap_or_default();
        // The protocol allows at most 100 values per answer.
        values.truncate(100);
        let info = CompletionInfo::new(values).map_err(|e| McpError::internal_error(e, None))?;
        Ok(CompleteResult::new(info))
    }

    /// Legacy only: 2026-07-28 carries the level in each request's `_meta`.
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if !self.catalog.features().logging || speaks_2026(&context) {
            return Err(McpError::method_not_found::<SetLevelRequestMethod>());
        }
        self.session.set_log_level(request.level);
        Ok(())
    }

    /// Legacy resource subscriptions, kept per session. Nothing here changes
    /// at run time yet, so no `resources/updated` is ever due.
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if !self.catalog.features().subscriptions {
            return Err(McpError::method_not_found::<
                rmcp::model::SubscribeRequestMethod,
            >());
        }
        if self.catalog.read_uri(&request.uri).is_none() {
            return Err(McpError::resource_not_found(
                format!("Resource not found: {}", request.uri),
                Some(serde_json::json!({ "uri": request.uri })),
            ));
        }
        self.session.subscribed().insert(request.uri);
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if !self.catalog.features().subscriptions {
            return Err(McpError::method_not_found::<
                rmcp::model::UnsubscribeRequestMethod,
            >());
        }
        self.session.subscribed().remove(&request.uri);
        Ok(())
    }

    /// 2026-07-28 `subscriptions/listen`: accept what was asked (rmcp
    /// narrows it to the advertised capabilities).
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.catalog
            .features()
            .subscriptions
            .then(|| requested.clone())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let id = self.subscriptions.add(context.sink().clone());
        context.cancelled().await;
        self.subscriptions.remove(id);
        Ok(())
    }
}
