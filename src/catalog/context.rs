//! What a call knows about its caller: [`ToolContext`]. MCP calls carry
//! rmcp's request context (the peer, for progress, logging, sampling and
//! elicitation), the era's logging rule and, on a multi round-trip retry,
//! the client's input responses; REST calls have none of these.
//!
//! List-change announcements go through [`ListChanges`], a trait the MCP
//! transport implements, so tools can announce changes without the domain
//! knowing how subscriptions are held.

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use rmcp::{
    ErrorData, RoleServer,
    model::{InputRequests, InputResponses, ProtocolVersion},
    service::RequestContext,
};
use tokio_util::sync::CancellationToken;

use super::{LogGate, TaskInput, ToolError};

/// True when the request speaks protocol 2026-07-28 or newer: sessionless,
/// and a server may not send requests to the client (it returns
/// `input_required` results instead).
pub fn speaks_2026(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Tools,
    Prompts,
    Resources,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Tells the clients that listen for list changes (2026-07-28
/// `subscriptions/listen` streams). Delivery is best effort: a listener that
/// went away is not the calling tool's problem.
pub trait ListChanges: Send + Sync + 'static {
    fn announce(&self, change: Change) -> BoxFuture<'_, ()>;
}

#[derive(Clone, Default)]
pub struct ToolContext {
    mcp: Option<McpCall>,
    /// Set when the call runs as a task.
    task: Option<RunningTask>,
}

#[derive(Clone)]
struct RunningTask {
    input: Arc<dyn TaskInput>,
    cancelled: CancellationToken,
}

#[derive(Clone)]
struct McpCall {
    request: RequestContext<RoleServer>,
    input_responses: Option<InputResponses>,
    request_state: Option<String>,
    logging: LogGate,
    listeners: Arc<dyn ListChanges>,
}

impl fmt::Debug for ToolContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolContext")
            .field("mcp", &self.mcp.is_some())
            .field("task", &self.task.is_some())
            .finish()
    }
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
        logging: LogGate,
        listeners: Arc<dyn ListChanges>,
    ) -> Self {
        Self {
            mcp: Some(McpCall {
                request,
                input_responses,
                request_state,
                logging,
                listeners,
            }),
            task: None,
        }
    }

    /// The same call, running as a task: input comes through `input`, and
    /// `cancelled` fires on `tasks/cancel`.
    pub fn into_task(self, input: Arc<dyn TaskInput>, cancelled: CancellationToken) -> Self {
        Self {
            task: Some(RunningTask { input, cancelled }),
            ..self
        }
    }

    /// True when the call runs as a task.
    pub fn is_task(&self) -> bool {
        self.task.is_some()
    }

    /// Fires when the caller no longer wants the answer: `tasks/cancel` for
    /// a task, `notifications/cancelled` for a call over MCP. Never for a
    /// REST call. Tools that run long should stop when it fires, with
    /// [`ToolError::Cancelled`].
    pub fn cancelled(&self) -> CancellationToken {
        match (&self.task, &self.mcp) {
            (Some(task), _) => task.cancelled.clone(),
            (None, Some(call)) => call.request.ct.clone(),
            (None, None) => CancellationToken::new(),
        }
    }

    /// Asks the client for input and waits for every answer. Only a task can
    /// wait (its client answers with `tasks/update`); a call answered in
    /// place returns `ToolOutput::InputRequired` instead.
    pub async fn ask(&self, requests: InputRequests) -> Result<InputResponses, ToolError> {
        match &self.task {
            Some(task) => task.input.ask(requests).await,
            None => Err(ToolError::Protocol(ErrorData::invalid_request(
                "this tool waits for input only while it runs as a task",
                None,
            ))),
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
    pub fn logging(&self) -> Option<&LogGate> {
        self.mcp.as_ref().map(|call| &call.logging)
    }

    /// Announces a list change: to every open 2026-07-28 subscription, and
    /// to the calling legacy session.
    pub async fn notify_list_changed(&self, change: Change) {
        let Some(call) = &self.mcp else { return };
        call.listeners.announce(change).await;
        if !speaks_2026(&call.request) {
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
