//! The fast path: a stateless `tools/call` of a self-contained tool, answered
//! without rmcp's per-request machinery.
//!
//! Why: in stateless mode rmcp builds a whole service per request — a task, a
//! channel-backed transport, the typed decode of every message kind — which
//! profiling showed to cost more than the HTTP and JSON work itself (see the
//! README's benchmark section). `tools/call` is the request that matters for
//! throughput, and for a tool that never talks to the client mid-call its
//! answer is a pure function of the body.
//!
//! What it bypasses, and why that is safe: the fast path *only ever answers
//! requests rmcp would accept*, with the bytes rmcp would send. Any doubt —
//! an Origin header, a Host it cannot prove allowed, a session, an unknown
//! field, a progress token, a header it does not check, a tool that is not
//! self-contained — and it declines, so rmcp answers (errors included). The
//! checks it does itself mirror rmcp 3.11's: Accept and Content-Type media
//! types, the Host allow-list, `MCP-Protocol-Version`, and for 2026-07-28 the
//! `Mcp-Method`/`Mcp-Name` headers and the required `_meta` keys. The result
//! is serialized through rmcp's own message types, with rmcp's per-era rule
//! (`resultType` only for 2026-07-28). `tests/api/fast_path.rs` checks the
//! answers against rmcp's byte for byte.

use std::{ops::Range, sync::Arc, time::Instant};

use axum::{
    body::Body,
    http::{HeaderValue, Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use rmcp::model::JsonObject;

use super::{
    client_context,
    fast_answer::answer_bytes,
    fast_headers::{FastHeaders, PROTOCOL_2026},
    operation::{Operation, Outcome},
};
use crate::{
    catalog::{Catalog, ToolContext, ToolOutput},
    jsonrpc::Envelope,
};

#[derive(Clone)]
pub struct FastPath {
    catalog: Arc<Catalog>,
    /// `None`: any Host is accepted (as configured for rmcp).
    allowed_hosts: Option<Arc<[String]>>,
}

impl FastPath {
    pub fn new(catalog: Arc<Catalog>, allowed_hosts: Option<Vec<String>>) -> Self {
        Self {
            catalog,
            allowed_hosts: allowed_hosts.map(Into::into),
        }
    }

    /// The protocol revision and the headers, when the request line and
    /// headers allow a fast answer at all.
    fn eligible<'a>(&self, parts: &'a Parts) -> Option<(&'a str, FastHeaders<'a>)> {
        if parts.method != Method::POST {
            return None;
        }
        let headers = FastHeaders::read(&parts.headers)?;
        let allowed = headers.accept_json_and_sse(&parts.headers)
            && headers.carry_json()
            && self.host_is_allowed(headers.host);
        Some((headers.protocol_version().filter(|_| allowed)?, headers))
    }

    /// The answer to `body` (whose envelope the pipeline decoded), or `None`
    /// to let rmcp answer.
    /// `operation`, the request's, is finished with the tool's outcome when
    /// the fast path answers.
    pub async fn answer(
        &self,
        parts: &Parts,
        body: &[u8],
        envelope: &Envelope,
        operation: Option<&Operation>,
    ) -> Option<Response> {
        let (version, headers) = self.eligible(parts)?;
        if envelope.method != "tools/call" || envelope.has_other_members {
            return None;
        }
        let id = envelope.id.as_ref()?;
        // The envelope's one pass found these; `arguments` and `_meta` are
        // still text. Any other member (`inputResponses`, `requestState`,
        // `task`, …) makes the request rmcp's.
        let params = envelope.params.as_ref()?;
        if params.has_other_members {
            return None;
        }
        let name = params.name.as_deref()?;
        let text = |range: &Option<Range<usize>>| -> Option<Option<&str>> {
            match range {
                Some(range) => std::str::from_utf8(body.get(range.clone())?).ok().map(Some),
                None => Some(None),
            }
        };
        let meta = text(&params.meta)?;
        let modern = version == PROTOCOL_2026;
        if modern {
            // The headers mirror the body, and `_meta` holds exactly the
            // per-request client context (anything more, e.g. a log level
            // or progress token, is rmcp's).
            if !headers.mirror_a_call_of(name)
                || !meta.is_some_and(|meta| client_context::is_valid(meta, PROTOCOL_2026))
            {
                return None;
            }
        } else if meta.is_some_and(|meta| !is_empty_object(meta)) {
            // Legacy `_meta` may carry a progress token: rmcp's job.
            return None;
        }
        let tool = self.catalog.tool(name)?;
        if !tool.is_self_contained() {
            return None;
        }
        let arguments = match text(&params.arguments)? {
            None | Some("null") => "{}",
            Some(arguments) => arguments,
        };
        // With an operation, the tool is timed from the operation's start
        // and the operation finished at the tool's end: one pair of clock
        // readings for both (they differ by the JSON decode and encode).
        let started = operation.map_or_else(Instant::now, Operation::started);
        let (output, elapsed) = match tool.call_raw(arguments, ToolContext::rest(), started) {
            Some(call) => {
                let (output, elapsed) = call.await;
                (output, Some(elapsed))
            }
            // Arguments that do not decode straight into the tool's type:
            // through the JSON object, so the error reads as rmcp's would.
            None => {
                let arguments: JsonObject = serde_json::from_str(arguments).ok()?;
                (tool.call(arguments, ToolContext::rest()).await, None)
            }
        };
        let outcome = match &output {
            Ok(ToolOutput::Result(result)) if result.is_error == Some(true) => Outcome::ToolError,
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::ToolError,
        };
        let body = answer_bytes(id, modern, output)?;
        // A fast answer keeps its span, metric and audit event.
        match (operation, elapsed) {
            (Some(operation), Some(elapsed)) => operation.finish_after(outcome, elapsed),
            (Some(operation), None) => operation.finish(outcome),
            (None, _) => {}
        }
        Some(
            (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                Body::from(body),
            )
                .into_response(),
        )
    }

    fn host_is_allowed(&self, host: Option<&HeaderValue>) -> bool {
        let Some(allowed) = &self.allowed_hosts else {
            return true;
        };
        let Some(host) = host.and_then(|h| h.to_str().ok()) else {
            return false;
        };
        // Only the plain forms are matched here (`name` or `name:port`
        // against a port-less entry, or the exact authority); anything else
        // (IPv6, unusual spellings) goes to rmcp's full parser.
        let name = match host.rsplit_once(':') {
            Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                name
            }
            _ => host,
        };
        if name.contains(['[', ']', ':']) {
            return false;
        }
        allowed.iter().any(|entry| {
            entry.eq_ignore_ascii_case(host)
                || (!entry.contains(':') && entry.eq_ignore_ascii_case(name))
        })
    }
}

/// `{}`, whitespace allowed.
fn is_empty_object(text: &str) -> bool {
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'));
    inner.is_some_and(|inner| inner.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use serde_json::{Value, json};

    use super::*;
    use crate::config::Toolset;

    fn fast_path() -> FastPath {
        let key = rmcp::model::RequestStateCodec::try_new([7u8; 32].to_vec())
            .expect("32 bytes is the minimum key length");
        let catalog = crate::app::catalog(&[Toolset::Core, Toolset::Conformance], &key);
        FastPath::new(catalog, Some(vec!["localhost".into(), "127.0.0.1".into()]))
    }

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::post("/mcp");
        let defaults = [
            ("host", "127.0.0.1:8000"),
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        for (name, value) in defaults {
            if !headers.iter().any(|(n, _)| *n == name) {
                request = request.header(name, value);
            }
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn legacy() -> Parts {
        parts(&[("mcp-protocol-version", "2025-11-25")])
    }

    fn modern(name: &str) -> Parts {
        parts(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", name),
        ])
    }

    fn call(name: &str, arguments: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": name, "arguments": arguments}})
    }

    fn modern_call(name: &str, arguments: Value) -> Value {
        let mut body = call(name, arguments);
        body["params"]["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {},
        });
        body
    }

    async fn answer(parts: &Parts, body: &Value) -> Option<Value> {
        let fast = fast_path();
        let bytes = body.to_string().into_bytes();
        let crate::jsonrpc::Inspection::Message(envelope) = crate::jsonrpc::inspect(&bytes) else {
            return None;
        };
        let response = fast.answer(parts, &bytes, &envelope, None).await?;
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Some(serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn answers_a_legacy_stateless_call_without_result_type() {
        let body = call("calculate", json!({"operation": "add", "a": 10, "b": 5}));
        assert_eq!(
            answer(&legacy(), &body).await,
            Some(json!({"jsonrpc": "2.0", "id": 1, "result": {
                "content": [{"type": "text", "text": "15"}], "isError": false,
            }}))
        );
    }

    #[tokio::test]
    async fn answers_a_2026_call_with_result_type_complete() {
        let body = modern_call("echo", json!({"message": "hi"}));
        assert_eq!(
            answer(&modern("echo"), &body).await,
            Some(json!({"jsonrpc": "2.0", "id": 1, "result": {
                "resultType": "complete",
                "content": [{"type": "text", "text": "Echo: hi"}], "isError": false,
            }}))
        );
    }

    #[tokio::test]
    async fn the_2026_client_context_is_held_to_rmcps_types_whatever_its_shape() {
        let with_meta = |info: Value, capabilities: Value| {
            let mut body = modern_call("echo", json!({"message": "x"}));
            body["params"]["_meta"]["io.modelcontextprotocol/clientInfo"] = info;
            body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] = capabilities;
            body
        };
        let plain = json!({"name": "t", "version": "1"});
        let titled = json!({"name": "t", "version": "1", "title": "T"});
        for (what, body, answered) in [
            ("plain", with_meta(plain.clone(), json!({})), true),
            ("titled", with_meta(titled, json!({})), true),
            (
                "sampling",
                with_meta(plain.clone(), json!({"sampling": {}})),
                true,
            ),
            ("null info", with_meta(Value::Null, json!({})), false),
            (
                "info without version",
                with_meta(json!({"name": "t"}), json!({})),
                false,
            ),
            (
                "bad capabilities",
                with_meta(plain, json!({"sampling": 5})),
                false,
            ),
        ] {
            let answer = answer(&modern("echo"), &body).await;
            assert_eq!(answer.is_some(), answered, "{what}");
        }
    }

    #[tokio::test]
    async fn tool_errors_are_results_on_the_fast_path_too() {
        let body = call("calculate", json!({"operation": "divide", "a": 1, "b": 0}));
        let answer = answer(&legacy(), &body).await.unwrap();
        assert_eq!(answer["result"]["isError"], true);
        assert_eq!(answer["result"]["content"][0]["text"], "Division by zero");
    }

    #[tokio::test]
    async fn declines_whatever_it_does_not_fully_check() {
        let ok = call("echo", json!({"message": "x"}));
        let mut progress = ok.clone();
        progress["params"]["_meta"] = json!({"progressToken": 1});
        let mut extra = ok.clone();
        extra["params"]["task"] = json!({});
        let mut float_id = ok.clone();
        float_id["id"] = json!(1.5);
        let mut not_2 = ok.clone();
        not_2["jsonrpc"] = json!("1.0");
        let mut log_level = modern_call("echo", json!({"message": "x"}));
        log_level["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("debug");
        let cases: Vec<(&str, Parts, Value)> = vec![
            (
                "session",
                parts(&[
                    ("mcp-protocol-version", "2025-11-25"),
                    ("mcp-session-id", "s"),
                ]),
                ok.clone(),
            ),
            (
                "origin",
                parts(&[
                    ("mcp-protocol-version", "2025-11-25"),
                    ("origin", "http://localhost:1"),
                ]),
                ok.clone(),
            ),
            ("no version header", parts(&[]), ok.clone()),
            (
                "old version",
                parts(&[("mcp-protocol-version", "2024-11-05")]),
                ok.clone(),
            ),
            (
                "foreign host",
                parts(&[
                    ("mcp-protocol-version", "2025-11-25"),
                    ("host", "evil.example"),
                ]),
                ok.clone(),
            ),
            ("unknown tool", legacy(), call("nope", json!({}))),
            (
                "not self-contained",
                legacy(),
                call("test_tool_with_progress", json!({})),
            ),
            ("progress token", legacy(), progress),
            ("unknown param", legacy(), extra),
            ("float id", legacy(), float_id),
            ("jsonrpc 1.0", legacy(), not_2),
            (
                "other method",
                legacy(),
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}),
            ),
            ("batch", legacy(), json!([ok.clone()])),
            (
                "2026 name mismatch",
                modern("calculate"),
                modern_call("echo", json!({"message": "x"})),
            ),
            ("2026 without meta", modern("echo"), ok.clone()),
            ("2026 log level", modern("echo"), log_level),
        ];
        for (what, parts, body) in cases {
            assert_eq!(answer(&parts, &body).await, None, "{what}");
        }
        let sse_only = parts(&[
            ("mcp-protocol-version", "2025-11-25"),
            ("accept", "text/event-stream"),
        ]);
        assert!(
            fast_path().eligible(&sse_only).is_none(),
            "accept without json"
        );
    }
}
