//! Black-box tests: each starts its own server and talks to it over a real
//! socket — with reqwest for REST and raw JSON-RPC, with rmcp's client for
//! MCP, and by spawning the built binary for stdio, signals and exit codes.

mod auth;
mod binary;
mod cors;
mod drain_under_load;
mod fast_path;
mod helpers;
mod hostile;
mod http2;
mod limits;
mod mcp_legacy_sessions;
mod mcp_stateless;
mod metrics;
mod openapi;
mod operations;
mod rate_limits;
mod raw;
mod request_state;
mod rest;
mod security;
mod shutdown;
mod startup_and_logs;
mod stdio_errors;
mod store;
mod tasks;
mod toolsets;
