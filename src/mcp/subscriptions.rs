//! List-changed and resource-updated notifications, in both eras:
//! - 2026-07-28: clients hold a `subscriptions/listen` stream open; every
//!   replica request handler is a fresh clone, so the open streams live here,
//!   shared by the whole process;
//! - legacy sessions: the notification goes to the calling session's peer.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

use rmcp::service::{SubscriptionSendError, SubscriptionSink};

use crate::catalog::{BoxFuture, Change, ListChanges};

/// The open `subscriptions/listen` streams of this process.
#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: AtomicU64,
    sinks: Mutex<Vec<(u64, SubscriptionSink)>>,
}

impl Subscriptions {
    /// Registers an open stream; keep the id to [`Self::remove`] it.
    pub fn add(&self, sink: SubscriptionSink) -> u64 {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.sinks().push((id, sink));
        id
    }

    pub fn remove(&self, id: u64) {
        self.sinks().retain(|(sink_id, _)| *sink_id != id);
    }

    /// Tells every open stream whose filter accepts this kind of change.
    /// Streams that did not subscribe to it are skipped by rmcp's filter.
    pub async fn notify(&self, change: Change) {
        // Clone out of the lock: sending awaits.
        let sinks: Vec<_> = self.sinks().iter().map(|(_, s)| s.clone()).collect();
        for sink in sinks {
            let sent = match change {
                Change::Tools => sink.notify_tool_list_changed().await,
                Change::Prompts => sink.notify_prompt_list_changed().await,
                Change::Resources => sink.notify_resource_list_changed().await,
            };
            match sent {
                Ok(()) | Err(SubscriptionSendError::NotificationNotAccepted(_)) => {}
                Err(e) => tracing::debug!(error = %e, "subscription notification not delivered"),
            }
        }
    }

    fn sinks(&self) -> std::sync::MutexGuard<'_, Vec<(u64, SubscriptionSink)>> {
        // Why this cannot fail: no code panics while holding the lock.
        self.inner.sinks.lock().expect("subscriptions lock")
    }
}

impl ListChanges for Subscriptions {
    fn announce(&self, change: Change) -> BoxFuture<'_, ()> {
        Box::pin(self.notify(change))
    }
}
