//! `GET /mcp/resources` and `GET /mcp/resource/{uri}`.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
};
use serde_json::{Value, json};

use super::{AppState, error::ApiError};

pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let resources: Vec<Value> = state
        .catalog
        .resources()
        .iter()
        .map(|resource| {
            let definition = resource.definition();
            json!({
                "uri": definition.uri,
                "name": definition.name,
                "mimeType": definition.mime_type,
            })
        })
        .collect();
    Json(json!({ "resources": resources }))
}

/// The URI is the rest of the path, taken either raw, as the seed's curl
/// sends it (`/mcp/resource/mcp://demo/status`), or percent-encoded
/// (`/mcp/resource/mcp%3A%2F%2Fdemo%2Fstatus`); axum decodes the latter.
pub async fn read(
    State(state): State<AppState>,
    uri: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    // A path that is not UTF-8 once decoded: a 400 in the API's own shape.
    let Path(uri) = uri.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let resource = state
        .catalog
        .resource(&uri)
        .ok_or_else(|| ApiError::not_found(format!("Resource '{uri}' not found")))?;
    let body = state.catalog.read_resource(resource);
    Ok(Json(json!({
        "uri": resource.uri(),
        "content": body.to_rest_content(),
        "mimeType": resource.definition().mime_type,
    })))
}
