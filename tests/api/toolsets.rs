//! `MCP_TOOLSETS`: `core` serves only the seed's tools and resource; adding
//! `conformance` brings the suite's fixtures and the capabilities they use.

use rmcp::{ServiceExt, model::ClientConfig};
use serde_json::json;

use crate::helpers::{rpc_body, spawn_app};

async fn initialize(app: &crate::helpers::TestApp) -> serde_json::Value {
    let response = app
        .mcp_post(
            &[],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "toolsets", "version": "1"},
            }}),
        )
        .await;
    rpc_body(response).await["result"].clone()
}

#[tokio::test]
async fn the_core_toolset_advertises_only_tools_and_resources() {
    let app = spawn_app(&[]).await;
    assert_eq!(
        initialize(&app).await["capabilities"],
        json!({"resources": {}, "tools": {}})
    );
}

#[tokio::test]
async fn the_conformance_toolset_adds_fixtures_and_their_capabilities() {
    let app = spawn_app(&["--toolsets", "core,conformance"]).await;
    let capabilities = initialize(&app).await["capabilities"].clone();
    for capability in ["tools", "resources", "prompts", "completions", "logging"] {
        assert!(
            capabilities.get(capability).is_some(),
            "{capability}: {capabilities}"
        );
    }
    let client = ClientConfig::default()
        .serve(rmcp::transport::StreamableHttpClientTransport::from_uri(
            app.mcp_url(),
        ))
        .await
        .unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "calculate"));
    assert!(tools.iter().any(|t| t.name == "test_simple_text"));
    assert!(
        tools
            .iter()
            .all(|t| t.description.as_deref().is_some_and(|d| !d.is_empty()))
    );
    let prompts = client.list_all_prompts().await.unwrap();
    assert_eq!(prompts.len(), 5);
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200);
    assert_eq!(body["tools_count"].as_u64(), Some(tools.len() as u64));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn rest_serves_rich_conformance_content_as_blocks() {
    let app = spawn_app(&["--toolsets", "conformance"]).await;
    let (status, body) = app.execute("test_image_content", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"][0]["type"], "image");
    assert_eq!(body["result"][0]["mimeType"], "image/png");
    let (status, body) = app
        .execute("test_input_required_result_elicitation", json!({}))
        .await;
    assert_eq!(status, 422);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("only an MCP client")
    );
    let (status, _) = app.execute("echo", json!({"message": "x"})).await;
    assert_eq!(status, 404, "core is not served unless asked for");
}
