//! Tools that ask the client for something mid-call — an LLM completion
//! (sampling) or user input (elicitation) — as legacy-session servers do.
//!
//! Such a request needs a channel back from the client: a legacy session.
//! Stateless legacy requests carry no client capabilities and cannot receive
//! the client's answer, and 2026-07-28 forbids server-to-client requests (it
//! has `input_required` results instead, see `input_required.rs`). There the
//! tools fail fast with a message saying so, rather than hang.

#![allow(deprecated)] // Sampling is deprecated by SEP-2577; legacy clients use it.

use rmcp::{
    ErrorData,
    model::{ClientCapabilities, CreateMessageRequestParams, ElicitRequestParams, ElicitResult},
    schemars::{self, JsonSchema},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::fixtures::from_json;
use crate::catalog::{NoArgs, Tool, ToolContext, ToolError, ToolOutput};

fn unsupported(capability: &str) -> ToolError {
    ToolError::Failed(format!(
        "This tool requires a client with the {capability} capability over a legacy session \
         (MCP_LEGACY_SESSIONS=true): stateless requests cannot receive the client's answer"
    ))
}

/// The calling client's capabilities, if it declared them over MCP.
fn capabilities(context: &ToolContext) -> Option<ClientCapabilities> {
    context.mcp_request()?.client_capabilities()
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SamplingArgs {
    /// The prompt to send to the client's LLM
    pub prompt: String,
}

pub struct Sampling;

impl Tool for Sampling {
    type Args = SamplingArgs;
    const NAME: &'static str = "test_sampling";
    const DESCRIPTION: &'static str = "Asks the client's LLM to answer a prompt";

    async fn call(
        &self,
        args: SamplingArgs,
        context: ToolContext,
    ) -> Result<ToolOutput, ToolError> {
        let declared = capabilities(&context).is_some_and(|c| c.sampling.is_some());
        let Some(request) = context.mcp_request().filter(|_| declared) else {
            return Err(unsupported("sampling"));
        };
        let params: CreateMessageRequestParams = from_json(
            "sampling request",
            json!({
                "messages": [{"role": "user", "content": {"type": "text", "text": args.prompt}}],
                "maxTokens": 100,
            }),
        );
        let answer = request
            .peer
            .create_message(params)
            .await
            .map_err(|e| ToolError::Failed(format!("Sampling request failed: {e}")))?;
        let answer = serde_json::to_value(&answer).unwrap_or_default();
        let answer = answer["content"]["text"].as_str().unwrap_or_default();
        Ok(ToolOutput::text(format!("LLM response: {answer}")))
    }
}

/// Sends `elicitation/create` and reports the user's answer.
async fn elicit(
    context: &ToolContext,
    message: &str,
    requested_schema: Value,
) -> Result<ElicitResult, ToolError> {
    let declared = capabilities(context).is_some_and(|c| c.elicitation.is_some());
    let Some(request) = context.mcp_request().filter(|_| declared) else {
        return Err(unsupported("elicitation"));
    };
    let params: ElicitRequestParams = from_json(
        "elicitation request",
        json!({"mode": "form", "message": message, "requestedSchema": requested_schema}),
    );
    request
        .peer
        .create_elicitation(params)
        .await
        .map_err(|e| ToolError::Failed(format!("Elicitation request failed: {e}")))
}

fn describe(answer: &ElicitResult) -> String {
    let answer = serde_json::to_value(answer).unwrap_or_default();
    format!(
        "action={}, content={}",
        answer["action"].as_str().unwrap_or_default(),
        answer["content"]
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ElicitationArgs {
    /// The question to put to the user
    pub message: String,
}

pub struct Elicitation;

impl Tool for Elicitation {
    type Args = ElicitationArgs;
    const NAME: &'static str = "test_elicitation";
    const DESCRIPTION: &'static str = "Asks the user for a username and an email address";

    async fn call(
        &self,
        args: ElicitationArgs,
        context: ToolContext,
    ) -> Result<ToolOutput, ToolError> {
        let schema = json!({
            "type": "object",
            "properties": {
                "username": {"type": "string", "description": "User's response"},
                "email": {"type": "string", "description": "User's email address"},
            },
            "required": ["username", "email"],
        });
        let answer = elicit(&context, &args.message, schema).await?;
        Ok(ToolOutput::text(format!(
            "User response: {}",
            describe(&answer)
        )))
    }
}

/// SEP-1034: default values for every primitive type.
pub struct ElicitationDefaults;

impl Tool for ElicitationDefaults {
    type Args = NoArgs;
    const NAME: &'static str = "test_elicitation_sep1034_defaults";
    const DESCRIPTION: &'static str = "Elicits a form whose fields all have default values";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "default": "John Doe"},
                "age": {"type": "integer", "default": 30},
                "score": {"type": "number", "default": 95.5},
                "status": {"type": "string", "enum": ["active", "inactive", "pending"], "default": "active"},
                "verified": {"type": "boolean", "default": true},
            },
        });
        let answer = elicit(&context, "Please review your profile", schema).await?;
        Ok(ToolOutput::text(format!(
            "Elicitation completed: {}",
            describe(&answer)
        )))
    }
}

/// SEP-1330: every way of writing an enum, single and multiple choice.
pub struct ElicitationEnums;

impl Tool for ElicitationEnums {
    type Args = NoArgs;
    const NAME: &'static str = "test_elicitation_sep1330_enums";
    const DESCRIPTION: &'static str = "Elicits a form with every kind of enum field";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let titled = |prefix: &str, words: [&str; 3]| -> Value {
            words
                .iter()
                .enumerate()
                .map(|(i, w)| json!({"const": format!("value{}", i + 1), "title": format!("{w} {prefix}")}))
                .collect()
        };
        let options = json!(["option1", "option2", "option3"]);
        let schema = json!({
            "type": "object",
            "properties": {
                "untitledSingle": {"type": "string", "enum": options},
                "titledSingle": {"type": "string", "oneOf": titled("Option", ["First", "Second", "Third"])},
                "legacyEnum": {
                    "type": "string",
                    "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"],
                },
                "untitledMulti": {"type": "array", "items": {"type": "string", "enum": options}},
                "titledMulti": {"type": "array", "items": {"anyOf": titled("Choice", ["First", "Second", "Third"])}},
            },
        });
        let answer = elicit(&context, "Please choose your options", schema).await?;
        Ok(ToolOutput::text(format!(
            "Elicitation completed: {}",
            describe(&answer)
        )))
    }
}

/// Needs client sampling: without it the request itself is wrong, so the
/// answer is the protocol's missing-capability error, not a tool error.
pub struct MissingCapability;

impl Tool for MissingCapability {
    type Args = NoArgs;
    const NAME: &'static str = "test_missing_capability";
    const DESCRIPTION: &'static str = "Requires the client's sampling capability";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        if capabilities(&context).is_none_or(|c| c.sampling.is_none()) {
            let required = ClientCapabilities::builder().enable_sampling().build();
            return Err(ToolError::Protocol(
                ErrorData::missing_required_client_capability(required),
            ));
        }
        Ok(ToolOutput::text("The client declared sampling"))
    }
}
