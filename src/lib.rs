//! mcp-rust-server: a Model Context Protocol server over Streamable HTTP
//! (`/mcp`, protocol 2026-07-28 and the legacy revisions) and stdio, plus the
//! seed project's REST API, from one definition of each tool and resource.
//!
//! Layout:
//! - [`config`] — command line and environment settings.
//! - [`telemetry`] — logging.
//! - [`app`] — router composition, listener, run loop with graceful shutdown.
//! - [`shutdown`] — signals, readiness, in-flight tracking.
//! - [`catalog`] — the `Tool` and `Resource` abstractions and their registry.
//! - [`tools`], [`resources`] — the `core` toolset, one file each.
//! - [`conformance`] — the `conformance` toolset: the official suite's fixtures.
//! - [`mcp`] — rmcp's `ServerHandler` over the catalog; HTTP and stdio.
//! - [`rest`] — the seed's REST API and the probes.
//! - [`healthcheck`] — the `healthcheck` subcommand.
//! - [`hardening`] — production hardening, assembled: [`metrics`] (typed
//!   Prometheus metrics), [`auth`] (bearer tokens, RFC 9728 metadata),
//!   [`limits`] (body, headers, time, in-flight, sessions; the hyper server
//!   loop), [`inspect`] (the `/mcp` body check); the OpenAPI document is
//!   [`rest::openapi`].

pub mod admission;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod conformance;
pub mod hardening;
pub mod healthcheck;
pub mod inspect;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod resources;
pub mod rest;
pub mod shutdown;
pub mod telemetry;
pub mod tools;

/// The name clients see in `serverInfo`, `/health` and the status resource.
pub const NAME: &str = env!("CARGO_PKG_NAME");
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
