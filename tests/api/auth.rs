//! `MCP_AUTH_TOKENS`: bearer tokens on `/mcp` and the REST tool/resource
//! endpoints, the MCP authorization spec's 401 challenge and RFC 9728
//! metadata; probes, `/metrics` and the docs stay open.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, free_port, sigterm, spawn_app, spawn_binary, wait_ready},
    raw::{list_tools, metrics, sample},
};

const TOKENS: [&str; 2] = ["--auth-tokens", "first-token,second.token~2"];

fn challenge(app: &TestApp) -> String {
    format!(
        "Bearer resource_metadata=\"http://{}/.well-known/oauth-protected-resource\"",
        app.address
    )
}

#[tokio::test]
async fn without_a_token_mcp_and_the_rest_api_answer_401_with_the_metadata_challenge() {
    let app = spawn_app(&TOKENS).await;
    let requests = [
        app.client.get(app.url("/mcp/tools")),
        app.client.get(app.url("/mcp/resources")),
        app.client.get(app.url("/mcp/resource/mcp://demo/status")),
        app.client
            .post(app.url("/mcp/execute"))
            .json(&json!({"tool": "echo", "arguments": {"message": "x"}})),
        app.client
            .post(app.mcp_url())
            .header("Accept", "application/json, text/event-stream")
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})),
        app.client
            .get(app.mcp_url())
            .header("Accept", "text/event-stream"),
    ];
    for request in requests {
        let response = request.send().await.unwrap();
        let url = response.url().to_string();
        assert_eq!(response.status(), 401, "{url}");
        assert_eq!(
            response.headers()["www-authenticate"],
            challenge(&app).as_str(),
            "{url}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"detail": "Missing bearer token"}), "{url}");
    }
    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, r#"http_rejected_total{reason="unauthorized"}"#),
        Some(6.0)
    );
}

#[tokio::test]
async fn a_wrong_token_is_an_invalid_token_and_either_configured_token_passes() {
    let app = spawn_app(&TOKENS).await;
    let wrong = app
        .client
        .get(app.url("/mcp/tools"))
        .bearer_auth("first-token-but-longer")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.headers()["www-authenticate"],
        format!(
            "Bearer error=\"invalid_token\", resource_metadata=\"http://{}/.well-known/oauth-protected-resource\"",
            app.address
        )
        .as_str()
    );
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body, json!({"detail": "Invalid bearer token"}));
    for (scheme, token) in [("Bearer", "first-token"), ("bearer", "second.token~2")] {
        let response = app
            .client
            .get(app.url("/mcp/tools"))
            .header("Authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{token}");
    }
    let (status, body) = list_tools(&app, &[("Authorization", "Bearer second.token~2")]).await;
    assert_eq!(status, 200);
    assert_eq!(body.unwrap()["result"]["tools"][0]["name"], "echo");
    let basic = list_tools(&app, &[("Authorization", "Basic Zmlyc3QtdG9rZW4=")]).await;
    assert_eq!(basic.0, 401);
}

#[tokio::test]
async fn probes_metrics_docs_and_the_metadata_stay_open() {
    let app = spawn_app(&TOKENS).await;
    for path in [
        "/health",
        "/ready",
        "/metrics",
        "/",
        "/openapi.json",
        "/docs",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn the_protected_resource_metadata_follows_rfc_9728() {
    let app = spawn_app(&[
        "--auth-tokens",
        "t",
        "--public-url",
        "https://mcp.example.com/",
        "--authorization-servers",
        "https://auth.example.com/realms/mcp",
    ])
    .await;
    let expected = json!({
        "resource": "https://mcp.example.com/mcp",
        "authorization_servers": ["https://auth.example.com/realms/mcp"],
        "bearer_methods_supported": ["header"],
        "resource_name": "mcp-rust-server",
        "resource_documentation": "https://mcp.example.com/docs",
    });
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!((status, &body), (200, &expected), "{path}");
    }
    let refused = app.get("/mcp/tools").await;
    assert_eq!(
        refused.headers()["www-authenticate"],
        "Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource\""
    );
}

#[tokio::test]
async fn tokens_never_appear_in_logs_or_config_errors() {
    let secret = "sup3r-s3cret-t0ken";
    let port = free_port();
    let mut child = spawn_binary(
        &[],
        &[
            ("PORT", port.to_string()),
            ("LOG_LEVEL", "trace".into()),
            ("MCP_AUTH_TOKENS", format!("{secret},other")),
        ],
    );
    wait_ready(port).await;
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    let ok = client
        .get(format!("{url}/mcp/tools"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let wrong = client
        .get(format!("{url}/mcp/tools"))
        .bearer_auth(format!("{secret}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    sigterm(&child);
    let output = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        logs.contains("authenticated"),
        "trace logs were written: {logs}"
    );
    assert!(!logs.contains(secret), "token in logs:\n{logs}");

    // A malformed token is reported by position, with exit code 2.
    let bad = spawn_binary(
        &[],
        &[("MCP_AUTH_TOKENS", format!("ok,{secret} with space"))],
    )
    .wait_with_output()
    .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(
        stderr.trim(),
        "error: MCP_AUTH_TOKENS: entry 2 is not a valid bearer token (allowed: A-Z a-z 0-9 - . _ ~ + / and trailing =)"
    );
}
