//! Messages every replica hears: published to a topic, delivered to every
//! subscriber in every process (this one included). In memory that is a
//! broadcast channel; with Redis, `PUBLISH` on `mcp:fanout:<topic>` and one
//! pattern subscription per process feeding the same channel. Delivery is
//! at most once: a message published while a replica's subscription is
//! down (Redis restarting) does not reach that replica.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use redis::AsyncCommands;
use tokio::sync::broadcast;

use super::{Store, StoreError};

/// Prefix of every fan-out channel in Redis.
const CHANNEL_PREFIX: &str = "mcp:fanout:";

/// Messages a slow subscriber may fall behind by before it misses some.
const BACKLOG: usize = 256;

/// Pause between attempts to subscribe again after Redis went away.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// One message on a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub payload: String,
}

/// The local end of the fan-out: what subscribers in this process read.
#[derive(Debug)]
pub(super) struct Fanout {
    local: broadcast::Sender<Message>,
}

impl Default for Fanout {
    fn default() -> Self {
        Self {
            local: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Fanout {
    /// With Redis: keeps one pattern subscription open for the life of the
    /// store, subscribing again whenever it drops.
    pub(super) fn start(&self, store: &Store) {
        let Some(client) = store.client().cloned() else {
            return;
        };
        let local = self.local.clone();
        let weak = Arc::downgrade(&store.inner);
        let op_timeout = store.op_timeout();
        tokio::spawn(async move {
            let pattern = format!("{CHANNEL_PREFIX}*");
            while weak.strong_count() > 0 {
                let subscribed = tokio::time::timeout(op_timeout, async {
                    let mut pubsub = client.get_async_pubsub().await?;
                    pubsub.psubscribe(&pattern).await?;
                    Ok::<_, redis::RedisError>(pubsub)
                })
                .await;
                let mut pubsub = match subscribed {
                    Ok(Ok(pubsub)) => pubsub,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "fan-out subscription failed; retrying");
                        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
                        continue;
                    }
                    Err(_) => {
                        tracing::debug!("fan-out subscription timed out; retrying");
                        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
                        continue;
                    }
                };
                tracing::debug!("fan-out subscribed");
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let Some(topic) = message.get_channel_name().strip_prefix(CHANNEL_PREFIX)
                    else {
                        continue;
                    };
                    let Ok(payload) = message.get_payload::<String>() else {
                        continue;
                    };
                    // No subscriber here right now is fine: nothing to tell.
                    let _ = local.send(Message {
                        topic: topic.to_owned(),
                        payload,
                    });
                }
                tracing::debug!("fan-out subscription closed; subscribing again");
                tokio::time::sleep(RESUBSCRIBE_AFTER).await;
            }
        });
    }
}

impl Store {
    /// Sends `payload` on `topic` to the subscribers of every replica. In
    /// memory it reaches this process's subscribers at once; with Redis it
    /// fails (after at most the operation timeout) while Redis is down, and
    /// the caller decides whether local delivery is a useful fallback.
    pub async fn publish(&self, topic: &str, payload: &str) -> Result<(), StoreError> {
        let Some(mut connection) = self.redis() else {
            let _ = self.inner.fanout.local.send(Message {
                topic: topic.to_owned(),
                payload: payload.to_owned(),
            });
            return Ok(());
        };
        let channel = format!("{CHANNEL_PREFIX}{topic}");
        self.run(connection.publish::<_, _, ()>(channel, payload))
            .await
    }

    /// Every message published from now on, on every topic.
    pub fn subscribe(&self) -> broadcast::Receiver<Message> {
        self.inner.fanout.local.subscribe()
    }
}
