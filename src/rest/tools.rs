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
    let result = match tool.call(request.arguments, ToolContext::rest()).await {
        Ok(ToolOutput::Json(result)) => result,
        Ok(ToolOutput::Result(result)) if result.is_error == Some(true) => {
            return Err(ApiError::unprocessable(format!(
                "Tool execution failed: {}",
                text_of(&result.content)
            )));
        }
        // Rich MCP content (images, embedded resources) as its JSON blocks.
        Ok(ToolOutput::Result(result)) => json!(result.content),
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
    Ok(Json(json!({
        "result": result,
        "metadata": { "tool": tool.name(), "success": true },
    })))
}

/// The text blocks of a tool result, joined: the message of a tool error.
fn text_of(content: &[rmcp::model::ContentBlock]) -> String {
    content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}
