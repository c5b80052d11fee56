//! The tool abstraction: a tool is written once, as a [`Tool`], and served by
//! both MCP (`tools/call`) and the REST API (`POST /mcp/execute`).

use std::{
    future::Future,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use rmcp::{
    ErrorData,
    handler::server::common::schema_for_input,
    model::{
        CallToolResponse, CallToolResult, ContentBlock, InputRequiredResult, JsonObject,
        Tool as ToolDefinition,
    },
    schemars::{self, JsonSchema},
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{TaskSupport, ToolContext, context::BoxFuture};

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

    /// Whether the tool may run as a task (the MCP tasks extension). A tool
    /// that may is never answered on the fast path.
    const TASK_SUPPORT: TaskSupport = TaskSupport::Forbidden;

    /// OAuth scopes a caller's token needs to see and call the tool (all of
    /// them); `MCP_TOOL_SCOPES` overrides this per tool. See
    /// [`super::ToolAccess`].
    const SCOPES: &'static [&'static str] = &[];

    /// For a tool about to start as a task: what it must have before the
    /// task is created, as multi round-trip rounds answered in the call
    /// itself. `Ok(Some(output))` answers the call (typically
    /// [`ToolOutput::InputRequired`]) and creates no task; `Ok(None)` starts
    /// the task.
    fn before_task(&self, _context: &ToolContext) -> Result<Option<ToolOutput>, ToolError> {
        Ok(None)
    }

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

    /// The MCP `tools/call` answer this output is: a string as its text, any
    /// other JSON value as its JSON text.
    pub fn into_response(self) -> CallToolResponse {
        match self {
            ToolOutput::Json(Value::String(text)) => {
                CallToolResult::success(vec![ContentBlock::text(text)]).into()
            }
            ToolOutput::Json(value) => {
                CallToolResult::success(vec![ContentBlock::text(value.to_string())]).into()
            }
            ToolOutput::Result(result) => result.into(),
            ToolOutput::InputRequired(input) => CallToolResponse::InputRequired(input),
        }
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
    /// The call was cancelled (a task's `tasks/cancel`, a client's
    /// `notifications/cancelled`) and the tool stopped.
    #[error("Cancelled")]
    Cancelled,
}

impl ToolError {
    /// A stable, bounded label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::InvalidArguments { .. } => "invalid_arguments",
            ToolError::Failed(_) => "failed",
            ToolError::Protocol(_) => "protocol_error",
            ToolError::Cancelled => "cancelled",
        }
    }
}

/// Arguments for tools that take none.
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
pub struct NoArgs {}

type Invoke = dyn Fn(JsonObject, ToolContext) -> BoxFuture<'static, Result<ToolOutput, ToolError>>
    + Send
    + Sync;
/// Decodes the arguments straight from their JSON text; `None` when they do
/// not decode (the caller then takes the `Invoke` path, whose error names
/// the argument at fault).
type BeforeTask = dyn Fn(&ToolContext) -> Result<Option<ToolOutput>, ToolError> + Send + Sync;
type InvokeRaw = dyn Fn(&str, ToolContext) -> Option<BoxFuture<'static, Result<ToolOutput, ToolError>>>
    + Send
    + Sync;

/// Told of every finished tool call: the seam where metrics attach without
/// the domain knowing them.
pub trait CallObserver: Send + Sync + 'static {
    /// `outcome` is `"success"` or a [`ToolError::kind`].
    fn finished(&self, outcome: &'static str, elapsed: Duration);
}

/// A registered tool with its type erased: its MCP definition (built once at
/// start-up, schema included) and a way to call it with raw JSON arguments.
pub struct RegisteredTool {
    name: &'static str,
    definition: ToolDefinition,
    invoke: Box<Invoke>,
    invoke_raw: Box<InvokeRaw>,
    before_task: Box<BeforeTask>,
    self_contained: bool,
    task_support: TaskSupport,
    scopes: &'static [&'static str],
    observer: OnceLock<Box<dyn CallObserver>>,
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
        let shared = Arc::clone(&tool);
        let preparing = Arc::clone(&tool);
        let before_task = Box::new(move |context: &ToolContext| preparing.before_task(context));
        let invoke = Box::new(move |arguments: JsonObject, context: ToolContext| {
            let tool = Arc::clone(&shared);
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
            }) as BoxFuture<'static, _>
        });
        let invoke_raw = Box::new(move |arguments: &str, context: ToolContext| {
            let args: T::Args = serde_json::from_str(arguments).ok()?;
            let tool = Arc::clone(&tool);
            Some(Box::pin(async move { tool.call(args, context).await }) as BoxFuture<'static, _>)
        });
        Self {
            name: T::NAME,
            definition,
            invoke,
            invoke_raw,
            before_task,
            // A task-capable tool may outlive its request, which the fast
            // path cannot express.
            self_contained: T::SELF_CONTAINED && T::TASK_SUPPORT == TaskSupport::Forbidden,
            task_support: T::TASK_SUPPORT,
            scopes: T::SCOPES,
            observer: OnceLock::new(),
        }
    }

    /// The tool's name: static, so holding it per request costs no copy.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// See [`Tool::SELF_CONTAINED`].
    pub fn is_self_contained(&self) -> bool {
        self.self_contained
    }

    /// See [`Tool::TASK_SUPPORT`].
    pub fn task_support(&self) -> TaskSupport {
        self.task_support
    }

    /// See [`Tool::before_task`].
    pub fn before_task(&self, context: &ToolContext) -> Result<Option<ToolOutput>, ToolError> {
        (self.before_task)(context)
    }

    /// See [`Tool::SCOPES`].
    pub fn scopes(&self) -> &'static [&'static str] {
        self.scopes
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
        tracing::debug!(tool = self.name(), ?arguments, "tool call arguments");
        self.observed((self.invoke)(arguments, context)).await
    }

    /// Calls the tool with arguments still as JSON text (a JSON object),
    /// decoding them once, straight into the tool's argument type. Arguments
    /// that do not decode so, or are not an object, give `None` before
    /// anything runs; [`Self::call`] then reports them as rmcp would.
    ///
    /// The call is timed from `started`, a clock reading the caller already
    /// took (the fast path's operation start), so that one pair of readings
    /// times both; the time taken is returned with the result.
    pub fn call_raw(
        &self,
        arguments: &str,
        context: ToolContext,
        started: Instant,
    ) -> Option<impl Future<Output = (Result<ToolOutput, ToolError>, Duration)> + Send + '_> {
        if !arguments.starts_with('{') {
            return None;
        }
        let call = (self.invoke_raw)(arguments, context)?;
        tracing::debug!(tool = self.name(), arguments, "tool call arguments");
        Some(async move {
            let result = call.await;
            let elapsed = started.elapsed();
            self.record(&result, elapsed);
            (result, elapsed)
        })
    }

    async fn observed(
        &self,
        call: BoxFuture<'static, Result<ToolOutput, ToolError>>,
    ) -> Result<ToolOutput, ToolError> {
        let started = Instant::now();
        let result = call.await;
        self.record(&result, started.elapsed());
        result
    }

    /// Reports a finished call: metrics, and the log lines.
    fn record(&self, result: &Result<ToolOutput, ToolError>, elapsed: Duration) {
        let outcome = result.as_ref().map_or_else(ToolError::kind, |_| "success");
        if let Some(observer) = self.observer.get() {
            observer.finished(outcome, elapsed);
        }
        tracing::info!(
            tool = self.name(),
            outcome,
            latency_ms = latency_ms(elapsed),
            "tool call"
        );
        if let Err(e) = result {
            // Error messages may quote argument values: debug only.
            tracing::debug!(tool = self.name(), error = %e, "tool call failed");
        }
    }

    /// Reports this tool's calls to `observer` from now on (once; later
    /// calls are ignored).
    pub fn observe_with(&self, observer: Box<dyn CallObserver>) {
        let _ = self.observer.set(observer);
    }
}

/// A latency in milliseconds, to the microsecond: the one unit and field
/// name (`latency_ms`) every log line uses.
pub fn latency_ms(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1e6).round() / 1e3
}
