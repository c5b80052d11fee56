//! 403 `insufficient_scope`: the one answer, on `/mcp` and on REST, to a
//! call of a tool the caller's token lacks scopes for. Its challenge is the
//! MCP spec's step-up signal: a client asks the authorization server for a
//! token with `scope` and tries again.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::ApiError;
use crate::catalog::ToolAccess;

/// The refusal of `tool` for a caller with `access`, or `None` when the
/// call may go ahead.
pub fn refuse_tool(access: Option<&ToolAccess>, tool: &str) -> Option<Response> {
    let access = access?;
    let required = access.refused(tool)?;
    let scope = required.join(" ");
    tracing::info!(tool, scope, "tool refused: insufficient scope");
    let challenge = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{}\"",
        access.resource_metadata
    );
    let mut response = ApiError::new(
        StatusCode::FORBIDDEN,
        format!("Tool '{tool}' needs scope '{scope}'"),
    )
    .into_response();
    // Scopes are checked `scope-token`s and the metadata URL is built from a
    // checked base, so the value is always a valid header.
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    Some(response)
}
