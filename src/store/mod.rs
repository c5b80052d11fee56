//! The state store that replicas share: in this process's memory (the
//! default; one replica, nothing to run) or in Redis (`MCP_REDIS_URL`).
//!
//! | backend | what is shared | when it is down |
//! | --- | --- | --- |
//! | memory | nothing beyond this process | never |
//! | Redis | rate-limit budgets ([`counter`]), `subscriptions/listen` fan-out ([`fanout`]), whatever else builds on [`Store::redis`] | operations fail after [`Store::op_timeout`]; [`health`] reconnects, logs one warning per transition and reports `mcp_store_up` |
//!
//! Start-up never waits for Redis: the connection is made in the background
//! and retried for as long as the process runs, so a Redis outage costs the
//! features that need it, never the replica (probes stay 200).

pub mod counter;
pub mod fanout;
mod health;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use redis::{
    Client, IntoConnectionInfo, RedisError,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

use crate::config::StoreSettings;

/// The shared state store. Cheap to clone: every clone is the same store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    op_timeout: Duration,
    /// Whether the last health check or operation reached the backend.
    up: AtomicBool,
    /// True until the first health check has answered.
    first_check: AtomicBool,
    counters: counter::MemoryCounters,
    fanout: fanout::Fanout,
}

enum Backend {
    Memory,
    // Boxed: the client's connection details are a few hundred bytes.
    Redis(Box<RedisBackend>),
}

struct RedisBackend {
    client: Client,
    manager: ConnectionManager,
}

/// Why a store operation failed: the caller answers with a clear error
/// rather than waiting.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the state store did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the state store failed: {0}")]
    Redis(#[from] RedisError),
}

/// Why the store could not be set up (a URL Redis refuses; never
/// an unreachable Redis, which is retried in the background).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("MCP_REDIS_URL: {0}")]
    Redis(#[from] RedisError),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend_name())
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The in-memory store: state lives and dies with this process.
    pub fn memory() -> Store {
        Self::with_backend(Backend::Memory, Duration::from_millis(500), true)
    }

    /// The store `settings` name: Redis when `MCP_REDIS_URL` is set, else
    /// memory. Returns at once even when Redis is unreachable: the store
    /// then reports down and keeps reconnecting in the background.
    pub async fn connect(settings: &StoreSettings) -> Result<Store, ConnectError> {
        let Some(url) = &settings.redis_url else {
            return Ok(Self::memory());
        };
        let op_timeout = settings.op_timeout();
        if url.starts_with("rediss://") {
            // The redis crate takes rustls's process-wide crypto provider.
            // Naming ours keeps TLS working when another dependency turns on
            // a second provider (rustls then refuses to pick one); an error
            // means one is installed already, which serves as well.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let mut info = url.as_str().into_connection_info()?;
        if let Some(password) = settings.redis_password() {
            let redis = info.redis_settings().clone().set_password(password);
            info = info.set_redis_settings(redis);
        }
        let client = Client::open(info)?;
        // Retries are ours (the health check, every request): one attempt
        // per operation, bounded by the operation timeout, so no caller ever
        // waits behind a backoff schedule.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(op_timeout))
            .set_response_timeout(Some(op_timeout))
            .set_number_of_retries(0);
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let store = Self::with_backend(
            Backend::Redis(Box::new(RedisBackend { client, manager })),
            op_timeout,
            false,
        );
        store.inner.fanout.start(&store);
        health::start(&store).await;
        Ok(store)
    }

    fn with_backend(backend: Backend, op_timeout: Duration, up: bool) -> Store {
        Store {
            inner: Arc::new(Inner {
                backend,
                op_timeout,
                up: AtomicBool::new(up),
                first_check: AtomicBool::new(!up),
                counters: counter::MemoryCounters::default(),
                fanout: fanout::Fanout::default(),
            }),
        }
    }

    /// The Redis connection (reconnecting by itself), or `None` for the
    /// in-memory store. Wrap every use in [`Store::run`] or a timeout of
    /// [`Store::op_timeout`].
    pub fn redis(&self) -> Option<ConnectionManager> {
        match &self.inner.backend {
            Backend::Memory => None,
            Backend::Redis(redis) => Some(redis.manager.clone()),
        }
    }

    /// How long one store operation may take before it counts as failed.
    pub fn op_timeout(&self) -> Duration {
        self.inner.op_timeout
    }

    /// Whether the backend answered last time it was asked (always true in
    /// memory).
    pub fn is_up(&self) -> bool {
        self.inner.up.load(Ordering::Relaxed)
    }

    /// `memory` or `redis`, for logs and the status resource.
    pub fn backend_name(&self) -> &'static str {
        match self.inner.backend {
            Backend::Memory => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// Runs one Redis operation under [`Store::op_timeout`], noting a
    /// failure to reach Redis as "down" (the health check notes it back up).
    pub async fn run<T>(
        &self,
        operation: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, StoreError> {
        let result = match tokio::time::timeout(self.inner.op_timeout, operation).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => StoreError::Redis(e),
            Err(_) => StoreError::Timeout(self.inner.op_timeout),
        };
        if result.is_unreachable() {
            self.set_up(false, &result.to_string());
        }
        Err(result)
    }

    fn client(&self) -> Option<&Client> {
        match &self.inner.backend {
            Backend::Memory => None,
            Backend::Redis(redis) => Some(&redis.client),
        }
    }

    /// Records whether the backend is reachable; one log line per change
    /// (none for the first answer at start-up, which `health` reports).
    fn set_up(&self, up: bool, reason: &str) {
        let was = self.inner.up.swap(up, Ordering::Relaxed);
        let first = self.inner.first_check.swap(false, Ordering::Relaxed);
        if was != up && !first {
            if up {
                tracing::warn!(backend = self.backend_name(), "state store reachable again");
            } else {
                tracing::warn!(
                    backend = self.backend_name(),
                    reason,
                    "state store down: store-backed calls fail fast, rate limits are not \
                     enforced, reconnecting in the background"
                );
            }
        }
    }
}

impl StoreError {
    /// True when Redis could not be reached (as opposed to refusing one
    /// command, e.g. a script error).
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Timeout(_) => true,
            Self::Redis(e) => e.is_io_error() || e.is_unrecoverable_error() || e.is_timeout(),
        }
    }
}
