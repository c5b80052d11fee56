//! The connection level, below the router: HTTP/1.1 and HTTP/2 over
//! cleartext (h2c with prior knowledge, as ingress controllers and meshes
//! speak to pods) on one port, told apart by the connection preface
//! (hyper-util's auto builder). Per connection, for both protocols:
//!
//! | limit | HTTP/1.1 | HTTP/2 |
//! | --- | --- | --- |
//! | request head size (`MAX_HEADER_BYTES`) | 431 | header list size: 431 |
//! | header count (`MAX_HEADERS`) | 431 | 431 (checked in admission) |
//! | header read time (`HEADER_READ_TIMEOUT_SECONDS`) | connection closed | idle connection pinged, then closed |
//!
//! Body, request time, in-flight and drain limits act per request, in the
//! router ([`super::Pipeline::service`]), the same for both protocols.

use std::{io, net::SocketAddr, time::Duration};

use axum::extract::ConnectInfo;
use hyper::{Request, body::Incoming};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::{
    head_timer::HeadTimer,
    service::{HttpFuture, HttpService},
};
use crate::{config::Limits, telemetry};

/// Most concurrent streams one HTTP/2 connection may open: a client gets
/// parallelism, but one connection cannot take every in-flight slot.
const MAX_STREAMS_PER_CONNECTION: u32 = 100;

/// The address a request's connection came from, in its extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// Serves `service` on `listener` until `stop` is cancelled; then stops
/// accepting and lets open connections finish their requests (hyper's
/// graceful shutdown: HTTP/1.1 closes after the current response, HTTP/2
/// sends GOAWAY). With `record_peers`, each request carries its peer's
/// address (axum's `ConnectInfo`), which rate limits key on; without, no
/// request pays for it.
pub async fn serve_connections(
    listener: TcpListener,
    service: HttpService,
    limits: Limits,
    record_peers: bool,
    stop: CancellationToken,
) -> io::Result<()> {
    let builder = connection_builder(&limits);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather
                    // than spin; the listener itself is still fine.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let service = Connection {
            service: service.clone(),
            peer,
            record_peers,
            // Each request learns its client's address only when something
            // reads it: rate limits (the principal without auth) and traces
            // (the span's `client.address`).
            tracing: telemetry::tracer().is_some(),
        };
        // Each connection keeps its own timer for HTTP/1.1 head timeouts, so
        // its own builder: the task owns it and the connection borrows it
        // (`into_owned` would clone it a second time).
        let mut builder = builder.clone();
        builder.http1().timer(HeadTimer::default());
        // Watched from now, as if the connection were: a shutdown that
        // starts before the task runs still waits for it.
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection).await {
                // Timeouts, resets and parse errors: the client's problem.
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// What hyper calls for each request of one connection.
#[derive(Clone)]
struct Connection {
    service: HttpService,
    peer: SocketAddr,
    /// Put the peer's address in each request as axum's `ConnectInfo`.
    record_peers: bool,
    /// Put it there as [`ClientAddr`].
    tracing: bool,
}

impl hyper::service::Service<Request<Incoming>> for Connection {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = HttpFuture;

    fn call(&self, mut request: Request<Incoming>) -> HttpFuture {
        if self.record_peers {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(self.peer));
        }
        if self.tracing {
            request.extensions_mut().insert(ClientAddr(self.peer));
        }
        self.service.serve(request)
    }
}

fn connection_builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let header_bytes = usize::try_from(limits.max_header_bytes).unwrap_or(8192);
    let header_timeout = Duration::from_secs(limits.header_read_timeout_seconds);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The HTTP/1.1 timer is set per connection (`HeadTimer`).
    builder
        .http1()
        .header_read_timeout(header_timeout)
        .max_headers(usize::try_from(limits.max_headers).unwrap_or(100))
        .max_buf_size(header_bytes)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(header_bytes).unwrap_or(u32::MAX))
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        // A silent HTTP/2 peer is pinged, and dropped when it does not
        // answer within the header read timeout.
        .keep_alive_interval(Some(header_timeout))
        .keep_alive_timeout(header_timeout);
    builder
}
