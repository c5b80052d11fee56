//! Configuration: every flag, with the environment variable beside it (the
//! interface the container image, the Kubernetes manifests and the tests
//! use), declared in this module: here, and in one file per group that
//! brings its own checks ([`store`], [`rate_limit`], [`request_state`]).
//! [`checks`] validates what clap's types cannot and derives the
//! allow-lists; the rest of the crate receives these plain structs and never
//! parses an argument itself.

mod checks;
mod oauth;
mod oauth_checks;
mod rate_limit;
mod request_state;
mod store;
mod tasks;
mod telemetry;

use std::{fmt, net::IpAddr, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use checks::ConfigError;
pub use oauth::{OAuthSettings, ToolScopeList};
pub use rate_limit::{Rate, RateLimitSettings};
pub use request_state::{
    RequestStateKeys, RequestStateSettings, parse_keys as parse_request_state_keys,
};
pub use store::StoreSettings;
pub use tasks::TaskSettings;
pub use telemetry::{OtlpProtocol, TelemetrySettings, TraceExport, TracesSampler};

#[derive(Debug, Parser)]
#[command(name = "mcp-rust-server", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve MCP over Streamable HTTP at /mcp plus the REST API (the default).
    Serve,
    /// Serve MCP over stdin/stdout, for desktop clients. Logs go to stderr.
    Stdio,
    /// Exit 0 iff GET /health on 127.0.0.1:$PORT answers healthy within 2 s.
    Healthcheck,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address or host name to bind (a name is resolved at start-up). The MCP
    /// spec asks local servers to bind loopback only; the container image
    /// sets 0.0.0.0.
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: String,

    /// TCP port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000, global = true)]
    pub port: u16,

    /// Least severe log level written. `RUST_LOG` directives, when set, are
    /// added on top (e.g. `RUST_LOG=rmcp=debug`).
    #[arg(
        long,
        env = "LOG_LEVEL",
        default_value = "info",
        ignore_case = true,
        global = true
    )]
    pub log_level: LogLevel,

    /// Log line format.
    #[arg(
        long,
        env = "LOG_FORMAT",
        default_value = "text",
        ignore_case = true,
        global = true
    )]
    pub log_format: LogFormat,

    /// Serve legacy (pre-2026-07-28) clients with sessions: Mcp-Session-Id,
    /// a GET SSE stream and DELETE. Off by default: stateless, so any replica
    /// behind a Kubernetes Service can answer any request.
    #[arg(
        long,
        env = "MCP_LEGACY_SESSIONS",
        default_value_t = false,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub legacy_sessions: bool,

    /// Browser origins allowed to call /mcp, comma-separated, with scheme
    /// (`https://app.example.com`, `http://localhost:*`). Loopback origins
    /// stay allowed while the server is bound to loopback. `*`: any origin.
    /// A present, disallowed Origin gets 403; allowed ones get CORS answers
    /// (preflights, readable responses) on every path.
    #[arg(
        long,
        env = "MCP_ALLOWED_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_origins: Vec<String>,

    /// Host header values allowed on /mcp, comma-separated. Unset: loopback
    /// names when bound to loopback, any host otherwise (Service names and pod
    /// IPs vary; Origin checks still stop browsers). `*`: any host.
    #[arg(long, env = "MCP_ALLOWED_HOSTS", value_delimiter = ',', global = true)]
    pub allowed_hosts: Vec<String>,

    /// Toolsets to serve, comma-separated: `core` (echo, calculate and the
    /// status resource) and `conformance` (the fixtures the official MCP
    /// conformance suite exercises).
    #[arg(
        long,
        env = "MCP_TOOLSETS",
        value_delimiter = ',',
        default_value = "core",
        ignore_case = true,
        global = true
    )]
    pub toolsets: Vec<Toolset>,

    /// Seconds a graceful shutdown waits for in-flight requests and tool
    /// calls before closing open streams (which gets one more second).
    #[arg(
        long,
        env = "SHUTDOWN_DRAIN_SECONDS",
        default_value_t = 10,
        global = true
    )]
    pub shutdown_drain_seconds: u64,

    /// Also serve `GET /metrics` alone on this port (same host), e.g. for a
    /// scrape port that is not exposed through the Service. `/metrics` stays
    /// on the main port either way.
    #[arg(long, env = "METRICS_PORT", global = true)]
    pub metrics_port: Option<u16>,

    #[command(flatten)]
    pub limits: Limits,

    #[command(flatten)]
    pub auth: AuthSettings,

    #[command(flatten)]
    pub tasks: TaskSettings,

    #[command(flatten)]
    pub store: StoreSettings,

    #[command(flatten)]
    pub request_state: RequestStateSettings,

    #[command(flatten)]
    pub rate_limits: RateLimitSettings,

    #[command(flatten)]
    pub oauth: OAuthSettings,

    #[command(flatten)]
    pub telemetry: TelemetrySettings,
}

/// What one client, or a flood of them, may use.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Largest request body accepted, in bytes (REST and /mcp). Larger: 413,
    /// refused from Content-Length or as soon as the stream passes the cap.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=(1 << 30)), global = true)]
    pub max_body_bytes: u64,

    /// Most header fields accepted in one request. More: 431.
    #[arg(long, env = "MAX_HEADERS", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(8..=1000), global = true)]
    pub max_headers: u64,

    /// Largest request head (request line plus headers), in bytes. Larger:
    /// 431. hyper's floor is 8192.
    #[arg(long, env = "MAX_HEADER_BYTES", default_value_t = 16 * 1024,
          value_parser = clap::value_parser!(u64).range(8192..=(1 << 20)), global = true)]
    pub max_header_bytes: u64,

    /// Seconds a client has to send a complete request head (on a new or an
    /// idle keep-alive connection) before the connection is closed.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub header_read_timeout_seconds: u64,

    /// Seconds a request may take until its response starts (body read
    /// included). Longer: 408. An SSE stream, once started, is not cut.
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86400), global = true)]
    pub request_timeout_seconds: u64,

    /// Requests handled at once. Beyond it new requests get 503 with
    /// Retry-After at once (no queue). Probes and /metrics are exempt.
    #[arg(long, env = "MAX_IN_FLIGHT", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_in_flight: u64,

    /// Legacy sessions open at once (with MCP_LEGACY_SESSIONS), live or
    /// hibernated. Beyond it a new `initialize` gets 503 with Retry-After.
    /// Memory: about 2 KiB a hibernated session (bench/lib/sessions_rss.py),
    /// so 10,000 of them fit beside MCP_MAX_LIVE_SESSIONS live ones in the
    /// deployment's 128 MiB limit.
    #[arg(long, env = "MCP_MAX_SESSIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_sessions: u64,

    /// Legacy sessions live at once (not hibernated). Beyond it a new
    /// `initialize`, or a request that would bring a hibernated session back,
    /// gets 503 with Retry-After. Memory: about 52 KiB a live session, 76 KiB
    /// with its GET stream open; 1,000 of the latter are 83 MiB.
    #[arg(long, env = "MCP_MAX_LIVE_SESSIONS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_live_sessions: u64,

    /// Seconds a legacy session may go unused before it is closed (the
    /// client then gets 404 and initializes again).
    #[arg(long, env = "MCP_SESSION_IDLE_SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86400), global = true)]
    pub session_idle_seconds: u64,

    /// Seconds a legacy session may stay quiet (no request, no open stream)
    /// before it is hibernated: closed in rmcp and kept as its `initialize`
    /// parameters only (about 2 KiB instead of about 52 KiB), brought back
    /// unseen by its next request. 0: never.
    #[arg(long, env = "MCP_SESSION_HIBERNATE_SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=86400), global = true)]
    pub session_hibernate_seconds: u64,
}

impl Limits {
    pub fn max_body(&self) -> usize {
        usize::try_from(self.max_body_bytes).unwrap_or(usize::MAX)
    }

    pub fn max_sessions(&self) -> usize {
        usize::try_from(self.max_sessions).unwrap_or(usize::MAX)
    }

    pub fn max_live_sessions(&self) -> usize {
        usize::try_from(self.max_live_sessions).unwrap_or(usize::MAX)
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(self.session_idle_seconds)
    }

    /// `None` for `MCP_SESSION_HIBERNATE_SECONDS=0`: never hibernate.
    pub fn session_hibernate_after(&self) -> Option<Duration> {
        (self.session_hibernate_seconds > 0)
            .then(|| Duration::from_secs(self.session_hibernate_seconds))
    }
}

/// Authentication. Tokens are never printed: `Debug` shows a count, the help
/// text hides the environment value, and a rejected entry is named by its
/// position, not its value.
#[derive(Clone, Args)]
pub struct AuthSettings {
    /// Bearer tokens accepted on /mcp and the REST tool and resource
    /// endpoints, comma-separated. Unset: no authentication (local use).
    #[arg(
        long,
        env = "MCP_AUTH_TOKENS",
        value_delimiter = ',',
        hide_env_values = true,
        global = true
    )]
    pub auth_tokens: Vec<String>,

    /// This server's public base URL (`https://mcp.example.com`), used in
    /// the RFC 9728 metadata and the 401 challenge. Unset: `http://` plus the
    /// request's Host header.
    #[arg(long, env = "MCP_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// OAuth authorization servers that issue tokens for this server,
    /// comma-separated URLs, listed in the RFC 9728 metadata.
    #[arg(
        long,
        env = "MCP_AUTHORIZATION_SERVERS",
        value_delimiter = ',',
        global = true
    )]
    pub authorization_servers: Vec<String>,
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field(
                "auth_tokens",
                &format_args!("<{} redacted>", self.auth_tokens.len()),
            )
            .field("public_url", &self.public_url)
            .field("authorization_servers", &self.authorization_servers)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Toolset {
    Core,
    Conformance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    #[value(alias = "warning")]
    Warn,
    #[value(alias = "critical")]
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The settings once checked: the bind address resolved and the allow-lists
/// derived. What the server is built from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub settings: Settings,
    /// `HOST` resolved to an address.
    pub bind_ip: IpAddr,
    /// `None`: accept any Origin. Otherwise the allow-list to enforce.
    pub allowed_origins: Option<Vec<String>>,
    /// `None`: accept any Host. Otherwise the allow-list to enforce.
    pub allowed_hosts: Option<Vec<String>>,
    /// What seals `requestState`, read from MCP_REQUEST_STATE_KEYS_FILE.
    pub request_state: RequestStateKeys,
}

impl std::ops::Deref for Resolved {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.settings
    }
}
