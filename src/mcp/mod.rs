//! MCP: the handler ([`McpServer`]) and its transports — Streamable HTTP
//! ([`http`]) and stdio ([`stdio`]) — and each request as observed
//! ([`operation`]: span, duration metric, audit event).

mod client_context;
mod fast_answer;
mod fast_headers;
mod fast_path;
pub mod http;
pub mod operation;
mod server;
mod session;
pub mod sessions;
pub mod stdio;
pub mod subscriptions;

pub use server::McpServer;
