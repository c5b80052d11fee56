//! Protocol 2026-07-28 multi round-trip (SEP-2322): instead of sending the
//! client a request mid-call, a tool answers `input_required` with the
//! requests it needs; the client answers them and calls again with
//! `inputResponses` (and the `requestState` the tool asked back).
//!
//! `requestState` is sealed (HMAC) with a key made at start-up, so a client
//! cannot forge or alter it. Replicas do not share that key: a retry that
//! lands on another replica is rejected as tampered. That is acceptable for
//! conformance fixtures; a production tool using state would need a shared
//! key from configuration.

use std::{io::Read, sync::OnceLock};

use rmcp::{
    ErrorData,
    model::{
        ClientCapabilities, InputRequest, InputRequests, InputRequiredResult, RequestStateCodec,
    },
};
use serde_json::{Value, json};

use super::fixtures::from_json;
use crate::catalog::{CatalogBuilder, NoArgs, Tool, ToolContext, ToolError, ToolOutput};

pub fn register(catalog: CatalogBuilder) -> CatalogBuilder {
    catalog
        .tool(StreamingElicitation)
        .tool(AskName)
        .tool(AskModel)
        .tool(AskRoots)
        .tool(StateRoundTrip)
        .tool(TamperedState)
        .tool(MultipleInputs)
        .tool(MultiRound)
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

fn codec() -> &'static RequestStateCodec {
    static CODEC: OnceLock<RequestStateCodec> = OnceLock::new();
    CODEC.get_or_init(|| {
        let mut key = [0u8; RequestStateCodec::MIN_KEY_LENGTH];
        // Why this cannot fail on the platforms we ship (Linux): the kernel
        // always provides /dev/urandom.
        std::fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut key))
            .expect("read a random request-state key");
        RequestStateCodec::try_new(key.to_vec()).expect("key has the minimum length")
    })
}

fn seal(state: Value) -> String {
    // Why this cannot fail: sealing a JSON value only serializes it.
    codec().seal_json(&state).expect("seal request state")
}

fn open(context: &ToolContext) -> Result<Value, ToolError> {
    let sealed = context.request_state().ok_or_else(|| {
        ToolError::Protocol(ErrorData::invalid_params("requestState is missing", None))
    })?;
    codec().open_json(sealed).map_err(|_| {
        ToolError::Protocol(ErrorData::invalid_params(
            "requestState failed integrity verification",
            None,
        ))
    })
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
async fn confirm_with_state(tool: &str, context: &ToolContext) -> Result<ToolOutput, ToolError> {
    match answer(context, "confirm")? {
        None => Ok(ask(
            vec![("confirm", elicitation("Please confirm", "ok", "boolean"))],
            Some(seal(json!({"tool": tool, "round": 1}))),
        )),
        Some(_) => {
            let state = open(context)?;
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

pub struct StateRoundTrip;

impl Tool for StateRoundTrip {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_request_state";
    const DESCRIPTION: &'static str = "Keeps sealed state across a round trip";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        confirm_with_state(Self::NAME, &context).await
    }
}

pub struct TamperedState;

impl Tool for TamperedState {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_tampered_state";
    const DESCRIPTION: &'static str = "Rejects request state the client altered";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        confirm_with_state(Self::NAME, &context).await
    }
}

pub struct MultipleInputs;

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
            open(&context)?;
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
            Some(seal(json!({"tool": Self::NAME}))),
        ))
    }
}

pub struct MultiRound;

impl Tool for MultiRound {
    type Args = NoArgs;
    const NAME: &'static str = "test_input_required_result_multi_round";
    const DESCRIPTION: &'static str = "Asks two questions in two rounds";

    async fn call(&self, _: NoArgs, context: ToolContext) -> Result<ToolOutput, ToolError> {
        let state = match context.request_state() {
            Some(_) => open(&context)?,
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
                Some(seal(json!({"round": 2, "name": reply["content"]["name"]}))),
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
                Some(seal(json!({"round": 1}))),
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
