//! `GET /metrics`: Prometheus text with fixed label sets, read over a real
//! socket after real traffic.

use serde_json::json;

use crate::{
    helpers::{free_port, spawn_app},
    raw::{legacy_initialize, metrics, sample, session_id},
};

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_tool_calls_by_outcome() {
    let app = spawn_app(&[]).await;
    assert_eq!(app.get("/mcp/tools").await.status(), 200);
    assert_eq!(app.execute("echo", json!({"message": "hi"})).await.0, 200);
    assert_eq!(
        app.execute("calculate", json!({"operation": "add"}))
            .await
            .0,
        422
    );
    assert_eq!(
        app.get("/mcp/resource/mcp://demo/status").await.status(),
        200
    );
    assert_eq!(app.get("/no/such/path").await.status(), 404);
    let call = app.call_tool_2026(7, "echo", json!({"message": "m"})).await;
    assert_eq!(call.status(), 200);

    let response = app.get("/metrics").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let expect = [
        (
            r#"http_requests_total{method="GET",route="/mcp/tools",status="200"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="POST",route="/mcp/execute",status="200"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="POST",route="/mcp/execute",status="422"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="GET",route="/mcp/resource/{*uri}",status="200"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
            1.0,
        ),
        (
            r#"http_requests_total{method="POST",route="/mcp",status="200"}"#,
            1.0,
        ),
        (r#"mcp_requests_total{method="tools/call"}"#, 1.0),
        (r#"mcp_requests_total{method="tools/list"}"#, 0.0),
        (
            r#"mcp_tool_calls_total{tool="echo",outcome="success"}"#,
            2.0,
        ),
        (
            r#"mcp_tool_calls_total{tool="calculate",outcome="invalid_arguments"}"#,
            1.0,
        ),
        (
            r#"mcp_tool_calls_total{tool="calculate",outcome="success"}"#,
            0.0,
        ),
        (r#"mcp_tool_call_duration_seconds_count{tool="echo"}"#, 2.0),
        (
            r#"mcp_tool_call_duration_seconds_bucket{le="+Inf",tool="echo"}"#,
            2.0,
        ),
        // The scrape itself is the one request in flight.
        ("http_requests_in_flight", 1.0),
    ];
    for (series, value) in expect {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    let build = format!(
        r#"build_info{{name="mcp-rust-server",version="{}",rmcp="3.11.0"}} 1"#,
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&build), "{text}");
    // The raw URI never becomes a label.
    assert!(!text.contains("demo/status"), "{text}");
    assert!(!text.contains("no/such"), "{text}");
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test]
async fn unknown_json_rpc_methods_are_counted_as_other_never_by_name() {
    let app = spawn_app(&[]).await;
    let response = app
        .mcp_post(
            &[("MCP-Protocol-Version", "2025-11-25")],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "evil/\"label\"{injection}"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, r#"mcp_requests_total{method="other"}"#),
        Some(1.0)
    );
    assert!(!text.contains("evil"), "{text}");
}

#[tokio::test]
async fn the_metrics_port_serves_metrics_and_nothing_else() {
    let port = free_port();
    let app = spawn_app(&["--metrics-port", &port.to_string()]).await;
    app.get("/health").await;
    let base = format!("http://127.0.0.1:{port}");
    let response = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="/health",status="200"}"#
        ),
        Some(1.0)
    );
    let other = app
        .client
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    // The main port keeps /metrics too.
    assert_eq!(app.get("/metrics").await.status(), 200);
}

#[tokio::test]
async fn the_legacy_session_gauge_counts_open_sessions() {
    let app = spawn_app(&["--legacy-sessions", "true"]).await;
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions"),
        Some(0.0)
    );
    let first = legacy_initialize(&app).await;
    assert_eq!(first.status(), 200);
    let second = legacy_initialize(&app).await;
    assert_eq!(second.status(), 200);
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions"),
        Some(2.0)
    );
    let deleted = app
        .client
        .delete(app.mcp_url())
        .header("Mcp-Session-Id", session_id(&first))
        .header("MCP-Protocol-Version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions"),
        Some(1.0)
    );
}
