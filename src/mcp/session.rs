//! What one legacy session asked for: its log level (`logging/setLevel`) and
//! its resource subscriptions. A stateless request starts with a fresh one.

// `logging/setLevel` is deprecated by SEP-2577 but is the legacy
// revisions' wire protocol.
#![allow(deprecated)]

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, MutexGuard},
};

use rmcp::model::LoggingLevel;

#[derive(Clone, Default)]
pub struct Session {
    log_level: Arc<Mutex<Option<LoggingLevel>>>,
    subscribed: Arc<Mutex<HashSet<String>>>,
}

impl Session {
    pub fn set_log_level(&self, level: LoggingLevel) {
        // Why this cannot fail: the lock is never held across a panic.
        *self.log_level.lock().expect("log level lock") = Some(level);
    }

    pub fn log_level(&self) -> Option<LoggingLevel> {
        *self.log_level.lock().expect("log level lock")
    }

    pub fn subscribed(&self) -> MutexGuard<'_, HashSet<String>> {
        // Why this cannot fail: no code panics while holding the lock.
        self.subscribed.lock().expect("subscription lock")
    }
}
