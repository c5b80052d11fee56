//! The binary's other faces: stdio MCP, configuration errors, the
//! `healthcheck` command and JSON logs.

use std::io::{BufRead, BufReader, Write};

use serde_json::{Value, json};

use crate::helpers::{free_port, setting_error, sigterm, spawn_binary, wait_ready};

/// Writes one JSON-RPC message per line and reads the next response line.
fn round_trip(stdin: &mut impl Write, stdout: &mut impl BufRead, message: Value) -> Option<Value> {
    writeln!(stdin, "{message}").unwrap();
    stdin.flush().unwrap();
    // Notifications have no id and get no answer.
    message.get("id")?;
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
}

#[test]
fn stdio_round_trips_initialize_and_tools_call() {
    let mut child = spawn_binary(&["stdio"], &[]);
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());

    let init = round_trip(
        &mut stdin,
        &mut stdout,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "stdio-test", "version": "1"},
        }}),
    )
    .unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-rust-server");
    round_trip(
        &mut stdin,
        &mut stdout,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    let call = round_trip(
        &mut stdin,
        &mut stdout,
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "calculate", "arguments": {"operation": "add", "a": 10, "b": 5},
        }}),
    )
    .unwrap();
    assert_eq!(
        call,
        json!({"jsonrpc": "2.0", "id": 2, "result": {
            "content": [{"type": "text", "text": "15"}], "isError": false,
        }})
    );

    drop(stdin); // EOF: the client went away, the server exits cleanly.
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn invalid_configuration_is_one_line_on_stderr_and_exit_2() {
    for (name, value) in [
        ("PORT", "eighty"),
        ("LOG_FORMAT", "xml"),
        ("MCP_LEGACY_SESSIONS", "maybe"),
        ("MCP_ALLOWED_ORIGINS", "app.example.com"),
    ] {
        let stderr = setting_error(&[(name, value.to_string())]);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(value), "{name}={value}: {stderr}");
    }
}

#[tokio::test]
async fn healthcheck_exits_zero_for_a_healthy_server_and_one_otherwise() {
    let port = free_port();
    let mut server = spawn_binary(&[], &[("PORT", port.to_string())]);
    wait_ready(port).await;
    let healthy = spawn_binary(&["healthcheck"], &[("PORT", port.to_string())])
        .wait_with_output()
        .unwrap();
    assert_eq!(healthy.status.code(), Some(0));
    sigterm(&server);
    assert_eq!(server.wait().unwrap().code(), Some(0));

    let nobody = spawn_binary(&["healthcheck"], &[("PORT", free_port().to_string())])
        .wait_with_output()
        .unwrap();
    assert_eq!(nobody.status.code(), Some(1));
    let stderr = String::from_utf8(nobody.stderr).unwrap();
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

#[tokio::test]
async fn json_logs_have_one_line_per_request_and_tool_call_without_arguments() {
    let port = free_port();
    let mut server = spawn_binary(
        &[],
        &[("PORT", port.to_string()), ("LOG_FORMAT", "json".into())],
    );
    wait_ready(port).await;
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/mcp/execute"))
        .json(&json!({"tool": "echo", "arguments": {"message": "private-words-123"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    sigterm(&server);
    server.stdout = None;
    let output = server.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(
        !stderr.contains("private-words-123"),
        "argument values leaked: {stderr}"
    );
    let tool_call = lines
        .iter()
        .find(|l| l["message"] == "tool call")
        .expect("a tool call line");
    assert_eq!(tool_call["tool"], "echo");
    assert_eq!(tool_call["outcome"], "success");
    assert!(tool_call["latency_ms"].as_f64().is_some());
    let request = lines
        .iter()
        .find(|l| l["message"] == "request" && l["route"] == "/mcp/execute")
        .unwrap_or_else(|| panic!("a request line: {stderr}"));
    assert_eq!(request["status"], 200);
    assert_eq!(request["method"], "POST");
    assert!(request["latency_ms"].is_number(), "{request}");
}

#[test]
fn stdio_exits_zero_when_the_client_closes_stdin_without_a_word() {
    let mut child = spawn_binary(&["stdio"], &[]);
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty(), "stdout carries only the protocol");
}
