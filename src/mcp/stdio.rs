//! MCP over stdin/stdout, for desktop clients that spawn the server.

use rmcp::{ServiceExt, service::ServerInitializeError, transport::stdio};

use super::McpServer;

/// Serves one client until it closes stdin or a shutdown signal arrives.
pub async fn run(server: McpServer) -> anyhow::Result<()> {
    let running = match server.serve(stdio()).await {
        Ok(running) => running,
        // The client went away before saying anything (closed stdin): there
        // is nobody left to serve, which is a normal end, not a failure.
        Err(ServerInitializeError::ConnectionClosed(_)) => {
            tracing::info!("stdin closed before initialize; exiting");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    tokio::select! {
        quit = running.waiting() => { quit?; }
        () = crate::lifecycle::signal() => {}
    }
    Ok(())
}
