//! DNS-rebinding protection on `/mcp`: Origin and Host checks with defaults
//! that are safe on a laptop and still work behind a Kubernetes Service.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn list_tools_with(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    let mut all = vec![("MCP-Protocol-Version", "2025-11-25")];
    all.extend_from_slice(headers);
    app.mcp_post(
        &all,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn a_foreign_origin_is_refused_with_403() {
    let app = spawn_app(&[]).await;
    assert_eq!(
        list_tools_with(&app, &[("Origin", "https://evil.example")]).await,
        403
    );
}

#[tokio::test]
async fn loopback_origins_and_no_origin_are_allowed_by_default() {
    let app = spawn_app(&[]).await;
    assert_eq!(list_tools_with(&app, &[]).await, 200);
    assert_eq!(
        list_tools_with(&app, &[("Origin", "http://localhost:6274")]).await,
        200
    );
    assert_eq!(
        list_tools_with(&app, &[("Origin", "http://127.0.0.1:3000")]).await,
        200
    );
}

#[tokio::test]
async fn configured_origins_add_to_loopback_while_bound_to_loopback() {
    let app = spawn_app(&["--allowed-origins", "https://app.example.com"]).await;
    for (origin, status) in [
        ("https://app.example.com", 200),
        ("http://localhost:6274", 200),
        ("https://other.example.com", 403),
    ] {
        assert_eq!(
            list_tools_with(&app, &[("Origin", origin)]).await,
            status,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn configured_origins_are_all_that_is_allowed_when_bound_elsewhere() {
    let app = spawn_app(&[
        "--host",
        "0.0.0.0",
        "--allowed-origins",
        "https://app.example.com",
    ])
    .await;
    for (origin, status) in [
        ("https://app.example.com", 200),
        ("http://localhost:6274", 403),
    ] {
        assert_eq!(
            list_tools_with(&app, &[("Origin", origin)]).await,
            status,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn a_loopback_server_refuses_a_foreign_host_header() {
    let app = spawn_app(&[]).await;
    assert_eq!(
        list_tools_with(&app, &[("Host", "attacker.example")]).await,
        403
    );
}

#[tokio::test]
async fn a_server_bound_to_all_interfaces_accepts_service_names_and_pod_ips() {
    let app = spawn_app(&["--host", "0.0.0.0"]).await;
    for host in [
        "mcp-rust-server.mcp-server.svc.cluster.local",
        "mcp-rust-server",
        "10.244.0.17:8000",
    ] {
        assert_eq!(
            list_tools_with(&app, &[("Host", host)]).await,
            200,
            "{host}"
        );
    }
    // Origin checks still apply to browsers.
    assert_eq!(
        list_tools_with(&app, &[("Origin", "https://evil.example")]).await,
        403
    );
}

#[tokio::test]
async fn probes_and_rest_do_not_depend_on_origin_checks() {
    let app = spawn_app(&[]).await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
