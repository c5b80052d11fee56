//! Where tasks are kept: [`TaskStore`], with one implementation per backend
//! (in memory for one replica; Redis for several).

use std::{future::Future, pin::Pin};

use rmcp::model::InputResponses;

use super::record::{Control, TaskRecord};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The store could not be reached, or did not answer in time. Task calls
/// fail with it at once; they never wait for the store to come back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the task store is unavailable: {0}")]
pub struct StoreError(pub String);

/// The operations tasks need, each one round trip. A record is forgotten
/// once its TTL (from creation) has passed; every operation then treats it
/// as unknown.
pub trait TaskStore: Send + Sync + 'static {
    /// Writes a new task. It is visible to [`Self::get`], from any replica,
    /// once this returns.
    fn create<'a>(&'a self, record: &'a TaskRecord) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The record and the client's side of the task (cancel flag, answers
    /// not yet taken by the running replica).
    fn get<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<(TaskRecord, Control)>, StoreError>>;

    /// The running replica's write (state, status message, lease). Never
    /// brings back a forgotten task: `Ok(false)` when it is gone.
    fn save<'a>(&'a self, record: &'a TaskRecord) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Sets the cancel flag. `Ok(false)` when there is no such task.
    fn request_cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Adds input responses for the running replica to take. `Ok(false)`
    /// when there is no such task.
    fn add_responses<'a>(
        &'a self,
        id: &'a str,
        responses: InputResponses,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Removes answers the running replica has taken, once the state that
    /// shows them taken is saved (so no reader sees an answered question
    /// as open again).
    fn forget_responses<'a>(
        &'a self,
        id: &'a str,
        keys: Vec<String>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}
