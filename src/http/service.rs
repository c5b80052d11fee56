//! The whole HTTP surface as one service: stage 11, the route. `/mcp` is
//! matched by one comparison, ahead of axum's router, and goes straight to
//! its stage; every other path goes through axum's router. Both pass the
//! same outer stages (CORS, admission), built from the same layers.
//!
//! Why `/mcp` skips the router: it carries nearly all the traffic, and a
//! request through the router pays for the path match, the `MatchedPath`
//! extension, a clone of the route's boxed stack and the handler's
//! extractors (about 4,500 instructions per request, callgrind; see
//! `bench/README.md`), where this costs one string comparison.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use axum::{
    BoxError, Router,
    body::{Body, Bytes, HttpBody},
    extract::Request,
    response::Response,
    routing::future::RouteFuture,
};
use futures_util::future::Either;
use tower::Service;

use super::{admission::AdmissionService, cors::CorsService, mcp_endpoint::McpEndpointService};

/// The MCP endpoint's path.
pub const MCP_PATH: &str = "/mcp";

/// `/mcp` behind the outer stages.
type McpStack = CorsService<AdmissionService<McpEndpointService>>;

/// Every route of the server, outer stages included. Cloning it is a few
/// `Arc` bumps; serving a request clones only the part that answers it.
#[derive(Clone)]
pub struct HttpService {
    pub(super) mcp: McpStack,
    /// Everything but `/mcp`, each route behind the same outer stages.
    pub(super) routes: Router,
}

/// The answer to one request, from whichever part took it.
pub type HttpFuture = Either<<McpStack as Service<Request>>::Future, RouteFuture<Infallible>>;

impl HttpService {
    /// Answers `request` (what hyper calls per request, through `&self`).
    pub fn serve<B>(&self, request: axum::http::Request<B>) -> HttpFuture
    where
        B: HttpBody<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        if request.uri().path() == MCP_PATH {
            // Every stage of the stack is always ready: no `poll_ready`.
            Either::Left(self.mcp.clone().call(request.map(Body::new)))
        } else {
            Either::Right(self.routes.clone().call(request))
        }
    }
}

impl<B> Service<axum::http::Request<B>> for HttpService
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = HttpFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        self.serve(request)
    }
}
