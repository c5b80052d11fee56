//! Runs one task on this replica: the tool's future, and beside it a loop
//! that renews the lease, notices `tasks/cancel` and delivers the answers of
//! `tasks/update`, reading them from the store (they may have reached any
//! replica). The runner is the only writer of its record's state.

use std::{sync::Arc, time::Duration};

use rmcp::{
    ErrorData,
    model::{
        CallToolResponse, CallToolResult, ContentBlock, InputRequests, InputResponses, JsonObject,
    },
};
use tokio::{
    sync::{mpsc, oneshot},
    time::{Instant, MissedTickBehavior},
};
use tokio_util::sync::CancellationToken;

use super::{
    Stored,
    record::{TaskRecord, TaskState, millis, now_ms},
};
use crate::catalog::{BoxFuture, TaskInput, ToolError, ToolOutput};

/// How often the runner reads the client's side of the task (cancel flag,
/// input responses) from the store: one small read per running task.
pub const CONTROL_POLL: Duration = Duration::from_millis(200);

/// A tool's request for input, waiting for its answers.
pub struct Ask {
    requests: InputRequests,
    reply: oneshot::Sender<InputResponses>,
}

/// The tool's end of [`TaskInput`]: hands its questions to the runner.
pub struct AskRunner(mpsc::Sender<Ask>);

impl TaskInput for AskRunner {
    fn ask(&self, requests: InputRequests) -> BoxFuture<'_, Result<InputResponses, ToolError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.0
                .send(Ask { requests, reply })
                .await
                .map_err(|_| ToolError::Cancelled)?;
            // The runner drops the sender when the task is cancelled.
            answer.await.map_err(|_| ToolError::Cancelled)
        })
    }
}

/// A question still open: what is not answered yet, what is.
struct Pending {
    open: InputRequests,
    answered: InputResponses,
    reply: oneshot::Sender<InputResponses>,
}

pub struct Runner {
    pub store: Stored,
    pub record: TaskRecord,
    pub lease: Duration,
    pub cancel: CancellationToken,
    /// Fires when this replica shuts down.
    pub stopping: CancellationToken,
}

impl Runner {
    /// The tool's channel for questions, and the runner's end of it.
    pub fn input_channel() -> (Arc<dyn TaskInput>, mpsc::Receiver<Ask>) {
        let (ask, asks) = mpsc::channel(4);
        (Arc::new(AskRunner(ask)), asks)
    }

    pub async fn run(
        mut self,
        work: BoxFuture<'static, Result<ToolOutput, ToolError>>,
        mut asks: mpsc::Receiver<Ask>,
    ) {
        let mut work = work;
        let mut pending: Vec<Pending> = Vec::new();
        let mut poll = tokio::time::interval(CONTROL_POLL);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let renew_every = self.lease / 3;
        let mut renewed = Instant::now();
        let stopping = self.stopping.clone();
        let outcome = loop {
            tokio::select! {
                outcome = &mut work => break outcome,
                () = stopping.cancelled() => {
                    self.cancel.cancel();
                    break Err(ToolError::Protocol(ErrorData::internal_error(
                        shutdown_message(&self.record.tool),
                        None,
                    )));
                }
                Some(ask) = asks.recv() => {
                    pending.push(Pending {
                        open: ask.requests,
                        answered: InputResponses::new(),
                        reply: ask.reply,
                    });
                    self.show_questions(&pending);
                    if !self.save().await {
                        return self.abandon();
                    }
                    renewed = Instant::now();
                }
                _ = poll.tick() => {
                    match self.read_control(&mut pending).await {
                        Some(true) => renewed = Instant::now(),
                        Some(false) => {}
                        None => return self.abandon(),
                    }
                    if renewed.elapsed() >= renew_every {
                        if !self.save().await {
                            return self.abandon();
                        }
                        renewed = Instant::now();
                    }
                }
            }
        };
        self.record.state = settled(outcome);
        self.record.status_message = (stopping.is_cancelled()
            && matches!(self.record.state, TaskState::Failed { .. }))
        .then(|| shutdown_message(&self.record.tool));
        self.record.updated_at_ms = now_ms();
        if !self.save().await {
            tracing::warn!(task = %self.record.id, "task finished after its record was gone");
        }
    }

    /// Reads the client's side of the task from the store: a cancel request
    /// goes to the tool, answers to the questions waiting for them. `None`:
    /// the task is gone or the store refused the new state (stop). `Some`:
    /// whether the record was saved (which renewed the lease).
    async fn read_control(&mut self, pending: &mut Vec<Pending>) -> Option<bool> {
        let control = match self.store.get(&self.record.id).await {
            Ok(Some((_, control))) => control,
            Ok(None) => return None,
            Err(e) => {
                // The store logs the outage once; the lease tells clients.
                tracing::debug!(task = %self.record.id, error = %e, "task control not read");
                return Some(false);
            }
        };
        let mut changed = false;
        if control.cancel_requested && !self.cancel.is_cancelled() {
            // Dropping the open questions ends the tool's waits.
            changed = !pending.is_empty();
            pending.clear();
            self.cancel.cancel();
        }
        let taken: Vec<String> = control.responses.keys().cloned().collect();
        if !taken.is_empty() {
            changed |= deliver(pending, control.responses);
        }
        if changed {
            self.show_questions(pending);
            if !self.save().await {
                return None;
            }
        }
        // Only now that the state showing them taken is saved.
        if !taken.is_empty()
            && let Err(e) = self.store.forget_responses(&self.record.id, taken).await
        {
            // Taken again next time, and ignored then.
            tracing::debug!(task = %self.record.id, error = %e, "answers not cleared");
        }
        Some(changed)
    }

    /// The task's state from its open questions.
    fn show_questions(&mut self, pending: &[Pending]) {
        self.record.state = if pending.is_empty() {
            TaskState::Working
        } else {
            TaskState::InputRequired {
                requests: pending
                    .iter()
                    .flat_map(|p| p.open.iter().map(|(k, v)| (k.clone(), v.clone())))
                    .collect(),
            }
        };
        self.record.updated_at_ms = now_ms();
    }

    /// Writes the record with a renewed lease. False when the store refused:
    /// the task is gone, or its lease lapsed and it is already reported
    /// failed, so finishing it now would contradict what clients were told.
    async fn save(&mut self) -> bool {
        self.record.lease_until_ms = now_ms() + millis(self.lease);
        match self.store.save(&self.record).await {
            Ok(saved) => saved,
            Err(e) => {
                // The lease is not renewed; if the store stays away past it,
                // the task is reported failed, which is the truth by then.
                // The store itself logs the outage once.
                tracing::debug!(task = %self.record.id, error = %e, "task state not saved");
                true
            }
        }
    }

    /// Stops the tool: the task expired, or its lease lapsed and clients
    /// were told it failed, so no result of it can be shown any more.
    fn abandon(self) {
        tracing::info!(
            task = %self.record.id,
            tool = %self.record.tool,
            "task abandoned: expired, or its lease lapsed"
        );
        self.cancel.cancel();
    }
}

fn shutdown_message(tool: &str) -> String {
    format!(
        "The server replica running this task ({tool}) shut down before it finished. Call the \
         tool again."
    )
}

/// Moves answers to the questions waiting for them; a question whose every
/// part is answered gets its reply. Answers to nothing are ignored, as the
/// spec asks. True when anything changed.
fn deliver(pending: &mut Vec<Pending>, responses: InputResponses) -> bool {
    let mut changed = false;
    for (key, value) in responses {
        if let Some(question) = pending.iter_mut().find(|p| p.open.contains_key(&key)) {
            question.open.remove(&key);
            question.answered.insert(key, value);
            changed = true;
        }
    }
    let (done, open): (Vec<_>, Vec<_>) = pending.drain(..).partition(|p| p.open.is_empty());
    *pending = open;
    for question in done {
        // The tool may have stopped waiting; nothing to do then.
        let _ = question.reply.send(question.answered);
    }
    changed
}

/// The terminal state for a tool's outcome. A tool that ran and failed is
/// `completed` with an error result (the model reads it); `failed` is for
/// protocol errors, as the spec separates them.
fn settled(outcome: Result<ToolOutput, ToolError>) -> TaskState {
    let result = match outcome {
        Ok(output) => match output.into_response() {
            CallToolResponse::Complete(result) => result,
            _ => {
                return TaskState::failed(&ErrorData::internal_error(
                    "the tool answered input_required inside a task; a task asks with \
                     ToolContext::ask",
                    None,
                ));
            }
        },
        Err(ToolError::Cancelled) => return TaskState::Cancelled,
        Err(ToolError::Protocol(error)) => return TaskState::failed(&error),
        Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
    };
    match serde_json::to_value(result) {
        Ok(serde_json::Value::Object(result)) => TaskState::Completed { result },
        _ => TaskState::Completed {
            result: JsonObject::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use rmcp::model::InputRequest;
    use serde_json::json;

    use super::*;

    fn question(keys: &[&str]) -> (Pending, oneshot::Receiver<InputResponses>) {
        let request: InputRequest =
            serde_json::from_value(json!({"method": "roots/list", "params": {}}))
                .expect("an input request");
        let (reply, answer) = oneshot::channel();
        let open = keys.iter().map(|k| (k.to_string(), request.clone()));
        let pending = Pending {
            open: open.collect(),
            answered: InputResponses::new(),
            reply,
        };
        (pending, answer)
    }

    #[test]
    fn a_question_is_answered_only_when_every_part_is() {
        let (first, mut answer) = question(&["a", "b"]);
        let mut pending = vec![first];
        let partial = InputResponses::from([("a".to_string(), json!({"x": 1}))]);
        assert!(deliver(&mut pending, partial));
        assert_eq!(pending.len(), 1);
        assert!(answer.try_recv().is_err());
        let rest = InputResponses::from([
            ("b".to_string(), json!({"y": 2})),
            ("stray".to_string(), json!({})),
        ]);
        assert!(deliver(&mut pending, rest));
        assert!(pending.is_empty());
        let answered = answer.try_recv().expect("answered");
        assert_eq!(answered.keys().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn answers_to_nothing_change_nothing() {
        let (first, _answer) = question(&["a"]);
        let mut pending = vec![first];
        let stray = InputResponses::from([("zzz".to_string(), json!({}))]);
        assert!(!deliver(&mut pending, stray));
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn outcomes_settle_as_the_spec_separates_them() {
        let done = settled(Ok(ToolOutput::text("ok")));
        let TaskState::Completed { result } = &done else {
            panic!("completed: {done:?}")
        };
        assert_eq!(result["content"][0]["text"], "ok");
        let tool_error = settled(Err(ToolError::Failed("no".into())));
        let TaskState::Completed { result } = &tool_error else {
            panic!("completed: {tool_error:?}")
        };
        assert_eq!(result["isError"], true);
        let protocol = settled(Err(ToolError::Protocol(ErrorData::internal_error(
            "boom", None,
        ))));
        assert!(matches!(protocol, TaskState::Failed { ref error } if error["message"] == "boom"));
        assert_eq!(settled(Err(ToolError::Cancelled)), TaskState::Cancelled);
    }
}
