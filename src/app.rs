//! The application: what the server is built from ([`catalog`],
//! [`Application::build`]) and how it runs and stops
//! ([`Application::run_until_stopped`], with the graceful shutdown sequence
//! of [`crate::lifecycle`]).

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use axum::Router;
use rmcp::model::RequestStateCodec;
use tokio::{net::TcpListener, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::{
    catalog::Catalog,
    config::{RequestStateKeys, Resolved, Toolset},
    http::{Pipeline, server::serve_connections, service::HttpService},
    store::{self, Store},
};

/// The catalog every transport serves, from the configured toolsets;
/// `request_state` seals the state of multi round-trip calls.
pub fn catalog(toolsets: &[Toolset], request_state: &RequestStateCodec) -> Arc<Catalog> {
    let mut builder = Catalog::builder();
    if toolsets.contains(&Toolset::Core) {
        builder = crate::resources::core(crate::tools::core(builder));
    }
    if toolsets.contains(&Toolset::Conformance) {
        builder = crate::conformance::register(builder, request_state.clone());
    }
    Arc::new(builder.build())
}

/// A bound, not yet running server. Binding happens in [`Application::build`]
/// so callers (tests with port 0) learn the port before serving.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    service: HttpService,
    metrics_router: Router,
    pipeline: Pipeline,
    config: Resolved,
}

/// Why the server could not start: which address could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {source}")]
pub struct BindError {
    pub address: SocketAddr,
    pub source: io::Error,
}

/// Why the server could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Bind(#[from] BindError),
    #[error(transparent)]
    Store(#[from] store::ConnectError),
}

impl Application {
    pub async fn build(config: &Resolved) -> Result<Self, BuildError> {
        let listener = bind(SocketAddr::new(config.bind_ip, config.port)).await?;
        let metrics_listener = match config.metrics_port {
            Some(port) => Some(bind(SocketAddr::new(config.bind_ip, port)).await?),
            None => None,
        };
        if let RequestStateKeys::PerProcess(_) = config.request_state {
            tracing::warn!(
                "MCP_REQUEST_STATE_KEYS_FILE is not set: requestState is sealed with a key of \
                 this process's own, so multi round-trip calls across several replicas fail; \
                 give every replica the same keys file"
            );
        }
        let store = Store::connect(&config.store).await?;
        tracing::info!(backend = store.backend_name(), "state store");
        let pipeline = Pipeline::new(
            catalog(&config.toolsets, config.request_state.codec()),
            config,
            store,
        );
        Ok(Self {
            service: pipeline.service(config),
            metrics_router: pipeline.metrics_router(config),
            listener,
            metrics_listener,
            pipeline,
            config: config.clone(),
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn port(&self) -> u16 {
        // Why this cannot fail: the listener is bound, so it has an address.
        self.local_addr()
            .expect("bound listener has an address")
            .port()
    }

    /// Serves until `shutdown` resolves, then drains (see [`crate::lifecycle`]).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let Self {
            listener,
            metrics_listener,
            service,
            metrics_router,
            pipeline,
            config,
        } = self;
        let lifecycle = pipeline.lifecycle.clone();
        let drain = Duration::from_secs(config.shutdown_drain_seconds);
        tracing::info!(address = %listener.local_addr()?, "serving");
        let stop_accepting = CancellationToken::new();
        if let Some(metrics_listener) = metrics_listener {
            tracing::info!(address = %metrics_listener.local_addr()?, "serving /metrics");
            spawn_metrics_server(metrics_listener, metrics_router, stop_accepting.clone());
        }
        if config.legacy_sessions {
            pipeline.sessions.spawn_reaper(lifecycle.streams_token());
        }
        let mut server = tokio::spawn(serve_connections(
            listener,
            service,
            config.limits.clone(),
            config.rate_limits.rate_limit.is_some(),
            stop_accepting.clone(),
        ));
        tokio::select! {
            finished = &mut server => return finished.map_err(io::Error::other)?,
            () = shutdown => {}
        }

        lifecycle.begin_drain();
        let deadline = Instant::now() + drain;
        tracing::info!(
            in_flight = lifecycle.in_flight(),
            drain_seconds = drain.as_secs(),
            "shutting down: readiness off, draining in-flight work"
        );
        if tokio::time::timeout_at(deadline, lifecycle.idle())
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = lifecycle.in_flight(),
                "drain deadline reached with work in flight"
            );
        }
        // Tasks outlive their requests: rather than wait for them, report the
        // ones running here failed, so no client polls them until a lease
        // lapses.
        pipeline.tasks.shutdown(Duration::from_secs(1)).await;
        // In-flight work is done: close legacy SSE streams and stop accepting.
        lifecycle.close_streams();
        stop_accepting.cancel();
        // Closing streams is quick; the extra second bounds a stuck peer.
        let grace = deadline.max(Instant::now()) + Duration::from_secs(1);
        match tokio::time::timeout_at(grace, &mut server).await {
            Ok(finished) => finished.map_err(io::Error::other)??,
            Err(_) => tracing::warn!("connections still open at the deadline; closing them"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| BindError { address, source })
}

/// Serves `/metrics` alone on `listener` until `stop`.
fn spawn_metrics_server(listener: TcpListener, router: Router, stop: CancellationToken) {
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "metrics listener failed");
        }
    });
}

/// The HTTP service for `config` with a fresh lifecycle and no socket
/// (fuzzing, `oneshot` tests).
pub fn service(config: &Resolved) -> HttpService {
    Pipeline::new(
        catalog(&config.toolsets, config.request_state.codec()),
        config,
        Store::memory(),
    )
    .service(config)
}
