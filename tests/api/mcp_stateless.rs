//! `/mcp` in the default stateless mode, both protocol eras: driven by rmcp's
//! own client and by raw JSON-RPC to pin the wire format.

use rmcp::{
    ClientServiceExt, RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, CallToolResult, ClientConfig, ProtocolVersion,
        ReadResourceRequestParams, ResourceContents,
    },
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, modern_request, rpc_body, spawn_app};

fn transport(app: &TestApp) -> StreamableHttpClientTransport<reqwest::Client> {
    StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(
        app.mcp_url(),
    ))
}

/// A client doing the legacy `initialize` handshake.
pub async fn legacy_client(app: &TestApp) -> RunningService<RoleClient, ClientConfig> {
    ClientConfig::default()
        .serve(transport(app))
        .await
        .expect("legacy client initializes")
}

/// A client speaking 2026-07-28: `server/discover`, no session.
async fn modern_client(app: &TestApp) -> RunningService<RoleClient, ClientConfig> {
    ClientConfig::default()
        .serve_with_lifecycle(
            transport(app),
            rmcp::ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("2026-07-28 client discovers")
}

fn arguments(value: Value) -> rmcp::model::JsonObject {
    value.as_object().expect("object").clone()
}

fn text_of(result: &CallToolResult) -> &str {
    result.content[0]
        .as_text()
        .expect("text content")
        .text
        .as_str()
}

/// The same conversation in either era: list, call, fail, read.
async fn exercise(client: &RunningService<RoleClient, ClientConfig>) {
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["echo", "calculate"]);

    let sum = client
        .call_tool(
            CallToolRequestParams::new("calculate")
                .with_arguments(arguments(json!({"operation": "add", "a": 10, "b": 5}))),
        )
        .await
        .expect("tools/call calculate");
    assert_eq!(sum.is_error, Some(false));
    assert_eq!(text_of(&sum), "15");

    let echo = client
        .call_tool(
            CallToolRequestParams::new("echo").with_arguments(arguments(json!({"message": "hi"}))),
        )
        .await
        .expect("tools/call echo");
    assert_eq!(text_of(&echo), "Echo: hi");

    let zero = client
        .call_tool(
            CallToolRequestParams::new("calculate")
                .with_arguments(arguments(json!({"operation": "divide", "a": 1, "b": 0}))),
        )
        .await
        .expect("a tool error is still a result");
    assert_eq!(zero.is_error, Some(true));
    assert_eq!(text_of(&zero), "Division by zero");

    let bad = client
        .call_tool(
            CallToolRequestParams::new("calculate")
                .with_arguments(arguments(json!({"operation": "add", "a": "x", "b": 1}))),
        )
        .await
        .expect("bad arguments are a tool error the model can read");
    assert_eq!(bad.is_error, Some(true));
    assert!(text_of(&bad).starts_with("Invalid arguments for tool 'calculate'"));

    let unknown = client
        .call_tool(CallToolRequestParams::new("nope"))
        .await
        .expect_err("an unknown tool is a protocol error");
    assert!(
        unknown.to_string().contains("Unknown tool: nope"),
        "{unknown}"
    );

    let status = client
        .read_resource(ReadResourceRequestParams::new("mcp://demo/status"))
        .await
        .expect("resources/read");
    let ResourceContents::TextResourceContents {
        text, mime_type, ..
    } = &status.contents[0]
    else {
        panic!("status is text");
    };
    assert_eq!(mime_type.as_deref(), Some("application/json"));
    let status: Value = serde_json::from_str(text).expect("status is JSON");
    assert_eq!(status["status"], "operational");
    assert_eq!(status["server"], "mcp-rust-server");
}

#[tokio::test]
async fn a_legacy_client_initializes_lists_calls_and_reads() {
    let app = spawn_app(&[]).await;
    let client = legacy_client(&app).await;
    let server = client.peer_info().expect("server info");
    assert_eq!(server.server_info.as_ref().unwrap().name, "mcp-rust-server");
    assert_eq!(server.server_info.as_ref().unwrap().version, "0.1.0");
    exercise(&client).await;
    client.cancel().await.expect("client closes");
}

#[tokio::test]
async fn a_2026_07_28_client_discovers_lists_calls_and_reads() {
    let app = spawn_app(&[]).await;
    let client = modern_client(&app).await;
    assert_eq!(
        client.peer_info().expect("server info").protocol_version,
        ProtocolVersion::V_2026_07_28
    );
    exercise(&client).await;
    client.cancel().await.expect("client closes");
}

#[tokio::test]
async fn initialize_negotiates_each_legacy_revision_without_a_session() {
    let app = spawn_app(&[]).await;
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let response = app
            .mcp_post(
                &[],
                &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": version,
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "1"},
                }}),
            )
            .await;
        assert_eq!(response.status(), 200, "{version}");
        assert!(
            response.headers().get("mcp-session-id").is_none(),
            "stateless"
        );
        let body = rpc_body(response).await;
        assert_eq!(body["result"]["protocolVersion"], version);
        assert_eq!(body["result"]["serverInfo"]["name"], "mcp-rust-server");
        assert_eq!(
            body["result"]["capabilities"],
            json!({"resources": {}, "tools": {}})
        );
    }
}

#[tokio::test]
async fn server_discover_advertises_every_revision_and_our_name() {
    let app = spawn_app(&[]).await;
    let response = app
        .mcp_post(
            &[
                ("MCP-Protocol-Version", "2026-07-28"),
                ("Mcp-Method", "server/discover"),
            ],
            &modern_request(1, "server/discover", json!({})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let result = rpc_body(response).await["result"].clone();
    assert_eq!(
        result["supportedVersions"],
        json!([
            "2024-11-05",
            "2025-03-26",
            "2025-06-18",
            "2025-11-25",
            "2026-07-28"
        ])
    );
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "mcp-rust-server"
    );
}

#[tokio::test]
async fn a_2026_07_28_tools_call_answers_plain_json() {
    let app = spawn_app(&[]).await;
    let response = app
        .mcp_post(
            &[
                ("MCP-Protocol-Version", "2026-07-28"),
                ("Mcp-Method", "tools/call"),
                ("Mcp-Name", "calculate"),
            ],
            &modern_request(
                7,
                "tools/call",
                json!({"name": "calculate", "arguments": {"operation": "multiply", "a": 7, "b": 8}}),
            ),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = rpc_body(response).await;
    assert_eq!(
        body,
        json!({"jsonrpc": "2.0", "id": 7, "result": {
            "resultType": "complete",
            "content": [{"type": "text", "text": "56"}],
            "isError": false,
        }})
    );
}

#[tokio::test]
async fn a_mismatched_mcp_name_header_is_rejected() {
    let app = spawn_app(&[]).await;
    let response = app
        .mcp_post(
            &[
                ("MCP-Protocol-Version", "2026-07-28"),
                ("Mcp-Method", "tools/call"),
                ("Mcp-Name", "echo"),
            ],
            &modern_request(
                1,
                "tools/call",
                json!({"name": "calculate", "arguments": {"operation": "add", "a": 1, "b": 1}}),
            ),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body = rpc_body(response).await;
    assert!(body["error"]["code"].is_i64(), "{body}");
}

#[tokio::test]
async fn an_unsupported_protocol_version_is_rejected() {
    let app = spawn_app(&[]).await;
    let response = app
        .mcp_post(
            &[("MCP-Protocol-Version", "1999-01-01")],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn stateless_mode_has_no_get_stream() {
    let app = spawn_app(&[]).await;
    let response = app
        .client
        .get(app.mcp_url())
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}
