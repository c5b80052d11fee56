//! Command line and configuration: every flag can also come from the
//! environment variable named beside it (the interface the container image,
//! the Kubernetes manifests and the tests use).

use std::net::IpAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Address to bind. The MCP spec asks local servers to bind loopback only;
    /// the container image sets 0.0.0.0.
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: IpAddr,

    /// TCP port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000, global = true)]
    pub port: u16,

    /// Least severe log level written.
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
    /// (`https://app.example.com`, `http://localhost:*`). Unset: loopback
    /// origins only. `*`: any origin. A present, disallowed Origin gets 403.
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

    /// Toolsets to serve, comma-separated: `core` (the seed's tools and
    /// resource) and `conformance` (the fixtures the official MCP
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

    /// Seconds a graceful shutdown waits for in-flight requests and open
    /// streams before closing them.
    #[arg(
        long,
        env = "SHUTDOWN_DRAIN_SECONDS",
        default_value_t = 10,
        global = true
    )]
    pub shutdown_drain_seconds: u64,

    /// Metrics, authentication and limits (see [`crate::hardening`]).
    #[command(flatten)]
    pub hardening: crate::hardening::HardeningSettings,
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

/// Lists that mean "allow anything".
const ANY: &str = "*";

impl Settings {
    /// Checks what clap's types cannot: returns the one-line reason on error.
    pub fn validate(&self) -> Result<(), String> {
        for origin in &self.allowed_origins {
            let scheme_ok = origin == ANY
                || origin == "null"
                || origin.starts_with("http://")
                || origin.starts_with("https://");
            if !scheme_ok {
                return Err(format!(
                    "MCP_ALLOWED_ORIGINS: '{origin}' needs a scheme, e.g. https://{origin}"
                ));
            }
        }
        if self.allowed_hosts.iter().any(|h| h.trim().is_empty())
            || self.allowed_origins.iter().any(|o| o.trim().is_empty())
        {
            return Err("MCP_ALLOWED_HOSTS/MCP_ALLOWED_ORIGINS: empty entry in list".into());
        }
        self.hardening.validate()
    }

    /// `None`: accept any Origin. Otherwise the allow-list to enforce.
    pub fn origin_allow_list(&self) -> Option<Vec<String>> {
        if self.allowed_origins.iter().any(|o| o == ANY) {
            return None;
        }
        if !self.allowed_origins.is_empty() {
            return Some(self.allowed_origins.clone());
        }
        // Loopback origins (any port) serve local browser tools such as the
        // MCP Inspector's web UI; anything else must be configured.
        let loopback = ["localhost", "127.0.0.1", "[::1]"];
        Some(
            ["http", "https"]
                .iter()
                .flat_map(|scheme| loopback.iter().map(move |h| format!("{scheme}://{h}:*")))
                .collect(),
        )
    }

    /// `None`: accept any Host. Otherwise the allow-list to enforce.
    pub fn host_allow_list(&self) -> Option<Vec<String>> {
        if self.allowed_hosts.iter().any(|h| h == ANY) {
            return None;
        }
        if !self.allowed_hosts.is_empty() {
            return Some(self.allowed_hosts.clone());
        }
        // Host checks stop DNS rebinding against a server on the user's own
        // machine; that only applies when bound to loopback. Bound to all
        // interfaces (a container), the Host is a Service name or pod IP that
        // cannot be known in advance.
        self.host
            .is_loopback()
            .then(|| vec!["localhost".into(), "127.0.0.1".into(), "::1".into()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mcp-rust-server").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_bind_loopback_port_8000_stateless() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.command, None);
        assert_eq!(cli.settings.host.to_string(), "127.0.0.1");
        assert_eq!(cli.settings.port, 8000);
        assert!(!cli.settings.legacy_sessions);
        assert_eq!(cli.settings.log_level, LogLevel::Info);
        assert_eq!(cli.settings.toolsets, vec![Toolset::Core]);
    }

    #[test]
    fn flags_are_accepted_after_the_subcommand() {
        let cli = parse(&["serve", "--port", "9000", "--legacy-sessions", "true"]).unwrap();
        assert_eq!(cli.command, Some(Command::Serve));
        assert_eq!(cli.settings.port, 9000);
        assert!(cli.settings.legacy_sessions);
    }

    #[test]
    fn loopback_bind_keeps_host_checks_and_wildcard_bind_drops_them() {
        let local = parse(&[]).unwrap().settings;
        assert_eq!(
            local.host_allow_list().unwrap(),
            vec!["localhost", "127.0.0.1", "::1"]
        );
        let container = parse(&["--host", "0.0.0.0"]).unwrap().settings;
        assert_eq!(container.host_allow_list(), None);
        let pinned = parse(&["--host", "0.0.0.0", "--allowed-hosts", "mcp.example.com"])
            .unwrap()
            .settings;
        assert_eq!(pinned.host_allow_list().unwrap(), vec!["mcp.example.com"]);
    }

    #[test]
    fn origins_default_to_loopback_and_star_disables_the_check() {
        let settings = parse(&[]).unwrap().settings;
        let origins = settings.origin_allow_list().unwrap();
        assert!(origins.contains(&"http://localhost:*".to_string()));
        assert!(!origins.iter().any(|o| o.contains("example")));
        let any = parse(&["--allowed-origins", "*"]).unwrap().settings;
        assert_eq!(any.origin_allow_list(), None);
    }

    #[test]
    fn an_origin_without_scheme_is_rejected_with_a_reason() {
        let settings = parse(&["--allowed-origins", "app.example.com"])
            .unwrap()
            .settings;
        let reason = settings.validate().unwrap_err();
        assert!(reason.contains("needs a scheme"), "{reason}");
    }

    #[test]
    fn toolsets_are_a_comma_separated_list() {
        let cli = parse(&["--toolsets", "core,conformance"]).unwrap();
        assert_eq!(
            cli.settings.toolsets,
            vec![Toolset::Core, Toolset::Conformance]
        );
        assert_eq!(
            parse(&["--toolsets", "core,bogus"])
                .unwrap_err()
                .exit_code(),
            2
        );
    }

    #[test]
    fn a_bad_port_is_a_usage_error() {
        let err = parse(&["--port", "eighty"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
