//! A JSON-RPC message's envelope, decoded once from the raw bytes of an
//! `/mcp` POST (or a stdio line): what the pipeline's gate, the metrics and
//! the fast path all read, so none of them parses the body again.
//!
//! rmcp 3.11 answers bodies it cannot decode with `415` and a plain-text
//! reason. JSON-RPC and the MCP transport spec want `400` with a JSON-RPC
//! error instead (`-32700` for bytes that are not JSON, `-32600` for JSON
//! that is not a request): [`inspect`] finds those cases in one pass that
//! copies nothing but a string id and a tool name (`params.arguments` and
//! `params._meta` are located, not parsed), so the gate can answer them.

use std::{borrow::Cow, fmt, ops::Range};

use serde::{
    Deserialize, Deserializer, Serialize,
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
};
use serde_json::{Value, value::RawValue};

/// JSON-RPC methods counted by name; anything else is `other`.
pub const METHODS: [&str; 27] = [
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "tasks/get",
    "tasks/list",
    "tasks/result",
    "tasks/cancel",
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
    "notifications/roots/list_changed",
    "subscriptions/listen",
    // Not methods: what a body was instead (see `Inspection::label`).
    "response",
    "batch",
    "invalid",
    "other",
];

/// The label for `method`: itself if in [`METHODS`], else `other`.
pub fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

/// What a body is.
#[derive(Debug, Clone, PartialEq)]
pub enum Inspection {
    /// A request or notification with a well-formed envelope; rmcp decides
    /// the rest (unknown methods, parameter contents…).
    Message(Envelope),
    /// A response or error from the client (no `method`).
    Response,
    /// Not acceptable: answer with this JSON-RPC error and HTTP 400.
    Reject(Reject),
}

impl Inspection {
    /// The `mcp_requests_total` label.
    pub fn label(&self) -> &'static str {
        match self {
            Inspection::Message(envelope) => envelope.method,
            Inspection::Response => "response",
            Inspection::Reject(Reject {
                kind: RejectKind::Batch,
                ..
            }) => "batch",
            Inspection::Reject(_) => "invalid",
        }
    }
}

/// A well-formed request or notification: `"jsonrpc": "2.0"`, a method, an
/// integer or string id (absent for notifications), params an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The method's label: the method itself when it is one of [`METHODS`].
    pub method: &'static str,
    pub id: Option<Id>,
    /// The `params` object, summarized in the same pass.
    pub params: Option<Params>,
    /// True when the message has members beyond the four of JSON-RPC.
    pub has_other_members: bool,
}

/// What the fast path and the traces read of a `params` object, found in
/// the envelope's one pass: a string `name` (a tool's or a prompt's), a
/// string `uri` (a resource's), and where `arguments` and `_meta` lie in
/// the body (unparsed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub name: Option<String>,
    pub uri: Option<String>,
    pub arguments: Option<Range<usize>>,
    pub meta: Option<Range<usize>>,
    /// Any member but `name`, `arguments` and `_meta` (`uri` included), a
    /// repeated one, or a `name` that is not a string.
    pub has_other_members: bool,
}

/// A request id: JSON-RPC allows strings and numbers; MCP, integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Id {
    Int(i64),
    Str(String),
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Id::Int(i) => serializer.serialize_i64(*i),
            Id::Str(s) => serializer.serialize_str(s),
        }
    }
}

impl From<&Id> for Value {
    fn from(id: &Id) -> Value {
        match id {
            Id::Int(i) => Value::from(*i),
            Id::Str(s) => Value::String(s.clone()),
        }
    }
}

/// Why a body was refused before rmcp.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub kind: RejectKind,
    /// The request's id when it could be read, for the error response.
    pub id: Value,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind {
    /// Not JSON (syntax, truncation, bad UTF-8).
    Parse,
    /// JSON, but not a JSON-RPC 2.0 message MCP accepts (nesting over
    /// [`MAX_DEPTH`] included).
    InvalidRequest,
    /// An array: JSON-RPC batches are not part of MCP since 2025-06-18.
    Batch,
}

impl Reject {
    pub fn code(&self) -> i64 {
        match self.kind {
            RejectKind::Parse => -32700,
            RejectKind::InvalidRequest | RejectKind::Batch => -32600,
        }
    }

    /// A parse error for `id` (use `Value::Null` when it is unknown).
    pub fn parse_error(id: Value, message: String) -> Self {
        Self {
            kind: RejectKind::Parse,
            id,
            message,
        }
    }

    /// The JSON-RPC error response body.
    pub fn body(&self) -> ErrorResponse<'_> {
        ErrorResponse::new(&self.id, self.code(), &self.message)
    }
}

/// A JSON-RPC error response, written in the order the spec shows its
/// members (a struct, as `Value` objects serialize with sorted keys).
#[derive(Debug, Serialize)]
pub struct ErrorResponse<'a> {
    jsonrpc: &'static str,
    id: &'a Value,
    error: ErrorObject<'a>,
}

#[derive(Debug, Serialize)]
struct ErrorObject<'a> {
    code: i64,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
}

impl<'a> ErrorResponse<'a> {
    pub fn new(id: &'a Value, code: i64, message: &'a str) -> Self {
        Self {
            jsonrpc: "2.0",
            id,
            error: ErrorObject {
                code,
                message,
                data: None,
            },
        }
    }

    /// The same error with `data`.
    pub fn with_data(mut self, data: Value) -> Self {
        self.error.data = Some(data);
        self
    }

    /// The response as JSON text.
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("strings, numbers and JSON values always serialize")
    }
}

/// Inspects a body. Never panics, whatever the bytes (see `fuzz/`).
pub fn inspect(body: &[u8]) -> Inspection {
    // JSON is UTF-8 (RFC 8259); serde_json does not check skipped strings.
    // Checked once here, so the decode below reads a `str` and does not
    // check each string again.
    let Ok(text) = std::str::from_utf8(body) else {
        return reject(
            RejectKind::Parse,
            Value::Null,
            "Parse error: the body is not UTF-8",
        );
    };
    if could_nest_deeper_than(body, MAX_DEPTH) && nesting_depth(body) > MAX_DEPTH {
        return reject(
            RejectKind::InvalidRequest,
            Value::Null,
            &format!("Invalid Request: nested deeper than {MAX_DEPTH} levels"),
        );
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => {
            return reject(
                RejectKind::Batch,
                Value::Null,
                "Batch requests are not supported",
            );
        }
        Some(b'{') => {}
        Some(_) | None => {
            // Not an object: still tell "not JSON" from "wrong JSON".
            let kind = match serde_json::from_slice::<IgnoredAny>(body) {
                Ok(_) => RejectKind::InvalidRequest,
                Err(_) => RejectKind::Parse,
            };
            let message = match kind {
                RejectKind::Parse => "Parse error: the body is not JSON",
                _ => "Invalid Request: a JSON-RPC message is a JSON object",
            };
            return reject(kind, Value::Null, message);
        }
    }
    let raw = match serde_json::from_str::<RawEnvelope>(text) {
        Ok(raw) => raw,
        Err(e) if e.is_syntax() || e.is_eof() => {
            return reject(RejectKind::Parse, Value::Null, &format!("Parse error: {e}"));
        }
        Err(e) => {
            return reject(
                RejectKind::InvalidRequest,
                Value::Null,
                &format!("Invalid Request: {e}"),
            );
        }
    };
    let id = match raw.id {
        None => None,
        Some(Kind::Str(s)) => Some(Id::Str(s)),
        Some(Kind::Int(i)) => Some(Id::Int(i)),
        Some(other) => {
            return reject(
                RejectKind::InvalidRequest,
                Value::Null,
                &format!("Invalid Request: id must be a string or an integer, not {other}"),
            );
        }
    };
    let id_value = id.as_ref().map_or(Value::Null, Value::from);
    if raw.jsonrpc.as_deref() != Some("2.0") {
        return reject(
            RejectKind::InvalidRequest,
            id_value,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"",
        );
    }
    let params = match raw.params {
        Some(RawParams::Object(params)) => Some(params.locate(body)),
        Some(RawParams::Not(kind)) => {
            return reject(
                RejectKind::InvalidRequest,
                id_value,
                &format!("Invalid Request: params must be an object, not {kind}"),
            );
        }
        None => None,
    };
    match raw.method {
        Some(method) => Inspection::Message(Envelope {
            method: method_label(&method),
            id,
            params,
            has_other_members: raw.has_other_members,
        }),
        None if id.is_some() => Inspection::Response,
        None => reject(
            RejectKind::InvalidRequest,
            id_value,
            "Invalid Request: no \"method\"",
        ),
    }
}

/// Deepest nesting accepted. rmcp's decoder (serde_json) stops at 128 with
/// an error rmcp reports as 415; below that no MCP message needs more.
pub const MAX_DEPTH: usize = 100;

/// Whether `body` holds more than `depth` opening brackets at all: if not,
/// it cannot nest deeper, and the exact scan below is skipped. A branchless
/// sum the compiler vectorizes (a `filter().count()` it did not).
fn could_nest_deeper_than(body: &[u8], depth: usize) -> bool {
    body.len() > depth
        && body
            .iter()
            .map(|&b| usize::from(b == b'[' || b == b'{'))
            .sum::<usize>()
            > depth
}

/// How deeply arrays and objects nest, brackets inside strings ignored. A
/// byte scan: cheaper than parsing, and no recursion of its own.
fn nesting_depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn reject(kind: RejectKind, id: Value, message: &str) -> Inspection {
    Inspection::Reject(Reject {
        kind,
        id,
        message: message.to_owned(),
    })
}

/// The members the gate reads, as they appear; the rest of the body is
/// skipped unparsed (but still checked to be JSON).
struct RawEnvelope<'a> {
    jsonrpc: Option<Cow<'a, str>>,
    /// Present (even `null`) is `Some`.
    id: Option<Kind>,
    method: Option<Cow<'a, str>>,
    params: Option<RawParams<'a>>,
    has_other_members: bool,
}

/// `params` as found: an object's members of interest, or what it was
/// instead.
enum RawParams<'a> {
    Object(ParamsIn<'a>),
    Not(Kind),
}

/// The members of interest, borrowed from the body.
#[derive(Default)]
struct ParamsIn<'a> {
    name: Option<String>,
    uri: Option<String>,
    arguments: Option<&'a RawValue>,
    meta: Option<&'a RawValue>,
    has_other_members: bool,
}

impl ParamsIn<'_> {
    /// Raw values borrow from `body`, so their place is their offset.
    fn locate(self, body: &[u8]) -> Params {
        let range = |raw: &RawValue| {
            let start = raw.get().as_ptr() as usize - body.as_ptr() as usize;
            start..start + raw.get().len()
        };
        Params {
            name: self.name,
            uri: self.uri,
            arguments: self.arguments.map(range),
            meta: self.meta.map(range),
            has_other_members: self.has_other_members,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawParams<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParamsVisitor(std::marker::PhantomData))
    }
}

struct ParamsVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ParamsVisitor<'a> {
    type Value = RawParams<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("params")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawParams<'a>, A::Error> {
        let mut params = ParamsIn::default();
        while let Some(field) = map.next_key::<ParamField>()? {
            match field {
                ParamField::Name if params.name.is_none() => match map.next_value_seed(KindSeed)? {
                    Kind::Str(name) => params.name = Some(name),
                    _ => params.has_other_members = true,
                },
                ParamField::Uri if params.uri.is_none() => {
                    // Not a member a `tools/call` has: the fast path declines.
                    params.has_other_members = true;
                    if let Kind::Str(uri) = map.next_value_seed(KindSeed)? {
                        params.uri = Some(uri);
                    }
                }
                ParamField::Arguments if params.arguments.is_none() => {
                    params.arguments = Some(map.next_value()?);
                }
                ParamField::Meta if params.meta.is_none() => {
                    params.meta = Some(map.next_value()?);
                }
                _ => {
                    params.has_other_members = true;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawParams::Object(params))
    }

    fn visit_unit<E>(self) -> Result<RawParams<'a>, E> {
        Ok(RawParams::Not(Kind::Null))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawParams<'a>, E> {
        Ok(RawParams::Not(Kind::Bool))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawParams<'a>, E> {
        Ok(RawParams::Not(Kind::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawParams<'a>, E> {
        Ok(RawParams::Not(
            i64::try_from(v).map_or(Kind::Float, Kind::Int),
        ))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawParams<'a>, E> {
        Ok(RawParams::Not(Kind::Float))
    }
    fn visit_str<E>(self, _: &str) -> Result<RawParams<'a>, E> {
        Ok(RawParams::Not(Kind::Str(String::new())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawParams<'a>, A::Error> {
        Ok(RawParams::Not(KindVisitor.visit_seq(seq)?))
    }
}

/// A `params` member name, matched without copying it.
#[derive(Deserialize)]
enum ParamField {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "uri")]
    Uri,
    #[serde(rename = "arguments")]
    Arguments,
    #[serde(rename = "_meta")]
    Meta,
    #[serde(other)]
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawEnvelope<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor(std::marker::PhantomData))
    }
}

struct EnvelopeVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for EnvelopeVisitor<'a> {
    type Value = RawEnvelope<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEnvelope<'a>, A::Error> {
        let mut envelope = RawEnvelope {
            jsonrpc: None,
            id: None,
            method: None,
            params: None,
            has_other_members: false,
        };
        // Duplicate members are refused, as a derived decoder would.
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Jsonrpc if envelope.jsonrpc.is_some() => {
                    return Err(de::Error::duplicate_field("jsonrpc"));
                }
                Field::Jsonrpc => envelope.jsonrpc = Some(map.next_value::<Text<'de>>()?.0),
                Field::Id if envelope.id.is_some() => {
                    return Err(de::Error::duplicate_field("id"));
                }
                Field::Id => envelope.id = Some(map.next_value_seed(KindSeed)?),
                Field::Method if envelope.method.is_some() => {
                    return Err(de::Error::duplicate_field("method"));
                }
                Field::Method => envelope.method = Some(map.next_value::<Text<'de>>()?.0),
                Field::Params if envelope.params.is_some() => {
                    return Err(de::Error::duplicate_field("params"));
                }
                Field::Params => envelope.params = Some(map.next_value::<RawParams<'de>>()?),
                Field::Other => {
                    envelope.has_other_members = true;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

/// A member name, matched without copying it.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Jsonrpc,
    Id,
    Method,
    Params,
    #[serde(other)]
    Other,
}

/// A string member, borrowed from the body unless it holds escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// The JSON type of a value (its contents skipped), and an id's value.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Null,
    Bool,
    Int(i64),
    Float,
    Str(String),
    Array,
    Object,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float => "a non-integer or out-of-range number",
            Kind::Str(_) => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        })
    }
}

struct KindSeed;

impl<'de> de::DeserializeSeed<'de> for KindSeed {
    type Value = Kind;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kind, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Kind, E> {
        Ok(Kind::Bool)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float, Kind::Int))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Kind, E> {
        Ok(Kind::Float)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        // Ids are short; a long "id" is still only copied once.
        Ok(Kind::Str(v.to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Kind::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Kind::Object)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn label(body: &str) -> &'static str {
        inspect(body.as_bytes()).label()
    }

    fn rejected(body: &[u8]) -> (i64, Value, String) {
        match inspect(body) {
            Inspection::Reject(r) => (r.code(), r.id.clone(), r.message),
            other => panic!("accepted: {other:?}"),
        }
    }

    /// A stable-toolchain stand-in for `fuzz/` (cargo fuzz needs nightly):
    /// seeds mutated by a seeded xorshift, checked against the fuzz target's
    /// invariants. `FUZZ_ITERATIONS` raises the count (scripts/fuzz.sh).
    #[test]
    fn mutated_bodies_never_panic_and_always_get_a_fixed_label() {
        let iterations: u64 = std::env::var("FUZZ_ITERATIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        let seeds: [&[u8]; 5] = [
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}"#,
            br#"{"jsonrpc":"2.0","id":"a","result":{"x":[1,2.5,null,true]}}"#,
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            br#"{"jsonrpc":"2.0","method":"notifications/initialized","params":{"_meta":{}}}"#,
            b"{\"a\":\"\\u00e9\\\"\",\"b\":[[[{}]]],\"c\":-1e-7}",
        ];
        let tokens: [&[u8]; 12] = [
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b":",
            b",",
            b"1e999",
            b"null",
            b"\xff",
            b"\"method\":",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..iterations {
            let mut body = seeds[(next() % seeds.len() as u64) as usize].to_vec();
            for _ in 0..=(next() % 4) {
                let at = (next() % (body.len() as u64 + 1)) as usize;
                match next() % 4 {
                    0 if !body.is_empty() => {
                        let i = at.min(body.len() - 1);
                        body[i] ^= 1 << (next() % 8);
                    }
                    1 => body
                        .splice(at..at, tokens[(next() % 12) as usize].iter().copied())
                        .for_each(drop),
                    2 if at < body.len() => {
                        body.remove(at);
                    }
                    _ => body.truncate(at),
                }
            }
            let inspection = inspect(&body);
            assert!(METHODS.contains(&inspection.label()), "{body:?}");
            match &inspection {
                Inspection::Reject(reject) => {
                    assert!(matches!(reject.code(), -32700 | -32600));
                    assert!(
                        reject
                            .body()
                            .to_vec()
                            .starts_with(br#"{"jsonrpc":"2.0","id":"#)
                    );
                }
                _ => assert!(std::str::from_utf8(&body).is_ok(), "{body:?}"),
            }
        }
    }

    #[test]
    fn error_responses_are_written_in_the_order_the_spec_shows() {
        let reject = Reject::parse_error(json!(7), "Parse error: x".into());
        assert_eq!(
            reject.body().to_vec(),
            br#"{"jsonrpc":"2.0","id":7,"error":{"code":-32700,"message":"Parse error: x"}}"#
        );
        let with_data =
            ErrorResponse::new(&Value::Null, -32000, "slow down").with_data(json!({"s": 1}));
        assert_eq!(
            with_data.to_vec(),
            br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"slow down","data":{"s":1}}}"#
        );
    }

    #[test]
    fn methods_outside_the_fixed_set_are_labelled_other() {
        assert_eq!(
            label(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#),
            "tools/call"
        );
        assert_eq!(
            label(r#"{"jsonrpc":"2.0","id":1,"method":"x/../../etc"}"#),
            "other"
        );
        assert_eq!(
            label(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            "notifications/initialized"
        );
        assert_eq!(
            label(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#),
            "response"
        );
        assert_eq!(
            label(r#" [{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
            "batch"
        );
        assert_eq!(label("{\"method\":"), "invalid");
    }

    #[test]
    fn bytes_that_are_not_json_are_a_parse_error() {
        for body in [
            &b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"[..],
            b"",
            b"\xff\xfe",
            b"{\"method\":\"\xff\"}",
        ] {
            let (code, id, _) = rejected(body);
            assert_eq!((code, id), (-32700, Value::Null), "{body:?}");
        }
        // Valid JSON nested too deeply: refused as a request, not as JSON.
        let deep = format!("{{\"params\":{}{}}}", "[".repeat(100), "]".repeat(100));
        let (code, _, message) = rejected(deep.as_bytes());
        assert_eq!(code, -32600);
        assert_eq!(message, "Invalid Request: nested deeper than 100 levels");
        let fine = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"a":{}"[[[{{"{}}}}}"#,
            "[".repeat(98),
            "]".repeat(98)
        );
        assert_eq!(inspect(fine.as_bytes()).label(), "ping", "{fine}");
        let hidden =
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"\xff\"}}";
        assert_eq!(rejected(hidden).0, -32700);
    }

    #[test]
    fn json_that_is_not_a_request_is_an_invalid_request() {
        let cases: [(&str, Value); 7] = [
            (r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, json!(1)),
            (r#"{"id":"x","method":"ping"}"#, json!("x")),
            (
                r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
                Value::Null,
            ),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, Value::Null),
            (
                r#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}"#,
                Value::Null,
            ),
            (
                r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"oops"}"#,
                json!(7),
            ),
            (r#"{"jsonrpc":"2.0"}"#, Value::Null),
        ];
        for (body, id) in cases {
            assert_eq!(rejected(body.as_bytes()).0, -32600, "{body}");
            assert_eq!(rejected(body.as_bytes()).1, id, "{body}");
        }
        assert_eq!(rejected(b"42").0, -32600);
        assert_eq!(rejected(b"[]").0, -32600);
    }
}
