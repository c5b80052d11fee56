//! rmcp's per-session transport, watched for what would be lost if the
//! session were hibernated.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use rmcp::{
    RoleServer,
    model::{ClientJsonRpcMessage, ServerJsonRpcMessage, ServerNotification},
    transport::{
        Transport,
        streamable_http_server::{SessionManager, session::local::LocalSessionManager},
    },
};

pub(super) type LocalTransport = <LocalSessionManager as SessionManager>::Transport;

/// rmcp's session transport, noting when the server sends something that
/// goes to the session's standalone (GET) stream or its replay cache: a
/// notification other than progress, or a request to the client. Such a
/// session is not hibernated (that cache would be lost).
pub struct SessionTransport {
    inner: LocalTransport,
    pinned: Arc<AtomicBool>,
}

impl SessionTransport {
    /// Wraps `inner`; `pinned` is set once the session must stay live.
    pub(super) fn new(inner: LocalTransport, pinned: Arc<AtomicBool>) -> Self {
        Self { inner, pinned }
    }
}

impl Transport<RoleServer> for SessionTransport {
    type Error = <LocalTransport as Transport<RoleServer>>::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let standalone = match &item {
            ServerJsonRpcMessage::Notification(n) => {
                !matches!(n.notification, ServerNotification::ProgressNotification(_))
            }
            ServerJsonRpcMessage::Request(_) => true,
            _ => false,
        };
        if standalone {
            self.pinned.store(true, Ordering::Relaxed);
        }
        self.inner.send(item)
    }

    fn receive(&mut self) -> impl Future<Output = Option<ClientJsonRpcMessage>> + Send {
        self.inner.receive()
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}
