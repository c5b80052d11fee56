//! The SERVER span of one MCP request, per the OpenTelemetry semantic
//! conventions for MCP: named `{mcp.method.name} {target}`, with the
//! method, protocol version, JSON-RPC id, tool or prompt name or resource
//! URI, session id (legacy sessions), network and client attributes, and
//! `error.type` on failure. Never argument values, never tokens.
//!
//! The parent is the caller's trace context: `params._meta.traceparent` and
//! `tracestate` when present (it travels with the message, whatever the
//! transport), else the HTTP `traceparent` header, read by the SDK's W3C
//! propagator.
//!
//! Cost: the span is started with no attribute, so the sampler decides
//! before anything is built; an unsampled request gets no attribute, no
//! name and no allocation beyond the SDK's non-recording span.

use std::borrow::Cow;

use opentelemetry::{
    Context, KeyValue,
    propagation::{Extractor, TextMapPropagator},
    trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer},
};
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::Span};
use serde::Deserialize;

use super::{Arrival, Outcome, Target, Transport};
use crate::{jsonrpc::Id, telemetry};

/// A started span, when traces are exported.
pub(super) fn start(arrival: &Arrival<'_>, target: Option<&Target>) -> Option<Span> {
    let tracer = telemetry::tracer()?;
    let meta = TraceMeta::of(arrival);
    let parent = parent(arrival, meta.as_ref());
    let mut span = tracer
        .span_builder(arrival.envelope.method)
        .with_kind(SpanKind::Server)
        .start_with_context(tracer, &parent);
    if !span.is_recording() {
        return Some(span);
    }
    let method = arrival.envelope.method;
    let mut attributes = Vec::with_capacity(10);
    attributes.push(KeyValue::new("mcp.method.name", method));
    match target {
        Some(Target::Tool(name)) => {
            span.update_name(format!("{method} {name}"));
            attributes.push(KeyValue::new("gen_ai.tool.name", name.to_string()));
            attributes.push(KeyValue::new("gen_ai.operation.name", "execute_tool"));
        }
        Some(Target::Prompt(name)) => {
            span.update_name(format!("{method} {name}"));
            attributes.push(KeyValue::new("gen_ai.prompt.name", name.clone()));
        }
        // A URI is not a low-cardinality name: an attribute only.
        Some(Target::Resource(uri)) => {
            attributes.push(KeyValue::new("mcp.resource.uri", uri.clone()));
        }
        None => {}
    }
    let version = arrival
        .protocol_version
        .or(meta.as_ref().and_then(|m| m.protocol_version.as_deref()));
    if let Some(version) = version {
        attributes.push(KeyValue::new("mcp.protocol.version", version.to_owned()));
    }
    if let Some(id) = &arrival.envelope.id {
        attributes.push(KeyValue::new("jsonrpc.request.id", id_text(id)));
    }
    if let Some(session) = arrival.session_id {
        attributes.push(KeyValue::new("mcp.session.id", session.to_owned()));
    }
    match arrival.transport {
        Transport::Http { version, client } => {
            attributes.push(KeyValue::new("network.transport", "tcp"));
            attributes.push(KeyValue::new("network.protocol.name", "http"));
            attributes.push(KeyValue::new("network.protocol.version", version));
            if let Some(client) = client {
                attributes.push(KeyValue::new("client.address", client.ip().to_string()));
                attributes.push(KeyValue::new("client.port", i64::from(client.port())));
            }
        }
        Transport::Stdio => attributes.push(KeyValue::new("network.transport", "pipe")),
    }
    span.set_attributes(attributes);
    Some(span)
}

/// Ends `span` with the outcome: `error.type` and an error status on
/// failure.
pub(super) fn end(mut span: Span, outcome: &Outcome) {
    if let Some(error_type) = outcome.error_type() {
        span.set_attribute(KeyValue::new("error.type", error_type.clone()));
        span.set_status(Status::error(error_type));
    }
    span.end();
}

/// The span's trace id, as the W3C text form (32 hex digits).
pub(super) fn trace_id(span: &Span) -> String {
    span.span_context().trace_id().to_string()
}

/// The caller's trace id, when the request carries one (traces off).
pub(super) fn incoming_trace_id(arrival: &Arrival<'_>) -> Option<String> {
    let parent = parent(arrival, TraceMeta::of(arrival).as_ref());
    let span = parent.span();
    let context = span.span_context();
    context.is_valid().then(|| context.trace_id().to_string())
}

fn parent(arrival: &Arrival<'_>, meta: Option<&TraceMeta<'_>>) -> Context {
    let propagator = TraceContextPropagator::new();
    match meta {
        Some(meta) if meta.traceparent.is_some() => propagator.extract(meta),
        _ => propagator.extract(&Headers(arrival)),
    }
}

fn id_text(id: &Id) -> String {
    match id {
        Id::Int(i) => i.to_string(),
        Id::Str(s) => s.clone(),
    }
}

/// What the spans read of `params._meta`: the trace context (SEP-414) and,
/// for 2026-07-28, the protocol version.
#[derive(Deserialize)]
struct TraceMeta<'a> {
    #[serde(borrow, default)]
    traceparent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tracestate: Option<Cow<'a, str>>,
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow, default)]
    protocol_version: Option<Cow<'a, str>>,
}

impl<'a> TraceMeta<'a> {
    fn of(arrival: &Arrival<'a>) -> Option<Self> {
        let range = arrival.envelope.params.as_ref()?.meta.clone()?;
        serde_json::from_slice(arrival.body.get(range)?).ok()
    }
}

impl Extractor for TraceMeta<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.traceparent.as_deref(),
            "tracestate" => self.tracestate.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

/// The HTTP trace context headers, as the transport read them.
struct Headers<'a, 'b>(&'b Arrival<'a>);

impl Extractor for Headers<'_, '_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.0.traceparent,
            "tracestate" => self.0.tracestate,
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::{Inspection, inspect};

    fn arrival_parent(body: &str, header: Option<&str>) -> Option<String> {
        let Inspection::Message(envelope) = inspect(body.as_bytes()) else {
            panic!("not a message");
        };
        let arrival = Arrival {
            envelope: &envelope,
            body: body.as_bytes(),
            transport: Transport::Stdio,
            protocol_version: None,
            session_id: None,
            traceparent: header,
            tracestate: None,
            principal: None,
        };
        incoming_trace_id(&arrival)
    }

    #[test]
    fn the_parent_comes_from_meta_first_then_the_header() {
        let meta = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let header = "00-11111111111111111111111111111111-2222222222222222-01";
        let with_meta = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"echo","_meta":{{"traceparent":"{meta}"}}}}}}"#
        );
        let without = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#;
        assert_eq!(
            arrival_parent(&with_meta, Some(header)).as_deref(),
            Some("0af7651916cd43dd8448eb211c80319c")
        );
        assert_eq!(
            arrival_parent(without, Some(header)).as_deref(),
            Some("11111111111111111111111111111111")
        );
        assert_eq!(arrival_parent(without, None), None);
        assert_eq!(arrival_parent(without, Some("garbage")), None);
    }
}
