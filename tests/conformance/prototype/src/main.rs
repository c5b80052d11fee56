#![allow(deprecated)]
//! Throwaway reference for tests/conformance/FIXTURES.md: every conformance fixture
//! on one rmcp 3.11.0 `ServerHandler`, results built from JSON so the wire shapes are
//! visible. It passed all four runs of tests/conformance/run.sh (130/130 scored:
//! 28/28 + 4 n/a stateless, 32/32 legacy, 37/37 2026-07-28, 33/33 2025-11-25).
//! Not production code: no toolset switch, no REST, fixed HMAC key, logs everything
//! on legacy requests. Env: PORT, MCP_LEGACY_SESSIONS=true|false; serves /mcp, /ready.
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use rmcp::{
    ErrorData as McpError, RoleServer, ServerHandler,
    model::*,
    service::{RequestContext, SubscriptionContext, SubscriptionSendError, SubscriptionSink},
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};
use serde_json::{Value, json};

const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
const WAV: &str = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";

struct Shared {
    sinks: Mutex<Vec<SubscriptionSink>>,
    level: Mutex<Option<LoggingLevel>>,
    codec: RequestStateCodec,
}

#[derive(Clone)]
struct S(Arc<Shared>);

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("fixture json")
}
fn empty() -> Value {
    json!({"type":"object","properties":{}})
}
fn tool(name: &str, desc: &str, schema: Value) -> Value {
    json!({"name": name, "description": desc, "inputSchema": schema})
}
fn text(t: impl Into<String>) -> CallToolResponse {
    CallToolResult::success(vec![ContentBlock::text(t.into())]).into()
}
fn is_2026(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}
fn elicit(message: &str, props: Value, required: Value) -> Value {
    json!({"method":"elicitation/create","params":{"mode":"form","message":message,"requestedSchema":{"type":"object","properties":props,"required":required}}})
}
fn sampling(text: &str, max: u32) -> Value {
    json!({"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":text}}],"maxTokens":max}})
}
fn input_required(reqs: Value, state: Option<String>) -> CallToolResponse {
    let mut v = json!({"resultType":"input_required","inputRequests":reqs});
    if let Some(s) = state {
        v["requestState"] = json!(s);
    }
    CallToolResponse::InputRequired(from(v))
}
fn accepted(
    resp: &Option<std::collections::BTreeMap<String, Value>>,
    key: &str,
) -> Result<Option<Value>, McpError> {
    match resp.as_ref().and_then(|m| m.get(key)) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(Value::Object(o.clone()))),
        Some(_) => Err(McpError::invalid_params(
            format!("inputResponses.{key} must be an object"),
            None,
        )),
    }
}

impl S {
    fn tools(&self) -> Vec<Value> {
        let s = |p: Value, r: Value| json!({"type":"object","properties":p,"required":r});
        vec![
            tool("test_simple_text", "Returns simple text", empty()),
            tool("test_image_content", "Returns an image", empty()),
            tool("test_audio_content", "Returns audio", empty()),
            tool(
                "test_embedded_resource",
                "Returns an embedded resource",
                empty(),
            ),
            tool(
                "test_multiple_content_types",
                "Returns mixed content",
                empty(),
            ),
            tool("test_tool_with_logging", "Logs during execution", empty()),
            tool("test_error_handling", "Always fails", empty()),
            tool("test_tool_with_progress", "Reports progress", empty()),
            tool(
                "test_sampling",
                "Asks the client LLM",
                s(json!({"prompt":{"type":"string"}}), json!(["prompt"])),
            ),
            tool(
                "test_elicitation",
                "Asks the user",
                s(json!({"message":{"type":"string"}}), json!(["message"])),
            ),
            tool(
                "test_elicitation_sep1034_defaults",
                "Elicitation with defaults",
                empty(),
            ),
            tool(
                "test_elicitation_sep1330_enums",
                "Elicitation with enums",
                empty(),
            ),
            tool(
                "json_schema_2020_12_tool",
                "Tool with JSON Schema 2020-12 features",
                json!({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
 "$defs":{"address":{"$anchor":"addressDef","type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
 "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"},"contactMethod":{"type":"string","enum":["phone","email"]},"phone":{"type":"string"},"email":{"type":"string"}},
 "allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],
 "if":{"properties":{"contactMethod":{"const":"phone"}},"required":["contactMethod"]},
 "then":{"required":["phone"]},"else":{"required":["email"]},
 "additionalProperties":false}),
            ),
            tool("test_reconnection", "SSE reconnection probe", empty()),
            tool("test_missing_capability", "Needs client sampling", empty()),
            tool(
                "test_streaming_elicitation",
                "Elicits via input_required",
                empty(),
            ),
            tool("test_logging_tool", "Logs once", empty()),
            tool(
                "test_trigger_tool_change",
                "Announces a tool list change",
                empty(),
            ),
            tool(
                "test_trigger_prompt_change",
                "Announces a prompt list change",
                empty(),
            ),
            tool(
                "test_custom_header",
                "Mirrors region into a header",
                s(
                    json!({"region":{"type":"string","x-mcp-header":"Region"}}),
                    json!(["region"]),
                ),
            ),
            tool(
                "test_input_required_result_elicitation",
                "MRTR elicitation",
                empty(),
            ),
            tool(
                "test_input_required_result_sampling",
                "MRTR sampling",
                empty(),
            ),
            tool(
                "test_input_required_result_list_roots",
                "MRTR roots",
                empty(),
            ),
            tool(
                "test_input_required_result_request_state",
                "MRTR state",
                empty(),
            ),
            tool(
                "test_input_required_result_multiple_inputs",
                "MRTR multiple",
                empty(),
            ),
            tool(
                "test_input_required_result_multi_round",
                "MRTR multi round",
                empty(),
            ),
            tool(
                "test_input_required_result_tampered_state",
                "MRTR tamper",
                empty(),
            ),
            tool(
                "test_input_required_result_capabilities",
                "MRTR capabilities",
                empty(),
            ),
        ]
    }

    async fn log(&self, ctx: &RequestContext<RoleServer>, msg: &str) {
        let allowed = if is_2026(ctx) {
            ctx.meta.log_level().is_some()
        } else {
            true
        };
        if allowed {
            let _ = ctx
                .peer
                .notify_logging_message(LoggingMessageNotificationParam::new(
                    LoggingLevel::Info,
                    json!(msg),
                ))
                .await;
        }
    }

    fn seal(&self, v: Value) -> String {
        self.0.codec.seal_json(&v).unwrap()
    }
    fn open(&self, s: &Option<String>) -> Result<Value, McpError> {
        let s = s
            .as_ref()
            .ok_or_else(|| McpError::invalid_params("missing requestState", None))?;
        self.0.codec.open_json::<Value>(s).map_err(|_| {
            McpError::invalid_params("requestState failed integrity verification", None)
        })
    }
}

impl ServerHandler for S {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_prompts()
                .enable_prompts_list_changed()
                .enable_completions()
                .enable_logging()
                .build(),
        )
        .with_server_info(Implementation::new("proto", "0.0.1"))
    }

    async fn list_tools(
        &self,
        _r: Option<PaginatedRequestParams>,
        _c: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(
            self.tools().into_iter().map(from).collect(),
        ))
    }
    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools()
            .into_iter()
            .map(from::<Tool>)
            .find(|t| t.name == name)
    }

    async fn set_level(
        &self,
        req: SetLevelRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if is_2026(&ctx) {
            return Err(McpError::method_not_found::<SetLevelRequestMethod>());
        }
        *self.0.level.lock().unwrap() = Some(req.level);
        Ok(())
    }

    async fn complete(
        &self,
        req: CompleteRequestParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let cands = ["paris", "park", "party"];
        let vals = cands
            .iter()
            .filter(|c| c.starts_with(&req.argument.value.to_lowercase()))
            .map(|c| c.to_string())
            .collect();
        Ok(CompleteResult::new(CompletionInfo::new(vals).unwrap()))
    }

    async fn call_tool(
        &self,
        req: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let args = req.arguments.clone().unwrap_or_default();
        let ir = &req.input_responses;
        Ok(match req.name.as_ref() {
            "test_simple_text" => text("This is a simple text response for testing."),
            "test_image_content" => CallToolResult::success(vec![ContentBlock::image(PNG, "image/png")]).into(),
            "test_audio_content" => CallToolResult::success(vec![ContentBlock::audio(WAV, "audio/wav")]).into(),
            "test_embedded_resource" => CallToolResult::success(vec![ContentBlock::resource(from(json!({"uri":"test://embedded-resource","mimeType":"text/plain","text":"This is an embedded resource content."})))]).into(),
            "test_multiple_content_types" => CallToolResult::success(vec![
                ContentBlock::text("Multiple content types test:"),
                ContentBlock::image(PNG, "image/png"),
                ContentBlock::resource(from(json!({"uri":"test://mixed-content-resource","mimeType":"application/json","text":"{\"test\":\"data\",\"value\":123}"}))),
            ]).into(),
            "test_error_handling" => CallToolResult::error(vec![ContentBlock::text("This tool intentionally returns an error for testing")]).into(),
            "test_tool_with_logging" => {
                self.log(&ctx, "Tool execution started").await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                self.log(&ctx, "Tool processing data").await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                self.log(&ctx, "Tool execution completed").await;
                text("Tool with logging executed successfully")
            }
            "test_logging_tool" => {
                self.log(&ctx, "test_logging_tool ran").await;
                text("logged")
            }
            "test_tool_with_progress" => {
                let token = ctx.meta.get_progress_token();
                for (i, p) in [0.0, 50.0, 100.0].into_iter().enumerate() {
                    if i > 0 {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    if let Some(t) = &token {
                        let _ = ctx.peer.notify_progress(from(json!({"progressToken": t, "progress": p, "total": 100.0}))).await;
                    }
                }
                text("Tool with progress executed successfully")
            }
            "test_sampling" => {
                let prompt = args.get("prompt").and_then(|v| v.as_str()).unwrap_or("").to_string();
                if ctx.client_capabilities().and_then(|c| c.sampling).is_none() {
                    return Ok(CallToolResult::error(vec![ContentBlock::text("client did not declare sampling")]).into());
                }
                let r = ctx.peer.create_message(from(json!({"messages":[{"role":"user","content":{"type":"text","text":prompt}}],"maxTokens":100}))).await
                    .map_err(|e| McpError::internal_error(e.to_string(), None))?;
                let v = serde_json::to_value(&r).unwrap();
                text(format!("LLM response: {}", v["content"]["text"].as_str().unwrap_or("")))
            }
            "test_elicitation" | "test_elicitation_sep1034_defaults" | "test_elicitation_sep1330_enums" => {
                if ctx.client_capabilities().and_then(|c| c.elicitation).is_none() {
                    return Ok(CallToolResult::error(vec![ContentBlock::text("client did not declare elicitation")]).into());
                }
                let (msg, schema) = match req.name.as_ref() {
                    "test_elicitation" => (args.get("message").and_then(|v| v.as_str()).unwrap_or("").to_string(), json!({"type":"object","properties":{"username":{"type":"string","description":"User's response"},"email":{"type":"string","description":"User's email address"}},"required":["username","email"]})),
                    "test_elicitation_sep1034_defaults" => ("Defaults".into(), json!({"type":"object","properties":{"name":{"type":"string","default":"John Doe"},"age":{"type":"integer","default":30},"score":{"type":"number","default":95.5},"status":{"type":"string","enum":["active","inactive","pending"],"default":"active"},"verified":{"type":"boolean","default":true}}})),
                    _ => ("Enums".into(), json!({"type":"object","properties":{
                        "untitledSingle":{"type":"string","enum":["option1","option2","option3"]},
                        "titledSingle":{"type":"string","oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},
                        "legacyEnum":{"type":"string","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},
                        "untitledMulti":{"type":"array","items":{"type":"string","enum":["option1","option2","option3"]}},
                        "titledMulti":{"type":"array","items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}}})),
                };
                let r = ctx.peer.create_elicitation(from(json!({"mode":"form","message":msg,"requestedSchema":schema}))).await
                    .map_err(|e| McpError::internal_error(e.to_string(), None))?;
                let v = serde_json::to_value(&r).unwrap();
                let prefix = if req.name == "test_elicitation" { "User response: " } else { "Elicitation completed: " };
                text(format!("{prefix}action={}, content={}", v["action"].as_str().unwrap_or(""), v["content"]))
            }
            "json_schema_2020_12_tool" => text("ok"),
            "test_reconnection" => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                text("Reconnection test completed")
            }
            "test_missing_capability" => {
                if ctx.client_capabilities().and_then(|c| c.sampling).is_none() {
                    return Err(McpError::missing_required_client_capability(ClientCapabilities::builder().enable_sampling().build()));
                }
                text("client declared sampling")
            }
            "test_streaming_elicitation" => match accepted(ir, "answer")? {
                None => input_required(json!({"answer": elicit("Stream?", json!({"ok":{"type":"boolean"}}), json!(["ok"]))}), None),
                Some(_) => text("done"),
            },
            "test_trigger_tool_change" | "test_trigger_prompt_change" => {
                let tools = req.name == "test_trigger_tool_change";
                let sinks: Vec<_> = self.0.sinks.lock().unwrap().clone();
                for s in sinks {
                    let r = if tools { s.notify_tool_list_changed().await } else { s.notify_prompt_list_changed().await };
                    if let Err(SubscriptionSendError::SubscriptionClosed) = r {}
                }
                if !is_2026(&ctx) {
                    let _ = if tools { ctx.peer.notify_tool_list_changed().await } else { ctx.peer.notify_prompt_list_changed().await };
                }
                text("notified")
            }
            "test_custom_header" => text(format!("region={}", args.get("region").and_then(|v| v.as_str()).unwrap_or(""))),
            "test_input_required_result_elicitation" => match accepted(ir, "user_name")? {
                None => input_required(json!({"user_name": elicit("What is your name?", json!({"name":{"type":"string"}}), json!(["name"]))}), None),
                Some(v) => text(format!("Hello, {}!", v["content"]["name"].as_str().unwrap_or("?"))),
            },
            "test_input_required_result_sampling" => match accepted(ir, "capital_question")? {
                None => input_required(json!({"capital_question": sampling("What is the capital of France?", 100)}), None),
                Some(v) => text(format!("The model answered: {}", v["content"]["text"].as_str().unwrap_or(""))),
            },
            "test_input_required_result_list_roots" => match accepted(ir, "client_roots")? {
                None => input_required(json!({"client_roots": {"method":"roots/list","params":{}}}), None),
                Some(v) => text(format!("Client roots: {}", v["roots"])),
            },
            "test_input_required_result_request_state" | "test_input_required_result_tampered_state" => match accepted(ir, "confirm")? {
                None => input_required(json!({"confirm": elicit("Please confirm", json!({"ok":{"type":"boolean"}}), json!(["ok"]))}), Some(self.seal(json!({"tool": req.name, "round": 1})))),
                Some(_) => {
                    let st = self.open(&req.request_state)?;
                    if st["tool"] != json!(req.name) { return Err(McpError::invalid_params("requestState is for another request", None)); }
                    text("state-ok: confirmed")
                }
            },
            "test_input_required_result_multiple_inputs" => {
                let keys = ["user_name", "greeting", "client_roots"];
                let got: Vec<_> = keys.iter().map(|k| accepted(ir, k)).collect::<Result<_, _>>()?;
                if got.iter().all(|g| g.is_some()) {
                    self.open(&req.request_state)?;
                    text("all inputs received")
                } else {
                    input_required(json!({"user_name": elicit("What is your name?", json!({"name":{"type":"string"}}), json!(["name"])), "greeting": sampling("Generate a greeting", 50), "client_roots": {"method":"roots/list","params":{}}}), Some(self.seal(json!({"tool": req.name}))))
                }
            }
            "test_input_required_result_multi_round" => {
                let round = if req.request_state.is_some() { self.open(&req.request_state)? } else { json!({"round":0}) };
                match (round["round"].as_i64(), accepted(ir, "step1")?, accepted(ir, "step2")?) {
                    (Some(1), Some(v), _) => input_required(json!({"step2": elicit("Step 2: What is your favorite color?", json!({"color":{"type":"string"}}), json!(["color"]))}), Some(self.seal(json!({"round":2,"name": v["content"]["name"]})))),
                    (Some(2), _, Some(v)) => text(format!("{} likes {}", round["name"].as_str().unwrap_or("?"), v["content"]["color"].as_str().unwrap_or("?"))),
                    _ => input_required(json!({"step1": elicit("Step 1: What is your name?", json!({"name":{"type":"string"}}), json!(["name"]))}), Some(self.seal(json!({"round":1})))),
                }
            }
            "test_input_required_result_capabilities" => {
                let caps = ctx.client_capabilities().unwrap_or_default();
                let mut m = serde_json::Map::new();
                if caps.sampling.is_some() { m.insert("s".into(), sampling("Say hi", 10)); }
                if caps.elicitation.is_some() { m.insert("e".into(), elicit("Name?", json!({"name":{"type":"string"}}), json!(["name"]))); }
                if caps.roots.is_some() { m.insert("r".into(), json!({"method":"roots/list","params":{}})); }
                if m.is_empty() { return Err(McpError::missing_required_client_capability(ClientCapabilities::builder().enable_sampling().build())); }
                if ir.is_some() { text("done") } else { input_required(Value::Object(m), None) }
            }
            other => return Err(McpError::invalid_params(format!("Unknown tool: {other}"), None)),
        })
    }

    async fn list_resources(
        &self,
        _r: Option<PaginatedRequestParams>,
        _c: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(from(json!({"resultType":"complete","resources":[
            {"uri":"test://static-text","name":"static-text","description":"Static text","mimeType":"text/plain"},
            {"uri":"test://static-binary","name":"static-binary","description":"Static PNG","mimeType":"image/png"},
            {"uri":"test://watched-resource","name":"watched-resource","description":"Subscribable","mimeType":"text/plain"}]})))
    }
    async fn list_resource_templates(
        &self,
        _r: Option<PaginatedRequestParams>,
        _c: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(from(
            json!({"resultType":"complete","resourceTemplates":[{"uriTemplate":"test://template/{id}/data","name":"template-data","description":"Templated","mimeType":"application/json"}]}),
        ))
    }
    async fn read_resource(
        &self,
        req: ReadResourceRequestParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = req.uri.clone();
        let c = if uri == "test://static-text" {
            json!({"uri":uri,"mimeType":"text/plain","text":"This is the content of the static text resource."})
        } else if uri == "test://static-binary" {
            json!({"uri":uri,"mimeType":"image/png","blob":PNG})
        } else if uri == "test://watched-resource" {
            json!({"uri":uri,"mimeType":"text/plain","text":"Watched resource content"})
        } else if let Some(id) = uri
            .strip_prefix("test://template/")
            .and_then(|r| r.strip_suffix("/data"))
        {
            json!({"uri":uri,"mimeType":"application/json","text": json!({"id":id,"templateTest":true,"data":format!("Data for ID: {id}")}).to_string()})
        } else {
            return Err(McpError::resource_not_found(
                "Resource not found",
                Some(json!({"uri": uri})),
            ));
        };
        Ok(ReadResourceResponse::Complete(from(
            json!({"resultType":"complete","contents":[c]}),
        )))
    }
    async fn subscribe(
        &self,
        _r: SubscribeRequestParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        Ok(())
    }
    async fn unsubscribe(
        &self,
        _r: UnsubscribeRequestParams,
        _c: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.clone())
    }
    async fn listen(&self, ctx: SubscriptionContext) -> Result<(), McpError> {
        self.0.sinks.lock().unwrap().push(ctx.sink().clone());
        ctx.cancelled().await;
        Ok(())
    }

    async fn list_prompts(
        &self,
        _r: Option<PaginatedRequestParams>,
        _c: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(from(json!({"resultType":"complete","prompts":[
            {"name":"test_simple_prompt","description":"Simple"},
            {"name":"test_prompt_with_arguments","description":"With args","arguments":[{"name":"arg1","description":"First test argument","required":true},{"name":"arg2","description":"Second test argument","required":true}]},
            {"name":"test_prompt_with_embedded_resource","description":"Embedded","arguments":[{"name":"resourceUri","description":"URI","required":true}]},
            {"name":"test_prompt_with_image","description":"Image"},
            {"name":"test_input_required_result_prompt","description":"MRTR prompt"}]})))
    }
    async fn get_prompt(
        &self,
        req: GetPromptRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let a = req.arguments.clone().unwrap_or_default();
        let arg = |k: &str| {
            a.get(k)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| McpError::invalid_params(format!("missing argument {k}"), None))
        };
        let msgs = match req.name.as_str() {
            "test_simple_prompt" => {
                json!([{"role":"user","content":{"type":"text","text":"This is a simple prompt for testing."}}])
            }
            "test_prompt_with_arguments" => {
                json!([{"role":"user","content":{"type":"text","text":format!("Prompt with arguments: arg1='{}', arg2='{}'", arg("arg1")?, arg("arg2")?)}}])
            }
            "test_prompt_with_embedded_resource" => {
                json!([{"role":"user","content":{"type":"resource","resource":{"uri":arg("resourceUri")?,"mimeType":"text/plain","text":"Embedded resource content for testing."}}},{"role":"user","content":{"type":"text","text":"Please process the embedded resource above."}}])
            }
            "test_prompt_with_image" => {
                json!([{"role":"user","content":{"type":"image","data":PNG,"mimeType":"image/png"}},{"role":"user","content":{"type":"text","text":"Please analyze the image above."}}])
            }
            "test_input_required_result_prompt" => {
                let got = accepted(&req.input_responses, "user_context")?;
                match got {
                    None if is_2026(&ctx) => {
                        return Ok(GetPromptResponse::InputRequired(from(
                            json!({"resultType":"input_required","inputRequests":{"user_context": elicit("What context should the prompt use?", json!({"context":{"type":"string"}}), json!(["context"]))}}),
                        )));
                    }
                    None => {
                        json!([{"role":"user","content":{"type":"text","text":"Context: default"}}])
                    }
                    Some(v) => {
                        json!([{"role":"user","content":{"type":"text","text":format!("Context: {}", v["content"]["context"].as_str().unwrap_or(""))}}])
                    }
                }
            }
            _ => return Err(McpError::invalid_params("unknown prompt", None)),
        };
        Ok(GetPromptResponse::Complete(from(
            json!({"resultType":"complete","messages": msgs}),
        )))
    }
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let legacy = std::env::var("MCP_LEGACY_SESSIONS")
        .map(|v| v == "true")
        .unwrap_or(false);
    let shared = Arc::new(Shared {
        sinks: Mutex::new(vec![]),
        level: Mutex::new(None),
        codec: RequestStateCodec::new(b"0123456789abcdef0123456789abcdef".to_vec()),
    });
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(legacy)
        .with_json_response(!legacy);
    let svc = StreamableHttpService::new(
        move || Ok(S(shared.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let app = axum::Router::new()
        .route("/ready", axum::routing::get(|| async { "ok" }))
        .nest_service("/mcp", svc);
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(l, app).await.unwrap();
}
