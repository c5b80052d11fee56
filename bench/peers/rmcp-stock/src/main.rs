//! Bench peer: rmcp's stock Streamable HTTP service, wired the way rmcp's own examples and tests
//! do it (`StreamableHttpService::new(|| Ok(Server::new()), LocalSessionManager, config)`), with the
//! two seed tools declared through `#[tool_router]` / `#[tool_handler]`. Stateless, JSON responses.
//! Nothing here is tuned: this row is "what a user gets from rmcp out of the box".
//!
//! Env: HOST (default 127.0.0.1), PORT (default 18082), MCP_LEGACY_SESSIONS=true for rmcp's
//! legacy session mode (used only for the reference "1,000 open sessions" RSS reading).
//! `GET /ready` answers 200 once bound.

use rmcp::{
    ServerHandler,
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{CallToolResult, ContentBlock, ServerCapabilities, ServerConfig},
    schemars, tool, tool_handler, tool_router,
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
    ErrorData,
};

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct EchoRequest {
    /// Message to echo
    message: String,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Operation {
    Add,
    Subtract,
    Multiply,
    Divide,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct CalculateRequest {
    /// Arithmetic operation
    operation: Operation,
    /// First operand
    a: f64,
    /// Second operand
    b: f64,
}

#[derive(Debug, Clone)]
struct Server {
    tool_router: ToolRouter<Self>,
}

impl Server {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }
}

#[tool_router]
impl Server {
    #[tool(description = "Echo back the provided message")]
    fn echo(&self, Parameters(EchoRequest { message }): Parameters<EchoRequest>) -> String {
        format!("Echo: {message}")
    }

    #[tool(description = "Perform basic arithmetic calculation")]
    fn calculate(
        &self,
        Parameters(CalculateRequest { operation, a, b }): Parameters<CalculateRequest>,
    ) -> Result<CallToolResult, ErrorData> {
        let value = match operation {
            Operation::Add => a + b,
            Operation::Subtract => a - b,
            Operation::Multiply => a * b,
            Operation::Divide if b == 0.0 => {
                return Ok(CallToolResult::error(vec![ContentBlock::text(
                    "Division by zero",
                )]));
            }
            Operation::Divide => a / b,
        };
        Ok(CallToolResult::success(vec![ContentBlock::text(
            value.to_string(),
        )]))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "18082".into());
    let legacy = std::env::var("MCP_LEGACY_SESSIONS").is_ok_and(|v| v == "true");
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(legacy)
        .with_json_response(true)
        .with_sse_keep_alive(None);
    let service: StreamableHttpService<Server, LocalSessionManager> =
        StreamableHttpService::new(|| Ok(Server::new()), Default::default(), config);
    let router = axum::Router::new()
        .route("/ready", axum::routing::get(|| async { "ready" }))
        .nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
