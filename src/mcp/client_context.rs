//! The per-request client context of 2026-07-28 (`params._meta`), as the
//! fast path accepts it: exactly the protocol version, the optional
//! `clientInfo` and the `clientCapabilities`, each in a form rmcp's types
//! accept. Anything more (a log level, a progress token) is rmcp's to
//! handle, so it does not pass.
//!
//! Why two decoders: nearly every client sends `clientInfo` with just its
//! two strings and empty capabilities. Those are matched in one pass that
//! copies nothing; a full decode into rmcp's `Implementation` and
//! `ClientCapabilities` costs a few thousand instructions per request, so
//! only other shapes pay for it.

use std::{borrow::Cow, fmt};

use rmcp::model::{ClientCapabilities, Implementation};
use serde::{
    Deserialize, Deserializer,
    de::{self, IgnoredAny, MapAccess, Visitor},
};

/// Whether `meta` (the `_meta` object's text) is a client context for
/// `version` that rmcp accepts, and nothing else.
pub fn is_valid(meta: &str, version: &str) -> bool {
    match serde_json::from_str::<Plain>(meta) {
        Ok(plain) => plain.protocol_version == version,
        Err(_) => {
            serde_json::from_str::<Full>(meta).is_ok_and(|full| full.protocol_version == version)
        }
    }
}

/// The usual shape; a subset of [`Full`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow)]
    protocol_version: Cow<'a, str>,
    #[serde(
        rename = "io.modelcontextprotocol/clientInfo",
        default,
        deserialize_with = "present",
        borrow
    )]
    _client_info: Option<PlainImplementation<'a>>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    _client_capabilities: EmptyObject,
}

/// Any shape rmcp accepts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Full<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow)]
    protocol_version: Cow<'a, str>,
    #[serde(
        rename = "io.modelcontextprotocol/clientInfo",
        default,
        deserialize_with = "present"
    )]
    _client_info: Option<Implementation>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    _client_capabilities: ClientCapabilities,
}

/// `clientInfo` with just its two required strings: a subset of what
/// `Implementation` accepts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainImplementation<'a> {
    #[serde(rename = "name", borrow)]
    _name: Cow<'a, str>,
    #[serde(rename = "version", borrow)]
    _version: Cow<'a, str>,
}

/// `{}`, and nothing else.
struct EmptyObject;

impl<'de> Deserialize<'de> for EmptyObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Empty;
        impl<'de> Visitor<'de> for Empty {
            type Value = EmptyObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an empty object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EmptyObject, A::Error> {
                match map.next_key::<IgnoredAny>()? {
                    None => Ok(EmptyObject),
                    Some(_) => Err(de::Error::custom("not empty")),
                }
            }
        }
        deserializer.deserialize_map(Empty)
    }
}

/// An optional member that, when present, must be a `T` (not `null`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const VERSION: &str = "2026-07-28";

    fn context(info: Option<Value>, capabilities: Value) -> String {
        let mut meta = json!({
            "io.modelcontextprotocol/protocolVersion": VERSION,
            "io.modelcontextprotocol/clientCapabilities": capabilities,
        });
        if let Some(info) = info {
            meta["io.modelcontextprotocol/clientInfo"] = info;
        }
        meta.to_string()
    }

    #[test]
    fn accepts_what_rmcp_accepts_in_either_decoder() {
        let plain = json!({"name": "t", "version": "1"});
        for (what, meta) in [
            ("plain", context(Some(plain.clone()), json!({}))),
            ("no client info", context(None, json!({}))),
            (
                "titled",
                context(Some(json!({"name": "t", "version": "1", "title": "T"})), json!({})),
            ),
            ("sampling", context(Some(plain.clone()), json!({"sampling": {}}))),
            ("spaces", "{ \"io.modelcontextprotocol/protocolVersion\" : \"2026-07-28\", \"io.modelcontextprotocol/clientCapabilities\" : { } }".into()),
        ] {
            assert!(is_valid(&meta, VERSION), "{what}: {meta}");
        }
    }

    #[test]
    fn refuses_what_rmcp_would_not_take_or_the_fast_path_must_not() {
        let plain = json!({"name": "t", "version": "1"});
        let mut log_level: Value =
            serde_json::from_str(&context(Some(plain.clone()), json!({}))).unwrap();
        log_level["io.modelcontextprotocol/logLevel"] = json!("debug");
        for (what, meta) in [
            ("null info", context(Some(Value::Null), json!({}))),
            ("info without version", context(Some(json!({"name": "t"})), json!({}))),
            ("bad capabilities", context(Some(plain.clone()), json!({"sampling": 5}))),
            ("no capabilities", json!({"io.modelcontextprotocol/protocolVersion": VERSION}).to_string()),
            ("other version", context(Some(plain.clone()), json!({})).replace(VERSION, "2025-11-25")),
            ("log level", log_level.to_string()),
            (
                "repeated version",
                "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}".into(),
            ),
            ("not an object", "[]".into()),
        ] {
            assert!(!is_valid(&meta, VERSION), "{what}: {meta}");
        }
    }
}
