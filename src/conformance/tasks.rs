//! The tasks extension's fixtures (SEP-2663, the suite's `tasks-*`
//! scenarios): a sync-only tool, tools that may or must run as tasks, one
//! that settles each way a task can end, and ones that wait for the client.

use std::time::Duration;

use rmcp::{
    ErrorData,
    model::{InputRequest, InputRequests},
    schemars::{self, JsonSchema},
};
use serde::Deserialize;

use super::input_required::{answer, elicitation, input_required};
use crate::catalog::{
    CatalogBuilder, NoArgs, TaskSupport, Tool, ToolContext, ToolError, ToolOutput,
};

pub fn register(catalog: CatalogBuilder) -> CatalogBuilder {
    catalog
        .tool(Greet)
        .tool(SlowCompute)
        .tool(FailingJob)
        .tool(ProtocolErrorJob)
        .tool(ConfirmDelete)
        .tool(MultiInput)
        .tool(GreetAsTask)
}

pub struct Greet;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GreetArgs {
    /// Who to greet
    pub name: String,
}

impl Tool for Greet {
    type Args = GreetArgs;
    const NAME: &'static str = "greet";
    const DESCRIPTION: &'static str = "Greets by name, at once (never a task)";

    async fn call(&self, args: GreetArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::text(format!("Hello, {}!", args.name)))
    }
}

pub struct SlowCompute;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SlowComputeArgs {
    /// Seconds to work before answering (0: at once)
    pub seconds: u64,
    /// A label echoed in the result
    #[serde(default)]
    pub label: Option<String>,
}

impl Tool for SlowCompute {
    type Args = SlowComputeArgs;
    const NAME: &'static str = "slow_compute";
    const DESCRIPTION: &'static str =
        "Works for the given seconds, then answers; runs as a task when the client allows";
    const TASK_SUPPORT: TaskSupport = TaskSupport::Optional;

    async fn call(
        &self,
        args: SlowComputeArgs,
        context: ToolContext,
    ) -> Result<ToolOutput, ToolError> {
        let cancelled = context.cancelled();
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(args.seconds)) => {}
            () = cancelled.cancelled() => return Err(ToolError::Cancelled),
        }
        let label = args.label.as_deref().unwrap_or("unlabelled");
        Ok(ToolOutput::text(format!(
            "Computed {label} in {} s",
            args.seconds
        )))
    }
}

pub struct FailingJob;

impl Tool for FailingJob {
    type Args = NoArgs;
    const NAME: &'static str = "failing_job";
    const DESCRIPTION: &'static str = "Runs only as a task, and fails as a tool after a second";
    const TASK_SUPPORT: TaskSupport = TaskSupport::Required;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Err(ToolError::Failed(
            "The job failed, as it always does".into(),
        ))
    }
}

pub struct ProtocolErrorJob;

impl Tool for ProtocolErrorJob {
    type Args = NoArgs;
    const NAME: &'static str = "protocol_error_job";
    const DESCRIPTION: &'static str = "Runs as a task that ends in a protocol error";
    const TASK_SUPPORT: TaskSupport = TaskSupport::Optional;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        Err(ToolError::Protocol(ErrorData::internal_error(
            "The job broke down before it could produce a result",
            None,
        )))
    }
}

fn confirmation(message: &str) -> InputRequest {
    elicitation(message, "confirm", "boolean")
}

/// Asks through the task when there is one; otherwise the call ends with
/// the same questions as an `input_required` result.
async fn ask_or_return(
    context: &ToolContext,
    requests: InputRequests,
) -> Result<Result<(), ToolOutput>, ToolError> {
    if context.is_task() {
        context.ask(requests).await?;
        return Ok(Ok(()));
    }
    let all_answered = requests
        .keys()
        .all(|key| matches!(answer(context, key), Ok(Some(_))));
    if all_answered {
        return Ok(Ok(()));
    }
    let requests = requests.iter().map(|(k, v)| (k.as_str(), v.clone()));
    Ok(Err(ToolOutput::InputRequired(input_required(
        requests.collect(),
        None,
    ))))
}

pub struct ConfirmDelete;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ConfirmDeleteArgs {
    /// The file to delete once the user confirms
    pub filename: String,
}

impl Tool for ConfirmDelete {
    type Args = ConfirmDeleteArgs;
    const NAME: &'static str = "confirm_delete";
    const DESCRIPTION: &'static str = "Asks the user to confirm, then reports the file deleted";
    const TASK_SUPPORT: TaskSupport = TaskSupport::Optional;

    async fn call(
        &self,
        args: ConfirmDeleteArgs,
        context: ToolContext,
    ) -> Result<ToolOutput, ToolError> {
        let question = confirmation(&format!("Delete {}?", args.filename));
        let requests = InputRequests::from([("confirm".to_owned(), question)]);
        if let Err(ask) = ask_or_return(&context, requests).await? {
            return Ok(ask);
        }
        Ok(ToolOutput::text(format!("Deleted {}", args.filename)))
    }
}

pub struct MultiInput;

impl Tool for MultiInput {
    type Args = NoArgs;
    const NAME: &'static str = "multi_input";
    const DESCRIPTION: &'static str = "Asks two questions at once, then reports both answered";
    const TASK_SUPPORT: TaskSupport = TaskSupport::Optional;

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let requests = InputRequests::from([
            (
                "first".to_owned(),
                elicitation("First name?", "name", "string"),
            ),
            ("second".to_owned(), confirmation("Proceed?")),
        ]);
        if let Err(ask) = ask_or_return(&context, requests).await? {
            return Ok(ask);
        }
        Ok(ToolOutput::text("Both inputs received"))
    }
}

/// Multi round-trip first, then a task: the name is gathered in the call
/// itself (SEP-2322), and only the final round creates the task.
pub struct GreetAsTask;

impl Tool for GreetAsTask {
    type Args = NoArgs;
    const NAME: &'static str = "test_tool_with_task";
    const DESCRIPTION: &'static str = "Asks the user's name, then greets them from a task";
    const TASK_SUPPORT: TaskSupport = TaskSupport::Required;

    fn before_task(&self, context: &ToolContext) -> Result<Option<ToolOutput>, ToolError> {
        Ok(match answer(context, "user_name")? {
            Some(_) => None,
            None => Some(ToolOutput::InputRequired(input_required(
                vec![(
                    "user_name",
                    elicitation("What is your name?", "name", "string"),
                )],
                None,
            ))),
        })
    }

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let reply = answer(&context, "user_name")?.unwrap_or_default();
        Ok(ToolOutput::text(format!(
            "Hello, {}!",
            reply["content"]["name"].as_str().unwrap_or("stranger")
        )))
    }
}
