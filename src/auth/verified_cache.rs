//! Tokens already verified, kept until they expire: a signature check (or an
//! introspection round trip) per request would cost more than the tool call
//! it admits. Bounded: past `CAPACITY` entries the expired ones go, and if
//! that is not enough, all of them (they are verified again when next seen).

use std::{
    collections::HashMap,
    sync::RwLock,
    time::{SystemTime, UNIX_EPOCH},
};

use super::Principal;

const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct VerifiedTokens {
    entries: RwLock<HashMap<Box<str>, (Principal, u64)>>,
}

impl VerifiedTokens {
    /// Who `token` belongs to, if it was verified and has not expired.
    pub fn get(&self, token: &str) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (principal, expires) = entries.get(token)?;
        (now() < *expires).then(|| principal.clone())
    }

    /// Keeps `token`'s principal until `expires` (seconds since the epoch).
    pub fn insert(&self, token: &str, principal: Principal, expires: u64) {
        let now = now();
        if expires <= now {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(token.into(), (principal, expires));
    }
}

/// Seconds since the epoch (a clock before 1970 reads as 0: nothing then
/// counts as unexpired that should not).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Grant;

    fn principal(subject: &str) -> Principal {
        Principal {
            subject: subject.into(),
            grant: Grant::Everything,
        }
    }

    #[test]
    fn a_token_is_kept_until_it_expires_and_not_after() {
        let cache = VerifiedTokens::default();
        cache.insert("live", principal("a"), now() + 60);
        cache.insert("dead", principal("b"), now() - 1);
        assert_eq!(cache.get("live"), Some(principal("a")));
        assert_eq!(cache.get("dead"), None);
        assert_eq!(cache.get("liv"), None);
    }
}
