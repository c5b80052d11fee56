//! The answers the pipeline gives when it refuses a request, all in the
//! REST error shape (`{"detail": …}`).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::rest::ApiError;

/// 503 while draining: retry elsewhere, and close this connection.
pub fn shutting_down() -> Response {
    with_headers(
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Server is shutting down"),
        &[(header::RETRY_AFTER, "1"), (header::CONNECTION, "close")],
    )
}

/// 503 over `MAX_IN_FLIGHT`: retry shortly.
pub fn overloaded() -> Response {
    with_headers(
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Server is at capacity, retry shortly",
        ),
        &[(header::RETRY_AFTER, "1")],
    )
}

/// 503 over `MCP_MAX_SESSIONS` or `MCP_MAX_LIVE_SESSIONS`: retry shortly.
pub fn too_many_sessions() -> Response {
    with_headers(
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many open MCP sessions, retry shortly",
        ),
        &[(header::RETRY_AFTER, "1")],
    )
}

/// 408 past `REQUEST_TIMEOUT_SECONDS`; the connection is closed, as the
/// request's body may still be on the wire.
pub fn timed_out(seconds: u64) -> Response {
    with_headers(
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("Request timed out after {seconds} s"),
        ),
        &[(header::CONNECTION, "close")],
    )
}

/// 413 over `MAX_BODY_BYTES`; the connection is closed rather than the rest
/// of the body read.
pub fn body_too_large(limit: usize) -> Response {
    with_headers(
        ApiError::body_too_large(limit),
        &[(header::CONNECTION, "close")],
    )
}

/// 431 over `MAX_HEADERS` (hyper counts them for HTTP/1.1; this is the
/// HTTP/2 twin).
pub fn too_many_headers() -> Response {
    ApiError::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "Too many header fields",
    )
    .into_response()
}

fn with_headers(error: ApiError, headers: &[(header::HeaderName, &'static str)]) -> Response {
    let mut response = error.into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}
