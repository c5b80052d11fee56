//! MCP over stdin/stdout, for desktop clients that spawn the server.

use rmcp::{ServiceExt, transport::stdio};

use super::McpServer;

/// Serves one client until it closes stdin or a shutdown signal arrives.
pub async fn run(server: McpServer) -> anyhow::Result<()> {
    let running = server.serve(stdio()).await?;
    tokio::select! {
        quit = running.waiting() => { quit?; }
        () = crate::shutdown::signal() => {}
    }
    Ok(())
}
