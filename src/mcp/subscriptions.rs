//! List-changed and resource-updated notifications, in both eras:
//! - 2026-07-28: clients hold a `subscriptions/listen` stream open; every
//!   replica request handler is a fresh clone, so the open streams live here,
//!   shared by the whole process. With Redis as the store, an announcement
//!   is published to every replica ([`crate::store::fanout`]) and each one
//!   tells its own streams, so a change made through one pod reaches a
//!   listener on another. While Redis is down an announcement reaches this
//!   process's streams only (and says so in a warning);
//! - legacy sessions: the notification goes to the calling session's peer.

use std::sync::{
    Arc, Mutex, Weak,
    atomic::{AtomicU64, Ordering},
};

use rmcp::service::{SubscriptionSendError, SubscriptionSink};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    catalog::{BoxFuture, Change, ListChanges},
    store::Store,
};

/// The fan-out topic list changes travel on.
const TOPIC: &str = "list_changed";

/// The open `subscriptions/listen` streams of this process.
#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    inner: Arc<Inner>,
    /// The store other replicas listen on; `None`: this process only.
    shared: Option<Store>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: AtomicU64,
    sinks: Mutex<Vec<(u64, SubscriptionSink)>>,
}

impl Subscriptions {
    /// Streams that also hear the changes other replicas announce through
    /// `store`. With the in-memory store, the same as [`Self::default`].
    pub fn shared(store: Store) -> Self {
        if store.redis().is_none() {
            return Self::default();
        }
        let subscriptions = Self {
            inner: Arc::default(),
            shared: Some(store.clone()),
        };
        relay(store, Arc::downgrade(&subscriptions.inner));
        subscriptions
    }

    /// Registers an open stream; keep the id to [`Self::remove`] it.
    pub fn add(&self, sink: SubscriptionSink) -> u64 {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner.sinks().push((id, sink));
        id
    }

    pub fn remove(&self, id: u64) {
        self.inner.sinks().retain(|(sink_id, _)| *sink_id != id);
    }

    /// Tells every open stream of this process whose filter accepts this
    /// kind of change.
    pub async fn notify(&self, change: Change) {
        self.inner.notify(change).await;
    }
}

impl Inner {
    /// Streams that did not subscribe to `change` are skipped by rmcp's
    /// filter.
    async fn notify(&self, change: Change) {
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
        self.sinks.lock().expect("subscriptions lock")
    }
}

/// Hands every change any replica published to this process's streams,
/// until the subscriptions are dropped.
fn relay(store: Store, inner: Weak<Inner>) {
    let mut messages = store.subscribe();
    tokio::spawn(async move {
        loop {
            let message = match messages.recv().await {
                Ok(message) => message,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "list-change notifications dropped: too many at once"
                    );
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let Some(inner) = inner.upgrade() else { return };
            if message.topic != TOPIC {
                continue;
            }
            match change_from_wire(&message.payload) {
                Some(change) => inner.notify(change).await,
                None => tracing::debug!(payload = %message.payload, "unknown list change"),
            }
        }
    });
}

fn change_to_wire(change: Change) -> &'static str {
    match change {
        Change::Tools => "tools",
        Change::Prompts => "prompts",
        Change::Resources => "resources",
    }
}

fn change_from_wire(text: &str) -> Option<Change> {
    match text {
        "tools" => Some(Change::Tools),
        "prompts" => Some(Change::Prompts),
        "resources" => Some(Change::Resources),
        _ => None,
    }
}

impl ListChanges for Subscriptions {
    fn announce(&self, change: Change) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let Some(store) = &self.shared else {
                return self.notify(change).await;
            };
            // Published to every replica, this one included (its relay tells
            // its streams).
            if let Err(e) = store.publish(TOPIC, change_to_wire(change)).await {
                tracing::warn!(
                    error = %e,
                    "list change not published to other replicas; told this replica's listeners only"
                );
                self.notify(change).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_survives_the_wire() {
        for change in [Change::Tools, Change::Prompts, Change::Resources] {
            assert_eq!(change_from_wire(change_to_wire(change)), Some(change));
        }
        assert_eq!(change_from_wire("nonsense"), None);
    }
}
