//! mcp-rust-server: a Model Context Protocol server over Streamable HTTP
//! (`/mcp`, protocol 2026-07-28 and the legacy revisions) and stdio, plus a
//! small REST API, from one definition of each tool and resource.
//!
//! Layers, each importing only those above it in this list (a test,
//! `tests/architecture.rs`, keeps it so; ARCHITECTURE.md draws the map):
//! - leaves: [`config`] (every flag and environment variable),
//!   [`lifecycle`] (readiness, in-flight work, signals), [`jsonrpc`] (the
//!   envelope of a message), [`healthcheck`], [`telemetry`] (logging, trace
//!   export);
//! - the domain: [`catalog`] (the `Tool`, `Resource`, `Prompt` traits and
//!   their registry), [`tools`], [`resources`], [`conformance`] (the
//!   official suite's fixtures);
//! - observation: [`metrics`], attached to the domain through
//!   [`catalog::CallObserver`];
//! - shared state: [`store`] (in memory, or Redis for several replicas);
//! - tasks: [`tasks`] (the MCP tasks extension: records, their store, the
//!   runner with its lease), beside the domain through
//!   [`catalog::TaskInput`];
//! - transports: [`mcp`] (rmcp's `ServerHandler`; Streamable HTTP, stdio),
//!   [`rest`] (the REST API and its OpenAPI document), [`auth`] (bearer
//!   tokens, RFC 9728 metadata);
//! - the HTTP pipeline: [`http`] (every stage in request order; the
//!   HTTP/1.1 + h2c server);
//! - [`app`]: build, run, drain.

pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod conformance;
pub mod healthcheck;
pub mod http;
pub mod jsonrpc;
pub mod lifecycle;
pub mod mcp;
pub mod metrics;
pub mod resources;
pub mod rest;
pub mod store;
pub mod tasks;
pub mod telemetry;
pub mod tools;

/// The name clients see in `serverInfo`, `/health` and the status resource.
pub const NAME: &str = env!("CARGO_PKG_NAME");
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
