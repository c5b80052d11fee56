//! The shared state store: in memory (one replica) or Redis (any number of
//! replicas sharing request budgets and notifications). The password never
//! shows in `Debug` output or in the help text.

use std::{fmt, path::PathBuf, time::Duration};

use clap::Args;

use super::{ConfigError, checks::read_setting_file};

/// Where shared state lives.
#[derive(Clone, Args)]
pub struct StoreSettings {
    /// Redis to keep shared state in (`redis://host:6379/0`, or `rediss://`
    /// for TLS). Unset: state stays in this process's memory, which is right
    /// for one replica. A password may be in the URL or in
    /// MCP_REDIS_PASSWORD_FILE.
    #[arg(long, env = "MCP_REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<String>,

    /// File holding the Redis password (e.g. a mounted Secret); a trailing
    /// newline is ignored. Overrides a password in MCP_REDIS_URL.
    #[arg(long, env = "MCP_REDIS_PASSWORD_FILE", global = true)]
    pub redis_password_file: Option<PathBuf>,

    /// Milliseconds one store operation (or one connection attempt) may take
    /// before it fails: a slow or unreachable Redis costs a request this much,
    /// never more.
    #[arg(long, env = "MCP_STORE_TIMEOUT_MS", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(10..=60_000), global = true)]
    pub store_timeout_ms: u64,

    /// The password read from `redis_password_file`, once, when the
    /// settings are resolved.
    #[arg(skip)]
    redis_password: Option<String>,
}

impl StoreSettings {
    pub fn op_timeout(&self) -> Duration {
        Duration::from_millis(self.store_timeout_ms)
    }

    /// The password from MCP_REDIS_PASSWORD_FILE, as resolved.
    pub fn redis_password(&self) -> Option<&str> {
        self.redis_password.as_deref()
    }

    /// Checks what clap cannot, without echoing a password, and reads the
    /// password file.
    pub(super) fn resolve(&mut self) -> Result<(), ConfigError> {
        if let Some(url) = &self.redis_url {
            let scheme_ok = url.starts_with("redis://") || url.starts_with("rediss://");
            if !scheme_ok || redis::parse_redis_url(url).is_none() {
                return Err(ConfigError(
                    "MCP_REDIS_URL: not a redis:// or rediss:// URL".into(),
                ));
            }
        } else if self.redis_password_file.is_some() {
            return Err(ConfigError(
                "MCP_REDIS_PASSWORD_FILE: set without MCP_REDIS_URL".into(),
            ));
        }
        let Some(path) = &self.redis_password_file else {
            return Ok(());
        };
        let text = read_setting_file("MCP_REDIS_PASSWORD_FILE", path)?;
        let password = text.trim_end_matches(['\r', '\n']);
        if password.is_empty() {
            return Err(ConfigError(format!(
                "MCP_REDIS_PASSWORD_FILE: {} is empty",
                path.display()
            )));
        }
        self.redis_password = Some(password.to_owned());
        Ok(())
    }
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field(
                "redis_url",
                &self.redis_url.as_ref().map(|_| format_args!("<redacted>")),
            )
            .field("redis_password_file", &self.redis_password_file)
            .field("store_timeout_ms", &self.store_timeout_ms)
            .field(
                "redis_password",
                &self
                    .redis_password
                    .as_ref()
                    .map(|_| format_args!("<redacted>")),
            )
            .finish()
    }
}
