//! What the domain knows of tasks (the MCP tasks extension, SEP-2663): a
//! tool declares whether it may run as one ([`TaskSupport`]), and a tool
//! running as one asks its client for input through [`TaskInput`]. Where
//! tasks are kept and how they run is the `tasks` module's business; the
//! domain sees only this seam.

use rmcp::model::{InputRequests, InputResponses};

use super::{BoxFuture, ToolError};

/// Whether a tool may run as a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSupport {
    /// Always answered in the call itself (the default).
    #[default]
    Forbidden,
    /// Runs as a task when the request declares the tasks extension, and in
    /// the call itself otherwise.
    Optional,
    /// Runs only as a task: a request that does not declare the extension
    /// gets `-32021` (missing required client capability).
    Required,
}

/// A running task's line to its client: the requests are published on the
/// task (`status: "input_required"`, `inputRequests`), and the answers come
/// back through `tasks/update`, on whichever replica the client reaches.
pub trait TaskInput: Send + Sync + 'static {
    /// Publishes `requests` and waits until every one of them is answered.
    /// `Err(ToolError::Cancelled)` when the task is cancelled meanwhile.
    fn ask(&self, requests: InputRequests) -> BoxFuture<'_, Result<InputResponses, ToolError>>;
}
