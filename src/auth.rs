//! Bearer-token authentication for `/mcp` and the REST tool and resource
//! endpoints, as the MCP authorization spec describes for a resource server:
//! a request without a valid token gets 401 with
//! `WWW-Authenticate: Bearer resource_metadata="<base>/.well-known/oauth-protected-resource"`,
//! and that URL serves the RFC 9728 metadata. Probes, `/metrics`, the docs
//! and the metadata itself stay open.
//!
//! Tokens are checked by a [`TokenValidator`]: today [`StaticTokens`]
//! (`MCP_AUTH_TOKENS`, compared in constant time); a JWT/JWKS validator is
//! another implementation of the same trait, with no change to the routes.
//! Tokens are never logged: [`AuthSettings`]'s `Debug` prints a count, the
//! help text hides the environment value, and a rejected configuration names
//! the entry's position, not its value.

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use clap::Args;
use serde::Serialize;
use subtle::{Choice, ConstantTimeEq};

use crate::{
    metrics::{Metrics, Rejection},
    rest::ApiError,
};

/// Authentication settings (flattened into [`crate::config::Settings`]).
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

impl AuthSettings {
    /// Checks what clap cannot, without ever echoing a token.
    pub fn validate(&self) -> Result<(), String> {
        for (position, token) in self.auth_tokens.iter().enumerate() {
            if !is_b64token(token) {
                return Err(format!(
                    "MCP_AUTH_TOKENS: entry {} is not a valid bearer token \
                     (allowed: A-Z a-z 0-9 - . _ ~ + / and trailing =)",
                    position + 1
                ));
            }
        }
        for url in self.public_url.iter().chain(&self.authorization_servers) {
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c == '"') {
                return Err(format!(
                    "MCP_PUBLIC_URL/MCP_AUTHORIZATION_SERVERS: '{url}' is not an http(s) URL"
                ));
            }
        }
        Ok(())
    }

    /// The validator to enforce, or `None` when authentication is off.
    pub fn validator(&self) -> Option<Arc<dyn TokenValidator>> {
        (!self.auth_tokens.is_empty())
            .then(|| Arc::new(StaticTokens::new(&self.auth_tokens)) as Arc<dyn TokenValidator>)
    }
}

/// RFC 6750's `b64token`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Who a valid token belongs to; put in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// A name safe to log (never the token).
    pub subject: String,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Missing bearer token")]
    Missing,
    #[error("Invalid bearer token")]
    Invalid,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Decides whether a bearer token is good. Asynchronous so that a validator
/// that fetches keys (JWKS) or asks an introspection endpoint fits as is.
pub trait TokenValidator: Send + Sync + 'static {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>>;
}

/// A fixed set of opaque tokens, compared in constant time.
pub struct StaticTokens {
    tokens: Vec<Vec<u8>>,
}

impl StaticTokens {
    pub fn new(tokens: &[String]) -> Self {
        Self {
            tokens: tokens.iter().map(|t| t.as_bytes().to_vec()).collect(),
        }
    }

    /// Index of the matching token. Every configured token is compared in
    /// full, and the time depends only on the configured tokens' lengths,
    /// never on where the presented token first differs.
    fn find(&self, presented: &[u8]) -> Option<usize> {
        let mut found = None;
        for (index, expected) in self.tokens.iter().enumerate() {
            let mut equal = Choice::from(u8::from(presented.len() == expected.len()));
            for (i, byte) in expected.iter().enumerate() {
                let other = presented.get(i).copied().unwrap_or(0);
                equal &= other.ct_eq(byte);
            }
            if bool::from(equal) {
                found = Some(index);
            }
        }
        found
    }
}

impl TokenValidator for StaticTokens {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        let result = self
            .find(token.as_bytes())
            .map(|index| Principal {
                subject: format!("static-token-{}", index + 1),
            })
            .ok_or(AuthError::Invalid);
        Box::pin(std::future::ready(result))
    }
}

/// The auth middleware's state.
#[derive(Clone)]
pub struct Auth {
    validator: Option<Arc<dyn TokenValidator>>,
    public_url: Option<String>,
    authorization_servers: Vec<String>,
    metrics: Arc<Metrics>,
}

impl Auth {
    pub fn new(settings: &AuthSettings, metrics: Arc<Metrics>) -> Self {
        Self {
            validator: settings.validator(),
            public_url: settings
                .public_url
                .as_ref()
                .map(|url| url.trim_end_matches('/').to_owned()),
            authorization_servers: settings.authorization_servers.clone(),
            metrics,
        }
    }

    /// `scheme://host[:port]` clients reach this server at.
    fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        // The Host is the client's; only a plain host[:port] is echoed.
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            })
            .unwrap_or("localhost");
        format!("http://{host}")
    }
}

/// Paths that need a token: the MCP endpoint and the REST API's tools and
/// resources (everything under `/mcp/`).
pub fn is_protected(path: &str) -> bool {
    path == "/mcp" || path.starts_with("/mcp/")
}

/// Where the metadata lives, relative to the base URL.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

impl Auth {
    /// Whether authentication is on (tokens configured).
    pub fn is_enabled(&self) -> bool {
        self.validator.is_some()
    }

    /// Admits a request to a protected path only with a valid
    /// `Authorization: Bearer` token: `Ok` (the principal recorded in the
    /// request's extensions), or the 401 challenge to send.
    pub async fn authorize(&self, request: &mut Request) -> Result<(), Response> {
        let Some(validator) = &self.validator else {
            return Ok(());
        };
        if !is_protected(request.uri().path()) {
            return Ok(());
        }
        let result = match bearer_token(request.headers()) {
            Some(token) => validator.validate(token).await,
            None => Err(AuthError::Missing),
        };
        match result {
            Ok(principal) => {
                tracing::debug!(subject = %principal.subject, "authenticated");
                request.extensions_mut().insert(principal);
                Ok(())
            }
            Err(error) => {
                self.metrics.count_rejection(Rejection::Unauthorized);
                let metadata = format!("{}{METADATA_PATH}", self.base_url(request.headers()));
                let challenge = match error {
                    AuthError::Missing => format!("Bearer resource_metadata=\"{metadata}\""),
                    AuthError::Invalid => {
                        format!("Bearer error=\"invalid_token\", resource_metadata=\"{metadata}\"")
                    }
                };
                let mut response =
                    ApiError::new(StatusCode::UNAUTHORIZED, error.to_string()).into_response();
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                Err(response)
            }
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme matched
/// without regard to case, as RFC 7235 asks).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// RFC 9728 protected resource metadata.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceMetadata {
    /// The protected resource: this server's MCP endpoint.
    pub resource: String,
    /// Authorization servers that issue tokens for it (absent with static
    /// tokens only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    /// How a token is sent: only the `Authorization` header.
    pub bearer_methods_supported: Vec<String>,
    pub resource_name: String,
    pub resource_documentation: String,
}

/// `GET /.well-known/oauth-protected-resource` (and its `/mcp` suffixed
/// form, which MCP clients try first).
pub async fn metadata(State(auth): State<Auth>, headers: HeaderMap) -> Json<ResourceMetadata> {
    let base = auth.base_url(&headers);
    Json(ResourceMetadata {
        resource: format!("{base}/mcp"),
        authorization_servers: auth.authorization_servers.clone(),
        bearer_methods_supported: vec!["header".into()],
        resource_name: crate::NAME.into(),
        resource_documentation: format!("{base}/docs"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> StaticTokens {
        StaticTokens::new(&["alpha-token".into(), "beta~token==".into()])
    }

    #[test]
    fn only_exact_configured_tokens_match() {
        let tokens = tokens();
        assert_eq!(tokens.find(b"alpha-token"), Some(0));
        assert_eq!(tokens.find(b"beta~token=="), Some(1));
        assert_eq!(tokens.find(b"alpha-toke"), None);
        assert_eq!(tokens.find(b"alpha-tokenX"), None);
        assert_eq!(tokens.find(b""), None);
        assert_eq!(tokens.find(b"ALPHA-TOKEN"), None);
    }

    #[test]
    fn debug_never_prints_a_token() {
        let settings = AuthSettings {
            auth_tokens: vec!["s3cr3t-value".into()],
            public_url: None,
            authorization_servers: vec![],
        };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("<1 redacted>"), "{printed}");
    }

    #[test]
    fn a_bad_token_is_reported_by_position_not_value() {
        let settings = AuthSettings {
            auth_tokens: vec!["good".into(), "has space".into()],
            public_url: None,
            authorization_servers: vec![],
        };
        let reason = settings.validate().unwrap_err();
        assert!(reason.contains("entry 2"), "{reason}");
        assert!(!reason.contains("has space"), "{reason}");
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_needs_a_token() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&headers), None);
    }
}
