//! What clap's types cannot check, and what follows from the settings: the
//! bind address (`HOST` may be a name) and the Origin and Host allow-lists.
//! Every failure is one line naming the setting; `main` exits 2 on it.

use std::{
    fs,
    net::{IpAddr, ToSocketAddrs},
    path::Path,
};

use super::{AuthSettings, Resolved, Settings};

/// A configuration the server cannot start with: the one-line reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Lists that mean "allow anything".
const ANY: &str = "*";

/// Loopback names, as Host values and inside origins.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The file the setting `name` points at (a mounted Secret, a key ring), or
/// the one line that says why it cannot be read.
pub(super) fn read_setting_file(name: &str, path: &Path) -> Result<String, ConfigError> {
    fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{name}: cannot read {}: {e}", path.display())))
}

impl Settings {
    /// Checks the settings and resolves `HOST` (a name is looked up once,
    /// here; the first address wins).
    pub fn resolve(mut self) -> Result<Resolved, ConfigError> {
        self.check_lists()?;
        self.auth.check()?;
        self.oauth.resolve(&mut self.auth)?;
        self.tasks.check()?;
        self.store.resolve()?;
        let request_state = self.request_state.keys()?;
        self.telemetry.check()?;
        let bind_ip = resolve_host(&self.host)?;
        Ok(Resolved {
            request_state,
            allowed_origins: origin_allow_list(&self.allowed_origins, bind_ip),
            allowed_hosts: host_allow_list(&self.allowed_hosts, bind_ip),
            bind_ip,
            settings: self,
        })
    }

    fn check_lists(&self) -> Result<(), ConfigError> {
        for origin in &self.allowed_origins {
            let scheme_ok = origin == ANY
                || origin == "null"
                || origin.starts_with("http://")
                || origin.starts_with("https://");
            if !scheme_ok {
                return Err(ConfigError(format!(
                    "MCP_ALLOWED_ORIGINS: '{origin}' needs a scheme, e.g. https://{origin}"
                )));
            }
        }
        if self.allowed_hosts.iter().any(|h| h.trim().is_empty())
            || self.allowed_origins.iter().any(|o| o.trim().is_empty())
        {
            return Err(ConfigError(
                "MCP_ALLOWED_HOSTS/MCP_ALLOWED_ORIGINS: empty entry in list".into(),
            ));
        }
        Ok(())
    }
}

impl AuthSettings {
    /// Checks what clap cannot, without ever echoing a token.
    fn check(&self) -> Result<(), ConfigError> {
        for (position, token) in self.auth_tokens.iter().enumerate() {
            if !is_b64token(token) {
                return Err(ConfigError(format!(
                    "MCP_AUTH_TOKENS: entry {} is not a valid bearer token \
                     (allowed: A-Z a-z 0-9 - . _ ~ + / and trailing =)",
                    position + 1
                )));
            }
        }
        for url in self.public_url.iter().chain(&self.authorization_servers) {
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c == '"') {
                return Err(ConfigError(format!(
                    "MCP_PUBLIC_URL/MCP_AUTHORIZATION_SERVERS: '{url}' is not an http(s) URL"
                )));
            }
        }
        Ok(())
    }
}

/// RFC 6750's `b64token`.
pub(super) fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// An IP address as is; a name through the system resolver. `localhost`
/// prefers its IPv4 address, as most clients reach it there.
fn resolve_host(host: &str) -> Result<IpAddr, ConfigError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    let unresolvable = |reason: String| {
        ConfigError(format!(
            "HOST: cannot resolve '{host}' to an address: {reason}"
        ))
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(unresolvable("not a host name".into()));
    }
    let addresses: Vec<IpAddr> = (host, 0)
        .to_socket_addrs()
        .map_err(|e| unresolvable(e.to_string()))?
        .map(|address| address.ip())
        .collect();
    addresses
        .iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
        .ok_or_else(|| unresolvable("no addresses".into()))
}

/// The Origin allow-list. Loopback origins (any port) serve local browser
/// tools such as the MCP Inspector's web UI: they are the default, and stay
/// allowed next to configured origins while the server is bound to loopback
/// (adding one origin must not lock out the Inspector). Bound elsewhere, a
/// configured list is exactly what is allowed.
fn origin_allow_list(configured: &[String], bind_ip: IpAddr) -> Option<Vec<String>> {
    if configured.iter().any(|o| o == ANY) {
        return None;
    }
    let loopback = ["http", "https"].iter().flat_map(|scheme| {
        ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .map(move |host| format!("{scheme}://{host}:*"))
    });
    if configured.is_empty() {
        return Some(loopback.collect());
    }
    let mut origins = configured.to_vec();
    if bind_ip.is_loopback() {
        origins.extend(loopback);
    }
    Some(origins)
}

/// The Host allow-list. Host checks stop DNS rebinding against a server on
/// the user's own machine, which only applies when bound to loopback. Bound
/// to all interfaces (a container), the Host is a Service name or pod IP
/// that cannot be known in advance.
fn host_allow_list(configured: &[String], bind_ip: IpAddr) -> Option<Vec<String>> {
    if configured.iter().any(|h| h == ANY) {
        return None;
    }
    if !configured.is_empty() {
        return Some(configured.to_vec());
    }
    bind_ip
        .is_loopback()
        .then(|| LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::{Cli, Command, LogLevel, Toolset};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mcp-rust-server").chain(args.iter().copied()))
    }

    fn resolved(args: &[&str]) -> Resolved {
        parse(args).unwrap().settings.resolve().unwrap()
    }

    #[test]
    fn defaults_bind_loopback_port_8000_stateless() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.command, None);
        assert_eq!(cli.settings.host, "127.0.0.1");
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
    fn a_host_name_is_resolved_and_localhost_is_loopback() {
        let local = resolved(&["--host", "localhost"]);
        assert!(local.bind_ip.is_loopback(), "{}", local.bind_ip);
        assert_eq!(
            local.allowed_hosts.unwrap(),
            vec!["localhost", "127.0.0.1", "::1"]
        );
        let err = parse(&["--host", "no such host"])
            .unwrap()
            .settings
            .resolve()
            .unwrap_err();
        assert!(
            err.0.starts_with("HOST: cannot resolve 'no such host'"),
            "{err}"
        );
    }

    #[test]
    fn loopback_bind_keeps_host_checks_and_wildcard_bind_drops_them() {
        assert_eq!(
            resolved(&[]).allowed_hosts.unwrap(),
            vec!["localhost", "127.0.0.1", "::1"]
        );
        assert_eq!(resolved(&["--host", "0.0.0.0"]).allowed_hosts, None);
        let pinned = resolved(&["--host", "0.0.0.0", "--allowed-hosts", "mcp.example.com"]);
        assert_eq!(pinned.allowed_hosts.unwrap(), vec!["mcp.example.com"]);
    }

    #[test]
    fn origins_default_to_loopback_and_star_disables_the_check() {
        let origins = resolved(&[]).allowed_origins.unwrap();
        assert!(origins.contains(&"http://localhost:*".to_string()));
        assert!(!origins.iter().any(|o| o.contains("example")));
        assert_eq!(resolved(&["--allowed-origins", "*"]).allowed_origins, None);
    }

    #[test]
    fn an_added_origin_keeps_loopback_only_while_bound_to_loopback() {
        let local = resolved(&["--allowed-origins", "https://app.example.com"]);
        let origins = local.allowed_origins.unwrap();
        assert!(origins.contains(&"https://app.example.com".to_string()));
        assert!(origins.contains(&"http://localhost:*".to_string()));
        let public = resolved(&[
            "--host",
            "0.0.0.0",
            "--allowed-origins",
            "https://app.example.com",
        ]);
        assert_eq!(
            public.allowed_origins.unwrap(),
            vec!["https://app.example.com"]
        );
    }

    #[test]
    fn an_origin_without_scheme_is_rejected_with_a_reason() {
        let settings = parse(&["--allowed-origins", "app.example.com"])
            .unwrap()
            .settings;
        let reason = settings.resolve().unwrap_err();
        assert!(reason.0.contains("needs a scheme"), "{reason}");
    }

    #[test]
    fn a_bad_token_is_reported_by_position_not_value() {
        let settings = parse(&["--auth-tokens", "good,has space"])
            .unwrap()
            .settings;
        let reason = settings.resolve().unwrap_err().0;
        assert!(reason.contains("entry 2"), "{reason}");
        assert!(!reason.contains("has space"), "{reason}");
    }

    #[test]
    fn debug_never_prints_a_token() {
        let settings = parse(&["--auth-tokens", "s3cr3t-value"]).unwrap().settings;
        let printed = format!("{:?}", settings.auth);
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("<1 redacted>"), "{printed}");
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
