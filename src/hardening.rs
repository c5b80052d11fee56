//! Production hardening, assembled in one place: metrics ([`crate::metrics`]),
//! bearer authentication ([`crate::auth`]), limits ([`crate::limits`]) and the
//! OpenAPI document and docs ([`crate::rest::openapi`]). [`crate::app`] asks
//! this module for the extra routes and layers; the settings join
//! [`crate::config::Settings`] as one flattened group.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{MethodRouter, get},
};
use clap::Args;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    admission::{self, Admission},
    auth::{self, Auth, AuthSettings},
    catalog::Catalog,
    limits::{self, CappedSessions, LimitSettings, LoadGuard, McpGate},
    mcp::http::McpHttpService,
    metrics::{self, Metrics, MetricsSettings},
    shutdown::Lifecycle,
};

/// Settings for metrics, authentication and limits.
#[derive(Debug, Clone, Args)]
pub struct HardeningSettings {
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub limits: LimitSettings,
    #[command(flatten)]
    pub metrics: MetricsSettings,
}

impl HardeningSettings {
    /// Checks what clap's types cannot: returns the one-line reason on error.
    pub fn validate(&self) -> Result<(), String> {
        self.auth.validate()
    }
}

/// The shared pieces, built once per application.
#[derive(Clone)]
pub struct Hardening {
    pub settings: HardeningSettings,
    pub metrics: Arc<Metrics>,
    /// Legacy sessions: capped, expired when idle, counted by `/metrics`.
    pub sessions: Arc<CappedSessions>,
    legacy_sessions: bool,
}

impl Hardening {
    pub fn new(settings: &HardeningSettings, legacy_sessions: bool) -> Self {
        let sessions = Arc::new(CappedSessions::new(Duration::from_secs(
            settings.limits.session_idle_seconds,
        )));
        let metrics = Arc::new(Metrics::new(legacy_sessions.then(|| sessions.local())));
        Self {
            settings: settings.clone(),
            metrics,
            sessions,
            legacy_sessions,
        }
    }

    /// Records the catalog's tool calls and starts the idle-session reaper
    /// (stopped with the streams at shutdown).
    pub fn start(&self, catalog: &Catalog, lifecycle: &Lifecycle) {
        self.metrics.attach_to(catalog);
        if self.legacy_sessions {
            self.sessions.spawn_reaper(lifecycle.streams_token());
        }
    }

    /// `/mcp` behind its gate (body cap, method count, session cap).
    pub fn mcp_route(&self, service: McpHttpService) -> MethodRouter {
        let gate = McpGate {
            metrics: Arc::clone(&self.metrics),
            max_body: self.settings.limits.max_body(),
            sessions: self.legacy_sessions.then(|| {
                (
                    Arc::clone(&self.sessions),
                    usize::try_from(self.settings.limits.max_sessions).unwrap_or(usize::MAX),
                )
            }),
        };
        axum::routing::any(move |request: axum::extract::Request| {
            let service = service.clone();
            async move { service.handle(request).await }
        })
        .layer(middleware::from_fn_with_state(gate, limits::mcp_gate))
    }

    /// The extra open routes: `/metrics`, `/openapi.json`, `/docs` and the
    /// RFC 9728 metadata.
    pub fn routes(&self) -> Router {
        let auth = Auth::new(&self.settings.auth, Arc::clone(&self.metrics));
        Router::new()
            .route("/metrics", get(metrics::serve))
            .with_state(Arc::clone(&self.metrics))
            .merge(
                Router::new()
                    .route(auth::METADATA_PATH, get(auth::metadata))
                    .route(&format!("{}/mcp", auth::METADATA_PATH), get(auth::metadata))
                    .with_state(auth),
            )
            .merge(crate::rest::openapi::router())
    }

    /// Admission (draining, load shedding, authentication, the declared body
    /// cap) and the REST body cap, around every route; see
    /// [`crate::admission`].
    pub fn layers(&self, router: Router, lifecycle: &Lifecycle) -> Router {
        let max_body = self.settings.limits.max_body();
        let admission = Admission {
            lifecycle: lifecycle.clone(),
            load: LoadGuard::new(&self.settings.limits, Arc::clone(&self.metrics)),
            auth: Auth::new(&self.settings.auth, Arc::clone(&self.metrics)),
            metrics: Arc::clone(&self.metrics),
            max_body,
        };
        router
            .layer(DefaultBodyLimit::max(max_body))
            .layer(middleware::from_fn_with_state(admission, admission::admit))
    }

    /// With `METRICS_PORT`: binds it now (so a bad port fails start-up).
    pub async fn bind_metrics(
        &self,
        host: std::net::IpAddr,
    ) -> std::io::Result<Option<TcpListener>> {
        match self.settings.metrics.metrics_port {
            Some(port) => Ok(Some(TcpListener::bind((host, port)).await?)),
            None => Ok(None),
        }
    }

    /// Serves `/metrics` alone on `listener` until `stop`.
    pub fn spawn_metrics_server(&self, listener: TcpListener, stop: CancellationToken) {
        let router = metrics::router(Arc::clone(&self.metrics));
        tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "metrics listener failed");
            }
        });
    }
}
