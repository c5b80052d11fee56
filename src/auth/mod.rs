//! Bearer-token authentication for `/mcp` and the REST tool and resource
//! endpoints, as the MCP authorization spec describes for a resource server:
//! a request without a valid token gets 401 with
//! `WWW-Authenticate: Bearer resource_metadata="<base>/.well-known/oauth-protected-resource"`,
//! and that URL serves the RFC 9728 metadata ([`metadata`]). Probes,
//! `/metrics`, the docs and the metadata itself stay open.
//!
//! Tokens are checked by a [`TokenValidator`] ([`validators`] tries each
//! configured one): [`StaticTokens`] (`MCP_AUTH_TOKENS`, `MCP_AUTH_TOKENS_FILE`,
//! compared in constant time), JWT access tokens from an OAuth issuer
//! ([`jwt`], keys from [`jwks`]), opaque tokens through RFC 7662
//! introspection ([`introspection`]). A valid token's [`Principal`] and the
//! tools its scopes reach ([`ToolAccess`]) go into the request's extensions.
//! Tokens are never logged, counted or echoed (see
//! [`crate::config::AuthSettings`]).

mod http_client;
mod introspection;
mod jwks;
mod jwt;
pub mod metadata;
mod static_tokens;
mod validators;
mod verified_cache;

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

pub use static_tokens::StaticTokens;

use crate::{
    catalog::{Catalog, Grant, ToolAccess, ToolScopes},
    config::{AuthSettings, OAuthSettings},
    rest::ApiError,
};

/// Who a valid token belongs to; put in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// A name safe to log (never the token): a JWT's or introspection
    /// answer's `sub` (else `client_id`), or `static-token-<n>`.
    pub subject: String,
    /// The scopes the token carries.
    pub grant: Grant,
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

    /// The answer when it is at hand without awaiting (a static token, a
    /// token verified before and not expired): `None` means "ask
    /// [`Self::validate`]". Lets admission keep its synchronous path for
    /// nearly every request.
    fn decided(&self, _token: &str) -> Option<Result<Principal, AuthError>> {
        None
    }
}

/// Where the metadata lives, relative to the base URL.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Paths that need a token: the MCP endpoint and the REST API's tools and
/// resources (everything under `/mcp/`).
pub fn is_protected(path: &str) -> bool {
    path == "/mcp" || path.starts_with("/mcp/")
}

/// The validator (if any) and what the challenge and metadata name.
#[derive(Clone)]
pub struct Auth {
    validator: Option<Arc<dyn TokenValidator>>,
    public_url: Option<String>,
    authorization_servers: Vec<String>,
    /// What each tool needs; empty when no tool needs a scope.
    tool_scopes: Arc<ToolScopes>,
    /// The metadata URL when `MCP_PUBLIC_URL` fixes it (else it follows
    /// each request's Host).
    metadata_url: Option<Arc<str>>,
}

impl Auth {
    /// From the settings, with `catalog`'s tools for their declared scopes.
    pub fn new(settings: &AuthSettings, oauth: &OAuthSettings, catalog: &Catalog) -> Self {
        let client = oauth.is_enabled().then(http_client::client);
        // Resolution filled in the audience whenever an issuer or an
        // introspection endpoint is set.
        let audience = oauth.audience.clone().unwrap_or_default();
        let validators = validators::Validators {
            static_tokens: (!settings.auth_tokens.is_empty())
                .then(|| StaticTokens::new(&settings.auth_tokens)),
            jwt: oauth
                .issuer
                .clone()
                .zip(client.clone())
                .map(|(issuer, client)| {
                    jwt::JwtValidator::new(
                        client,
                        issuer,
                        oauth.jwks_url.clone(),
                        audience.clone(),
                        Duration::from_secs(oauth.jwks_refetch_seconds),
                    )
                }),
            introspection: oauth
                .introspection_url
                .clone()
                .zip(client)
                .map(|(url, client)| {
                    let credentials = (
                        oauth.introspection_client_id.clone().unwrap_or_default(),
                        oauth
                            .introspection_client_secret
                            .clone()
                            .unwrap_or_default(),
                    );
                    introspection::Introspection::new(
                        client,
                        url,
                        credentials,
                        audience.clone(),
                        oauth.issuer.clone(),
                    )
                }),
        };
        let validator =
            (!validators.is_empty()).then(|| Arc::new(validators) as Arc<dyn TokenValidator>);
        let mut authorization_servers = settings.authorization_servers.clone();
        if let Some(issuer) = &oauth.issuer
            && !authorization_servers.contains(issuer)
        {
            authorization_servers.insert(0, issuer.clone());
        }
        let tool_scopes = ToolScopes::new(catalog, &oauth.scopes_by_tool);
        for (tool, _) in &oauth.scopes_by_tool {
            if catalog.tool(tool).is_none() {
                tracing::warn!(
                    tool,
                    "MCP_TOOL_SCOPES names a tool this server does not offer"
                );
            }
        }
        let public_url = settings
            .public_url
            .as_ref()
            .map(|url| url.trim_end_matches('/').to_owned());
        Self {
            validator,
            metadata_url: public_url
                .as_ref()
                .map(|url| format!("{url}{METADATA_PATH}").into()),
            public_url,
            authorization_servers,
            tool_scopes: Arc::new(tool_scopes),
        }
    }

    /// Whether authentication is on (tokens configured).
    pub fn is_enabled(&self) -> bool {
        self.validator.is_some()
    }

    /// [`Self::authorize`] when it can decide without awaiting (no
    /// authentication, an open path, no token, a static or already verified
    /// token); `None` when the token must be checked by [`Self::authorize`].
    pub fn authorize_now(&self, request: &mut Request) -> Option<Result<(), Response>> {
        let Some(validator) = &self.validator else {
            return Some(Ok(()));
        };
        if !is_protected(request.uri().path()) {
            return Some(Ok(()));
        }
        let result = match bearer_token(request.headers()) {
            Some(token) => validator.decided(token)?,
            None => Err(AuthError::Missing),
        };
        Some(self.refusal(request, result).map_or(Ok(()), Err))
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
        self.refusal(request, result).map_or(Ok(()), Err)
    }

    /// The 401 for a token that was not accepted; for one that was, `None`,
    /// with the principal and its tool access put in the request's
    /// extensions.
    fn refusal(
        &self,
        request: &mut Request,
        result: Result<Principal, AuthError>,
    ) -> Option<Response> {
        match result {
            Ok(principal) => {
                tracing::debug!(subject = %principal.subject, "authenticated");
                if !self.tool_scopes.is_empty() {
                    let metadata = match &self.metadata_url {
                        Some(url) => Arc::clone(url),
                        None => {
                            format!("{}{METADATA_PATH}", self.base_url(request.headers())).into()
                        }
                    };
                    let access = ToolAccess::new(
                        principal.grant.clone(),
                        Arc::clone(&self.tool_scopes),
                        metadata,
                    );
                    request.extensions_mut().insert(access);
                }
                request.extensions_mut().insert(principal);
                None
            }
            Err(error) => Some(self.challenge(request.headers(), &error)),
        }
    }

    /// 401 with the `WWW-Authenticate` challenge pointing at the metadata.
    fn challenge(&self, headers: &HeaderMap, error: &AuthError) -> Response {
        let metadata = format!("{}{METADATA_PATH}", self.base_url(headers));
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
        response
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

/// The token of an `Authorization: Bearer <token>` header (scheme matched
/// without regard to case, as RFC 7235 asks). Read as bytes and checked as
/// UTF-8 (a word at a time) rather than with `HeaderValue::to_str`'s check
/// of each byte: a JWT is hundreds of bytes, on every request. A token that
/// is not a valid one is refused by every validator anyway.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let space = value.iter().position(|b| *b == b' ')?;
    let (scheme, token) = value.split_at(space);
    let token = std::str::from_utf8(token).ok()?.trim();
    (scheme.eq_ignore_ascii_case(b"bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

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
