//! Graceful shutdown. The order matters to Kubernetes and to clients:
//! 1. readiness flips to 503, so the Service stops routing new work here;
//! 2. new work that still arrives is refused with 503 + `Retry-After`;
//! 3. in-flight requests and tool calls finish, up to the drain deadline;
//! 4. then open streams (legacy SSE sessions) are closed cleanly and the
//!    process exits 0.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Shared between the HTTP layers, the tools and the shutdown sequence.
#[derive(Clone, Default)]
pub struct Lifecycle {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    /// Cancelled last: ends rmcp's sessions and SSE streams.
    streams: CancellationToken,
}

impl Lifecycle {
    /// True once shutdown has begun: `/ready` answers 503 from then on.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Acquire)
    }

    pub fn begin_drain(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
    }

    /// The token rmcp's Streamable HTTP service watches.
    pub fn streams_token(&self) -> CancellationToken {
        self.inner.streams.clone()
    }

    pub fn close_streams(&self) {
        self.inner.streams.cancel();
    }

    /// Counts a unit of work until the guard is dropped.
    pub fn track(&self) -> InFlight {
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight {
            inner: Arc::clone(&self.inner),
        }
    }

    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// Resolves when no tracked work is in flight. Only for a drain: the
    /// last request out notifies only once draining has begun.
    pub async fn idle(&self) {
        loop {
            // Register before checking, so a drop in between is not missed.
            let notified = self.inner.idle.notified();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Held while a request or tool call is in flight.
pub struct InFlight {
    inner: Arc<Inner>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // Only a drain waits for idle: outside one, the last request out
        // does not pay for `notify_waiters` (a lock). Sequentially
        // consistent with `begin_drain`, so a drain that starts as this
        // request ends sees either the notification or the zero.
        if self.inner.in_flight.fetch_sub(1, Ordering::SeqCst) == 1
            && self.inner.draining.load(Ordering::SeqCst)
        {
            self.inner.idle.notify_waiters();
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what Kubernetes sends).
pub async fn signal() {
    {
        let ctrl_c = async {
            // Why this cannot fail in practice: installing a SIGINT handler
            // only fails if the runtime has no signal driver, which ours has.
            tokio::signal::ctrl_c()
                .await
                .expect("install SIGINT handler");
        };
        #[cfg(unix)]
        let terminate = async {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install SIGTERM handler")
                .recv()
                .await;
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => tracing::info!("SIGINT received"),
            () = terminate => tracing::info!("SIGTERM received"),
        }
    }
}
