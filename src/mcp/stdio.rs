//! MCP over stdin/stdout, for desktop clients that spawn the server.
//!
//! One JSON-RPC message per line each way; stdout carries nothing else (logs
//! go to stderr). Every line that is not a message rmcp can take is answered
//! with the JSON-RPC error it deserves rather than dropped, so no client is
//! left waiting for an answer that never comes ([`transport`]).

mod line_reader;
mod line_writer;
mod transport;
mod triage;

use std::sync::Arc;

use rmcp::{ServiceExt, service::ServerInitializeError, transport::stdio_pipes};
use tokio::io::BufReader;

use super::{McpServer, operation::Observation};
use transport::LineTransport;

/// Longest line read from stdin, newline excluded; a longer one is answered
/// with an error, and only this much of it is ever held in memory. rmcp's
/// own stdio limit (`DEFAULT_MAX_LINE_LENGTH`), so nothing that worked with
/// rmcp's transport is refused now.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Serves one client until it closes stdin or a shutdown signal arrives.
/// `audit`: write the audit event for the audited methods.
pub async fn run(server: McpServer, audit: bool) -> anyhow::Result<()> {
    // rmcp's pipe-aware stdio: when stdin is a pipe (as clients spawn us),
    // reads go through the reactor instead of a blocking thread, which a
    // signal could not interrupt (the process would only exit once the
    // client closed stdin).
    let (stdin, stdout) = stdio_pipes();
    // No metrics over stdio (nothing scrapes them): spans and audit only.
    let observation = Observation::new(Arc::clone(server.catalog()), None, audit);
    let transport = LineTransport::new(BufReader::new(stdin), stdout, MAX_LINE_BYTES, observation);
    // One listener for the whole run, polled before anything else: a signal
    // that comes while the handshake completes is neither fatal (no handler
    // yet) nor lost (a listener made later does not see it).
    let mut signal = std::pin::pin!(crate::lifecycle::signal());
    let serving = tokio::select! {
        biased;
        () = &mut signal => return Ok(()),
        served = server.serve(transport) => served,
    };
    let running = match serving {
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
        () = signal => {}
    }
    Ok(())
}
