//! Logging through `tracing`: text for people, JSON lines for collectors.
//! Always to stderr, so `stdio` mode keeps stdout for the protocol alone.
//! Traces, when a collector is configured: [`traces`].

pub mod traces;

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{LogFormat, LogLevel};

pub use traces::{Traces, tracer};

/// rmcp logs each stateless request's service start and end at INFO; at
/// production rates that would be most of the log. Below INFO unless asked
/// for (`LOG_LEVEL=debug`, or `RUST_LOG=rmcp=info`).
const QUIET_BY_DEFAULT: &str = "rmcp::service=warn";

/// Installs the global subscriber. `LOG_LEVEL` sets the default; `RUST_LOG`,
/// when set, adds its directives on top (e.g. `RUST_LOG=rmcp=debug` keeps
/// the default for everything else).
pub fn init(level: LogLevel, format: LogFormat) {
    let filter = EnvFilter::builder()
        .parse_lossy(directives(level, std::env::var("RUST_LOG").ok().as_deref()));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init`: a second call (tests starting several servers) is harmless.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The filter directives: the level, rmcp's lifecycle lines quieted when
/// the level would show them, then `RUST_LOG`'s (later directives for the
/// same target win).
fn directives(level: LogLevel, rust_log: Option<&str>) -> String {
    let mut directives = match level {
        LogLevel::Trace => "trace".to_owned(),
        LogLevel::Debug => "debug".to_owned(),
        LogLevel::Info => format!("info,{QUIET_BY_DEFAULT}"),
        LogLevel::Warn => "warn".to_owned(),
        LogLevel::Error => "error".to_owned(),
    };
    if let Some(extra) = rust_log.map(str::trim).filter(|extra| !extra.is_empty()) {
        directives.push(',');
        directives.push_str(extra);
    }
    directives
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_refines_the_level_instead_of_replacing_it() {
        assert_eq!(
            directives(LogLevel::Info, Some("rmcp=debug")),
            "info,rmcp::service=warn,rmcp=debug"
        );
        assert_eq!(directives(LogLevel::Warn, None), "warn");
        assert_eq!(directives(LogLevel::Debug, Some("  ")), "debug");
    }
}
