//! Tasks in this process's memory: the default, for one replica. Nothing to
//! run beside the server; tasks are lost when it stops.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
};

use rmcp::model::InputResponses;

use super::{
    record::{Control, TaskRecord, now_ms},
    store::{BoxFuture, StoreError, TaskStore},
};

#[derive(Debug, Default)]
pub struct MemoryTasks {
    tasks: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    record: TaskRecord,
    control: Control,
}

impl MemoryTasks {
    /// The live entries: expired ones are dropped first, so memory is
    /// bounded by what was created within one TTL.
    fn tasks(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Why this cannot fail: no code panics while holding the lock.
        let mut tasks = self.tasks.lock().expect("task map lock");
        let now = now_ms();
        tasks.retain(|_, entry| entry.record.expires_at_ms() > now);
        tasks
    }

    fn with<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> T) -> Option<T> {
        self.tasks().get_mut(id).map(f)
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, Result<T, StoreError>> {
    Box::pin(std::future::ready(Ok(value)))
}

impl TaskStore for MemoryTasks {
    fn create<'a>(&'a self, record: &'a TaskRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        let entry = Entry {
            record: record.clone(),
            control: Control::default(),
        };
        self.tasks().insert(record.id.clone(), entry);
        ready(())
    }

    fn get<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<(TaskRecord, Control)>, StoreError>> {
        ready(self.with(id, |entry| (entry.record.clone(), entry.control.clone())))
    }

    fn save<'a>(&'a self, record: &'a TaskRecord) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = now_ms();
        let saved = self.with(&record.id, |entry| {
            // A lapsed lease was already reported as a failure: keep it so.
            let lapsed = !entry.record.state.is_terminal() && entry.record.lease_until_ms < now;
            if !lapsed {
                entry.record = record.clone();
            }
            !lapsed
        });
        ready(saved.unwrap_or(false))
    }

    fn request_cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let found = self.with(id, |entry| entry.control.cancel_requested = true);
        ready(found.is_some())
    }

    fn add_responses<'a>(
        &'a self,
        id: &'a str,
        responses: InputResponses,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let found = self.with(id, |entry| entry.control.responses.extend(responses));
        ready(found.is_some())
    }

    fn forget_responses<'a>(
        &'a self,
        id: &'a str,
        keys: Vec<String>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(id, |entry| {
            for key in &keys {
                entry.control.responses.remove(key);
            }
        });
        ready(())
    }
}
