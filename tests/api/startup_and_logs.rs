//! Start-up and logs, on the real binary: how many log lines a
//! call costs, and start-up errors that name their real cause.

use serde_json::{Value, json};

use crate::helpers::{ACCEPT_BOTH, free_port, setting_error, sigterm, spawn_binary, wait_ready};

/// The binary's stderr once it has been stopped with SIGTERM.
fn stop(mut server: std::process::Child) -> String {
    sigterm(&server);
    server.stdout = None;
    let output = server.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stderr).unwrap()
}

#[tokio::test]
async fn one_stateless_tools_call_logs_two_info_lines_a_request_and_a_tool_call() {
    let port = free_port();
    let server = spawn_binary(
        &[],
        &[("PORT", port.to_string()), ("LOG_FORMAT", "json".into())],
    );
    wait_ready(port).await;
    let client = reqwest::Client::new();
    // A call the fast path answers, and one rmcp answers (an Origin header
    // sends it there): each costs the same two lines.
    for origin in [None, Some("http://localhost:6274")] {
        let mut request = client
            .post(format!("http://127.0.0.1:{port}/mcp"))
            .header("Content-Type", "application/json")
            .header("Accept", ACCEPT_BOTH)
            .header("MCP-Protocol-Version", "2025-11-25");
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "calculate", "arguments": {"operation": "add", "a": 1, "b": 2}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let stderr = stop(server);
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let info_about_mcp: Vec<&Value> = lines
        .iter()
        .filter(|l| l["level"] == "INFO")
        .filter(|l| {
            l["route"] == "/mcp"
                || l["message"] == "tool call"
                || l["target"].as_str().is_some_and(|t| t.starts_with("rmcp"))
        })
        .collect();
    assert_eq!(info_about_mcp.len(), 4, "{info_about_mcp:#?}");
    for line in &info_about_mcp {
        assert!(line["latency_ms"].is_number(), "{line}");
    }
}

#[tokio::test]
async fn a_deliberate_503_is_not_logged_as_an_error() {
    let port = free_port();
    let server = spawn_binary(
        &[],
        &[
            ("PORT", port.to_string()),
            ("LOG_FORMAT", "json".into()),
            ("MCP_LEGACY_SESSIONS", "true".into()),
            ("MCP_MAX_SESSIONS", "1".into()),
        ],
    );
    wait_ready(port).await;
    let client = reqwest::Client::new();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}});
    let mut statuses = Vec::new();
    let mut session = None;
    for _ in 0..2 {
        let response = client
            .post(format!("http://127.0.0.1:{port}/mcp"))
            .header("Content-Type", "application/json")
            .header("Accept", ACCEPT_BOTH)
            .json(&initialize)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        session = session.or(response.headers().get("mcp-session-id").cloned());
    }
    assert_eq!(statuses, [200, 503]);
    // Ended before the stop, so the only lines are the ones under test:
    // rmcp may log a session cut off by the shutdown at ERROR.
    let deleted = client
        .delete(format!("http://127.0.0.1:{port}/mcp"))
        .header("Mcp-Session-Id", session.expect("a session id"))
        .header("MCP-Protocol-Version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let stderr = stop(server);
    assert!(!stderr.contains("\"ERROR\""), "{stderr}");
    assert!(stderr.contains("\"status\":503"), "{stderr}");
}

#[test]
fn a_taken_metrics_port_is_named_in_the_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let metrics_port = taken.local_addr().unwrap().port();
    let output = spawn_binary(
        &[],
        &[
            ("PORT", free_port().to_string()),
            ("METRICS_PORT", metrics_port.to_string()),
        ],
    )
    .wait_with_output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "error: cannot listen on 127.0.0.1:{metrics_port}:"
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_metrics_address_is_logged_and_host_may_be_a_name() {
    let (port, metrics_port) = (free_port(), free_port());
    let server = spawn_binary(
        &[],
        &[
            ("HOST", "localhost".into()),
            ("PORT", port.to_string()),
            ("METRICS_PORT", metrics_port.to_string()),
        ],
    );
    wait_ready(port).await;
    let scrape = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let stderr = stop(server);
    assert!(
        stderr.contains(&format!(
            "serving /metrics address=127.0.0.1:{metrics_port}"
        )),
        "{stderr}"
    );
}

#[test]
fn an_invalid_choice_lists_the_allowed_values_on_one_line() {
    let stderr = setting_error(&[("LOG_LEVEL", "verbose".into())]);
    assert!(
        stderr.contains("(possible values: trace, debug, info, warn, error)"),
        "{stderr}"
    );
}

#[test]
fn an_unresolvable_host_is_a_configuration_error() {
    let output = spawn_binary(&[], &[("HOST", "no-such-host.invalid".into())])
        .wait_with_output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: HOST: cannot resolve 'no-such-host.invalid'"),
        "{stderr}"
    );
}
