//! JWT access tokens (RFC 9068) from one issuer: the signature checked with
//! the issuer's keys ([`super::jwks`]) under an allow-list of asymmetric
//! algorithms, then `iss`, `aud` (this server, RFC 8707), `exp` and `nbf`
//! with at most [`LEEWAY_SECONDS`] of clock skew. Verified tokens are kept
//! until they expire ([`super::verified_cache`]).

use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Validation, decode, decode_header};
use serde::Deserialize;

use super::{
    AuthError, BoxFuture, Principal, TokenValidator,
    jwks::{ALLOWED_ALGORITHMS, KeySource},
    verified_cache::VerifiedTokens,
};
use crate::catalog::Grant;

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 60;

pub struct JwtValidator {
    keys: KeySource,
    issuer: String,
    audience: String,
    verified: VerifiedTokens,
}

impl JwtValidator {
    pub fn new(
        client: issuer_client::Client,
        issuer: String,
        jwks_url: Option<String>,
        audience: String,
        refetch_after: Duration,
    ) -> Self {
        Self {
            keys: KeySource::new(client, issuer.clone(), jwks_url, refetch_after),
            issuer,
            audience,
            verified: VerifiedTokens::default(),
        }
    }

    async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        if let Some(principal) = self.verified.get(token) {
            return Ok(principal);
        }
        let header = decode_header(token).map_err(|_| AuthError::Invalid)?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(refused("algorithm not allowed"));
        }
        let key = self
            .keys
            .key(header.kid.as_deref(), header.alg)
            .await
            .ok_or_else(|| refused("no issuer key fits"))?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| refused(&e.to_string()))?
            .claims;
        let expires = claims.exp;
        let principal = claims.principal();
        self.verified.insert(token, principal.clone(), expires);
        Ok(principal)
    }
}

/// A refusal, its reason logged at debug (the reason names a claim or a
/// check, never the token).
fn refused(reason: &str) -> AuthError {
    tracing::debug!(reason, "JWT refused");
    AuthError::Invalid
}

impl TokenValidator for JwtValidator {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Principal, AuthError>> {
        Box::pin(self.verify(token))
    }

    fn decided(&self, token: &str) -> Option<Result<Principal, AuthError>> {
        self.verified.get(token).map(Ok)
    }
}

/// The claims read after the checks: who, and what they may do.
#[derive(Deserialize)]
struct Claims {
    exp: u64,
    sub: Option<String>,
    client_id: Option<String>,
    /// RFC 9068 / RFC 8693: space-separated.
    scope: Option<String>,
    /// Okta, Entra ID and others: an array (or a string).
    scp: Option<Scopes>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scopes {
    List(Vec<String>),
    Spaced(String),
}

impl Claims {
    fn principal(self) -> Principal {
        let mut scopes: Vec<String> = self
            .scope
            .iter()
            .flat_map(|s| s.split_whitespace().map(str::to_owned))
            .collect();
        match self.scp {
            Some(Scopes::List(list)) => scopes.extend(list),
            Some(Scopes::Spaced(spaced)) => {
                scopes.extend(spaced.split_whitespace().map(str::to_owned))
            }
            None => {}
        }
        Principal {
            subject: self
                .sub
                .or(self.client_id)
                .unwrap_or_else(|| "unnamed".into()),
            grant: Grant::Scopes(Arc::from(scopes)),
        }
    }
}

/// Whether `token` has the shape of a JWS compact serialization.
pub fn looks_like_jwt(token: &str) -> bool {
    token.bytes().filter(|b| *b == b'.').count() == 2
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::{Json, Router, routing::get};
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    use serde_json::{Value, json};

    use super::*;
    use crate::auth::verified_cache::now;

    /// RFC 8032's first Ed25519 test key (secret seed and public `x`).
    const SEED: [u8; 32] = [
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c,
        0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae,
        0x7f, 0x60,
    ];
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const ISSUER: &str = "https://issuer.test";
    const AUDIENCE: &str = "https://mcp.test/mcp";

    fn signing_key() -> EncodingKey {
        // PKCS#8 wrapping of an Ed25519 seed (RFC 8410).
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend(SEED);
        EncodingKey::from_ed_der(&der)
    }

    /// A JWKS endpoint on a real socket, counting its fetches.
    async fn jwks_endpoint() -> (String, Arc<AtomicUsize>) {
        let fetches = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&fetches);
        let router = Router::new().route(
            "/jwks",
            get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async {
                    Json(json!({"keys": [
                        {"kty": "OKP", "crv": "Ed25519", "kid": "k1", "use": "sig", "x": X},
                    ]}))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (format!("http://{address}/jwks"), fetches)
    }

    async fn validator() -> (JwtValidator, Arc<AtomicUsize>) {
        let (url, fetches) = jwks_endpoint().await;
        let validator = JwtValidator::new(
            crate::auth::http_client::client(),
            ISSUER.into(),
            Some(url),
            AUDIENCE.into(),
            Duration::from_secs(3600),
        );
        (validator, fetches)
    }

    fn claims() -> Value {
        json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": now() + 300,
               "scope": "tools:read math"})
    }

    fn token_with(claims: &Value, kid: &str) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.into());
        encode(&header, claims, &signing_key()).unwrap()
    }

    fn token(change: impl FnOnce(&mut Value)) -> String {
        let mut claims = claims();
        change(&mut claims);
        token_with(&claims, "k1")
    }

    /// A token whose header and signature are made by hand.
    fn unsigned(header: Value, claims: &Value, sign: impl Fn(&str) -> Vec<u8>) -> String {
        let message = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let signature = B64.encode(sign(&message));
        format!("{message}.{signature}")
    }

    #[tokio::test]
    async fn a_good_token_names_its_subject_and_scopes_and_is_verified_once() {
        let (validator, fetches) = validator().await;
        let good = token(|_| {});
        let principal = validator.validate(&good).await.unwrap();
        assert_eq!(principal.subject, "alice");
        assert_eq!(
            principal.grant,
            Grant::Scopes(Arc::from(vec!["tools:read".to_owned(), "math".to_owned()]))
        );
        assert_eq!(validator.validate(&good).await.unwrap(), principal);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        let client_only = token(|c| {
            c["sub"] = Value::Null;
            c["client_id"] = json!("robot");
            c["scope"] = Value::Null;
            c["scp"] = json!(["a", "b"]);
        });
        let principal = validator.validate(&client_only).await.unwrap();
        assert_eq!(principal.subject, "robot");
        assert_eq!(
            principal.grant,
            Grant::Scopes(Arc::from(vec!["a".to_owned(), "b".to_owned()]))
        );
    }

    #[tokio::test]
    async fn claims_are_checked_with_sixty_seconds_of_leeway() {
        let (validator, _) = validator().await;
        let now = now();
        for (what, token, accepted) in [
            (
                "wrong audience",
                token(|c| c["aud"] = json!("https://other.test/mcp")),
                false,
            ),
            (
                "audience list",
                token(|c| c["aud"] = json!(["x", AUDIENCE])),
                true,
            ),
            ("no audience", token(|c| c["aud"] = Value::Null), false),
            (
                "wrong issuer",
                token(|c| c["iss"] = json!("https://evil.test")),
                false,
            ),
            ("expired", token(|c| c["exp"] = json!(now - 120)), false),
            (
                "expired within leeway",
                token(|c| c["exp"] = json!(now - 30)),
                true,
            ),
            (
                "not yet valid",
                token(|c| c["nbf"] = json!(now + 120)),
                false,
            ),
            (
                "valid within leeway",
                token(|c| c["nbf"] = json!(now + 30)),
                true,
            ),
        ] {
            assert_eq!(validator.validate(&token).await.is_ok(), accepted, "{what}");
        }
    }

    #[tokio::test]
    async fn forged_tokens_are_refused() {
        let (validator, _) = validator().await;
        let good = token(|_| {});
        let mut parts: Vec<&str> = good.split('.').collect();
        let mut rich = claims();
        rich["scope"] = json!("admin");
        let tampered_payload = B64.encode(rich.to_string());
        parts[1] = &tampered_payload;
        let tampered = parts.join(".");
        let none = unsigned(json!({"alg": "none", "kid": "k1"}), &claims(), |_| {
            Vec::new()
        });
        // HS256 "signed" with the published public key as the secret.
        let hmac_with_public_key = {
            let secret = jsonwebtoken::EncodingKey::from_secret(X.as_bytes()).unwrap();
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("k1".into());
            encode(&header, &claims(), &secret).unwrap()
        };
        let hmac_with_raw_key = {
            let secret = jsonwebtoken::EncodingKey::from_secret(&B64.decode(X).unwrap()).unwrap();
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("k1".into());
            encode(&header, &claims(), &secret).unwrap()
        };
        for (what, token) in [
            ("tampered payload", tampered),
            ("alg none", none),
            ("HS256 keyed with the public key", hmac_with_public_key),
            ("HS256 keyed with the raw public key", hmac_with_raw_key),
            ("not a JWT", "a.b.c".to_owned()),
        ] {
            assert_eq!(
                validator.validate(&token).await,
                Err(AuthError::Invalid),
                "{what}"
            );
        }
    }

    #[tokio::test]
    async fn unknown_key_ids_fetch_the_keys_at_most_once_per_interval() {
        let (validator, fetches) = validator().await;
        for kid in ["made-up-1", "made-up-2", "made-up-3"] {
            let forged = token_with(&claims(), kid);
            assert_eq!(
                validator.validate(&forged).await,
                Err(AuthError::Invalid),
                "{kid}"
            );
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "one fetch, then rate-limited"
        );
        // The keys fetched for the first made-up id serve a real one.
        assert!(validator.validate(&token(|_| {})).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }
}
