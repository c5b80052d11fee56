//! Legacy sessions (`Mcp-Session-Id`): rmcp's in-memory session manager
//! with a cap on how many are open and an idle expiry.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_core::Stream;
use rmcp::{
    model::{ClientJsonRpcMessage, ServerJsonRpcMessage},
    transport::streamable_http_server::{
        SessionManager,
        session::{
            RestoreOutcome, ServerSseMessage, SessionId,
            local::{LocalSessionManager, LocalSessionManagerError},
        },
    },
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// rmcp's in-memory session manager with a cap and idle expiry. rmcp 3.11's
/// own `keep_alive` ends an idle session's worker but leaves its entry in the
/// map (the next request then fails with a 500); here an idle session is
/// closed properly, so the client gets 404 and initializes again, and the
/// count the cap and the metrics see is true.
#[derive(Debug)]
pub struct CappedSessions {
    inner: Arc<LocalSessionManager>,
    idle: Duration,
    last_used: Mutex<HashMap<SessionId, Instant>>,
}

impl CappedSessions {
    pub fn new(idle: Duration) -> Self {
        let mut inner = LocalSessionManager::default();
        // rmcp's own expiry as a backstop, after ours.
        inner.session_config.keep_alive = Some(idle + Duration::from_secs(60));
        Self {
            inner: Arc::new(inner),
            idle,
            last_used: Mutex::new(HashMap::new()),
        }
    }

    /// The wrapped manager (its `sessions` map is what `/metrics` counts).
    pub fn local(&self) -> Arc<LocalSessionManager> {
        Arc::clone(&self.inner)
    }

    pub async fn open(&self) -> usize {
        self.inner.sessions.read().await.len()
    }

    fn touch(&self, id: &SessionId) {
        // Why this cannot fail: the lock is only held for map operations,
        // which do not panic.
        self.last_used
            .lock()
            .expect("session map lock")
            .insert(id.clone(), Instant::now());
    }

    /// True if the session went unused for too long; it is closed then.
    async fn expire_if_idle(&self, id: &SessionId) -> bool {
        let idle = {
            let last_used = self.last_used.lock().expect("session map lock");
            last_used
                .get(id)
                .is_some_and(|used| used.elapsed() >= self.idle)
        };
        if idle {
            let _ = self.close_session(id).await;
        }
        idle
    }

    /// Closes every session idle for longer than the limit.
    pub async fn reap(&self) {
        let idle: Vec<SessionId> = {
            let last_used = self.last_used.lock().expect("session map lock");
            last_used
                .iter()
                .filter(|(_, used)| used.elapsed() >= self.idle)
                .map(|(id, _)| id.clone())
                .collect()
        };
        for id in idle {
            tracing::debug!("closing idle legacy session");
            let _ = self.close_session(&id).await;
        }
    }

    /// Reaps idle sessions every quarter of the idle limit until `stop`.
    pub fn spawn_reaper(self: &Arc<Self>, stop: CancellationToken) {
        let sessions = Arc::downgrade(self);
        let period = (self.idle / 4).max(Duration::from_millis(250));
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

/// A failed session operation (rmcp's own).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SessionError(#[from] LocalSessionManagerError);

impl SessionManager for CappedSessions {
    type Error = SessionError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let (id, transport) = self.inner.create_session().await?;
        self.touch(&id);
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
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.last_used.lock().expect("session map lock").remove(id);
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.create_stream(id, message).await?)
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.touch(id);
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.resume(id, last_event_id).await?)
    }

    async fn restore_session(
        &self,
        _id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        Ok(RestoreOutcome::NotSupported)
    }
}
