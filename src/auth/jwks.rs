//! The issuer's signing keys (JWKS): found through the issuer's RFC 8414 or
//! OpenID discovery document (or a configured URL), fetched once, kept, and
//! fetched again only for a key id not yet known (the issuer rotated its
//! keys) and then at most once per `MCP_AUTH_JWKS_REFETCH_SECONDS`, so a
//! flood of made-up key ids cannot hammer the issuer. When the issuer is
//! unreachable the keys already held keep working; a token signed by any
//! other key is refused (401), never an error or a wait beyond the client's
//! timeouts.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde::Deserialize;
use tokio::{sync::Mutex, time::Instant};

/// The algorithms accepted: asymmetric only. Never `none`, never an HMAC
/// (whose "secret" an attacker could take from the published public key).
pub const ALLOWED_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

/// One verification key of the issuer's set.
pub struct SigningKey {
    kid: Option<String>,
    /// The key's own `alg`, when the set names one: then only that one.
    alg: Option<Algorithm>,
    params: AlgorithmParameters,
    pub key: DecodingKey,
}

impl SigningKey {
    /// A key usable for signatures with an allowed algorithm, or `None`.
    fn from_jwk(jwk: &Jwk) -> Option<Self> {
        if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
            return None;
        }
        // A key meant for another algorithm than the allowed ones is skipped.
        let alg = match jwk.common.key_algorithm {
            Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
            Some(KeyAlgorithm::PS256) => Some(Algorithm::PS256),
            Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
            Some(KeyAlgorithm::EdDSA) => Some(Algorithm::EdDSA),
            Some(_) => return None,
            None => None,
        };
        // Symmetric keys never verify anything here.
        if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
            return None;
        }
        Some(Self {
            kid: jwk.common.key_id.clone(),
            alg,
            params: jwk.algorithm.clone(),
            key: DecodingKey::from_jwk(jwk).ok()?,
        })
    }

    /// Whether this key can check a signature made with `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        if self.alg.is_some_and(|own| own != alg) {
            return false;
        }
        match (&self.params, alg) {
            (AlgorithmParameters::RSA(_), Algorithm::RS256 | Algorithm::PS256) => true,
            (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
                ec.curve == EllipticCurve::P256
            }
            (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA) => {
                okp.curve == EllipticCurve::Ed25519
            }
            _ => false,
        }
    }
}

/// A JWKS document; keys that do not parse or do not fit are skipped, so
/// one exotic key cannot hide the others.
#[derive(Deserialize)]
struct KeySetDocument {
    keys: Vec<serde_json::Value>,
}

/// Keys from a JWKS document's text.
pub fn parse_key_set(text: &[u8]) -> Result<Vec<SigningKey>, String> {
    let document: KeySetDocument =
        serde_json::from_slice(text).map_err(|e| format!("not a JWKS document: {e}"))?;
    Ok(document
        .keys
        .into_iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
        .filter_map(|jwk| SigningKey::from_jwk(&jwk))
        .collect())
}

/// The key that signed a token with `kid` and `alg`: the one with that id;
/// without an id, the only key that fits.
fn find(keys: &[Arc<SigningKey>], kid: Option<&str>, alg: Algorithm) -> Option<Arc<SigningKey>> {
    let mut fitting = keys.iter().filter(|key| key.fits(alg));
    let found = match kid {
        Some(kid) => fitting.find(|key| key.kid.as_deref() == Some(kid)),
        None => match (fitting.next(), fitting.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        },
    };
    found.cloned()
}

/// The issuer's keys, fetched when needed.
pub struct KeySource {
    client: issuer_client::Client,
    issuer: String,
    /// Configured, or found by discovery (then kept).
    jwks_url: RwLock<Option<String>>,
    keys: RwLock<Arc<[Arc<SigningKey>]>>,
    /// When the keys were last fetched (or tried): one fetch at a time, and
    /// none sooner than `refetch_after` after the last.
    last_fetch: Mutex<Option<Instant>>,
    refetch_after: Duration,
}

impl KeySource {
    pub fn new(
        client: issuer_client::Client,
        issuer: String,
        jwks_url: Option<String>,
        refetch_after: Duration,
    ) -> Self {
        Self {
            client,
            issuer,
            jwks_url: RwLock::new(jwks_url),
            keys: RwLock::new(Arc::new([])),
            last_fetch: Mutex::new(None),
            refetch_after,
        }
    }

    /// The key for a token's `kid` and `alg`: from those held, else after one
    /// (rate-limited) fetch of the issuer's set.
    pub async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Option<Arc<SigningKey>> {
        if let Some(key) = find(&self.held(), kid, alg) {
            return Some(key);
        }
        self.refetch().await;
        find(&self.held(), kid, alg)
    }

    fn held(&self) -> Arc<[Arc<SigningKey>]> {
        // A poisoned lock only means a writer panicked mid-swap of an `Arc`:
        // the value is whole either way.
        Arc::clone(&self.keys.read().unwrap_or_else(|e| e.into_inner()))
    }

    async fn refetch(&self) {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.refetch_after) {
            return;
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(issuer = %self.issuer, keys = keys.len(), "signing keys fetched");
                let keys: Arc<[Arc<SigningKey>]> = keys.into_iter().map(Arc::new).collect();
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
            }
            // The keys held stay: an issuer outage must not log everyone out.
            Err(reason) => {
                tracing::warn!(issuer = %self.issuer, reason, "cannot fetch signing keys")
            }
        }
    }

    async fn fetch(&self) -> Result<Vec<SigningKey>, String> {
        let known = self
            .jwks_url
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let url = match known {
            Some(url) => url,
            None => {
                let url = self.discover().await?;
                *self.jwks_url.write().unwrap_or_else(|e| e.into_inner()) = Some(url.clone());
                url
            }
        };
        let text = get(&self.client, &url).await?;
        parse_key_set(&text)
    }

    /// `jwks_uri` from the issuer's metadata: RFC 8414 first, then OpenID
    /// discovery; the document must name this very issuer (RFC 8414 §3.3).
    async fn discover(&self) -> Result<String, String> {
        #[derive(Deserialize)]
        struct Metadata {
            issuer: String,
            jwks_uri: Option<String>,
        }
        let mut reasons = Vec::new();
        for url in discovery_urls(&self.issuer) {
            let metadata = match get(&self.client, &url).await {
                Ok(text) => serde_json::from_slice::<Metadata>(&text)
                    .map_err(|e| format!("{url}: not authorization server metadata: {e}")),
                Err(reason) => Err(reason),
            };
            match metadata {
                Ok(metadata) if metadata.issuer != self.issuer => {
                    return Err(format!("{url} names issuer '{}'", metadata.issuer));
                }
                Ok(Metadata {
                    jwks_uri: Some(jwks_uri),
                    ..
                }) => return Ok(jwks_uri),
                Ok(_) => return Err(format!("{url} has no jwks_uri")),
                Err(reason) => reasons.push(reason),
            }
        }
        Err(reasons.join("; "))
    }
}

/// Where an issuer's metadata may be: RFC 8414 inserts the well-known path
/// before the issuer's own path; OpenID Connect Discovery appends it.
pub fn discovery_urls(issuer: &str) -> Vec<String> {
    let issuer = issuer.trim_end_matches('/');
    let (origin, path) = match issuer.find("://").map(|i| i + 3) {
        Some(start) => match issuer[start..].find('/') {
            Some(slash) => issuer.split_at(start + slash),
            None => (issuer, ""),
        },
        None => (issuer, ""),
    };
    let mut urls = vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{origin}/.well-known/openid-configuration{path}"),
    ];
    if !path.is_empty() {
        urls.push(format!("{issuer}/.well-known/openid-configuration"));
    }
    urls
}

/// A GET that must answer 200; the reason otherwise (URLs and statuses
/// only: nothing here carries a token).
async fn get(client: &issuer_client::Client, url: &str) -> Result<Vec<u8>, String> {
    let response = client
        .get(url)
        .header(issuer_client::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: HTTP {}", response.status().as_u16()));
    }
    let bytes = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_inserts_the_well_known_path_before_the_issuers_path() {
        assert_eq!(
            discovery_urls("https://idp.example.com"),
            [
                "https://idp.example.com/.well-known/oauth-authorization-server",
                "https://idp.example.com/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            discovery_urls("https://idp.example.com/realms/mcp/"),
            [
                "https://idp.example.com/.well-known/oauth-authorization-server/realms/mcp",
                "https://idp.example.com/.well-known/openid-configuration/realms/mcp",
                "https://idp.example.com/realms/mcp/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn a_key_set_keeps_only_asymmetric_signing_keys() {
        let set = serde_json::json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "crv": "P-256", "kid": "ec",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA",
             "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "unknown", "kid": "odd"},
        ]});
        let keys: Vec<Arc<SigningKey>> = parse_key_set(set.to_string().as_bytes())
            .unwrap()
            .into_iter()
            .map(Arc::new)
            .collect();
        let kids: Vec<_> = keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kids, ["ec", "ed"]);
        assert!(find(&keys, Some("ec"), Algorithm::ES256).is_some());
        assert!(find(&keys, Some("ec"), Algorithm::RS256).is_none());
        assert!(find(&keys, Some("ed"), Algorithm::EdDSA).is_some());
        assert!(
            find(&keys, None, Algorithm::EdDSA).is_some(),
            "the only EdDSA key"
        );
        assert!(find(&keys, Some("hmac"), Algorithm::ES256).is_none());
        assert!(find(&keys, Some("nope"), Algorithm::ES256).is_none());
    }
}
