//! Tasks in this process's memory: the default, for one replica. Nothing to
//! run beside the server; tasks are lost when it stops.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

use rmcp::model::InputResponses;

use super::{
    record::{Control, TaskRecord, now_ms},
    store::{BoxFuture, StoreError, TaskStore},
};

/// How often the whole map is swept for expired tasks. Between sweeps an
/// expired task is still never shown: each access checks its own entry.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct MemoryTasks {
    tasks: Mutex<Tasks>,
}

#[derive(Debug, Default)]
struct Tasks {
    entries: HashMap<String, Entry>,
    swept: Option<Instant>,
}

#[derive(Debug)]
struct Entry {
    record: TaskRecord,
    control: Control,
}

impl MemoryTasks {
    /// The entries, swept of expired ones at most once per [`SWEEP_EVERY`],
    /// so memory is bounded by what was created within one TTL and a busy
    /// store does not walk the whole map on every access.
    fn tasks(&self) -> MutexGuard<'_, Tasks> {
        // Why this cannot fail: no code panics while holding the lock.
        let mut tasks = self.tasks.lock().expect("task map lock");
        if tasks.swept.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            let now = now_ms();
            tasks
                .entries
                .retain(|_, entry| entry.record.expires_at_ms() > now);
            tasks.swept = Some(Instant::now());
        }
        tasks
    }

    /// `f` on the task `id` if it exists and has not expired.
    fn with<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> T) -> Option<T> {
        let mut tasks = self.tasks();
        let entry = tasks.entries.get_mut(id)?;
        (entry.record.expires_at_ms() > now_ms()).then(|| f(entry))
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
        self.tasks().entries.insert(record.id.clone(), entry);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::tasks::record::TaskState;

    fn record(ttl: Duration, lease: Duration) -> TaskRecord {
        TaskRecord::new("t".into(), None, "slow_compute", ttl, lease)
    }

    #[tokio::test]
    async fn an_expired_task_is_unknown_even_before_a_sweep() {
        let store = MemoryTasks::default();
        let live = record(Duration::from_secs(60), Duration::from_secs(5));
        store.create(&live).await.expect("created");
        assert!(store.get("t").await.expect("read").is_some());
        let expired = record(Duration::ZERO, Duration::ZERO);
        store.create(&expired).await.expect("created");
        assert_eq!(store.get("t").await.expect("read"), None);
        assert!(!store.request_cancel("t").await.expect("write"));
        assert!(!store.save(&expired).await.expect("write"));
    }

    #[tokio::test]
    async fn a_save_after_the_lease_lapsed_is_refused_and_the_task_stays_failed() {
        let store = MemoryTasks::default();
        let mut lapsed = record(Duration::from_secs(60), Duration::ZERO);
        lapsed.lease_until_ms -= 1;
        store.create(&lapsed).await.expect("created");
        let mut late = lapsed.clone();
        late.lease_until_ms = now_ms() + 60_000;
        late.state = TaskState::Cancelled;
        assert!(!store.save(&late).await.expect("write"));
        let (kept, _) = store.get("t").await.expect("read").expect("a task");
        assert_eq!(kept.state, TaskState::Working);
    }

    #[tokio::test]
    async fn answers_wait_until_forgotten_and_the_cancel_flag_stays() {
        let store = MemoryTasks::default();
        store
            .create(&record(Duration::from_secs(60), Duration::from_secs(5)))
            .await
            .expect("created");
        let answers = InputResponses::from([
            ("a".to_string(), serde_json::json!({})),
            ("b".to_string(), serde_json::json!({})),
        ]);
        assert!(store.add_responses("t", answers).await.expect("write"));
        assert!(store.request_cancel("t").await.expect("write"));
        store
            .forget_responses("t", vec!["a".into()])
            .await
            .expect("write");
        let (_, control) = store.get("t").await.expect("read").expect("a task");
        assert!(control.cancel_requested);
        assert_eq!(control.responses.keys().collect::<Vec<_>>(), ["b"]);
    }
}
