//! The HTTP pipeline: every route and every stage a request passes, stated
//! once, in request order, by [`Pipeline::service`]. Its stages:
//!
//! | # | stage | where | refuses with |
//! | --- | --- | --- | --- |
//! | 0 | connection: HTTP/1.1 or h2c, head size and count, head read time | [`server`] | 431, connection closed |
//! | 1 | CORS: an allowed origin's preflight answered here (no token, not counted); its other responses, refusals included, get the CORS headers | [`cors`] | — |
//! | 2 | observe: in-flight gauge, request counter, one log line | [`admission`] | — |
//! | 3 | over `MAX_HEADERS` (HTTP/2; hyper checks HTTP/1.1) | [`admission`] | 431 |
//! | 4 | probes pass from here untouched (true while draining and under load) | [`admission`] | — |
//! | 5 | draining | [`admission`] | 503 + `Retry-After`, `Connection: close` |
//! | 6 | over `MAX_IN_FLIGHT` (`/metrics` exempt) | [`admission`] | 503 + `Retry-After` |
//! | 7 | protected path without a valid bearer token (static, JWT, introspected); the principal and its tool access go into the request's extensions | [`admission`], [`crate::auth`] | 401 + `WWW-Authenticate` |
//! | 8 | over `MCP_RATE_LIMIT` for the principal (`/metrics` exempt; not enforced while the store is down) | [`admission`], [`rate_limit`] | 429 + `Retry-After`, `RateLimit-Policy`, `RateLimit` |
//! | 9 | body over `MAX_BODY_BYTES`: declared, or once read past it | [`admission`] | 413 |
//! | 10 | `REQUEST_TIMEOUT_SECONDS` until the response head | [`admission`] | 408 |
//! | 11 | route: `/mcp` by one comparison; REST handlers ([`crate::rest`]), `/metrics`, docs, metadata by axum's router | [`service`], axum | 404, 405 |
//! | 12 | `/mcp` POST: read and decode once, count, session caps; waking a hibernated session at the live cap; start the request's operation (span, duration, audit) and finish it from the answer | [`mcp_endpoint`] | 400 JSON-RPC error, 413, 503 |
//! | 12a | `/mcp` `tools/call` of a tool the token lacks scopes for (REST: in `POST /mcp/execute`) | [`mcp_endpoint`], [`crate::rest::refuse_tool`] | 403 + `WWW-Authenticate: Bearer error="insufficient_scope"` |
//! | 13 | MCP: fast path, else rmcp (Host/Origin, headers, protocol) | [`crate::mcp::http`] | 400, 403, 404, 406, 415 |

mod admission;
mod cors;
mod head_timer;
mod mcp_endpoint;
mod origins;
pub mod rate_limit;
mod refusal;
pub mod server;
pub mod service;

use std::{sync::Arc, time::Duration};

use axum::Router;
use tower::{Layer, ServiceBuilder};
use utoipa_axum::router::OpenApiRouter;

use self::service::HttpService;
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
        subscriptions::Subscriptions,
    },
    metrics::{self, Metrics, OpenSessions, RunningTasks, Scrape, StoreHealth},
    rest::{self, AppState},
    store::Store,
    tasks::Tasks,
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
    /// Shared state: rate-limit budgets and notification fan-out across
    /// replicas (in memory for one replica).
    pub store: Store,
    /// `subscriptions/listen` streams, hearing every replica's changes
    /// through the store.
    pub subscriptions: Subscriptions,
    /// Task-augmented tool calls, kept in the store.
    pub tasks: Tasks,
}

impl Pipeline {
    /// The shared pieces for `catalog` served as `config` says, with state
    /// kept in `store`.
    pub fn new(catalog: Arc<Catalog>, config: &Resolved, store: Store) -> Self {
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
            tasks: Tasks::new(&store, &config.tasks),
            subscriptions: Subscriptions::shared(store.clone()),
            store,
        }
    }

    /// The whole HTTP surface, with no socket: tests can drive it with
    /// `oneshot`.
    pub fn service(&self, config: &Resolved) -> HttpService {
        let mcp = McpHttpService::new(
            McpServer::new(
                Arc::clone(&self.catalog),
                self.lifecycle.clone(),
                self.tasks.clone(),
            )
            .with_subscriptions(self.subscriptions.clone()),
            config,
            &self.lifecycle,
            Arc::clone(&self.sessions),
        );
        let auth = Auth::new(&config.auth, &config.oauth, &self.catalog);
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
        let endpoint = Arc::new(mcp_endpoint::McpEndpoint {
            service: mcp,
            metrics: Arc::clone(&self.metrics),
            max_sessions: config.limits.max_sessions(),
            max_live_sessions: config.limits.max_live_sessions(),
            observation: Observation::new(
                Arc::clone(&self.catalog),
                Some(Arc::clone(&self.metrics) as Arc<dyn OperationObserver>),
                config.telemetry.audit_log,
            ),
        });
        let admission = admission::Admission::new(
            &config.limits,
            self.lifecycle.clone(),
            auth,
            rate_limit::RateLimiter::new(&config.rate_limits, self.store.clone()),
            Arc::clone(&self.metrics),
        );
        // stage 1, outside admission (why: see `cors`);
        let cors = cors::CorsLayer::new(config.allowed_origins.as_deref());
        // stages 2-10.
        let admission = admission::AdmissionLayer::new(Arc::new(admission));
        let mcp = cors.layer(
            admission
                .for_route(service::MCP_PATH)
                .layer(mcp_endpoint::McpEndpointService(endpoint)),
        );
        let routes = documented
            .merge(rest::openapi::routes(openapi))
            .fallback(rest::not_found)
            .method_not_allowed_fallback(rest::method_not_allowed)
            // Around every route, in one `layer` call (each call boxes the
            // routes once more, which every request pays for):
            .layer(ServiceBuilder::new().layer(cors).layer(admission))
            // Routes and layers are put together once, here, rather than
            // per request.
            .with_state(());
        HttpService { mcp, routes }
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
            store: Arc::new(self.store.clone()),
            tasks: Arc::new(self.tasks.clone()),
        }
    }
}

impl RunningTasks for Tasks {
    fn running_tasks(&self) -> usize {
        self.running()
    }
}

impl StoreHealth for Store {
    fn store_up(&self) -> bool {
        self.is_up()
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
