//! The key that seals `requestState` (SEP-2322 multi round-trip). Every
//! replica must hold the same key, or a retry that lands on another replica
//! is rejected as tampered: MCP_REQUEST_STATE_KEYS_FILE names a file (a
//! mounted Secret) with one base64 key per line. The first line seals, every
//! line verifies, so a new key is rolled out by putting it first and the old
//! one is removed once the values it sealed have been answered.

use std::{fs, io::Read, path::PathBuf};

use base64::{Engine, engine::general_purpose::STANDARD};
use clap::Args;
use rmcp::model::RequestStateCodec;
use sha2::{Digest, Sha256};

use super::{ConfigError, checks::read_setting_file};

#[derive(Debug, Clone, Args)]
pub struct RequestStateSettings {
    /// File with the keys that seal `requestState`, one base64 key of at
    /// least 32 bytes per line (`openssl rand -base64 32`); the first seals,
    /// all verify. Unset: a random key per process, so multi round-trip
    /// calls only work when every round reaches the same replica.
    #[arg(long, env = "MCP_REQUEST_STATE_KEYS_FILE", global = true)]
    pub request_state_keys_file: Option<PathBuf>,
}

/// The codec, and whether its keys are shared with other replicas.
#[derive(Debug, Clone)]
pub enum RequestStateKeys {
    /// From MCP_REQUEST_STATE_KEYS_FILE.
    Shared(RequestStateCodec),
    /// A random key of this process's own.
    PerProcess(RequestStateCodec),
}

impl RequestStateKeys {
    pub fn codec(&self) -> &RequestStateCodec {
        match self {
            Self::Shared(codec) | Self::PerProcess(codec) => codec,
        }
    }
}

impl RequestStateSettings {
    /// Reads the keys file, or makes a random key when none is set.
    pub fn keys(&self) -> Result<RequestStateKeys, ConfigError> {
        match &self.request_state_keys_file {
            Some(path) => {
                let text = read_setting_file("MCP_REQUEST_STATE_KEYS_FILE", path)?;
                parse_keys(&text).map(RequestStateKeys::Shared)
            }
            None => random_key().map(RequestStateKeys::PerProcess),
        }
    }
}

/// One base64 key per line (blank lines ignored) into a keyring whose first
/// key seals. Key ids are derived from the keys themselves (a digest prefix),
/// so every replica names a key alike whatever its line.
pub fn parse_keys(text: &str) -> Result<RequestStateCodec, ConfigError> {
    let error = |reason: String| ConfigError(format!("MCP_REQUEST_STATE_KEYS_FILE: {reason}"));
    let mut ring = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        let key = STANDARD
            .decode(line)
            .map_err(|_| error(format!("line {number} is not base64")))?;
        if key.len() < RequestStateCodec::MIN_KEY_LENGTH {
            return Err(error(format!(
                "the key on line {number} is {} bytes; at least {} are needed",
                key.len(),
                RequestStateCodec::MIN_KEY_LENGTH
            )));
        }
        let id = key_id(&key);
        if ring.iter().any(|(other, _)| *other == id) {
            return Err(error(format!("the key on line {number} is listed twice")));
        }
        ring.push((id, key));
    }
    let Some((sealing, _)) = ring.first() else {
        return Err(error("no keys in the file".into()));
    };
    let sealing = sealing.clone();
    RequestStateCodec::new_with_keyring(sealing, ring).map_err(|e| error(e.to_string()))
}

/// A name for a key that reveals nothing usable about it: the first eight
/// bytes of its SHA-256, in hex.
fn key_id(key: &[u8]) -> String {
    Sha256::digest(key)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_key() -> Result<RequestStateCodec, ConfigError> {
    let mut key = [0u8; RequestStateCodec::MIN_KEY_LENGTH];
    fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut key))
        .map_err(|e| {
            ConfigError(format!(
                "cannot read /dev/urandom for a request-state key: {e}"
            ))
        })?;
    RequestStateCodec::try_new(key.to_vec()).map_err(|e| ConfigError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(byte: u8, length: usize) -> String {
        STANDARD.encode(vec![byte; length])
    }

    #[test]
    fn the_first_key_seals_and_every_key_opens() {
        let old = parse_keys(&line(1, 32)).unwrap();
        let both = parse_keys(&format!("{}\n\n{}\n", line(2, 32), line(1, 32))).unwrap();
        let new = parse_keys(&line(2, 40)).unwrap();
        let sealed_old = old.seal(b"state");
        assert_eq!(both.open(&sealed_old).unwrap(), b"state");
        let sealed_both = both.seal(b"state");
        assert!(old.open(&sealed_both).is_err());
        // A 40-byte key of the same byte is a different key.
        assert!(new.open(&sealed_both).is_err());
        let same = parse_keys(&line(2, 32)).unwrap();
        assert_eq!(same.open(&sealed_both).unwrap(), b"state");
    }

    #[test]
    fn key_ids_depend_only_on_the_key() {
        assert_eq!(key_id(&[1; 32]), key_id(&[1; 32]));
        assert_ne!(key_id(&[1; 32]), key_id(&[2; 32]));
        assert_eq!(key_id(&[1; 32]).len(), 16);
    }
}
