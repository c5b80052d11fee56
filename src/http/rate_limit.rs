//! Rate limits (`MCP_RATE_LIMIT`): one budget per principal, counted in the
//! store so every replica draws on the same one. The principal is the
//! token's subject when authentication is on, else the client's address
//! (the `X-Forwarded-For` entry nearest to us that is not a trusted proxy,
//! when the peer is one of `MCP_TRUSTED_PROXIES`).
//!
//! The window opens at a principal's first request and lasts the configured
//! period ([`crate::store::counter`]). Over the budget: 429 with
//! `Retry-After` and the IETF draft's `RateLimit-Policy` and `RateLimit`
//! headers (also on every answered request), a JSON-RPC error on `/mcp` and
//! `{"detail": …}` elsewhere. While the store is down the limit is not
//! enforced (fail open): refusing every request because Redis is away
//! would turn a Redis outage into a full outage; the store logs the
//! transition once and `mcp_store_up` shows it.

use std::net::{IpAddr, SocketAddr};

use axum::{
    Json,
    extract::{ConnectInfo, Request},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use ipnet::IpNet;
use serde_json::{Value, json};

use crate::{
    auth::Principal,
    config::{Rate, RateLimitSettings},
    jsonrpc::ErrorResponse,
    rest::ApiError,
    store::{Store, counter::Count},
};

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The JSON-RPC error code of a rate-limited `/mcp` request (the
/// implementation-defined server error range).
pub const RATE_LIMITED_CODE: i64 = -32000;

/// The limit and where its counts live.
pub struct RateLimiter {
    store: Store,
    rate: Rate,
    trusted_proxies: Vec<IpNet>,
    /// `"default";q=<n>;w=<seconds>`, the same on every response.
    policy: HeaderValue,
}

/// The `RateLimit` header for an answered request.
pub struct Quota(HeaderValue);

impl RateLimiter {
    /// `None` when no limit is configured.
    pub fn new(settings: &RateLimitSettings, store: Store) -> Option<Self> {
        let rate = settings.rate_limit?;
        let policy = format!(
            "\"default\";q={};w={}",
            rate.requests,
            rate.window.as_secs()
        );
        Some(Self {
            store,
            rate,
            trusted_proxies: settings.trusted_proxies.clone(),
            // Why this cannot fail: digits, quotes and ASCII letters only.
            policy: HeaderValue::from_str(&policy).expect("policy is a valid header value"),
        })
    }

    /// Counts `request` against its principal's budget: `Ok` with the quota
    /// left (`None` when the store could not count it), or the 429 to send.
    /// (What it needs is read from `request` before the first await: a
    /// request's body is not `Sync`, so the future cannot hold it.)
    pub fn check(
        &self,
        request: &Request,
    ) -> impl Future<Output = Result<Option<Quota>, Response>> + Send + '_ {
        let key = self.principal(request);
        let mcp = request.uri().path() == "/mcp";
        async move {
            if !self.store.is_up() {
                // Fail open without waiting on a Redis known to be down; the
                // health check notices its return within a second.
                return Ok(None);
            }
            let count = match self.store.hit(&key, self.rate.window).await {
                Ok(count) => count,
                Err(e) => {
                    tracing::debug!(error = %e, "rate limit not enforced: the store failed");
                    return Ok(None);
                }
            };
            if count.used <= self.rate.requests {
                return Ok(Some(Quota(self.ratelimit(&count))));
            }
            Err(self.refusal(mcp, &count))
        }
    }

    /// Adds the policy and quota headers to an answered response.
    pub fn annotate(&self, response: &mut Response, quota: Option<Quota>) {
        if let Some(Quota(value)) = quota {
            let headers = response.headers_mut();
            headers.insert(RATELIMIT_POLICY, self.policy.clone());
            headers.insert(RATELIMIT, value);
        }
    }

    /// Whose budget `request` draws on.
    fn principal(&self, request: &Request) -> String {
        if let Some(principal) = request.extensions().get::<Principal>() {
            return format!("sub:{}", principal.subject);
        }
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        match peer {
            Some(peer) => format!("ip:{}", self.client_address(peer, request.headers())),
            None => "ip:unknown".into(),
        }
    }

    /// The peer, or, when the peer is a trusted proxy, the nearest
    /// `X-Forwarded-For` entry that is not one (entries further left were
    /// written by whoever the untrusted client is, so they prove nothing).
    fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        if !self.is_trusted(client) {
            return client;
        }
        let forwarded = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for entry in forwarded.iter().rev() {
            let Ok(address) = entry.trim().parse::<IpAddr>() else {
                // An entry we cannot read: stop at the last address we trust.
                break;
            };
            client = address;
            if !self.is_trusted(address) {
                break;
            }
        }
        client
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.trusted_proxies
            .iter()
            .any(|net| net.contains(&address))
    }

    /// `"default";r=<left>;t=<seconds until the window resets>`.
    fn ratelimit(&self, count: &Count) -> HeaderValue {
        let left = self.rate.requests.saturating_sub(count.used);
        let value = format!("\"default\";r={left};t={}", reset_seconds(count));
        // Why this cannot fail: digits, quotes and ASCII letters only.
        HeaderValue::from_str(&value).expect("quota is a valid header value")
    }

    /// 429, in the error shape of the endpoint asked.
    fn refusal(&self, mcp: bool, count: &Count) -> Response {
        let retry_after = reset_seconds(count);
        let message = format!(
            "Rate limit exceeded: {} requests per {} s; retry in {retry_after} s",
            self.rate.requests,
            self.rate.window.as_secs()
        );
        let mut response = if mcp {
            let body = ErrorResponse::new(&Value::Null, RATE_LIMITED_CODE, &message)
                .with_data(json!({"retryAfterSeconds": retry_after}));
            (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
        } else {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        headers.insert(RATELIMIT_POLICY, self.policy.clone());
        headers.insert(RATELIMIT, self.ratelimit(count));
        response
    }
}

/// Whole seconds until the window resets, at least 1 (a client told 0
/// would retry at once into the same window).
fn reset_seconds(count: &Count) -> u64 {
    count.resets_in.as_millis().div_ceil(1000).max(1) as u64
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limiter(trusted: &[&str]) -> RateLimiter {
        let settings = RateLimitSettings {
            rate_limit: Some("5/minute".parse().unwrap()),
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
        };
        RateLimiter::new(&settings, Store::memory()).unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let headers = forwarded("198.51.100.1, 203.0.113.9, 10.0.0.7");
        let trusting = limiter(&["10.0.0.0/8"]);
        assert_eq!(
            trusting.client_address(proxy, &headers),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let untrusting = limiter(&[]);
        assert_eq!(untrusting.client_address(proxy, &headers), proxy);
        assert_eq!(trusting.client_address(proxy, &forwarded("garbage")), proxy);
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        let count = |ms| Count {
            used: 6,
            resets_in: Duration::from_millis(ms),
        };
        assert_eq!(reset_seconds(&count(0)), 1);
        assert_eq!(reset_seconds(&count(1001)), 2);
        assert_eq!(reset_seconds(&count(60_000)), 60);
    }
}
