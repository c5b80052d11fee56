//! Logging through `tracing`: text for people, JSON lines for collectors.
//! Always to stderr, so `stdio` mode keeps stdout for the protocol alone.

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{LogFormat, LogLevel};

/// Installs the global subscriber. `RUST_LOG`, when set, refines `LOG_LEVEL`
/// per module (e.g. `RUST_LOG=rmcp=debug`).
pub fn init(level: LogLevel, format: LogFormat) {
    let level = match level {
        LogLevel::Trace => "trace",
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init`: a second call (tests starting several servers) is harmless.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
