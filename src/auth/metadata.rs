//! RFC 9728 protected resource metadata: where and how a client gets a
//! token for `/mcp`.

use axum::{Json, extract::State, http::HeaderMap};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Auth;

/// RFC 9728 protected resource metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceMetadata {
    /// The protected resource: this server's MCP endpoint.
    pub resource: String,
    /// Authorization servers that issue tokens for it (absent with static
    /// tokens only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    /// Every scope some tool needs (absent when none does).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// How a token is sent: only the `Authorization` header.
    pub bearer_methods_supported: Vec<String>,
    pub resource_name: String,
    pub resource_documentation: String,
}

/// The metadata routes: the plain path and its `/mcp` suffixed form, which
/// MCP clients try first.
pub fn routes(auth: Auth) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(metadata))
        .routes(routes!(metadata_for_mcp))
        .with_state(auth)
}

/// RFC 9728 protected resource metadata.
#[utoipa::path(get, path = "/.well-known/oauth-protected-resource", tag = "auth",
    responses((status = 200, description = "Where and how to get a token for /mcp", body = ResourceMetadata)))]
pub async fn metadata(State(auth): State<Auth>, headers: HeaderMap) -> Json<ResourceMetadata> {
    let base = auth.base_url(&headers);
    Json(ResourceMetadata {
        resource: format!("{base}/mcp"),
        authorization_servers: auth.authorization_servers.clone(),
        scopes_supported: auth.tool_scopes.all(),
        bearer_methods_supported: vec!["header".into()],
        resource_name: crate::NAME.into(),
        resource_documentation: format!("{base}/docs"),
    })
}

/// RFC 9728 protected resource metadata for the `/mcp` resource.
#[utoipa::path(get, path = "/.well-known/oauth-protected-resource/mcp", tag = "auth",
    responses((status = 200, description = "Where and how to get a token for /mcp", body = ResourceMetadata)))]
pub async fn metadata_for_mcp(state: State<Auth>, headers: HeaderMap) -> Json<ResourceMetadata> {
    metadata(state, headers).await
}
