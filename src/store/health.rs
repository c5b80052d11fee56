//! Watching Redis: a `PING` every [`INTERVAL`] keeps the up/down state
//! current (and `mcp_store_up` with it) even when no request uses the
//! store, and each failed `PING` makes the connection manager reconnect,
//! so a Redis that comes back is used again without a restart.

use std::time::Duration;

use super::Store;

/// How often Redis is pinged.
const INTERVAL: Duration = Duration::from_secs(1);

/// Pings once (so the state is known before serving; at most the operation
/// timeout), then keeps pinging in the background until the store is dropped.
pub(super) async fn start(store: &Store) {
    match ping(store).await {
        Ok(()) => tracing::info!("state store reachable"),
        Err(reason) => tracing::warn!(
            reason,
            "state store unreachable at start-up; serving anyway and reconnecting in the background"
        ),
    }
    let weak = std::sync::Arc::downgrade(&store.inner);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Some(inner) = weak.upgrade() else { return };
            let _ = ping(&Store { inner }).await;
        }
    });
}

/// One `PING`: `Err` with the reason unless Redis answered it in time.
async fn ping(store: &Store) -> Result<(), String> {
    let Some(mut connection) = store.redis() else {
        return Ok(());
    };
    let answered = store
        .run(redis::cmd("PING").query_async::<String>(&mut connection))
        .await;
    match answered {
        Ok(_) => {
            store.set_up(true, "PONG");
            Ok(())
        }
        Err(e) => {
            // `run` has noted an unreachable Redis; a refused PING (e.g. a
            // wrong password) means down as well.
            let reason = e.to_string();
            store.set_up(false, &reason);
            Err(reason)
        }
    }
}
