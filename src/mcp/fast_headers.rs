//! The request headers the fast path reads, found in one walk over the
//! header map, and the checks it makes of them, as rmcp 3.11 makes them:
//! Accept and Content-Type media types, the protocol version, and for
//! 2026-07-28 the `Mcp-Method`/`Mcp-Name` mirror of the body.
//!
//! Why one walk: a lookup by name hashes the name and probes the map, and
//! the fast path needs eight of them; a request carries about as many
//! headers, each compared here by its (mostly static) name.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

const MCP_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const MCP_METHOD: HeaderName = HeaderName::from_static("mcp-method");
const MCP_NAME: HeaderName = HeaderName::from_static("mcp-name");

/// The revision whose requests carry their method and name in headers.
pub const PROTOCOL_2026: &str = "2026-07-28";
/// Legacy revisions the fast path answers (rmcp negotiates these too).
const LEGACY_PROTOCOLS: [&str; 3] = ["2025-03-26", "2025-06-18", "2025-11-25"];

/// Each header's first value, as `HeaderMap::get` would give it.
#[derive(Default)]
pub struct FastHeaders<'a> {
    accept: Option<&'a HeaderValue>,
    more_than_one_accept: bool,
    content_type: Option<&'a HeaderValue>,
    pub host: Option<&'a HeaderValue>,
    protocol_version: Option<&'a HeaderValue>,
    method: Option<&'a HeaderValue>,
    name: Option<&'a HeaderValue>,
    /// An `Mcp-Param-*` header: 2026-07-28 parameters rmcp checks.
    has_param_headers: bool,
}

impl<'a> FastHeaders<'a> {
    /// The headers of interest, or `None` when one of them makes the request
    /// rmcp's: a session id (a legacy session), or an `Origin` (rmcp checks
    /// it against its allow-list).
    pub fn read(headers: &'a HeaderMap) -> Option<Self> {
        let mut found = Self::default();
        for (name, value) in headers {
            if name == header::ACCEPT {
                found.more_than_one_accept |= found.accept.is_some();
                found.accept.get_or_insert(value);
            } else if name == header::CONTENT_TYPE {
                found.content_type.get_or_insert(value);
            } else if name == header::HOST {
                found.host.get_or_insert(value);
            } else if name == header::ORIGIN || name == MCP_SESSION_ID {
                return None;
            } else if name == MCP_PROTOCOL_VERSION {
                found.protocol_version.get_or_insert(value);
            } else if name == MCP_METHOD {
                found.method.get_or_insert(value);
            } else if name == MCP_NAME {
                found.name.get_or_insert(value);
            } else if name.as_str().starts_with("mcp-param-") {
                found.has_param_headers = true;
            }
        }
        Some(found)
    }

    /// The protocol revision, when it is one the fast path answers.
    pub fn protocol_version(&self) -> Option<&'a str> {
        let version = self.protocol_version?.to_str().ok()?;
        (version == PROTOCOL_2026 || LEGACY_PROTOCOLS.contains(&version)).then_some(version)
    }

    /// 2026-07-28: the headers mirror a `tools/call` of `tool`, and carry
    /// no parameter headers for rmcp to check.
    pub fn mirror_a_call_of(&self, tool: &str) -> bool {
        fn text(value: Option<&HeaderValue>) -> Option<&str> {
            value.and_then(|v| v.to_str().ok())
        }
        text(self.method) == Some("tools/call")
            && text(self.name) == Some(tool)
            && !self.has_param_headers
    }

    /// Media-type lists as rmcp reads them; a `q=0` (refusal) declines.
    pub fn accept_json_and_sse(&self, headers: &HeaderMap) -> bool {
        // What MCP clients send, checked first as one comparison.
        if !self.more_than_one_accept
            && self
                .accept
                .is_some_and(|only| only.as_bytes() == b"application/json, text/event-stream")
        {
            return true;
        }
        let (mut json, mut sse) = (false, false);
        for value in headers.get_all(header::ACCEPT) {
            let Ok(value) = value.to_str() else {
                return false;
            };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let essence = parts.next().unwrap_or_default().trim();
                if parts.any(|p| p.trim().starts_with("q=0")) {
                    return false;
                }
                json |= essence.eq_ignore_ascii_case("application/json");
                sse |= essence.eq_ignore_ascii_case("text/event-stream");
            }
        }
        json && sse
    }

    pub fn carry_json(&self) -> bool {
        let content_type = self.content_type;
        if content_type.is_some_and(|v| v.as_bytes() == b"application/json") {
            return true;
        }
        content_type.and_then(|v| v.to_str().ok()).is_some_and(|v| {
            let essence = v.split_once(';').map_or(v, |(essence, _)| essence);
            essence.trim().eq_ignore_ascii_case("application/json")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_first_value_of_each_header_counts_as_get_would_give_it() {
        let map = headers(&[
            ("content-type", "application/json"),
            ("content-type", "text/plain"),
            ("mcp-protocol-version", "2025-11-25"),
            ("mcp-protocol-version", "2026-07-28"),
        ]);
        let found = FastHeaders::read(&map).unwrap();
        assert!(found.carry_json());
        assert_eq!(found.protocol_version(), Some("2025-11-25"));
    }

    #[test]
    fn a_session_id_or_an_origin_makes_the_request_rmcps() {
        for name in ["mcp-session-id", "origin", "Origin"] {
            let map = headers(&[("accept", "application/json"), (name, "x")]);
            assert!(FastHeaders::read(&map).is_none(), "{name}");
        }
    }

    #[test]
    fn accept_lists_are_read_whole_when_not_the_usual_one() {
        let check = |values: &[&str]| {
            let pairs: Vec<_> = values.iter().map(|v| ("accept", *v)).collect();
            let map = headers(&pairs);
            FastHeaders::read(&map).unwrap().accept_json_and_sse(&map)
        };
        assert!(check(&["application/json, text/event-stream"]));
        assert!(check(&["text/event-stream", "application/json"]));
        assert!(check(&[
            "Application/JSON;charset=utf-8 , text/event-stream"
        ]));
        assert!(!check(&["application/json"]));
        assert!(!check(&["application/json, text/event-stream;q=0"]));
        assert!(!check(&[
            "application/json, text/event-stream",
            "text/html;q=0"
        ]));
    }

    #[test]
    fn the_2026_headers_must_mirror_the_call_without_parameter_headers() {
        let call = [("mcp-method", "tools/call"), ("mcp-name", "echo")];
        let map = headers(&call);
        assert!(FastHeaders::read(&map).unwrap().mirror_a_call_of("echo"));
        assert!(
            !FastHeaders::read(&map)
                .unwrap()
                .mirror_a_call_of("calculate")
        );
        let map = headers(&[call[0], call[1], ("mcp-param-a", "1")]);
        assert!(!FastHeaders::read(&map).unwrap().mirror_a_call_of("echo"));
        let map = headers(&[("mcp-method", "tools/list"), call[1]]);
        assert!(!FastHeaders::read(&map).unwrap().mirror_a_call_of("echo"));
    }
}
