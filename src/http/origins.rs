//! The `MCP_ALLOWED_ORIGINS` allow-list as the CORS stage matches it.
//!
//! rmcp refuses a request whose Origin is not on the list with 403 (stage
//! 12), but keeps its matcher private; this one follows the same rules so
//! that a browser is told it may send exactly what rmcp will then accept
//! (`tests/api/cors.rs` holds the two to the same answers):
//! - an origin is compared as RFC 6454's (scheme, host, port), scheme and
//!   host case-insensitively, an IPv6 host with or without brackets;
//! - `scheme://host:*` matches any port, `scheme://host:port` that port (an
//!   origin without a port has its scheme's default, 80 or 443), and
//!   `scheme://host` any port (rmcp's current reading of a portless entry);
//! - `null` matches the browser's `Origin: null`.

use axum::http::{HeaderValue, Uri};

/// Which origins the server answers as allowed.
#[derive(Debug, Clone)]
pub enum AllowedOrigins {
    /// `MCP_ALLOWED_ORIGINS=*`: every origin.
    Any,
    /// The resolved list (configured entries, plus loopback while bound to
    /// loopback).
    Listed(Vec<Pattern>),
}

impl AllowedOrigins {
    /// From the resolved list: `None` is `*`. An entry that cannot be parsed
    /// matches nothing, as in rmcp.
    pub fn new(resolved: Option<&[String]>) -> Self {
        match resolved {
            None => Self::Any,
            Some(entries) => {
                Self::Listed(entries.iter().filter_map(|e| Pattern::parse(e)).collect())
            }
        }
    }

    /// True if a request from `origin` may be read by the page that sent it.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        let patterns = match self {
            Self::Any => return true,
            Self::Listed(patterns) => patterns,
        };
        let Some(origin) = origin.to_str().ok().and_then(Origin::parse) else {
            return false;
        };
        patterns.iter().any(|pattern| pattern.matches(&origin))
    }
}

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: Port,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// `:*`, or no port in the entry.
    Any,
    Exact(u16),
}

impl Pattern {
    fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim();
        if let Some(base) = entry.strip_suffix(":*") {
            return match Origin::parse(base)? {
                Origin::Tuple {
                    scheme,
                    host,
                    port: None,
                } => Some(Self::Tuple {
                    scheme,
                    host,
                    port: Port::Any,
                }),
                _ => None,
            };
        }
        Some(match Origin::parse(entry)? {
            Origin::Null => Self::Null,
            Origin::Tuple { scheme, host, port } => Self::Tuple {
                scheme,
                host,
                port: port.map_or(Port::Any, Port::Exact),
            },
        })
    }

    fn matches(&self, origin: &Origin) -> bool {
        match (self, origin) {
            (Self::Null, Origin::Null) => true,
            (
                Self::Tuple { scheme, host, port },
                Origin::Tuple {
                    scheme: o_scheme,
                    host: o_host,
                    port: o_port,
                },
            ) => {
                scheme == o_scheme
                    && host == o_host
                    && match port {
                        Port::Any => true,
                        Port::Exact(port) => {
                            o_port.or_else(|| default_port(o_scheme)) == Some(*port)
                        }
                    }
            }
            _ => false,
        }
    }
}

/// An `Origin` header value, normalised for comparison.
enum Origin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
}

impl Origin {
    fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("null") {
            return Some(Self::Null);
        }
        let uri = Uri::try_from(value).ok()?;
        let authority = uri.authority()?;
        Some(Self::Tuple {
            scheme: uri.scheme_str()?.to_ascii_lowercase(),
            host: authority
                .host()
                .trim_matches(['[', ']'])
                .to_ascii_lowercase(),
            port: authority.port_u16(),
        })
    }
}

/// The port an origin without one has (RFC 6454 §4).
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> AllowedOrigins {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        AllowedOrigins::new(Some(&entries))
    }

    fn allows(origins: &AllowedOrigins, origin: &str) -> bool {
        origins.allows(&HeaderValue::from_str(origin).expect("a valid header value"))
    }

    #[test]
    fn a_wildcard_port_matches_any_port_of_that_scheme_and_host_only() {
        let origins = list(&["http://localhost:*", "http://[::1]:*"]);
        assert!(allows(&origins, "http://localhost:6274"));
        assert!(allows(&origins, "http://LOCALHOST"));
        assert!(allows(&origins, "http://[::1]:3000"));
        assert!(!allows(&origins, "https://localhost:6274"));
        assert!(!allows(&origins, "http://localhost.evil.example"));
    }

    #[test]
    fn an_explicit_port_matches_that_port_and_the_scheme_default() {
        let origins = list(&["https://app.example.com:443", "http://app.example.com:8080"]);
        assert!(allows(&origins, "https://app.example.com"));
        assert!(allows(&origins, "http://app.example.com:8080"));
        assert!(!allows(&origins, "https://app.example.com:8443"));
        assert!(!allows(&origins, "http://app.example.com"));
    }

    #[test]
    fn a_portless_entry_matches_any_port_as_rmcp_reads_it() {
        let origins = list(&["https://app.example.com"]);
        assert!(allows(&origins, "https://app.example.com"));
        assert!(allows(&origins, "https://app.example.com:8443"));
        assert!(!allows(&origins, "https://other.example.com"));
    }

    #[test]
    fn null_matches_only_a_listed_null_and_garbage_matches_nothing() {
        assert!(allows(&list(&["null"]), "null"));
        assert!(!allows(&list(&["http://localhost:*"]), "null"));
        assert!(!allows(&list(&["http://localhost:*"]), "not an origin"));
        assert!(!allows(&list(&["not an entry"]), "http://localhost"));
    }

    #[test]
    fn star_allows_everything() {
        assert!(allows(
            &AllowedOrigins::new(None),
            "https://anything.example"
        ));
    }
}
