//! Tokens already verified, kept until they expire: a signature check (or an
//! introspection round trip) per request would cost more than the tool call
//! it admits. Bounded: past `CAPACITY` entries the expired ones go, and if
//! that is not enough, all of them (they are verified again when next seen).

use std::{
    collections::HashMap,
    hash::{BuildHasher, DefaultHasher, Hasher, RandomState},
    sync::RwLock,
    time::{SystemTime, UNIX_EPOCH},
};

use super::Principal;

const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct VerifiedTokens {
    entries: RwLock<HashMap<Box<str>, (Principal, u64), TailHashing>>,
}

/// Hashes a token on its length and last 32 bytes (the end of its
/// signature, which no one can choose for a token that verifies, and only
/// verified tokens are ever inserted); equality still compares the whole
/// token. Hashing all of a JWT's hundreds of bytes on every request cost
/// more than the rest of the lookup.
#[derive(Default)]
struct TailHashing(RandomState);

impl BuildHasher for TailHashing {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

struct TailHasher(DefaultHasher);

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write_usize(bytes.len());
        self.0.write(&bytes[bytes.len().saturating_sub(32)..]);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
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
        // Same length and the same last 32 bytes: the same bucket, still
        // not the same token.
        let tail = "x".repeat(32);
        cache.insert(&format!("a{tail}"), principal("c"), now() + 60);
        assert_eq!(cache.get(&format!("b{tail}")), None);
        assert_eq!(cache.get(&format!("a{tail}")), Some(principal("c")));
    }
}
