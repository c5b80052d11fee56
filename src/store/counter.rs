//! Counting hits in a window, for rate limits: the window opens at a key's
//! first hit and lasts `window`; every replica counts into the same key when
//! the store is Redis. Atomic in both backends: one lock in memory, one Lua
//! script in Redis (`INCR`, and `PEXPIRE` on the first hit).

use std::{
    collections::HashMap,
    sync::{LazyLock, Mutex},
    time::Duration,
};

use redis::Script;
use tokio::time::Instant;

use super::{Store, StoreError};

/// Prefix of every rate-limit key in Redis.
const KEY_PREFIX: &str = "mcp:ratelimit:";

/// Memory entries beyond which expired windows are swept on the next hit.
const SWEEP_AT: usize = 4096;

/// A key's count after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Hits in the current window, this one included.
    pub used: u64,
    /// Time until the window closes and the count starts again from zero.
    pub resets_in: Duration,
}

/// The in-memory backend's windows: key → (hits, window end).
#[derive(Debug, Default)]
pub(super) struct MemoryCounters {
    windows: Mutex<HashMap<String, (u64, Instant)>>,
}

/// Returns `{hits, milliseconds until the window closes}`. A key left
/// without an expiry (it cannot happen through this script, but a stray
/// `SET` could) is given one rather than counting forever.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local used = redis.call('INCR', KEYS[1])
        if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            ttl = tonumber(ARGV[1])
        end
        return {used, ttl}
        ",
    )
});

impl Store {
    /// Counts one hit on `key` in a window of `window`.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<Count, StoreError> {
        let Some(mut connection) = self.redis() else {
            return Ok(self.inner.counters.hit(key, window, Instant::now()));
        };
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        let mut invocation = HIT.key(format!("{KEY_PREFIX}{key}"));
        invocation.arg(window_ms);
        let (used, ttl_ms): (u64, u64) = self.run(invocation.invoke_async(&mut connection)).await?;
        Ok(Count {
            used,
            resets_in: Duration::from_millis(ttl_ms),
        })
    }
}

impl MemoryCounters {
    fn hit(&self, key: &str, window: Duration, now: Instant) -> Count {
        // Why this cannot fail: no code panics while holding the lock.
        let mut windows = self.windows.lock().expect("rate-limit counters lock");
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (_, ends)| *ends > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        Count {
            used: entry.0,
            resets_in: entry.1 - now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_from_its_first_hit_and_starts_again_when_it_closes() {
        let counters = MemoryCounters::default();
        let start = Instant::now();
        let minute = Duration::from_secs(60);
        let first = counters.hit("alice", minute, start);
        assert_eq!(
            first,
            Count {
                used: 1,
                resets_in: minute
            }
        );
        let later = start + Duration::from_secs(20);
        let second = counters.hit("alice", minute, later);
        assert_eq!(
            second,
            Count {
                used: 2,
                resets_in: Duration::from_secs(40)
            }
        );
        assert_eq!(counters.hit("bob", minute, later).used, 1);
        let next_window = start + minute;
        assert_eq!(
            counters.hit("alice", minute, next_window),
            Count {
                used: 1,
                resets_in: minute
            }
        );
    }
}
