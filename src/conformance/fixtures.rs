//! Binary fixtures, base64-encoded, as the suite expects them.

/// A 1×1 red PNG.
pub const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

/// Eight samples of 8 kHz mono 8-bit PCM.
pub const WAV: &str = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";

/// Parses a JSON literal that is part of this source: a typo is a bug the
/// first conformance run reports, so it panics with the fixture's name.
pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("fixture {what}: {e}"))
}
