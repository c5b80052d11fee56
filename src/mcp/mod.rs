//! MCP: the handler ([`McpServer`]) and its transports — Streamable HTTP
//! ([`http`]) and stdio ([`stdio`]).

pub mod http;
mod server;
pub mod stdio;

pub use server::McpServer;
