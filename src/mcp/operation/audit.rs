//! The audit trail: one event per `tools/call`, `resources/read` and
//! `prompts/get`, with tracing target `audit`, saying who (the token's
//! principal, when authentication is on) did what (method and tool, prompt
//! or URI) with what outcome, how long it took, and under which JSON-RPC id
//! and trace id. Never arguments, never tokens. With `LOG_FORMAT=json` each
//! is one JSON object per line, fields at the top level; `RUST_LOG=audit=off`
//! or `MCP_AUDIT_LOG=false` silences it.

use std::time::Duration;

use super::{Outcome, Target};
use crate::{catalog::latency_ms, jsonrpc::Id};

pub(super) struct Event<'a> {
    pub method: &'static str,
    pub target: Option<&'a Target>,
    pub principal: Option<&'a str>,
    pub id: Option<&'a Id>,
    pub trace_id: Option<&'a str>,
    pub outcome: &'a Outcome,
    pub elapsed: Duration,
}

pub(super) fn record(event: &Event<'_>) {
    let (tool, prompt, uri) = match event.target {
        Some(Target::Tool(name)) => (Some(name.as_ref()), None, None),
        Some(Target::Prompt(name)) => (None, Some(name.as_str()), None),
        Some(Target::Resource(uri)) => (None, None, Some(uri.as_str())),
        None => (None, None, None),
    };
    let error_type = event.outcome.error_type();
    let jsonrpc_id = event.id.map(|id| match id {
        Id::Int(i) => i.to_string(),
        Id::Str(s) => s.clone(),
    });
    tracing::info!(
        target: "audit",
        principal = event.principal,
        method = event.method,
        tool,
        prompt,
        uri,
        outcome = event.outcome.as_str(),
        error_type = error_type.as_deref(),
        latency_ms = latency_ms(event.elapsed),
        jsonrpc_id = jsonrpc_id.as_deref(),
        trace_id = event.trace_id,
        "audit"
    );
}
