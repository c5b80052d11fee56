//! `GET /mcp/resources` and `GET /mcp/resource/{uri}`.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::{ToSchema, openapi::OpenApi};
use utoipa_axum::router::UtoipaMethodRouter;

use super::{AppState, error::ApiError};

/// `GET /mcp/resources`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceList {
    pub resources: Vec<ResourceInfo>,
}

/// One resource as the REST API lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceInfo {
    pub uri: String,
    pub name: String,
    #[serde(rename = "mimeType")]
    pub mime_type: Option<String>,
}

/// `GET /mcp/resource/{uri}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceContent {
    pub uri: String,
    /// The resource's content: parsed JSON for JSON resources, else text.
    #[schema(value_type = Value)]
    pub content: Box<RawValue>,
    #[serde(rename = "mimeType")]
    pub mime_type: Option<String>,
}

/// List the resources.
#[utoipa::path(get, path = "/mcp/resources", tag = "resources", security((), ("bearer" = [])), responses(
    (status = 200, description = "Every registered resource", body = ResourceList),
    (status = 401, description = "Authentication is on and no valid bearer token was sent", body = super::ErrorBody),
    (status = 503, description = "Overloaded or shutting down; retry (see Retry-After)", body = super::ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> Json<ResourceList> {
    let resources = state
        .catalog
        .resources()
        .iter()
        .map(|resource| {
            let definition = resource.definition();
            ResourceInfo {
                uri: definition.uri.clone(),
                name: definition.name.clone(),
                mime_type: definition.mime_type.clone(),
            }
        })
        .collect();
    Json(ResourceList { resources })
}

/// Read a resource.
///
/// The URI is the rest of the path, taken either raw
/// (`/mcp/resource/mcp://demo/status`) or percent-encoded
/// (`/mcp/resource/mcp%3A%2F%2Fdemo%2Fstatus`); axum decodes the latter.
#[utoipa::path(get, path = "/mcp/resource/{uri}", tag = "resources", security((), ("bearer" = [])),
    params(("uri" = String, Path, example = "mcp://demo/status",
        description = "The resource URI, raw (`mcp://demo/status`) or percent-encoded")),
    responses(
    (status = 200, description = "The resource's content", body = ResourceContent),
    (status = 400, description = "The path is not UTF-8 once decoded", body = super::ErrorBody),
    (status = 401, description = "Authentication is on and no valid bearer token was sent", body = super::ErrorBody),
    (status = 404, description = "No resource with that URI", body = super::ErrorBody),
    (status = 503, description = "Overloaded or shutting down; retry (see Retry-After)", body = super::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    uri: Result<Path<String>, PathRejection>,
) -> Result<Json<ResourceContent>, ApiError> {
    // A path that is not UTF-8 once decoded: a 400 in the API's own shape.
    let Path(uri) = uri.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let resource = state
        .catalog
        .resource(&uri)
        .ok_or_else(|| ApiError::not_found(format!("Resource '{uri}' not found")))?;
    let body = state.catalog.read_resource(resource);
    Ok(Json(ResourceContent {
        uri: resource.uri().to_owned(),
        content: body.to_rest_content(),
        mime_type: resource.definition().mime_type.clone(),
    }))
}

/// Adds [`read`]'s operation to `openapi`: its route is a wildcard, which
/// `routes!` cannot register, so [`super::routes`] registers the route by
/// hand and takes only the documentation from here.
pub fn document_read(openapi: &mut OpenApi) {
    let (schemas, paths, _): UtoipaMethodRouter<AppState> = utoipa_axum::routes!(read);
    openapi.paths.paths.extend(paths.paths);
    openapi
        .components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
}
