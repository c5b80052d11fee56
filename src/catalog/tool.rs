//! The tool abstraction: a tool is written once, as a [`Tool`], and served by
//! both MCP (`tools/call`) and the REST API (`POST /mcp/execute`).

use std::{future::Future, pin::Pin, sync::Arc, time::Instant};

use rmcp::{
    ErrorData, RoleServer,
    handler::server::common::schema_for_input,
    model::{
        CallToolResult, InputRequiredResult, InputResponses, JsonObject, Tool as ToolDefinition,
    },
    schemars::{self, JsonSchema},
    service::RequestContext,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A tool the server offers. Implement this in one file under `src/tools/`
/// and register it with one line in `src/tools/mod.rs`.
pub trait Tool: Send + Sync + 'static {
    /// The arguments. Their `JsonSchema` (field doc comments included) is the
    /// schema clients and models read, so write the docs for the model.
    type Args: DeserializeOwned + JsonSchema + Send + 'static;

    /// Unique name clients call the tool by.
    const NAME: &'static str;
    /// What the tool does, for the model deciding whether to call it.
    const DESCRIPTION: &'static str;

    /// A hand-written input schema, for schemas `schemars` cannot express
    /// (`Args` is then usually a plain [`JsonObject`]). `None`: derived from
    /// `Args`.
    fn input_schema() -> Option<Arc<JsonObject>> {
        None
    }

    /// True when the tool never talks to the client during a call (no
    /// progress, logging, sampling, elicitation, input requests, list
    /// changes): its answer depends only on its arguments, so a stateless
    /// call may be answered on the fast path (`src/mcp/fast_path.rs`).
    const SELF_CONTAINED: bool = false;

    /// Runs the tool. `Err` means the tool ran and failed: the caller sees the
    /// message (an MCP tool error, a REST 422), the server is fine.
    fn call(
        &self,
        args: Self::Args,
        context: ToolContext,
    ) -> impl Future<Output = Result<ToolOutput, ToolError>> + Send;
}

/// What a tool produces.
#[derive(Debug, Clone)]
pub enum ToolOutput {
    /// A JSON value: REST returns it as `result`; MCP sends a string as its
    /// text and any other value as its JSON text.
    Json(Value),
    /// A complete MCP result (images, audio, embedded resources, `isError`…).
    /// REST returns its content blocks as `result`.
    Result(CallToolResult),
    /// Protocol 2026-07-28 multi round-trip: the client must answer these
    /// input requests and call again. Only an MCP client can.
    InputRequired(InputRequiredResult),
}

impl ToolOutput {
    /// A plain text answer.
    pub fn text(text: impl Into<String>) -> Self {
        ToolOutput::Json(Value::String(text.into()))
    }
}

/// Why a tool call did not produce a result. Both are the caller's problem,
/// never a server fault, so neither is ever a 5xx.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToolError {
    /// The arguments do not match the tool's schema.
    #[error("Invalid arguments for tool '{tool}': {reason}")]
    InvalidArguments { tool: &'static str, reason: String },
    /// The arguments were well-formed but the tool could not do the work.
    #[error("{0}")]
    Failed(String),
    /// The request itself is wrong (e.g. the client lacks a capability the
    /// tool needs): a JSON-RPC error over MCP, a 422 over REST.
    #[error("{}", .0.message)]
    Protocol(ErrorData),
}

impl ToolError {
    /// A stable, bounded label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::InvalidArguments { .. } => "invalid_arguments",
            ToolError::Failed(_) => "failed",
            ToolError::Protocol(_) => "protocol_error",
        }
    }
}

/// Arguments for tools that take none.
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
pub struct NoArgs {}

/// Where a call comes from. MCP calls carry the request context (the peer, for
/// progress, logging, sampling and elicitation) and, on a multi round-trip
/// retry, the client's input responses; REST calls have none of these.
#[derive(Debug, Clone, Default)]
pub struct ToolContext {
    mcp: Option<McpCall>,
}

#[derive(Debug, Clone)]
struct McpCall {
    request: RequestContext<RoleServer>,
    input_responses: Option<InputResponses>,
    request_state: Option<String>,
    logging: crate::mcp::logging::LogGate,
    subscriptions: crate::mcp::subscriptions::Subscriptions,
}

impl ToolContext {
    /// A call from the REST API.
    pub fn rest() -> Self {
        Self::default()
    }

    /// A call from an MCP client.
    pub fn mcp(
        request: RequestContext<RoleServer>,
        input_responses: Option<InputResponses>,
        request_state: Option<String>,
        logging: crate::mcp::logging::LogGate,
        subscriptions: crate::mcp::subscriptions::Subscriptions,
    ) -> Self {
        Self {
            mcp: Some(McpCall {
                request,
                input_responses,
                request_state,
                logging,
                subscriptions,
            }),
        }
    }

    /// The MCP request context, if the call came over MCP.
    pub fn mcp_request(&self) -> Option<&RequestContext<RoleServer>> {
        self.mcp.as_ref().map(|call| &call.request)
    }

    /// The client's answers to a previous `input_required` result.
    pub fn input_responses(&self) -> Option<&InputResponses> {
        self.mcp.as_ref()?.input_responses.as_ref()
    }

    /// The opaque state a previous `input_required` result asked back.
    pub fn request_state(&self) -> Option<&str> {
        self.mcp.as_ref()?.request_state.as_deref()
    }

    /// Where log messages for this call go, and at what level.
    pub fn logging(&self) -> Option<&crate::mcp::logging::LogGate> {
        self.mcp.as_ref().map(|call| &call.logging)
    }

    /// Announces a list change: to every open 2026-07-28 subscription, and
    /// to the calling legacy session.
    pub async fn notify_list_changed(&self, change: crate::mcp::subscriptions::Change) {
        use crate::mcp::subscriptions::Change;
        let Some(call) = &self.mcp else { return };
        call.subscriptions.notify(change).await;
        if !crate::mcp::is_2026(&call.request) {
            let peer = &call.request.peer;
            let sent = match change {
                Change::Tools => peer.notify_tool_list_changed().await,
                Change::Prompts => peer.notify_prompt_list_changed().await,
                Change::Resources => peer.notify_resource_list_changed().await,
            };
            if let Err(e) = sent {
                tracing::debug!(error = %e, "list-changed notification not delivered");
            }
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Invoke =
    dyn Fn(JsonObject, ToolContext) -> BoxFuture<Result<ToolOutput, ToolError>> + Send + Sync;

/// A registered tool with its type erased: its MCP definition (built once at
/// start-up, schema included) and a way to call it with raw JSON arguments.
pub struct RegisteredTool {
    definition: ToolDefinition,
    invoke: Box<Invoke>,
    self_contained: bool,
    /// This tool's metric series, resolved once (see [`crate::metrics`]).
    metrics: std::sync::OnceLock<crate::metrics::ToolMetrics>,
}

impl RegisteredTool {
    pub(crate) fn new<T: Tool>(tool: T) -> Self {
        let schema = T::input_schema().unwrap_or_else(|| {
            schema_for_input::<T::Args>()
                // Why this cannot fail at run time: the argument types are
                // ours, and a non-object schema is caught by the first test
                // that starts the server.
                .unwrap_or_else(|e| panic!("tool {}: invalid argument schema: {e}", T::NAME))
        });
        let definition = ToolDefinition::new(T::NAME, T::DESCRIPTION, schema);
        let tool = Arc::new(tool);
        let invoke = Box::new(move |arguments: JsonObject, context: ToolContext| {
            let tool = Arc::clone(&tool);
            Box::pin(async move {
                // The path names the argument at fault (`a: invalid type…`).
                let args: T::Args = serde_path_to_error::deserialize(Value::Object(arguments))
                    .map_err(|e| ToolError::InvalidArguments {
                        tool: T::NAME,
                        reason: match e.path().to_string().as_str() {
                            "." => e.inner().to_string(),
                            path => format!("{path}: {}", e.inner()),
                        },
                    })?;
                tool.call(args, context).await
            }) as BoxFuture<_>
        });
        Self {
            definition,
            invoke,
            self_contained: T::SELF_CONTAINED,
            metrics: std::sync::OnceLock::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// See [`Tool::SELF_CONTAINED`].
    pub fn is_self_contained(&self) -> bool {
        self.self_contained
    }

    /// The definition MCP's `tools/list` sends and REST's `/mcp/tools` shows.
    pub fn definition(&self) -> &ToolDefinition {
        &self.definition
    }

    /// Calls the tool, logging one line with its name, outcome and latency.
    /// Argument values are never logged at info: they may be private.
    pub async fn call(
        &self,
        arguments: JsonObject,
        context: ToolContext,
    ) -> Result<ToolOutput, ToolError> {
        let started = Instant::now();
        tracing::debug!(tool = self.name(), ?arguments, "tool call arguments");
        let result = (self.invoke)(arguments, context).await;
        let elapsed = started.elapsed();
        if let Some(metrics) = self.metrics.get() {
            metrics.observe(
                result.as_ref().map_or_else(ToolError::kind, |_| "success"),
                elapsed,
            );
        }
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let outcome = result.as_ref().map_or_else(ToolError::kind, |_| "success");
        tracing::info!(tool = self.name(), outcome, latency_ms, "tool call");
        if let Err(e) = &result {
            // Error messages may quote argument values: debug only.
            tracing::debug!(tool = self.name(), error = %e, "tool call failed");
        }
        result
    }

    /// Records this tool's calls in `metrics` from now on (once; later
    /// calls are ignored).
    pub fn attach_metrics(&self, metrics: crate::metrics::ToolMetrics) {
        let _ = self.metrics.set(metrics);
    }
}
