//! Application assembly: the router (REST + `/mcp`), its layers, the bound
//! listener, and the run loop with the graceful shutdown sequence.

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{MatchedPath, Request},
};
use tokio::{net::TcpListener, time::Instant};
use tokio_util::sync::CancellationToken;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::{
    catalog::Catalog,
    config::{Settings, Toolset},
    hardening::Hardening,
    mcp::{self, McpServer},
    rest::{self, AppState},
    shutdown::Lifecycle,
};

/// The catalog every transport serves, from the configured toolsets.
pub fn catalog(toolsets: &[Toolset]) -> Arc<Catalog> {
    let mut builder = Catalog::builder();
    if toolsets.contains(&Toolset::Core) {
        builder = crate::resources::core(crate::tools::core(builder));
    }
    if toolsets.contains(&Toolset::Conformance) {
        builder = crate::conformance::register(builder);
    }
    Arc::new(builder.build())
}

/// The whole HTTP surface, with no socket: tests can drive it with `oneshot`.
pub fn router(
    catalog: Arc<Catalog>,
    settings: &Settings,
    lifecycle: &Lifecycle,
    hardening: &Hardening,
) -> Router {
    hardening.start(&catalog, lifecycle);
    let server = McpServer::new(Arc::clone(&catalog), lifecycle.clone());
    let state = AppState {
        catalog,
        lifecycle: lifecycle.clone(),
    };
    let mcp = mcp::http::service(
        server,
        Arc::clone(&state.catalog),
        settings,
        lifecycle,
        Arc::clone(&hardening.sessions),
    );
    let routes = rest::router(state)
        .route("/mcp", hardening.mcp_route(mcp))
        .merge(hardening.routes());
    hardening.layers(routes, lifecycle).layer(
        // One log line per request, named by route template (never the
        // raw URI, which may carry user data such as a resource URI).
        TraceLayer::new_for_http()
            .make_span_with(|request: &Request| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("http", method = %request.method(), route)
            })
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}

/// A bound, not yet running server. Binding happens in [`Application::build`]
/// so callers (tests with port 0) learn the port before serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    lifecycle: Lifecycle,
    drain: Duration,
    hardening: Hardening,
    metrics_listener: Option<TcpListener>,
}

impl Application {
    pub async fn build(settings: &Settings) -> io::Result<Self> {
        let listener = TcpListener::bind((settings.host, settings.port)).await?;
        let lifecycle = Lifecycle::default();
        let hardening = Hardening::new(&settings.hardening, settings.legacy_sessions);
        let router = router(
            catalog(&settings.toolsets),
            settings,
            &lifecycle,
            &hardening,
        );
        let metrics_listener = hardening.bind_metrics(settings.host).await?;
        Ok(Self {
            listener,
            router,
            lifecycle,
            drain: Duration::from_secs(settings.shutdown_drain_seconds),
            hardening,
            metrics_listener,
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

    /// Serves until `shutdown` resolves, then drains (see [`crate::shutdown`]).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let Self {
            listener,
            router,
            lifecycle,
            drain,
            hardening,
            metrics_listener,
        } = self;
        tracing::info!(address = %listener.local_addr()?, "serving");
        let stop_accepting = CancellationToken::new();
        if let Some(metrics_listener) = metrics_listener {
            hardening.spawn_metrics_server(metrics_listener, stop_accepting.clone());
        }
        // hyper directly (not `axum::serve`), for the header limits; the
        // same graceful stop: finish open requests, accept no more.
        let mut server = tokio::spawn(crate::limits::serve(
            listener,
            router,
            hardening.settings.limits.clone(),
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
