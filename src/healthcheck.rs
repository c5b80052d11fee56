//! `mcp-rust-server healthcheck`: for images with no shell or curl (Docker
//! `HEALTHCHECK`, `exec` probes). Exits 0 iff `GET /health` on the local port
//! answers 200 with `"status":"healthy"` within the timeout.
//!
//! A plain HTTP/1.0 request over a TCP socket is enough for this one fixed,
//! local call, and keeps an HTTP client library out of the binary.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

pub const TIMEOUT: Duration = Duration::from_secs(2);

/// `Ok(())` if healthy, otherwise the reason.
pub async fn check(port: u16) -> Result<(), String> {
    tokio::time::timeout(TIMEOUT, probe(port))
        .await
        .map_err(|_| format!("no answer from 127.0.0.1:{port} within {TIMEOUT:?}"))?
}

async fn probe(port: u16) -> Result<(), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot connect to 127.0.0.1:{port}: {e}"))?;
    stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .map_err(|e| format!("cannot send request: {e}"))?;
    let mut response = Vec::new();
    // The answer is tiny; the cap keeps a misbehaving peer from filling memory.
    stream
        .take(64 * 1024)
        .read_to_end(&mut response)
        .await
        .map_err(|e| format!("cannot read response: {e}"))?;
    let response = String::from_utf8_lossy(&response);
    let status_line = response.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("200") {
        return Err(format!("unhealthy: {status_line}"));
    }
    if !response.contains(r#""status":"healthy""#) {
        return Err("unhealthy: body does not say healthy".into());
    }
    Ok(())
}
