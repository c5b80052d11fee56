//! `GET /openapi.json` (generated from the Rust types) and `GET /docs`.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_describes_the_rest_api_from_its_types() {
    let app = spawn_app(&[]).await;
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        [
            "/",
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
            "/health",
            "/mcp/execute",
            "/mcp/resource/{uri}",
            "/mcp/resources",
            "/mcp/tools",
            "/metrics",
            "/ready",
        ]
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ExecuteRequest"]["required"],
        json!(["tool"]),
        "{}",
        schemas["ExecuteRequest"]
    );
    assert_eq!(
        schemas["ErrorBody"]["properties"]["detail"]["type"],
        "string"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "Needed when the server sets MCP_AUTH_TOKENS"})
    );
}

#[tokio::test]
async fn the_docs_page_is_served_and_readable_without_the_cdn() {
    let app = spawn_app(&[]).await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("<title>mcp-rust-server REST API</title>"));
    assert!(page.contains("<td><code>/mcp/execute</code></td><td>Run a tool.</td>"));
    // The document itself is embedded for the interactive reference.
    assert!(page.contains(r#""openapi":"3.1.0""#));
}
