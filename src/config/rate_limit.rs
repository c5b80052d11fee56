//! Rate limits: one budget per principal (the token's subject with
//! authentication on, else the client address), shared by every replica
//! through the store. Off by default.

use std::{fmt, net::IpAddr, str::FromStr, time::Duration};

use clap::Args;
use ipnet::IpNet;

#[derive(Debug, Clone, Args)]
pub struct RateLimitSettings {
    /// Requests each principal may make per window, as `<n>/<second|minute|hour>`
    /// (e.g. `600/minute`), counted across all replicas when MCP_REDIS_URL is
    /// set. Over it: 429 with Retry-After. Probes and /metrics are never
    /// limited. Unset: no limit.
    #[arg(long, env = "MCP_RATE_LIMIT", global = true)]
    pub rate_limit: Option<Rate>,

    /// Proxies whose X-Forwarded-For names the client, comma-separated
    /// addresses or CIDRs (`10.0.0.0/8`). Only consulted for rate limits
    /// without authentication; from any other peer the header is ignored.
    #[arg(
        long,
        env = "MCP_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy,
        global = true
    )]
    pub trusted_proxies: Vec<IpNet>,
}

/// `n` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u64,
    pub window: Duration,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = || format!("'{text}' is not <n>/<second|minute|hour>, e.g. 600/minute");
        let (count, unit) = text.trim().split_once('/').ok_or_else(expected)?;
        let requests: u64 = count.trim().parse().map_err(|_| expected())?;
        if requests == 0 {
            return Err("the limit must be at least 1 request".into());
        }
        let seconds = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "second" => 1,
            "m" | "minute" => 60,
            "h" | "hour" => 3600,
            _ => return Err(expected()),
        };
        Ok(Self {
            requests,
            window: Duration::from_secs(seconds),
        })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.requests, self.window.as_secs())
    }
}

/// A CIDR, or one address (a /32 or /128).
fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("'{text}' is not an address or CIDR"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_long_and_short_units() {
        let rate = |text: &str| text.parse::<Rate>();
        assert_eq!(
            rate("20/minute"),
            Ok(Rate {
                requests: 20,
                window: Duration::from_secs(60)
            })
        );
        assert_eq!(
            rate(" 5 / S ").map(|r| r.window),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(
            rate("3/hour").map(|r| r.window),
            Ok(Duration::from_secs(3600))
        );
        assert_eq!(
            rate("0/minute"),
            Err("the limit must be at least 1 request".into())
        );
        for bad in ["fast", "5/day", "-1/minute", "/minute", "5"] {
            assert!(rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_proxy_is_a_cidr_or_one_address() {
        assert_eq!(parse_proxy("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            parse_proxy("192.0.2.7").unwrap().to_string(),
            "192.0.2.7/32"
        );
        assert_eq!(parse_proxy("::1").unwrap().to_string(), "::1/128");
        assert!(parse_proxy("10.0.0.0/33").is_err());
    }
}
