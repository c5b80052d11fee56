//! Label types: every value from a fixed set or the catalog, never from a
//! request.

use std::{
    hash::{Hash, Hasher},
    sync::Arc,
};

use axum::{extract::MatchedPath, http::Method};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct McpLabels {
    pub(super) method: &'static str,
}

/// A tool name, known at registration (never taken from a request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ToolName(pub(super) Arc<str>);

impl EncodeLabelValue for ToolName {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, &self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ToolLabels {
    pub(super) tool: ToolName,
    pub(super) outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ToolNameLabel {
    pub(super) tool: ToolName,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OperationLabels {
    pub(super) method: &'static str,
    pub(super) error_type: &'static str,
    pub(super) tool: ToolName,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct HttpLabels {
    pub(super) method: HttpMethod,
    pub(super) route: RouteLabel,
    pub(super) status: u16,
}

/// `POST /mcp` answered 200: the series most requests count in.
pub(super) const MCP_POST_OK: HttpLabels = HttpLabels {
    method: HttpMethod::POST,
    route: RouteLabel::Fixed("/mcp"),
    status: 200,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(clippy::upper_case_acronyms)]
pub(super) enum HttpMethod {
    GET,
    POST,
    DELETE,
    HEAD,
    OPTIONS,
    PUT,
    PATCH,
    OTHER,
}

impl From<&Method> for HttpMethod {
    fn from(method: &Method) -> Self {
        match *method {
            Method::GET => HttpMethod::GET,
            Method::POST => HttpMethod::POST,
            Method::DELETE => HttpMethod::DELETE,
            Method::HEAD => HttpMethod::HEAD,
            Method::OPTIONS => HttpMethod::OPTIONS,
            Method::PUT => HttpMethod::PUT,
            Method::PATCH => HttpMethod::PATCH,
            _ => HttpMethod::OTHER,
        }
    }
}

/// A route template: the `MatchedPath` (an `Arc<str>` inside, so cloning it
/// per request does not allocate), a route matched ahead of axum's router
/// (`/mcp`), or `unmatched` for 404s.
#[derive(Debug, Clone)]
pub enum RouteLabel {
    Matched(MatchedPath),
    Fixed(&'static str),
    Unmatched,
    /// For lookups in tests.
    Owned(String),
}

impl RouteLabel {
    pub fn as_str(&self) -> &str {
        match self {
            RouteLabel::Matched(path) => path.as_str(),
            RouteLabel::Fixed(route) => route,
            RouteLabel::Unmatched => "unmatched",
            RouteLabel::Owned(route) => route,
        }
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl Hash for RouteLabel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}
