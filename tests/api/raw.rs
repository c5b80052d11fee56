//! Raw-socket helpers for what an HTTP client library will not send:
//! malformed heads, header floods, bodies that stall or lie about their
//! length. Every read is bounded in time.

use std::{net::SocketAddr, time::Duration};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{TestApp, rpc_body};

/// Writes `request` and reads until the server closes (or `within`).
/// Returns what arrived, and whether the server closed in time.
pub async fn exchange(address: SocketAddr, request: &[u8], within: Duration) -> (String, bool) {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream.write_all(request).await.expect("writes");
    read_until_closed(&mut stream, within).await
}

pub async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(within, async {
        let mut buffer = [0u8; 8192];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&received).into_owned(), closed)
}

/// One whole response (head and a `Content-Length` body) from a connection
/// that stays open; within 5 s.
pub async fn read_response(stream: &mut TcpStream) -> String {
    let whole = async {
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let n = stream.read(&mut buffer).await.expect("reads");
            assert_ne!(n, 0, "closed mid-response");
            received.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|line| {
                        line.to_ascii_lowercase()
                            .strip_prefix("content-length: ")?
                            .parse()
                            .ok()
                    })
                    .expect("a Content-Length");
                if body.len() >= length {
                    return text;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), whole)
        .await
        .expect("a whole response within 5 s")
}

/// The status line's code of a raw response, e.g. 431.
pub fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"))
}

/// The body of a raw (non-chunked) response.
pub fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

/// DELETE of a legacy session; its status (204 once ended: the official
/// Python SDK accepts only 200 and 204).
pub async fn delete_session(app: &TestApp, session: &str) -> u16 {
    app.client
        .delete(app.mcp_url())
        .header("Mcp-Session-Id", session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `initialize` in legacy session mode; returns the session id.
pub async fn legacy_initialize(app: &TestApp) -> reqwest::Response {
    app.mcp_post(
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        }}),
    )
    .await
}

/// `initialize` + `notifications/initialized` in legacy session mode, each
/// checked: the session id.
pub async fn open_legacy_session(app: &TestApp) -> String {
    let response = legacy_initialize(app).await;
    assert_eq!(response.status(), 200);
    let session = session_id(&response);
    let body = rpc_body(response).await;
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
    let initialized = app
        .mcp_post(
            &[
                ("Mcp-Session-Id", &session),
                ("MCP-Protocol-Version", "2025-11-25"),
            ],
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        )
        .await;
    assert_eq!(initialized.status(), 202);
    session
}

pub fn session_id(response: &reqwest::Response) -> String {
    response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// `tools/list` at protocol 2025-11-25, with extra headers; status and body.
pub async fn list_tools(app: &TestApp, headers: &[(&str, &str)]) -> (u16, Option<Value>) {
    let mut all = vec![("MCP-Protocol-Version", "2025-11-25")];
    all.extend_from_slice(headers);
    let response = app
        .mcp_post(
            &all,
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
    let status = response.status().as_u16();
    let json = response.headers().get("content-type").is_some_and(|v| {
        v.to_str().unwrap_or("").contains("json")
            || v.to_str().unwrap_or("").contains("event-stream")
    });
    let body = if json {
        Some(rpc_body(response).await)
    } else {
        None
    };
    (status, body)
}

/// The metrics text.
pub async fn metrics(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The value of one exact series line, e.g. `mcp_requests_total{method="ping"}`.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}
