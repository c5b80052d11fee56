//! Opaque access tokens, checked at the authorization server's RFC 7662
//! introspection endpoint (this server authenticating with its client id and
//! secret, HTTP Basic). An active token must be for this server (`aud`,
//! RFC 8707) and, with an issuer configured, from it. Answers are kept for
//! at most [`POSITIVE_CACHE_SECONDS`] (and never past the token's `exp`), so
//! a revoked token stops working within that time.

use serde::Deserialize;

use super::{
    AuthError, BoxFuture, Principal, TokenValidator,
    jwt::LEEWAY_SECONDS,
    verified_cache::{VerifiedTokens, now},
};
use crate::catalog::Grant;

/// How long an active answer is trusted without asking again.
pub const POSITIVE_CACHE_SECONDS: u64 = 30;

pub struct Introspection {
    client: issuer_client::Client,
    url: String,
    client_id: String,
    client_secret: String,
    audience: String,
    issuer: Option<String>,
    verified: VerifiedTokens,
}

impl Introspection {
    pub fn new(
        client: issuer_client::Client,
        url: String,
        (client_id, client_secret): (String, String),
        audience: String,
        issuer: Option<String>,
    ) -> Self {
        Self {
            client,
            url,
            client_id,
            client_secret,
            audience,
            issuer,
            verified: VerifiedTokens::default(),
        }
    }

    async fn check(&self, token: &str) -> Result<Principal, AuthError> {
        if let Some(principal) = self.verified.get(token) {
            return Ok(principal);
        }
        let answer = self.ask(token).await.map_err(|reason| {
            // The endpoint's failure is not the client's; it still gets a
            // 401 (never a 5xx), and the reason is logged without the token.
            tracing::warn!(url = %self.url, reason, "token introspection failed");
            AuthError::Invalid
        })?;
        let now = now();
        let refused = |reason: &str| {
            tracing::debug!(reason, "introspected token refused");
            AuthError::Invalid
        };
        if !answer.active {
            return Err(refused("inactive"));
        }
        if !answer.aud.is_some_and(|aud| aud.contains(&self.audience)) {
            return Err(refused("audience"));
        }
        if let Some(issuer) = &self.issuer
            && answer.iss.as_deref().is_some_and(|iss| iss != issuer)
        {
            return Err(refused("issuer"));
        }
        if answer.exp.is_some_and(|exp| exp + LEEWAY_SECONDS <= now) {
            return Err(refused("expired"));
        }
        if answer.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECONDS) {
            return Err(refused("not yet valid"));
        }
        let expires = answer.exp.map_or(now + POSITIVE_CACHE_SECONDS, |exp| {
            exp.min(now + POSITIVE_CACHE_SECONDS)
        });
        let principal = Principal {
            subject: answer
                .sub
                .or(answer.client_id)
                .unwrap_or_else(|| "unnamed".into()),
            grant: Grant::Scopes(
                answer
                    .scope
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
                    .into(),
            ),
        };
        self.verified.insert(token, principal.clone(), expires);
        Ok(principal)
    }

    async fn ask(&self, token: &str) -> Result<IntrospectionAnswer, String> {
        let response = self
            .client
            .post(&self.url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(issuer_client::header::ACCEPT, "application/json")
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            // reqwest's error names the URL, never the form body.
            .map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status().as_u16()));
        }
        response
            .json()
            .await
            .map_err(|e| format!("not an introspection answer: {}", e.without_url()))
    }
}

impl TokenValidator for Introspection {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        Box::pin(self.check(token))
    }

    fn decided(&self, token: &str) -> Option<Result<Principal, AuthError>> {
        self.verified.get(token).map(Ok)
    }
}

/// RFC 7662 §2.2, the members read.
#[derive(Deserialize)]
struct IntrospectionAnswer {
    active: bool,
    scope: Option<String>,
    client_id: Option<String>,
    sub: Option<String>,
    exp: Option<u64>,
    nbf: Option<u64>,
    iss: Option<String>,
    aud: Option<Audience>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}
