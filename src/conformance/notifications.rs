//! Tools that send notifications while they run: log messages, progress,
//! and list changes.

#![allow(deprecated)] // LoggingLevel: see crate::catalog::LogGate.

use std::time::Duration;

use rmcp::model::{LoggingLevel, ProgressNotificationParam};
use serde_json::json;

use crate::catalog::{Change, NoArgs, Tool, ToolContext, ToolError, ToolOutput};

const STEP: Duration = Duration::from_millis(50);

async fn log(context: &ToolContext, message: &str) {
    if let Some(logging) = context.logging() {
        logging
            .log(LoggingLevel::Info, "conformance", json!(message))
            .await;
    }
}

pub struct ToolWithLogging;

impl Tool for ToolWithLogging {
    type Args = NoArgs;
    const NAME: &'static str = "test_tool_with_logging";
    const DESCRIPTION: &'static str = "Sends three info log messages while it runs";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        log(&context, "Tool execution started").await;
        tokio::time::sleep(STEP).await;
        log(&context, "Tool processing data").await;
        tokio::time::sleep(STEP).await;
        log(&context, "Tool execution completed").await;
        Ok(ToolOutput::text("Tool with logging executed successfully"))
    }
}

/// Logs once; on 2026-07-28 only if the request asked for a log level.
pub struct LoggingTool;

impl Tool for LoggingTool {
    type Args = NoArgs;
    const NAME: &'static str = "test_logging_tool";
    const DESCRIPTION: &'static str = "Sends one info log message";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        log(&context, "test_logging_tool ran").await;
        Ok(ToolOutput::text("Logged one message"))
    }
}

pub struct ToolWithProgress;

impl Tool for ToolWithProgress {
    type Args = NoArgs;
    const NAME: &'static str = "test_tool_with_progress";
    const DESCRIPTION: &'static str = "Reports progress 0, 50, 100 of 100 when given a token";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let request = context.mcp_request();
        let token = request.and_then(|r| r.meta.get_progress_token());
        for (step, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if step > 0 {
                tokio::time::sleep(STEP).await;
            }
            if let (Some(request), Some(token)) = (request, &token) {
                let update =
                    ProgressNotificationParam::new(token.clone(), progress).with_total(100.0);
                if let Err(e) = request.peer.notify_progress(update).await {
                    tracing::debug!(error = %e, "progress not delivered");
                }
            }
        }
        Ok(ToolOutput::text("Tool with progress executed successfully"))
    }
}

pub struct TriggerToolChange;

impl Tool for TriggerToolChange {
    type Args = NoArgs;
    const NAME: &'static str = "test_trigger_tool_change";
    const DESCRIPTION: &'static str = "Announces that the tool list changed";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        context.notify_list_changed(Change::Tools).await;
        Ok(ToolOutput::text("Tool list change announced"))
    }
}

pub struct TriggerPromptChange;

impl Tool for TriggerPromptChange {
    type Args = NoArgs;
    const NAME: &'static str = "test_trigger_prompt_change";
    const DESCRIPTION: &'static str = "Announces that the prompt list changed";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        context.notify_list_changed(Change::Prompts).await;
        Ok(ToolOutput::text("Prompt list change announced"))
    }
}
