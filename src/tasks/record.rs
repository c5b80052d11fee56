//! A task as it is kept in the store, and as `tasks/get` shows it.
//!
//! A record has three writers, each owning its own part, so no write can
//! undo another: the replica running the task writes [`TaskRecord`] (state,
//! lease); `tasks/cancel` sets the cancel flag; `tasks/update` adds input
//! responses. The running replica reads the last two back ([`Control`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmcp::{
    ErrorData,
    model::{
        DetailedTask, InputRequests, InputResponses, JsonObject, Task, TaskPayload, TaskStatus,
    },
};
use serde::{Deserialize, Serialize};

/// Suggested time between two `tasks/get` polls, sent as `pollIntervalMs`.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// One task: who may see it, where it stands, until when it is kept, and
/// until when the replica running it has promised to be alive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub id: String,
    /// The principal that created it (`None` with auth off): only it can
    /// see the task.
    pub owner: Option<String>,
    pub tool: String,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    /// Kept this long from creation, whatever its state; then deleted.
    pub ttl_ms: u64,
    /// A task not terminal by then is reported failed: the replica running
    /// it renews this while it is alive.
    pub lease_until_ms: u64,
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TaskState {
    Working,
    InputRequired { requests: InputRequests },
    Completed { result: JsonObject },
    Failed { error: JsonObject },
    Cancelled,
}

impl TaskState {
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskState::Completed { .. } | TaskState::Failed { .. } | TaskState::Cancelled
        )
    }

    pub fn failed(error: &ErrorData) -> Self {
        TaskState::Failed {
            error: error_object(error),
        }
    }
}

/// The client's side of the task, which the running replica reads back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Control {
    pub cancel_requested: bool,
    /// Answers delivered by `tasks/update` and not yet taken by the running
    /// replica.
    pub responses: InputResponses,
}

impl TaskRecord {
    /// A new task, working, leased for `lease` from now.
    pub fn new(
        id: String,
        owner: Option<String>,
        tool: &str,
        ttl: Duration,
        lease: Duration,
    ) -> Self {
        let now = now_ms();
        Self {
            id,
            owner,
            tool: tool.to_owned(),
            created_at_ms: now,
            updated_at_ms: now,
            ttl_ms: millis(ttl),
            lease_until_ms: now + millis(lease),
            state: TaskState::Working,
            status_message: None,
        }
    }

    /// When the store may forget it.
    pub fn expires_at_ms(&self) -> u64 {
        self.created_at_ms + self.ttl_ms
    }

    /// The task as `tasks/get` shows it at `now_ms`. A task that is not
    /// terminal but whose lease ran out is shown failed: the replica running
    /// it stopped (crashed, killed, cut off), and nobody else can finish it.
    /// Questions already answered (`control`) are no longer shown open,
    /// even before the running replica has taken the answers.
    pub fn detailed(&self, control: &Control, now_ms: u64) -> DetailedTask {
        let mut task = Task::new(
            self.id.clone(),
            TaskStatus::Working,
            rfc3339(self.created_at_ms),
            rfc3339(self.updated_at_ms),
        )
        .with_ttl_ms(self.ttl_ms)
        .with_poll_interval_ms(millis(POLL_INTERVAL));
        task.status_message = self.status_message.clone();
        let payload = match &self.state {
            state if !state.is_terminal() && self.lease_until_ms < now_ms => {
                let message = lease_lost_message(&self.tool);
                task.status_message = Some(message.clone());
                task.last_updated_at = rfc3339(self.lease_until_ms);
                TaskPayload::Failed {
                    error: error_object(&ErrorData::internal_error(message, None)),
                }
            }
            TaskState::Working => TaskPayload::Working,
            TaskState::InputRequired { requests } => {
                let open: InputRequests = requests
                    .iter()
                    .filter(|(key, _)| !control.responses.contains_key(*key))
                    .map(|(key, request)| (key.clone(), request.clone()))
                    .collect();
                if open.is_empty() {
                    TaskPayload::Working
                } else {
                    TaskPayload::InputRequired {
                        input_requests: open,
                    }
                }
            }
            TaskState::Completed { result } => TaskPayload::Completed {
                result: result.clone(),
            },
            TaskState::Failed { error } => TaskPayload::Failed {
                error: error.clone(),
            },
            TaskState::Cancelled => TaskPayload::Cancelled,
        };
        DetailedTask::new(task, payload)
    }
}

pub fn lease_lost_message(tool: &str) -> String {
    format!(
        "The server replica running this task ({tool}) stopped before it finished: its lease \
         expired without renewal. Call the tool again."
    )
}

/// A JSON-RPC error as the object `tasks/get` inlines.
pub fn error_object(error: &ErrorData) -> JsonObject {
    match serde_json::to_value(error) {
        Ok(serde_json::Value::Object(object)) => object,
        // Why this cannot happen: ErrorData serializes as an object.
        _ => JsonObject::new(),
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// An ISO 8601 (RFC 3339) UTC timestamp, to the millisecond.
fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(lease: Duration) -> TaskRecord {
        TaskRecord::new(
            "t1".into(),
            None,
            "slow_compute",
            Duration::from_secs(60),
            lease,
        )
    }

    #[test]
    fn a_working_task_within_its_lease_is_working() {
        let record = record(Duration::from_secs(10));
        let shown = record.detailed(&Control::default(), record.created_at_ms + 9_999);
        assert_eq!(shown.status(), TaskStatus::Working);
        assert_eq!(shown.task.ttl_ms, Some(60_000));
        assert_eq!(shown.task.poll_interval_ms, Some(1_000));
    }

    #[test]
    fn a_working_task_past_its_lease_is_failed_with_the_reason() {
        let record = record(Duration::from_secs(10));
        let shown = record.detailed(&Control::default(), record.created_at_ms + 10_001);
        assert_eq!(shown.status(), TaskStatus::Failed);
        let message = shown.task.status_message.expect("a status message");
        assert!(message.contains("lease expired"), "{message}");
        let TaskPayload::Failed { error } = shown.payload else {
            panic!("a failed payload")
        };
        assert_eq!(error["code"], -32603);
    }

    #[test]
    fn a_finished_task_stays_finished_after_its_lease() {
        let mut record = record(Duration::from_secs(10));
        record.state = TaskState::Cancelled;
        let shown = record.detailed(&Control::default(), record.created_at_ms + 60_000);
        assert_eq!(shown.status(), TaskStatus::Cancelled);
    }

    #[test]
    fn the_record_survives_its_json_form() {
        let mut record = record(Duration::from_secs(10));
        record.state = TaskState::Failed {
            error: error_object(&ErrorData::internal_error("boom", None)),
        };
        let text = serde_json::to_string(&record).expect("serializes");
        let back: TaskRecord = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, record);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }
}
