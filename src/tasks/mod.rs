//! The MCP tasks extension (SEP-2663), protocol revision 2026-07-28: a
//! `tools/call` of a task-capable tool answers at once with a task handle
//! (`resultType: "task"`), the tool runs on in the background, and the client
//! polls `tasks/get`, answers questions with `tasks/update` and may
//! `tasks/cancel`.
//!
//! | concern | where |
//! | --- | --- |
//! | which tools may run as tasks | `catalog::TaskSupport`, declared by each tool |
//! | the record, and how `tasks/get` shows it | [`record`] |
//! | where records live | [`store::TaskStore`]: [`memory`] (one replica), [`redis`] (any number) |
//! | running one task: lease, cancel, questions | [`runner`] |
//! | ids (128 random bits) | [`id`] |
//!
//! Any replica sharing the store answers `tasks/get`, `tasks/update` and
//! `tasks/cancel` for any task; only the replica that started a task runs it.
//! Its lease ([`crate::config::TaskSettings`]) says until when it promised to
//! be alive: a task whose lease lapsed is reported `failed`, never `working`
//! forever. With auth on, a task is visible only to the principal that
//! created it; anyone else gets exactly the answer for an unknown task.

mod id;
pub mod memory;
pub mod record;
pub mod redis;
mod runner;
pub mod store;

use std::{future::Future, sync::Arc, time::Duration};

use rmcp::{
    ErrorData,
    model::{CreateTaskResult, GetTaskResult, InputResponses, JsonObject},
};
use tokio::sync::Semaphore;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use self::{
    memory::MemoryTasks,
    record::{Control, TaskRecord, now_ms},
    redis::RedisTasks,
    runner::Runner,
    store::{StoreError, TaskStore},
};
use crate::{
    catalog::{Catalog, ToolContext},
    config::TaskSettings,
    store::Store,
};

/// Tasks for every transport of this process. Cheap to clone.
#[derive(Clone)]
pub struct Tasks {
    store: Stored,
    ttl: Duration,
    lease: Duration,
    /// One permit per task running on this replica.
    running: Arc<Semaphore>,
    max_running: usize,
    /// The runners of this replica, so a shutdown can settle them.
    runners: TaskTracker,
    stopping: CancellationToken,
}

/// Why a task request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaskError {
    /// No such task, or it belongs to someone else (the same answer, so a
    /// task's existence does not leak).
    #[error("Unknown task: {0}")]
    Unknown(String),
    /// This replica already runs as many tasks as it may.
    #[error("This server replica runs its limit of tasks ({0}); try again later")]
    Busy(usize),
    /// This replica is shutting down.
    #[error("This server replica is shutting down; try again")]
    Stopping,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TaskError> for ErrorData {
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::Unknown(_) => ErrorData::invalid_params(error.to_string(), None),
            TaskError::Busy(_) | TaskError::Stopping => {
                ErrorData::internal_error(error.to_string(), None)
            }
            TaskError::Store(_) => ErrorData::internal_error(
                format!("{error}; the call was not carried out, try again later"),
                None,
            ),
        }
    }
}

impl Tasks {
    /// Tasks kept where `store` keeps state: in Redis when it is Redis,
    /// else in this process's memory.
    pub fn new(store: &Store, settings: &TaskSettings) -> Self {
        let backend: Arc<dyn TaskStore> = match RedisTasks::new(store) {
            Some(redis) => Arc::new(redis),
            None => Arc::new(MemoryTasks::default()),
        };
        Self::with_store(backend, settings, store.op_timeout())
    }

    /// Tasks kept in `store`, each operation bounded by `op_timeout`.
    pub fn with_store(
        store: Arc<dyn TaskStore>,
        settings: &TaskSettings,
        op_timeout: Duration,
    ) -> Self {
        Self {
            store: Stored {
                store,
                timeout: op_timeout,
            },
            ttl: settings.ttl(),
            lease: settings.lease(),
            running: Arc::new(Semaphore::new(settings.max_running())),
            max_running: settings.max_running(),
            runners: TaskTracker::new(),
            stopping: CancellationToken::new(),
        }
    }

    /// Tasks kept in this process's memory (one replica).
    pub fn in_memory(settings: &TaskSettings) -> Self {
        Self::new(&Store::memory(), settings)
    }

    /// Starts `tool` as a task owned by `owner` and returns its handle once
    /// the task is stored, so a `tasks/get` on any replica finds it.
    pub async fn start(
        &self,
        catalog: Arc<Catalog>,
        tool: &str,
        arguments: JsonObject,
        context: ToolContext,
        owner: Option<String>,
    ) -> Result<CreateTaskResult, TaskError> {
        if self.stopping.is_cancelled() {
            return Err(TaskError::Stopping);
        }
        let permit = Arc::clone(&self.running)
            .try_acquire_owned()
            .map_err(|_| TaskError::Busy(self.max_running))?;
        let record = TaskRecord::new(id::new_task_id(), owner, tool, self.ttl, self.lease);
        self.store.create(&record).await?;
        let handle = CreateTaskResult::new(record.detailed(&Control::default(), now_ms()).task);
        tracing::info!(task = %record.id, tool, "task started");

        let cancel = CancellationToken::new();
        let (input, asks) = Runner::input_channel();
        let context = context.into_task(input, cancel.clone());
        let name = tool.to_owned();
        let work = Box::pin(async move {
            // Why this cannot fail: the caller found the tool in this same
            // catalog, and a catalog never changes after start-up.
            let tool = catalog.tool(&name).expect("a registered tool");
            tool.call(arguments, context).await
        });
        let runner = Runner {
            store: self.store.clone(),
            record,
            lease: self.lease,
            cancel,
            stopping: self.stopping.clone(),
        };
        self.runners.spawn(async move {
            runner.run(work, asks).await;
            drop(permit);
        });
        Ok(handle)
    }

    /// Tasks running on this replica.
    pub fn running(&self) -> usize {
        self.max_running - self.running.available_permits()
    }

    /// For a graceful shutdown: new tasks are refused, and the tasks running
    /// here are cancelled and reported `failed` (their replica is going
    /// away) rather than left to their lease. Waits up to `grace` for those
    /// writes.
    pub async fn shutdown(&self, grace: Duration) {
        self.stopping.cancel();
        self.runners.close();
        let running = self.running();
        if running > 0 {
            tracing::info!(running, "shutting down: failing the tasks running here");
        }
        if tokio::time::timeout(grace, self.runners.wait())
            .await
            .is_err()
        {
            tracing::warn!("task states not all saved before shutdown; their leases will lapse");
        }
    }

    /// `tasks/get`.
    pub async fn get(&self, id: &str, owner: Option<&str>) -> Result<GetTaskResult, TaskError> {
        let (record, control) = self.owned(id, owner).await?;
        Ok(GetTaskResult::new(record.detailed(&control, now_ms())))
    }

    /// `tasks/update`: the answers wait in the store for the running
    /// replica. Answers for a finished task, or to questions never asked,
    /// are accepted and ignored.
    pub async fn update(
        &self,
        id: &str,
        owner: Option<&str>,
        responses: InputResponses,
    ) -> Result<(), TaskError> {
        let (record, _) = self.owned(id, owner).await?;
        if record.state.is_terminal() || responses.is_empty() {
            return Ok(());
        }
        self.store
            .add_responses(id, responses)
            .await?
            .then_some(())
            .ok_or_else(|| TaskError::Unknown(id.to_owned()))
    }

    /// `tasks/cancel`: cooperative. The running replica tells the tool,
    /// which stops and settles the task as `cancelled` (or finishes anyway).
    /// Cancelling a finished task is acknowledged and changes nothing.
    pub async fn cancel(&self, id: &str, owner: Option<&str>) -> Result<(), TaskError> {
        let (record, _) = self.owned(id, owner).await?;
        if record.state.is_terminal() {
            return Ok(());
        }
        self.store
            .request_cancel(id)
            .await?
            .then_some(())
            .ok_or_else(|| TaskError::Unknown(id.to_owned()))
    }

    /// The task if it exists and `owner` may see it.
    async fn owned(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<(TaskRecord, Control), TaskError> {
        match self.store.get(id).await? {
            Some((record, control)) if record.owner.as_deref() == owner => Ok((record, control)),
            _ => Err(TaskError::Unknown(id.to_owned())),
        }
    }
}

/// A store whose every operation is bounded by the store's op timeout: a
/// slow or unreachable store fails the call instead of holding it.
#[derive(Clone)]
struct Stored {
    store: Arc<dyn TaskStore>,
    timeout: Duration,
}

impl Stored {
    async fn timed<T>(
        &self,
        operation: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        tokio::time::timeout(self.timeout, operation)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError(format!(
                    "no answer within {} ms",
                    self.timeout.as_millis()
                )))
            })
    }

    async fn create(&self, record: &TaskRecord) -> Result<(), StoreError> {
        self.timed(self.store.create(record)).await
    }

    async fn get(&self, id: &str) -> Result<Option<(TaskRecord, Control)>, StoreError> {
        self.timed(self.store.get(id)).await
    }

    async fn save(&self, record: &TaskRecord) -> Result<bool, StoreError> {
        self.timed(self.store.save(record)).await
    }

    async fn request_cancel(&self, id: &str) -> Result<bool, StoreError> {
        self.timed(self.store.request_cancel(id)).await
    }

    async fn add_responses(&self, id: &str, responses: InputResponses) -> Result<bool, StoreError> {
        self.timed(self.store.add_responses(id, responses)).await
    }

    async fn forget_responses(&self, id: &str, keys: Vec<String>) -> Result<(), StoreError> {
        self.timed(self.store.forget_responses(id, keys)).await
    }
}
