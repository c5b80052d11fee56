//! `GET /mcp/tools` and `POST /mcp/execute`: the REST view of the same tools
//! MCP serves.

use std::{borrow::Cow, sync::Arc};

use axum::{
    Extension, Json,
    extract::State,
    response::{IntoResponse, Response},
};
use rmcp::model::{ContentBlock, JsonObject};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    AppState,
    error::{ApiError, JsonBody},
};
use crate::catalog::{TaskSupport, ToolAccess, ToolContext, ToolError, ToolOutput};

/// `GET /mcp/tools`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolList {
    pub tools: Vec<ToolInfo>,
}

/// One tool as the REST API lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolInfo {
    pub name: Cow<'static, str>,
    pub description: Option<Cow<'static, str>>,
    /// JSON Schema of the tool's arguments.
    #[schema(value_type = Object)]
    pub parameters: Arc<JsonObject>,
}

/// `POST /mcp/execute` body.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"tool": "echo", "arguments": {"message": "Hello"}}))]
pub struct ExecuteRequest {
    /// Name of the tool to run (see `GET /mcp/tools`).
    pub tool: String,
    /// The tool's arguments, an object matching its `parameters` schema.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub arguments: JsonObject,
}

/// `POST /mcp/execute` success.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExecuteResponse {
    /// What the tool returned (any JSON value).
    #[schema(value_type = Value)]
    pub result: Value,
    pub metadata: ExecuteMetadata,
}

/// `metadata` of a successful execution.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExecuteMetadata {
    pub tool: String,
    pub success: bool,
}

/// List the tools (those the caller's token has the scopes for).
#[utoipa::path(get, path = "/mcp/tools", tag = "tools", security((), ("bearer" = [])), responses(
    (status = 200, description = "Every tool the caller may call, with its argument schema", body = ToolList),
    (status = 401, description = "Authentication is on and no valid bearer token was sent", body = super::ErrorBody),
    (status = 503, description = "Overloaded or shutting down; retry (see Retry-After)", body = super::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    access: Option<Extension<ToolAccess>>,
) -> Json<ToolList> {
    let tools = state
        .catalog
        .tools()
        .iter()
        .filter(|tool| {
            access
                .as_ref()
                .is_none_or(|access| access.permits(tool.name()))
        })
        .map(|tool| {
            let definition = tool.definition();
            ToolInfo {
                name: definition.name.clone(),
                description: definition.description.clone(),
                parameters: Arc::clone(&definition.input_schema),
            }
        })
        .collect();
    Json(ToolList { tools })
}

/// Run a tool.
#[utoipa::path(post, path = "/mcp/execute", tag = "tools", security((), ("bearer" = [])),
    request_body(content = ExecuteRequest, content_type = "application/json"),
    responses(
    (status = 200, description = "The tool ran", body = ExecuteResponse),
    (status = 400, description = "The body is not valid JSON", body = super::ErrorBody),
    (status = 401, description = "Authentication is on and no valid bearer token was sent", body = super::ErrorBody),
    (status = 403, description = "The token lacks a scope the tool needs (see WWW-Authenticate)", body = super::ErrorBody),
    (status = 404, description = "No tool of that name", body = super::ErrorBody),
    (status = 408, description = "The request took longer than REQUEST_TIMEOUT_SECONDS", body = super::ErrorBody),
    (status = 413, description = "The body is larger than MAX_BODY_BYTES", body = super::ErrorBody),
    (status = 415, description = "The body is not declared as application/json", body = super::ErrorBody),
    (status = 422, description = "Wrong body shape, invalid arguments, the tool failed, or it runs only as an MCP task", body = super::ErrorBody),
    (status = 503, description = "Overloaded or shutting down; retry (see Retry-After)", body = super::ErrorBody)))]
pub async fn execute(
    State(state): State<AppState>,
    access: Option<Extension<ToolAccess>>,
    JsonBody(request): JsonBody<ExecuteRequest>,
) -> Response {
    if let Some(refusal) = super::refuse_tool(access.as_deref(), &request.tool) {
        return refusal;
    }
    run(&state, request).await.into_response()
}

async fn run(state: &AppState, request: ExecuteRequest) -> Result<Json<ExecuteResponse>, ApiError> {
    let tool = state
        .catalog
        .tool(&request.tool)
        .ok_or_else(|| ApiError::not_found(format!("Tool '{}' not found", request.tool)))?;
    if tool.task_support() == TaskSupport::Required {
        return Err(ApiError::unprocessable(format!(
            "Tool '{}' runs only as an MCP task (the tasks extension); call it over /mcp",
            tool.name()
        )));
    }
    let result = match tool.call(request.arguments, ToolContext::rest()).await {
        Ok(ToolOutput::Json(result)) => result,
        Ok(ToolOutput::Result(result)) if result.is_error == Some(true) => {
            return Err(ApiError::unprocessable(format!(
                "Tool execution failed: {}",
                text_of(&result.content)
            )));
        }
        // Rich MCP content (images, embedded resources) as its JSON blocks.
        Ok(ToolOutput::Result(result)) => serde_json::to_value(&result.content)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?,
        Ok(ToolOutput::InputRequired(_)) => {
            return Err(ApiError::unprocessable(format!(
                "Tool '{}' needs input that only an MCP client can provide; call it over /mcp",
                tool.name()
            )));
        }
        Err(error @ ToolError::Failed(_)) => {
            return Err(ApiError::unprocessable(format!(
                "Tool execution failed: {error}"
            )));
        }
        Err(error) => return Err(ApiError::unprocessable(error.to_string())),
    };
    Ok(Json(ExecuteResponse {
        result,
        metadata: ExecuteMetadata {
            tool: tool.name().to_owned(),
            success: true,
        },
    }))
}

/// The text blocks of a tool result, joined: the message of a tool error.
fn text_of(content: &[ContentBlock]) -> String {
    content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}
