//! `MCP_LEGACY_SESSIONS=true`: the pre-2026 session model — `Mcp-Session-Id`,
//! a GET SSE stream, DELETE to end the session.

use futures::StreamExt;
use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::{
    helpers::{ACCEPT_BOTH, rpc_body, spawn_app},
    mcp_stateless::legacy_client,
    raw::{delete_session, open_legacy_session},
};

const SESSIONS: [&str; 2] = ["--legacy-sessions", "true"];

#[tokio::test]
async fn a_session_is_created_used_streamed_and_deleted() {
    let app = spawn_app(&SESSIONS).await;
    let session = open_legacy_session(&app).await;
    let headers = [
        ("Mcp-Session-Id", session.as_str()),
        ("MCP-Protocol-Version", "2025-11-25"),
    ];

    let call = app
        .mcp_post(
            &headers,
            &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
                "name": "echo", "arguments": {"message": "in a session"},
            }}),
        )
        .await;
    assert_eq!(call.status(), 200);
    assert_eq!(call.headers()["content-type"], "text/event-stream");
    let body = rpc_body(call).await;
    assert_eq!(body["result"]["content"][0]["text"], "Echo: in a session");

    let stream = app
        .client
        .get(app.mcp_url())
        .header("Accept", "text/event-stream")
        .header("Mcp-Session-Id", &session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    drop(stream);

    assert_eq!(
        delete_session(&app, &session).await,
        204,
        "the Python SDK accepts only 200/204"
    );

    let after = app
        .mcp_post(
            &headers,
            &json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
        )
        .await;
    assert_eq!(after.status(), 404, "a deleted session is gone");
}

#[tokio::test]
async fn an_unknown_session_is_a_404() {
    let app = spawn_app(&SESSIONS).await;
    let response = app
        .mcp_post(
            &[
                ("Mcp-Session-Id", "no-such-session"),
                ("MCP-Protocol-Version", "2025-11-25"),
            ],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn rmcp_client_works_in_session_mode() {
    let app = spawn_app(&SESSIONS).await;
    let client = legacy_client(&app).await;
    let result = client
        .call_tool(
            CallToolRequestParams::new("calculate").with_arguments(
                json!({"operation": "subtract", "a": 1, "b": 0.5})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(result.content[0].as_text().unwrap().text, "0.5");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn shutdown_closes_an_open_sse_stream_and_returns() {
    let app = spawn_app(&SESSIONS).await;
    let session = open_legacy_session(&app).await;
    let stream = app
        .client
        .get(app.mcp_url())
        .header("Accept", ACCEPT_BOTH)
        .header("Mcp-Session-Id", &session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut body = stream.bytes_stream();
    let started = std::time::Instant::now();
    // Default drain is 10 s; an idle stream must not hold shutdown that long.
    app.stop().await.expect("clean stop");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // The stream ends (cleanly or by close), it does not hang.
    let drained = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(drained.is_ok(), "SSE stream still open after shutdown");
}
