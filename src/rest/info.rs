//! `GET /`: what this service is and where its endpoints are, with the
//! seed's keys plus the real MCP endpoint.

use axum::Json;
use serde_json::{Value, json};

pub async fn root() -> Json<Value> {
    Json(json!({
        "service": crate::NAME,
        "version": crate::VERSION,
        "protocol": "Model Context Protocol",
        "endpoints": {
            "mcp": "/mcp",
            "health": "/health",
            "ready": "/ready",
            "tools": "/mcp/tools",
            "resources": "/mcp/resources",
            "execute": "/mcp/execute",
            "resource": "/mcp/resource/{uri}",
        },
    }))
}
