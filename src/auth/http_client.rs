//! The HTTP client that talks to the authorization server (discovery, JWKS,
//! introspection): rustls with the Mozilla roots compiled in (the container
//! image has no CA store), short timeouts so a slow issuer costs a request
//! seconds, never its whole budget, and no redirects (a metadata or key URL
//! that moves is a configuration to fix, not to follow).

use std::{sync::Arc, time::Duration};

/// Connecting to the issuer: longer means it is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A whole exchange with the issuer.
const TIMEOUT: Duration = Duration::from_secs(5);

pub fn client() -> issuer_client::Client {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    // Why this cannot fail: ring's provider supports rustls's default
    // protocol versions.
    .expect("ring supports TLS 1.2 and 1.3")
    .with_root_certificates(roots)
    .with_no_client_auth();
    issuer_client::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(issuer_client::redirect::Policy::none())
        .user_agent(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        // Why this cannot fail: the only fallible part is the TLS backend,
        // and the configuration above is a rustls one, which reqwest takes.
        .expect("a rustls client configuration is accepted")
}
