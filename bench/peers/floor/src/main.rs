//! Bench floor: the least any MCP-over-HTTP server on this machine must do for one `tools/call`.
//! axum receives the POST, serde_json parses the same JSON-RPC body into a typed request (method,
//! id, params with tool name and arguments), and a fixed `tools/call` result is serialized back as
//! `application/json`. No protocol checks, no dispatch: HTTP + JSON cost only — the ceiling.
//!
//! Env: HOST (default 127.0.0.1), PORT (default 18081). `GET /ready` answers 200 once bound.

use axum::{
    body::Bytes,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Deserialize)]
#[allow(dead_code)] // Fields are parsed (that is the cost measured) but not used.
struct Request {
    jsonrpc: String,
    id: Value,
    method: String,
    #[serde(default)]
    params: Option<Params>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Params {
    name: String,
    #[serde(default)]
    arguments: Map<String, Value>,
    #[serde(default, rename = "_meta")]
    meta: Option<Map<String, Value>>,
}

#[derive(Serialize)]
struct Response<'a> {
    jsonrpc: &'static str,
    id: &'a Value,
    result: ToolResult,
}

#[derive(Serialize)]
struct ToolResult {
    content: [Text; 1],
    #[serde(rename = "isError")]
    is_error: bool,
}

#[derive(Serialize)]
struct Text {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'static str,
}

async fn mcp(body: Bytes) -> axum::response::Response {
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let response = Response {
        jsonrpc: "2.0",
        id: &request.id,
        result: ToolResult {
            content: [Text {
                kind: "text",
                text: "15",
            }],
            is_error: false,
        },
    };
    // Serializing a struct of strings and a serde_json::Value cannot fail.
    let bytes = serde_json::to_vec(&response).expect("serializable");
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "18081".into());
    let router = axum::Router::new()
        .route("/ready", get(|| async { "ready" }))
        .route("/mcp", post(mcp));
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
