//! What is known of each open legacy session, live or hibernated: one small
//! record per session in one map, shared by the manager, the streams it
//! counts and the store rmcp restores from.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use rmcp::transport::streamable_http_server::session::{SessionId, SessionState};
use tokio::time::Instant;

#[derive(Debug, Default)]
pub(super) struct Records {
    map: Mutex<HashMap<Key, Record>>,
    /// `initialize` parameters by their JSON, shared by the sessions that
    /// sent the same (one client program sends the same every time).
    states: Mutex<HashMap<String, Weak<SessionState>>>,
}

impl Records {
    pub(super) fn map(&self) -> MutexGuard<'_, HashMap<Key, Record>> {
        // Why this cannot fail: the lock is only held for map operations,
        // which do not panic.
        self.map.lock().expect("session map lock")
    }

    /// The shared copy of `state`: thousands of hibernated sessions of one
    /// client program hold one allocation between them.
    pub(super) fn intern(&self, state: &SessionState) -> Arc<SessionState> {
        let Ok(json) = serde_json::to_string(state) else {
            return Arc::new(state.clone());
        };
        // Why this cannot fail: as for `map`.
        let mut states = self.states.lock().expect("session state lock");
        if let Some(shared) = states.get(&json).and_then(Weak::upgrade) {
            return shared;
        }
        let shared = Arc::new(state.clone());
        states.insert(json, Arc::downgrade(&shared));
        shared
    }

    /// Drops the interned parameters no session holds any more.
    pub(super) fn forget_unused_states(&self) {
        // Why this cannot fail: as for `map`.
        self.states
            .lock()
            .expect("session state lock")
            .retain(|_, state| state.strong_count() > 0);
    }
}

/// A session id as a map key. rmcp's ids are UUID strings: kept inline, so
/// a hibernated session owns no allocation of its own that could pin a
/// page of the heap (measured: with the id and parameters as separate small
/// allocations, 2,000 hibernated sessions still held 14 KiB each of RSS,
/// because `malloc_trim` can only release whole free pages).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Uuid([u8; 36]),
    Other(Box<str>),
}

impl Key {
    pub(super) fn of(id: &str) -> Self {
        match id.as_bytes().try_into() {
            Ok(bytes) => Self::Uuid(bytes),
            Err(_) => Self::Other(id.into()),
        }
    }

    pub(super) fn id(&self) -> SessionId {
        match self {
            // Why this cannot fail: the bytes are a whole `str`.
            Self::Uuid(bytes) => std::str::from_utf8(bytes).expect("a UUID").into(),
            Self::Other(id) => id.as_ref().into(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Record {
    pub(super) last_used: Instant,
    pub(super) held: Held,
    /// HTTP streams of this session open now.
    pub(super) streams: u32,
    pub(super) stream_ended: Option<Instant>,
    /// Shared with the live session's transport; set once the session holds
    /// state only its worker has. `None` while hibernated.
    pub(super) pinned: Option<Arc<AtomicBool>>,
    /// What rmcp replays to bring it back (`None` until initialized).
    pub(super) state: Option<Arc<SessionState>>,
    /// The client sent `notifications/initialized` (the handshake is over:
    /// closing the worker earlier would fail it, logged as an error).
    pub(super) ready: bool,
}

/// Where a session's rmcp worker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Held {
    Live,
    /// Closed in rmcp; its worker has not ended yet.
    Hibernating,
    Hibernated,
}

impl Record {
    pub(super) fn new() -> Self {
        Self {
            last_used: Instant::now(),
            held: Held::Live,
            streams: 0,
            stream_ended: None,
            pinned: None,
            state: None,
            ready: false,
        }
    }

    pub(super) fn is_pinned(&self) -> bool {
        self.pinned
            .as_ref()
            .is_some_and(|pinned| pinned.load(Ordering::Relaxed))
    }
}
