//! MCP: the handler ([`McpServer`]) and its transports — Streamable HTTP
//! ([`http`]) and stdio ([`stdio`]).

mod fast_path;
pub mod http;
pub mod logging;
mod server;
pub mod stdio;
pub mod subscriptions;

pub use server::McpServer;

use rmcp::{RoleServer, model::ProtocolVersion, service::RequestContext};

/// True when the request speaks protocol 2026-07-28 or newer: sessionless,
/// and a server may not send requests to the client (it returns
/// `input_required` results instead).
pub fn is_2026(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}
