//! Legacy sessions (`Mcp-Session-Id`): rmcp's in-memory session manager
//! with caps on how many are open and live, an idle expiry, and hibernation
//! of quiet sessions. The pieces hibernation needs each have a file: the
//! per-session [`records`], the [`store`] rmcp restores from, the
//! [`transport`] and [`streams`] watched for what would be lost, and the
//! [`trim`] that hands freed memory back.

mod records;
mod store;
mod streams;
mod transport;
mod trim;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_core::Stream;
use rmcp::{
    model::{ClientJsonRpcMessage, ClientNotification, ClientRequest, ServerJsonRpcMessage},
    transport::streamable_http_server::{
        SessionManager,
        session::{
            RestoreOutcome, ServerSseMessage, SessionId, SessionStore,
            local::{LocalSessionManager, LocalSessionManagerError},
        },
    },
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use records::{Held, Key, Records};
use store::HibernatedStore;
use streams::Tracked;
use transport::LocalTransport;
pub use transport::SessionTransport;

/// rmcp's in-memory session manager with a cap, idle expiry and hibernation.
///
/// Expiry: rmcp 3.11's own `keep_alive` ends an idle session's worker but
/// leaves its entry in the map (the next request then fails with a 500);
/// here an idle session is closed properly, so the client gets 404 and
/// initializes again, and the count the cap and the metrics see is true.
///
/// Hibernation (memory): a live rmcp session costs about 52 KiB of RSS even
/// when idle (`bench/lib/sessions_rss.py`, 2,000 sessions): rmcp gives each
/// one 3 tasks and 7 tokio mpsc channels, and a tokio channel allocates a
/// whole 32-slot block when it is created, whatever its capacity, for
/// messages of 250-400 bytes (8-13 KiB a block; 30 % more with serde_json's
/// `preserve_order`, see Cargo.toml). No rmcp setting changes that (see
/// `new`). So a session that has been quiet for
/// `MCP_SESSION_HIBERNATE_SECONDS` is closed in rmcp and kept here as a map
/// entry holding its `initialize` parameters (shared between sessions that
/// sent the same ones): about 1.2 KiB of RSS a session, measured like the
/// 52 KiB above, 12 s after opening. Its next request brings it back
/// through rmcp's own session-store hook, which starts a new worker and
/// replays `initialize` + `notifications/initialized` before handling the
/// request; the client sees the same session. A session is not hibernated
/// while it could lose something a client can observe: while an HTTP stream
/// of it is open (a request in flight, the GET stream), within rmcp's
/// `completed_cache_ttl` after a stream ended (the client may still resume
/// it with `Last-Event-ID`), and never once it holds state that only its
/// handler or worker has (`logging/setLevel`, `resources/subscribe`, tasks,
/// custom requests, or a server message queued for the standalone stream).
#[derive(Debug)]
pub struct CappedSessions {
    inner: Arc<LocalSessionManager>,
    idle: Duration,
    /// `None`: never hibernate.
    hibernate_after: Option<Duration>,
    records: Arc<Records>,
    /// Hibernated sessions freed memory: hand it back to the OS next tick.
    trim_due: AtomicBool,
}

impl CappedSessions {
    /// Sessions unused for `idle` are closed; with `hibernate_after`, quiet
    /// ones are hibernated after it.
    pub fn new(idle: Duration, hibernate_after: Option<Duration>) -> Self {
        let mut inner = LocalSessionManager::default();
        // rmcp's own expiry as a backstop, after ours.
        inner.session_config.keep_alive = Some(idle + Duration::from_secs(60));
        // The other per-session knobs stay at rmcp's defaults: none changes
        // the memory of an open session. Measured with
        // `bench/lib/sessions_rss.py` (2,000 live sessions, two runs each,
        // 57-60 KiB a session at the defaults, with serde_json's
        // `preserve_order` then on): `channel_capacity` 1 or 4
        // instead of 16, 57-59 (tokio allocates a whole 32-slot block per
        // channel at creation whatever the capacity; only the 16-entry replay
        // caches shrink) and it would change backpressure; no `keep_alive`,
        // 59.0-59.4 (the timer lives inside the worker's future);
        // `completed_cache_ttl` 0, 59.1-59.5 (only finished streams are
        // cached); no `sse_retry`, 59.3-59.4; no `sse_keep_alive` (http.rs),
        // 59.0-59.4 (a timer exists only while a stream is open);
        // `MALLOC_ARENA_MAX=2`, 59.1-59.3; jemalloc or mimalloc (LD_PRELOAD)
        // instead of glibc, 69 and 79.
        Self {
            inner: Arc::new(inner),
            idle,
            hibernate_after,
            records: Arc::default(),
            trim_due: AtomicBool::new(false),
        }
    }

    /// Open sessions, live or hibernated (what `MCP_MAX_SESSIONS` caps and
    /// `/metrics` counts).
    pub fn open(&self) -> usize {
        self.records.map().len()
    }

    /// Sessions not hibernated (what `MCP_MAX_LIVE_SESSIONS` caps).
    pub fn live(&self) -> usize {
        self.records.map().live()
    }

    /// True for a hibernated session: its next request brings it back.
    pub fn is_hibernated(&self, id: &[u8]) -> bool {
        std::str::from_utf8(id).is_ok_and(|id| {
            self.records
                .map()
                .get(&Key::of(id))
                .is_some_and(|record| record.held() == Held::Hibernated)
        })
    }

    /// The store rmcp restores hibernated sessions from; `None` when
    /// hibernation is off.
    pub fn store(&self) -> Option<Arc<dyn SessionStore>> {
        self.hibernate_after
            .map(|_| Arc::new(HibernatedStore(Arc::clone(&self.records))) as Arc<dyn SessionStore>)
    }

    fn touch(&self, id: &SessionId) {
        if let Some(record) = self.records.map().get_mut(&Key::of(id)) {
            record.last_used = Instant::now();
        }
    }

    /// Marks a session as holding state its handler or worker keeps.
    fn pin_if_stateful(&self, id: &SessionId, message: &ClientJsonRpcMessage) {
        let ClientJsonRpcMessage::Request(request) = message else {
            return;
        };
        let stateful = matches!(
            request.request,
            ClientRequest::SetLevelRequest(_)
                | ClientRequest::SubscribeRequest(_)
                | ClientRequest::GetTaskRequest(_)
                | ClientRequest::UpdateTaskRequest(_)
                | ClientRequest::CancelTaskRequest(_)
                | ClientRequest::CustomRequest(_)
        );
        if stateful
            && let Some(pinned) = self
                .records
                .map()
                .get(&Key::of(id))
                .and_then(|record| record.pinned.as_ref())
        {
            pinned.store(true, Ordering::Relaxed);
        }
    }

    /// Counts `stream` as open on session `id` until it is dropped.
    fn track<S: Stream<Item = ServerSseMessage> + Send + Sync + 'static>(
        &self,
        id: &SessionId,
        stream: S,
    ) -> Tracked<S> {
        Tracked::new(stream, Arc::clone(&self.records), Key::of(id))
    }

    /// A fresh transport wrapper; the session's pin flag now lives in it.
    fn wrap(&self, id: &SessionId, inner: LocalTransport) -> SessionTransport {
        let pinned = Arc::new(AtomicBool::new(false));
        if let Some(record) = self.records.map().get_mut(&Key::of(id)) {
            record.pinned = Some(Arc::clone(&pinned));
        }
        SessionTransport::new(inner, pinned)
    }

    /// Forgets a session (a live one is closed in rmcp too).
    async fn forget(&self, id: &SessionId) {
        let live = self
            .records
            .map()
            .remove(&Key::of(id))
            .is_some_and(|record| record.held() == Held::Live);
        if live {
            let _ = self.inner.close_session(id).await;
        }
    }

    /// True if the session went unused for too long; it is closed then.
    async fn expire_if_idle(&self, id: &SessionId) -> bool {
        let idle = self
            .records
            .map()
            .get(&Key::of(id))
            .is_some_and(|record| record.last_used.elapsed() >= self.idle);
        if idle {
            self.forget(id).await;
        }
        idle
    }

    /// Closes every session idle for longer than the limit, and hibernates
    /// the quiet ones (see the type's doc).
    pub async fn reap(&self) {
        self.records.forget_unused_states();
        if self.trim_due.swap(false, Ordering::Relaxed) {
            trim::release_free_memory();
        }
        let cache_ttl = self.inner.session_config.completed_cache_ttl;
        let mut expired = Vec::new();
        let mut hibernate = Vec::new();
        {
            let mut records = self.records.map();
            for (key, record) in records.iter_mut() {
                let quiet = record.last_used.elapsed();
                if quiet >= self.idle {
                    expired.push(key.id());
                } else if let Some(after) = self.hibernate_after
                    && record.held() == Held::Live
                    && record.ready
                    && record.state.is_some()
                    && quiet >= after
                    && record.streams == 0
                    && record
                        .stream_ended
                        .is_none_or(|at| at.elapsed() >= cache_ttl)
                    && !record.is_pinned()
                {
                    // Marked under the lock `has_session` takes: a request
                    // from now on restores the session instead.
                    record.start_hibernating();
                    record.pinned = None;
                    hibernate.push(key.id());
                }
            }
        }
        for id in expired {
            tracing::debug!("closing idle legacy session");
            self.forget(&id).await;
        }
        for id in &hibernate {
            // Ends the worker; rmcp then calls `close_session`, which marks
            // the record `Hibernated`.
            let _ = self.inner.close_session(id).await;
        }
        if !hibernate.is_empty() {
            tracing::debug!(
                sessions = hibernate.len(),
                "hibernated quiet legacy sessions"
            );
            // The workers end asynchronously: trim on the next tick.
            self.trim_due.store(true, Ordering::Relaxed);
        }
    }

    /// Reaps every quarter of the idle limit (or half the hibernation delay
    /// if that is shorter) until `stop`.
    pub fn spawn_reaper(self: &Arc<Self>, stop: CancellationToken) {
        let sessions = Arc::downgrade(self);
        let mut period = self.idle / 4;
        if let Some(after) = self.hibernate_after {
            period = period.min(after / 2);
        }
        let period = period.max(Duration::from_millis(250));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = stop.cancelled() => return,
                }
                let Some(sessions) = sessions.upgrade() else {
                    return;
                };
                sessions.reap().await;
            }
        });
    }
}

/// A failed session operation.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Local(#[from] LocalSessionManagerError),
    #[error("session {0} is still being hibernated")]
    StillHibernating(SessionId),
}

impl SessionManager for CappedSessions {
    type Error = SessionError;
    type Transport = SessionTransport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let (id, transport) = self.inner.create_session().await?;
        self.records.map().open(Key::of(&id));
        let transport = self.wrap(&id, transport);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.touch(id);
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        if self.expire_if_idle(id).await {
            return Ok(false);
        }
        let live = match self.records.map().get_mut(&Key::of(id)) {
            Some(record) if record.held() == Held::Live => {
                // Fresh use: the reaper does not hibernate it under us.
                record.last_used = Instant::now();
                true
            }
            // Hibernated (rmcp restores it from the store) or unknown.
            _ => false,
        };
        Ok(live && self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        {
            let mut records = self.records.map();
            let key = Key::of(id);
            // The worker of a hibernating session has ended.
            if records.finish_hibernating(&key) {
                return Ok(());
            }
            records.remove(&key);
        }
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.pin_if_stateful(id, &message);
        let stream = self.inner.create_stream(id, message).await?;
        Ok(self.track(id, stream))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        let initialized = matches!(
            &message,
            ClientJsonRpcMessage::Notification(n)
                if matches!(n.notification, ClientNotification::InitializedNotification(_))
        );
        if let Some(record) = self.records.map().get_mut(&Key::of(id)) {
            record.last_used = Instant::now();
            record.ready |= initialized;
        }
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let stream = self.inner.create_standalone_stream(id).await?;
        Ok(self.track(id, stream))
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let stream = self.inner.resume(id, last_event_id).await?;
        Ok(self.track(id, stream))
    }

    /// Brings a hibernated session back (rmcp then replays its handshake).
    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        const STEP: Duration = Duration::from_millis(2);
        let key = Key::of(&id);
        // Wait for the hibernated worker to end (milliseconds at most).
        let mut waited = Duration::ZERO;
        loop {
            match self.records.map().wake(&key) {
                Ok(()) => break,
                Err(Some(Held::Hibernating)) => {}
                // Closed or expired meanwhile: rmcp answers 404.
                Err(_) => return Ok(RestoreOutcome::NotSupported),
            }
            if waited >= Duration::from_secs(5) {
                return Err(SessionError::StillHibernating(id));
            }
            tokio::time::sleep(STEP).await;
            waited += STEP;
        }
        match self.inner.restore_session(id.clone()).await? {
            RestoreOutcome::Restored(transport) => {
                Ok(RestoreOutcome::Restored(self.wrap(&id, transport)))
            }
            RestoreOutcome::AlreadyPresent => Ok(RestoreOutcome::AlreadyPresent),
            _ => Ok(RestoreOutcome::NotSupported),
        }
    }
}
