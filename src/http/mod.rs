//! The HTTP pipeline: every route and every stage a request passes, stated
//! once, in request order, by [`Pipeline::router`]. Its stages:
//!
//! | # | stage | where | refuses with |
//! | --- | --- | --- | --- |
//! | 0 | connection: HTTP/1.1 or h2c, head size and count, head read time | [`server`] | 431, connection closed |
//! | 1 | observe: in-flight gauge, request counter, one log line | [`admission`] | — |
//! | 2 | over `MAX_HEADERS` (HTTP/2; hyper checks HTTP/1.1) | [`admission`] | 431 |
//! | 3 | probes pass from here untouched (true while draining and under load) | [`admission`] | — |
//! | 4 | draining | [`admission`] | 503 + `Retry-After`, `Connection: close` |
//! | 5 | over `MAX_IN_FLIGHT` (`/metrics` exempt) | [`admission`] | 503 + `Retry-After` |
//! | 6 | protected path without a valid bearer token | [`admission`], [`crate::auth`] | 401 + `WWW-Authenticate` |
//! | 7 | body over `MAX_BODY_BYTES`: declared, or once read past it | [`admission`] | 413 |
//! | 8 | `REQUEST_TIMEOUT_SECONDS` until the response head | [`admission`] | 408 |
//! | 9 | route: REST handlers ([`crate::rest`]), `/metrics`, docs, metadata | axum | 404, 405 |
//! | 10 | `/mcp` POST: read and decode once, count, session caps; waking a hibernated session at the live cap; start the request's operation (span, duration, audit) and finish it from the answer | [`mcp_endpoint`] | 400 JSON-RPC error, 413, 503 |
//! | 11 | MCP: fast path, else rmcp (Host/Origin, headers, protocol) | [`crate::mcp::http`] | 400, 403, 404, 406, 415 |

mod admission;
mod mcp_endpoint;
mod refusal;
pub mod server;

use std::{sync::Arc, time::Duration};

use axum::{Router, routing::any};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::{self, Auth},
    catalog::Catalog,
    config::Resolved,
    lifecycle::Lifecycle,
    mcp::{
        McpServer,
        http::McpHttpService,
        operation::{Observation, OperationObserver, Outcome},
        sessions::CappedSessions,
    },
    metrics::{self, Metrics, OpenSessions, Scrape},
    rest::{self, AppState},
};

/// What the routes share, built once per application.
#[derive(Clone)]
pub struct Pipeline {
    pub catalog: Arc<Catalog>,
    pub lifecycle: Lifecycle,
    pub metrics: Arc<Metrics>,
    /// Legacy sessions: capped, expired when idle, hibernated when quiet,
    /// counted by `/metrics`.
    pub sessions: Arc<CappedSessions>,
}

impl Pipeline {
    /// The shared pieces for `catalog` served as `config` says.
    pub fn new(catalog: Arc<Catalog>, config: &Resolved) -> Self {
        let metrics = Arc::new(Metrics::new());
        metrics.attach_to(&catalog);
        Self {
            catalog,
            lifecycle: Lifecycle::default(),
            metrics,
            sessions: Arc::new(CappedSessions::new(
                config.limits.session_idle(),
                config.limits.session_hibernate_after(),
            )),
        }
    }

    /// The whole HTTP surface, with no socket: tests can drive it with
    /// `oneshot`.
    pub fn router(&self, config: &Resolved) -> Router {
        let mcp = McpHttpService::new(
            McpServer::new(Arc::clone(&self.catalog), self.lifecycle.clone()),
            config,
            &self.lifecycle,
            Arc::clone(&self.sessions),
        );
        let auth = Auth::new(&config.auth);
        let state = AppState {
            catalog: Arc::clone(&self.catalog),
            lifecycle: self.lifecycle.clone(),
        };
        // The documented routes; their OpenAPI operations are collected as
        // they are registered, so the document cannot miss one.
        let (documented, openapi) = OpenApiRouter::with_openapi(rest::openapi::frame())
            .merge(rest::routes(state))
            .merge(auth::metadata::routes(auth.clone()))
            .merge(metrics::routes(self.scrape(config)))
            .split_for_parts();
        let endpoint = mcp_endpoint::McpEndpoint {
            service: mcp,
            metrics: Arc::clone(&self.metrics),
            max_sessions: config.limits.max_sessions(),
            max_live_sessions: config.limits.max_live_sessions(),
            observation: Observation::new(
                Arc::clone(&self.catalog),
                Some(Arc::clone(&self.metrics) as Arc<dyn OperationObserver>),
                config.telemetry.audit_log,
            ),
        };
        let admission = admission::Admission::new(
            &config.limits,
            self.lifecycle.clone(),
            auth,
            Arc::clone(&self.metrics),
        );
        documented
            .merge(rest::openapi::routes(openapi))
            .route("/mcp", any(mcp_endpoint::mcp).with_state(endpoint))
            .fallback(rest::not_found)
            .method_not_allowed_fallback(rest::method_not_allowed)
            // The one layer, around every route: admission runs stages 1-8.
            .layer(admission::AdmissionLayer(Arc::new(admission)))
    }

    /// `/metrics` alone, for `METRICS_PORT`.
    pub fn metrics_router(&self, config: &Resolved) -> Router {
        metrics::routes(self.scrape(config)).split_for_parts().0
    }

    fn scrape(&self, config: &Resolved) -> Scrape {
        Scrape {
            metrics: Arc::clone(&self.metrics),
            sessions: config
                .legacy_sessions
                .then(|| Arc::clone(&self.sessions) as Arc<dyn OpenSessions>),
        }
    }
}

impl OperationObserver for Metrics {
    fn operation_finished(
        &self,
        method: &'static str,
        tool: Option<&str>,
        outcome: &Outcome,
        elapsed: Duration,
    ) {
        self.observe_operation(method, outcome.error_type().as_deref(), tool, elapsed);
    }
}

impl OpenSessions for CappedSessions {
    fn open_sessions(&self) -> usize {
        self.open()
    }

    fn live_sessions(&self) -> usize {
        self.live()
    }
}
