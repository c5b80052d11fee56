//! CORS, the outermost stage: lets a page from an allowed origin
//! (`MCP_ALLOWED_ORIGINS`) call the server and read the answers.
//!
//! Why outermost, before admission: a preflight (`OPTIONS` with `Origin`
//! and `Access-Control-Request-Method`) carries no credentials, by the
//! Fetch standard, so it must not meet the token check; it is answered from
//! configuration alone, so it is no MCP traffic to count, cap or time.
//! And every actual response an allowed origin gets, including admission's
//! own refusals (401, 413, 503), must carry `Access-Control-Allow-Origin`,
//! or the page cannot read why it was refused.
//!
//! tower-http's [`Cors`](tower_http::cors::Cors) writes the headers and
//! answers preflights. It would add some of them (allowed methods and
//! headers, exposed headers) whatever the origin and answer any `OPTIONS`,
//! so only requests from an allowed origin are handed to it; everything else
//! passes untouched: no CORS headers, a disallowed origin's real request
//! still refused by rmcp (403), a plain `OPTIONS` still 405.

use std::{
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    http::{HeaderName, Method, header},
    response::Response,
};
use futures_util::future::{BoxFuture, Either};
use tower::{Layer, Service, ServiceExt};
use tower_http::cors::{self, AllowOrigin};

use super::origins::AllowedOrigins;

/// The headers a page may send: those the MCP transport defines (both eras)
/// plus the bearer token.
const REQUEST_HEADERS: [HeaderName; 8] = [
    header::CONTENT_TYPE,
    header::ACCEPT,
    header::AUTHORIZATION,
    HeaderName::from_static("mcp-protocol-version"),
    HeaderName::from_static("mcp-session-id"),
    HeaderName::from_static("mcp-method"),
    HeaderName::from_static("mcp-name"),
    HeaderName::from_static("last-event-id"),
];

/// The response headers a page may read besides the safelisted ones: the
/// legacy session's id and the 401 challenge (where to get a token).
const EXPOSED_HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("mcp-session-id"),
    header::WWW_AUTHENTICATE,
];

/// How long a browser may reuse a preflight's answer: one preflight per
/// hour per URL instead of one before every POST. Chromium caps it at two
/// hours.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The CORS stage as a tower layer.
#[derive(Clone)]
pub struct CorsLayer(Arc<Shared>);

/// What every route's copy of the stage reads. axum clones a route's whole
/// stack for each request, so the stage holds only an `Arc` of it: a request
/// without an allowed `Origin` costs one header lookup, and only a CORS
/// request builds tower-http's service (cloning its configuration).
struct Shared {
    origins: AllowedOrigins,
    cors: cors::CorsLayer,
}

impl CorsLayer {
    /// From the resolved allow-list (`None`: any origin).
    pub fn new(allowed_origins: Option<&[String]>) -> Self {
        let origins = AllowedOrigins::new(allowed_origins);
        let allow_origin = match origins {
            // Not credentialed (the token travels in a header the page sets,
            // not a cookie), so the plain wildcard is valid, and cacheable.
            AllowedOrigins::Any => AllowOrigin::any(),
            // Only vetted origins reach tower-http (see the module docs).
            AllowedOrigins::Listed(_) => AllowOrigin::mirror_request(),
        };
        let cors = cors::CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers(REQUEST_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(PREFLIGHT_MAX_AGE)
            // The answer depends on the Origin alone: the methods and
            // headers allowed are the same for every request.
            .vary([header::ORIGIN]);
        Self(Arc::new(Shared { origins, cors }))
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = CorsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorsService {
            shared: Arc::clone(&self.0),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct CorsService<S> {
    shared: Arc<Shared>,
    inner: S,
}

impl<S> CorsService<S> {
    /// A request CORS applies to: from an allowed origin, and for `OPTIONS`
    /// a preflight (a plain `OPTIONS` is no CORS request and keeps its 405).
    fn is_cors(&self, request: &Request) -> bool {
        let headers = request.headers();
        let Some(origin) = headers.get(header::ORIGIN) else {
            return false;
        };
        (request.method() != Method::OPTIONS
            || headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD))
            && self.shared.origins.allows(origin)
    }
}

impl<S> Service<Request> for CorsService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = Response;
    type Error = S::Error;
    /// A CORS request's future is boxed: tower-http's is large, and every
    /// other request would otherwise carry its size.
    type Future = Either<BoxFuture<'static, Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if self.is_cors(&request) {
            let cors = self.shared.cors.layer(self.inner.clone());
            Either::Left(Box::pin(cors.oneshot(request)))
        } else {
            Either::Right(self.inner.call(request))
        }
    }
}
