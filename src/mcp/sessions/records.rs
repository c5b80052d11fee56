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
    map: Mutex<Sessions>,
    /// `initialize` parameters by their JSON, shared by the sessions that
    /// sent the same (one client program sends the same every time).
    states: Mutex<HashMap<String, Weak<SessionState>>>,
}

impl Records {
    pub(super) fn map(&self) -> MutexGuard<'_, Sessions> {
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

/// Every open session's record, and how many of them are hibernated: kept
/// beside the map, under its lock, so the live count (asked on every
/// `initialize`, every request to a hibernated session and every scrape)
/// does not walk up to `MCP_MAX_SESSIONS` records. The count changes only
/// here: a record's `held` is private, and the moves to and from
/// `Hibernated` are methods of this map.
#[derive(Debug, Default)]
pub(super) struct Sessions {
    records: HashMap<Key, Record>,
    hibernated: usize,
}

impl Sessions {
    /// Open sessions, live or hibernated.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    /// Sessions not hibernated (hibernating ones still count: their worker
    /// has not ended).
    pub(super) fn live(&self) -> usize {
        debug_assert_eq!(
            self.hibernated,
            self.records
                .values()
                .filter(|record| record.held == Held::Hibernated)
                .count(),
            "the hibernated count drifted from the records"
        );
        self.records.len() - self.hibernated
    }

    pub(super) fn get(&self, key: &Key) -> Option<&Record> {
        self.records.get(key)
    }

    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Record> {
        self.records.get_mut(key)
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (&Key, &mut Record)> {
        self.records.iter_mut()
    }

    /// A new session, live.
    pub(super) fn open(&mut self, key: Key) {
        if let Some(old) = self.records.insert(key, Record::new()) {
            self.uncount(&old);
        }
    }

    pub(super) fn remove(&mut self, key: &Key) -> Option<Record> {
        let record = self.records.remove(key)?;
        self.uncount(&record);
        Some(record)
    }

    /// A hibernating session's worker has ended: it is hibernated now.
    /// False if it was not hibernating.
    pub(super) fn finish_hibernating(&mut self, key: &Key) -> bool {
        match self.records.get_mut(key) {
            Some(record) if record.held == Held::Hibernating => {
                record.held = Held::Hibernated;
                self.hibernated += 1;
                true
            }
            _ => false,
        }
    }

    /// A hibernated session is live again (used now). Otherwise `Err` with
    /// where it is instead (`None`: no such session).
    pub(super) fn wake(&mut self, key: &Key) -> Result<(), Option<Held>> {
        match self.records.get_mut(key) {
            Some(record) if record.held == Held::Hibernated => {
                record.held = Held::Live;
                record.last_used = Instant::now();
                self.hibernated -= 1;
                Ok(())
            }
            Some(record) => Err(Some(record.held)),
            None => Err(None),
        }
    }

    fn uncount(&mut self, record: &Record) {
        if record.held == Held::Hibernated {
            self.hibernated -= 1;
        }
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
    /// Changed only through [`Record::start_hibernating`] and the
    /// [`Sessions`] methods that keep its hibernated count.
    held: Held,
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
    fn new() -> Self {
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

    pub(super) fn held(&self) -> Held {
        self.held
    }

    /// A live session's rmcp worker is being closed, to hibernate it.
    pub(super) fn start_hibernating(&mut self) {
        if self.held == Held::Live {
            self.held = Held::Hibernating;
        }
    }

    pub(super) fn is_pinned(&self) -> bool {
        self.pinned
            .as_ref()
            .is_some_and(|pinned| pinned.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hibernated(sessions: &mut Sessions, key: &Key) {
        sessions.get_mut(key).expect("a record").start_hibernating();
        assert!(sessions.finish_hibernating(key));
    }

    #[test]
    fn the_live_count_follows_every_move_to_and_from_hibernated() {
        let mut sessions = Sessions::default();
        let (a, b, c) = (Key::of("a"), Key::of("b"), Key::of("c"));
        for key in [&a, &b, &c] {
            sessions.open(key.clone());
        }
        assert_eq!((sessions.len(), sessions.live()), (3, 3));
        // Hibernating still counts as live: its worker has not ended.
        sessions.get_mut(&a).expect("a").start_hibernating();
        assert_eq!(sessions.live(), 3);
        assert!(sessions.finish_hibernating(&a));
        assert!(!sessions.finish_hibernating(&a), "already hibernated");
        assert!(!sessions.finish_hibernating(&b), "live, not hibernating");
        assert_eq!(sessions.live(), 2);
        hibernated(&mut sessions, &b);
        assert_eq!((sessions.len(), sessions.live()), (3, 1));
        assert_eq!(sessions.wake(&a), Ok(()));
        assert_eq!(sessions.get(&a).map(Record::held), Some(Held::Live));
        assert_eq!(sessions.wake(&a), Err(Some(Held::Live)));
        assert_eq!(sessions.live(), 2);
        // Removing a hibernated session, or replacing it, uncounts it.
        assert!(sessions.remove(&b).is_some());
        assert_eq!((sessions.len(), sessions.live()), (2, 2));
        hibernated(&mut sessions, &c);
        sessions.open(c.clone());
        assert_eq!((sessions.len(), sessions.live()), (2, 2));
        assert_eq!(sessions.wake(&b), Err(None));
    }
}
