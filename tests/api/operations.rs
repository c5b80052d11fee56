//! Every MCP request is one operation: timed in
//! `mcp_server_operation_duration_seconds` (by method, error type and a
//! catalog-bounded tool name) and, for `tools/call`, `resources/read` and
//! `prompts/get`, written as one `audit` log event.

use serde_json::{Value, json};

use crate::{
    helpers::{ACCEPT_BOTH, free_port, sigterm, spawn_app, spawn_binary, wait_ready},
    raw::{metrics, sample},
};

const LEGACY: [(&str, &str); 1] = [("MCP-Protocol-Version", "2025-11-25")];

fn call(id: Value, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

fn count(text: &str, method: &str, error_type: &str, tool: &str) -> Option<f64> {
    sample(
        text,
        &format!(
            "mcp_server_operation_duration_seconds_count{{method=\"{method}\",error_type=\"{error_type}\",tool=\"{tool}\"}}"
        ),
    )
}

#[tokio::test]
async fn the_operation_duration_is_labelled_by_method_error_type_and_catalog_tool() {
    let app = spawn_app(&[]).await;
    let add = call(
        json!(1),
        "calculate",
        json!({"operation": "add", "a": 1, "b": 2}),
    );
    let divide = call(
        json!(2),
        "calculate",
        json!({"operation": "divide", "a": 1, "b": 0}),
    );
    // A name from the request never becomes a label: `other`.
    let unknown = call(json!(3), "x\"}evil", json!({}));
    for body in [&add, &add, &divide, &unknown] {
        assert_eq!(app.mcp_post(&LEGACY, body).await.status(), 200);
    }
    let list = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"});
    assert_eq!(app.mcp_post(&LEGACY, &list).await.status(), 200);
    // Refused before any JSON-RPC answer: the HTTP status is the error type.
    let refused = app
        .mcp_post(&[("MCP-Protocol-Version", "1999-01-01")], &add)
        .await;
    assert_eq!(refused.status(), 400);

    let text = metrics(&app).await;
    assert_eq!(count(&text, "tools/call", "", "calculate"), Some(2.0));
    assert_eq!(
        count(&text, "tools/call", "tool_error", "calculate"),
        Some(1.0)
    );
    assert_eq!(count(&text, "tools/call", "-32602", "other"), Some(1.0));
    assert_eq!(count(&text, "tools/list", "", ""), Some(1.0));
    assert_eq!(count(&text, "tools/call", "400", "calculate"), Some(1.0));
    assert!(!text.contains("evil"), "{text}");
    // The semantic conventions' bucket boundaries.
    assert!(text.contains(
        "mcp_server_operation_duration_seconds_bucket{le=\"0.01\",method=\"tools/list\",error_type=\"\",tool=\"\"} 1"
    ), "{text}");
    assert!(
        text.contains("le=\"300.0\",method=\"tools/list\""),
        "{text}"
    );
    app.stop().await.unwrap();
}

/// The binary's JSON log lines with target `audit`, after `requests`.
async fn audit_lines(envs: &[(&str, String)], requests: &[(Value, Option<&str>)]) -> Vec<Value> {
    let port = free_port();
    let mut envs = envs.to_vec();
    envs.extend([("PORT", port.to_string()), ("LOG_FORMAT", "json".into())]);
    let server = spawn_binary(&[], &envs);
    wait_ready(port).await;
    let client = reqwest::Client::new();
    for (body, token) in requests {
        let mut request = client
            .post(format!("http://127.0.0.1:{port}/mcp"))
            .header("Content-Type", "application/json")
            .header("Accept", ACCEPT_BOTH)
            .header("MCP-Protocol-Version", "2025-11-25");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.json(body).send().await.unwrap().status(), 200);
    }
    sigterm(&server);
    let output = server.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("s3cret-arg"), "an argument was logged");
    assert!(!stderr.contains("tok-A1"), "a token was logged");
    stderr
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["target"] == "audit")
        .collect()
}

#[tokio::test]
async fn each_audited_call_is_one_json_line_with_principal_outcome_and_id_never_arguments() {
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let mut echo = call(json!(5), "echo", json!({"message": "s3cret-arg"}));
    echo["params"]["_meta"] = json!({"traceparent": traceparent});
    let read = json!({"jsonrpc": "2.0", "id": "r", "method": "resources/read",
                      "params": {"uri": "mcp://demo/status"}});
    let lines = audit_lines(
        &[("MCP_AUTH_TOKENS", "tok-A1,tok-B2".into())],
        &[
            (echo, Some("tok-B2")),
            (
                call(
                    json!(6),
                    "calculate",
                    json!({"operation": "divide", "a": 1, "b": 0}),
                ),
                Some("tok-A1"),
            ),
            (read, Some("tok-A1")),
            (
                json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"}),
                Some("tok-A1"),
            ),
        ],
    )
    .await;
    let summary: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l["principal"].as_str().unwrap(),
                l["method"].as_str().unwrap(),
                l["tool"].as_str().or(l["uri"].as_str()).unwrap(),
                l["outcome"].as_str().unwrap(),
                l["jsonrpc_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("static-token-2", "tools/call", "echo", "success", "5"),
            (
                "static-token-1",
                "tools/call",
                "calculate",
                "tool_error",
                "6"
            ),
            (
                "static-token-1",
                "resources/read",
                "mcp://demo/status",
                "success",
                "r"
            ),
        ]
    );
    // Traces off: the caller's trace id still names the trace.
    assert_eq!(lines[0]["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(lines[1]["error_type"], "tool_error");
    assert!(
        lines.iter().all(|l| l["latency_ms"].is_number()
            && l["message"] == "audit"
            && l["level"] == "INFO")
    );
}

#[tokio::test]
async fn mcp_audit_log_false_writes_no_audit_line() {
    let lines = audit_lines(
        &[("MCP_AUDIT_LOG", "false".into())],
        &[(call(json!(1), "echo", json!({"message": "x"})), None)],
    )
    .await;
    assert_eq!(lines, Vec::<Value>::new());
}
