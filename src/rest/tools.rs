//! `GET /mcp/tools` and `POST /mcp/execute`: the seed's REST view of the
//! same tools MCP serves.

use axum::{Json, extract::State};
use rmcp::model::JsonObject;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    AppState,
    error::{ApiError, JsonBody},
};
use crate::catalog::{ToolContext, ToolError, ToolOutput};

pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let tools: Vec<Value> = state
        .catalog
        .tools()
        .iter()
        .map(|tool| {
            let definition = tool.definition();
            json!({
                "name": definition.name,
                "description": definition.description,
                "parameters": definition.input_schema,
            })
        })
        .collect();
    Json(json!({ "tools": tools }))
}

#[derive(Debug, Deserialize)]
pub struct ExecuteRequest {
    tool: String,
    #[serde(default)]
    arguments: JsonObject,
}

pub async fn execute(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<ExecuteRequest>,
) -> Result<Json<Value>, ApiError> {
    let tool = state
        .catalog
        .tool(&request.tool)
        .ok_or_else(|| ApiError::not_found(format!("Tool '{}' not found", request.tool)))?;
    match tool.call(request.arguments, ToolContext::rest()).await {
        Ok(ToolOutput::Json(result)) => Ok(Json(json!({
            "result": result,
            "metadata": { "tool": tool.name(), "success": true },
        }))),
        Err(error @ ToolError::InvalidArguments { .. }) => {
            Err(ApiError::unprocessable(error.to_string()))
        }
        Err(error @ ToolError::Failed(_)) => Err(ApiError::unprocessable(format!(
            "Tool execution failed: {error}"
        ))),
    }
}
