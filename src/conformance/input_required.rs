//! Protocol 2026-07-28 multi round-trip (SEP-2322): instead of sending the
//! client a request mid-call, a tool answers `input_required` with the
//! requests it needs; the client answers them and calls again with
//! `inputResponses` (and the `requestState` the tool asked back).
//!
//! `requestState` is sealed (HMAC) so a client cannot forge or alter it,
//! with the keys from `MCP_REQUEST_STATE_KEYS_FILE` (shared by every
//! replica, so a retry may land on any of them) or a per-process key.

use std::sync::Arc;

use rmcp::{
    ErrorData,
    model::{
        ClientCapabilities, InputRequest, InputRequests, InputRequiredResult, RequestStateCodec,
    },
};
use serde_json::{Value, json};

use super::fixtures::from_json;
use crate::catalog::{CatalogBuilder, NoArgs, Tool, ToolContext, ToolError, ToolOutput};

pub fn register(catalog: CatalogBuilder, codec: RequestStateCodec) -> CatalogBuilder {
    let sealer = Sealer(Arc::new(codec));
    catalog
        .tool(StreamingElicitation)
        .tool(AskName)
        .tool(AskModel)
        .tool(AskRoots)
        .tool(StateRoundTrip(sealer.clone()))
        .tool(TamperedState(sealer.clone()))
        .tool(MultipleInputs(sealer.clone()))
        .tool(MultiRound(sealer))
        .tool(DeclaredCapabilities)
}

// ---- building blocks -------------------------------------------------------

pub(super) fn elicitation(message: &str, field: &str, kind: &str) -> InputRequest {
    from_json(
        "elicitation input request",
        json!({
            "method": "elicitation/create",
            "params": {
                "mode": "form",
                "message": message,
                "requestedSchema": {
                    "type": "object",
                    "properties": {field: {"type": kind}},
                    "required": [field],
                },
            },
        }),
    )
}

fn sampling(text: &str, max_tokens: u32) -> InputRequest {
    from_json(
        "sampling input request",
        json!({
            "method": "sampling/createMessage",
            "params": {
                "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
                "maxTokens": max_tokens,
            },
        }),
    )
}

fn roots() -> InputRequest {
    from_json(
        "roots input request",
        json!({"method": "roots/list", "params": {}}),
    )
}

/// An `input_required` result asking for `requests`, keyed by the names the
/// client's answers will come back under.
pub(super) fn input_required(
    requests: Vec<(&str, InputRequest)>,
    state: Option<String>,
) -> InputRequiredResult {
    let requests: InputRequests = requests
        .into_iter()
        .map(|(key, request)| (key.to_owned(), request))
        .collect();
    InputRequiredResult::new(Some(requests), state)
}

fn ask(requests: Vec<(&str, InputRequest)>, state: Option<String>) -> ToolOutput {
    ToolOutput::InputRequired(input_required(requests, state))
}

/// The client's answer under `key`: `None` if absent (ask again), an error
/// if present but not an object (the client sent garbage).
pub(super) fn answer(context: &ToolContext, key: &str) -> Result<Option<Value>, ToolError> {
    match context
        .input_responses()
        .and_then(|answers| answers.get(key))
    {
        None => Ok(None),
        Some(value @ Value::Object(_)) => Ok(Some(value.clone())),
        Some(_) => Err(ToolError::Protocol(ErrorData::invalid_params(
            format!("inputResponses.{key} must be an object"),
            None,
        ))),
    }
}

/// Seals and opens `requestState` with the configured keys.
#[derive(Clone)]
pub struct Sealer(Arc<RequestStateCodec>);

impl Sealer {
    fn seal(&self, state: Value) -> String {
        // Why this cannot fail: sealing a JSON value only serializes it.
        self.0.seal_json(&state).expect("seal request state")
    }

    fn open(&self, context: &ToolContext) -> Result<Value, ToolError> {
        let sealed = context.request_state().ok_or_else(|| {
            ToolError::Protocol(ErrorData::invalid_params("requestState is missing", None))
        })?;
        self.0.open_json(sealed).map_err(|_| {
            ToolError::Protocol(ErrorData::invalid_params(
                "requestState failed integrity verification",
                None,
            ))
        })
    }
}

// ---- the tools ---------------------------------------------------------------

pub struct StreamingElicitation;

impl Tool for StreamingElicitation {
    type Args = NoArgs;
    const NAME: &'static str = "test_streaming_elicitation";
    const DESCRIPTION: &'static str = "Asks the user through input_required, never mid-stream";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        match answer(&context, "answer")? {
            None => Ok(ask(
                vec![("answer", elicitation("Continue?", "ok", "boolean"))],
                None,
            )),
            Some(_) => Ok(ToolOutput::text("Elicitation answered")),
        }
    }
}

pub struct AskName;

impl Tool for AskName {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_elicitation";
    const DESCRIPTION: &'static str = "Asks the user's name, then greets them";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        match answer(&context, "user_name")? {
            None => Ok(ask(
                vec![(
                    "user_name",
                    elicitation("What is your name?", "name", "string"),
                )],
                None,
            )),
            Some(reply) => Ok(ToolOutput::text(format!(
                "Hello, {}!",
                reply["content"]["name"].as_str().unwrap_or("stranger")
            ))),
        }
    }
}

pub struct AskModel;

impl Tool for AskModel {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_sampling";
    const DESCRIPTION: &'static str = "Asks the client's LLM a question";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        match answer(&context, "capital_question")? {
            None => Ok(ask(
                vec![(
                    "capital_question",
                    sampling("What is the capital of France?", 100),
                )],
                None,
            )),
            Some(reply) => Ok(ToolOutput::text(format!(
                "The model answered: {}",
                reply["content"]["text"].as_str().unwrap_or_default()
            ))),
        }
    }
}

pub struct AskRoots;

impl Tool for AskRoots {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_list_roots";
    const DESCRIPTION: &'static str = "Asks the client for its roots";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        match answer(&context, "client_roots")? {
            None => Ok(ask(vec![("client_roots", roots())], None)),
            Some(reply) => Ok(ToolOutput::text(format!(
                "Client roots: {}",
                reply["roots"]
            ))),
        }
    }
}

/// Round 1 asks for confirmation and seals state naming this tool; round 2
/// must bring both back intact.
async fn confirm_with_state(
    sealer: &Sealer,
    tool: &str,
    context: &ToolContext,
) -> Result<ToolOutput, ToolError> {
    match answer(context, "confirm")? {
        None => Ok(ask(
            vec![("confirm", elicitation("Please confirm", "ok", "boolean"))],
            Some(sealer.seal(json!({"tool": tool, "round": 1}))),
        )),
        Some(_) => {
            let state = sealer.open(context)?;
            if state["tool"] != tool {
                return Err(ToolError::Protocol(ErrorData::invalid_params(
                    "requestState belongs to another tool",
                    None,
                )));
            }
            Ok(ToolOutput::text("state-ok: confirmed"))
        }
    }
}

pub struct StateRoundTrip(Sealer);

impl Tool for StateRoundTrip {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_request_state";
    const DESCRIPTION: &'static str = "Keeps sealed state across a round trip";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        confirm_with_state(&self.0, Self::NAME, &context).await
    }
}

pub struct TamperedState(Sealer);

impl Tool for TamperedState {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_tampered_state";
    const DESCRIPTION: &'static str = "Rejects request state the client altered";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        confirm_with_state(&self.0, Self::NAME, &context).await
    }
}

pub struct MultipleInputs(Sealer);

impl Tool for MultipleInputs {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_multiple_inputs";
    const DESCRIPTION: &'static str = "Asks for a name, an LLM greeting and the roots at once";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let keys = ["user_name", "greeting", "client_roots"];
        let mut complete = true;
        for key in keys {
            complete &= answer(&context, key)?.is_some();
        }
        if complete {
            self.0.open(&context)?;
            return Ok(ToolOutput::text("All three inputs received"));
        }
        Ok(ask(
            vec![
                (
                    "user_name",
                    elicitation("What is your name?", "name", "string"),
                ),
                ("greeting", sampling("Generate a greeting", 50)),
                ("client_roots", roots()),
            ],
            Some(self.0.seal(json!({"tool": Self::NAME}))),
        ))
    }
}

pub struct MultiRound(Sealer);

impl Tool for MultiRound {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_multi_round";
    const DESCRIPTION: &'static str = "Asks two questions in two rounds";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let state = match context.request_state() {
            Some(_) => self.0.open(&context)?,
            None => json!({"round": 0}),
        };
        let step1 = answer(&context, "step1")?;
        let step2 = answer(&context, "step2")?;
        match (state["round"].as_i64(), step1, step2) {
            (Some(1), Some(reply), _) => Ok(ask(
                vec![(
                    "step2",
                    elicitation("Step 2: What is your favorite color?", "color", "string"),
                )],
                Some(
                    self.0
                        .seal(json!({"round": 2, "name": reply["content"]["name"]})),
                ),
            )),
            (Some(2), _, Some(reply)) => Ok(ToolOutput::text(format!(
                "{} likes {}",
                state["name"].as_str().unwrap_or("someone"),
                reply["content"]["color"].as_str().unwrap_or("something")
            ))),
            _ => Ok(ask(
                vec![(
                    "step1",
                    elicitation("Step 1: What is your name?", "name", "string"),
                )],
                Some(self.0.seal(json!({"round": 1}))),
            )),
        }
    }
}

/// Asks only for what the client declared it can do.
pub struct DeclaredCapabilities;

impl Tool for DeclaredCapabilities {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_capabilities";
    const DESCRIPTION: &'static str = "Asks only for inputs the client declared capabilities for";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        if context.input_responses().is_some() {
            return Ok(ToolOutput::text("Declared inputs received"));
        }
        let declared = context
            .mcp_request()
            .and_then(|r| r.client_capabilities())
            .unwrap_or_default();
        let mut requests = Vec::new();
        if declared.sampling.is_some() {
            requests.push(("sampling", sampling("Say hello", 10)));
        }
        if declared.elicitation.is_some() {
            requests.push((
                "elicitation",
                elicitation("What is your name?", "name", "string"),
            ));
        }
        if declared.roots.is_some() {
            requests.push(("roots", roots()));
        }
        if requests.is_empty() {
            #[allow(deprecated)] // sampling: see client_requests.rs
            let required = ClientCapabilities::builder().enable_sampling().build();
            return Err(ToolError::Protocol(
                ErrorData::missing_required_client_capability(required),
            ));
        }
        Ok(ask(requests, None))
    }
}
