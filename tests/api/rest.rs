//! The seed's REST API: every curl of its section 7.2 with its expected
//! output, and every error case, which the seed answered with a 500.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_the_seed_shape_with_our_name() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "healthy", "service": "mcp-rust-server", "version": "0.1.0"})
    );
}

#[tokio::test]
async fn ready_reports_tool_and_resource_counts() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.get_json("/ready").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "ready", "tools_count": 2, "resources_count": 1})
    );
}

#[tokio::test]
async fn root_lists_the_seed_endpoints_and_mcp() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.get_json("/").await;
    assert_eq!(status, 200);
    assert_eq!(body["service"], "mcp-rust-server");
    assert_eq!(body["protocol"], "Model Context Protocol");
    assert_eq!(
        body["endpoints"],
        json!({
            "mcp": "/mcp",
            "health": "/health",
            "ready": "/ready",
            "tools": "/mcp/tools",
            "resources": "/mcp/resources",
            "execute": "/mcp/execute",
            "resource": "/mcp/resource/{uri}",
        })
    );
}

#[tokio::test]
async fn tools_lists_echo_and_calculate_with_their_schemas() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.get_json("/mcp/tools").await;
    assert_eq!(status, 200);
    let tools = body["tools"].as_array().expect("tools array");
    assert_eq!(tools.len(), 2);
    assert_eq!(tools[0]["name"], "echo");
    assert_eq!(tools[0]["description"], "Echo back the provided message");
    assert_eq!(
        tools[0]["parameters"]["properties"]["message"],
        json!({"type": "string", "description": "Message to echo"})
    );
    assert_eq!(tools[0]["parameters"]["required"], json!(["message"]));
    assert_eq!(tools[1]["name"], "calculate");
    assert_eq!(
        tools[1]["description"],
        "Perform basic arithmetic calculation"
    );
    let calculate = &tools[1]["parameters"];
    assert_eq!(calculate["type"], "object");
    assert_eq!(
        calculate["properties"]["operation"],
        json!({
            "type": "string",
            "enum": ["add", "subtract", "multiply", "divide"],
            "description": "Arithmetic operation",
        })
    );
    assert_eq!(calculate["properties"]["a"]["type"], "number");
    assert_eq!(calculate["properties"]["b"]["type"], "number");
    assert_eq!(calculate["required"], json!(["operation", "a", "b"]));
}

#[tokio::test]
async fn resources_lists_the_status_resource() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.get_json("/mcp/resources").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"resources": [
            {"uri": "mcp://demo/status", "name": "Server Status", "mimeType": "application/json"}
        ]})
    );
}

#[tokio::test]
async fn execute_echo_returns_the_prefixed_message() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.execute("echo", json!({"message": "Hello MCP"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"result": "Echo: Hello MCP", "metadata": {"tool": "echo", "success": true}})
    );
}

#[tokio::test]
async fn execute_calculate_does_the_seeds_sums() {
    let app = spawn_app(&[]).await;
    for (operation, a, b, expected) in [
        ("add", 10, 5, json!(15)),
        ("multiply", 7, 8, json!(56)),
        ("add", 15, 25, json!(40)),
        ("subtract", 3, 5, json!(-2)),
        ("divide", 10, 4, json!(2.5)),
    ] {
        let (status, body) = app
            .execute("calculate", json!({"operation": operation, "a": a, "b": b}))
            .await;
        assert_eq!(status, 200, "{operation}: {body}");
        assert_eq!(
            body,
            json!({"result": expected, "metadata": {"tool": "calculate", "success": true}})
        );
    }
}

#[tokio::test]
async fn resource_is_served_for_the_raw_and_the_percent_encoded_uri() {
    let app = spawn_app(&[]).await;
    for path in [
        "/mcp/resource/mcp://demo/status",
        "/mcp/resource/mcp%3A%2F%2Fdemo%2Fstatus",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body["uri"], "mcp://demo/status");
        assert_eq!(body["mimeType"], "application/json");
        let content = &body["content"];
        assert_eq!(content["server"], "mcp-rust-server");
        assert_eq!(content["status"], "operational");
        assert_eq!(content["version"], "0.1.0");
        assert_eq!(content["tools_count"], 2);
        assert_eq!(content["resources_count"], 1);
        assert!(content["uptime_seconds"].as_f64().unwrap() >= 0.0);
        assert!(content["started_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn uptime_grows_between_reads() {
    let app = spawn_app(&[]).await;
    let uptime = |body: serde_json::Value| body["content"]["uptime_seconds"].as_f64().unwrap();
    let first = uptime(app.get_json("/mcp/resource/mcp://demo/status").await.1);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let second = uptime(app.get_json("/mcp/resource/mcp://demo/status").await.1);
    assert!(second >= first + 0.04, "{first} -> {second}");
}

#[tokio::test]
async fn unknown_tool_is_a_404_with_detail() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.execute("nope", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"detail": "Tool 'nope' not found"}));
}

#[tokio::test]
async fn unknown_resource_is_a_404_with_detail() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.get_json("/mcp/resource/mcp://demo/nothing").await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"detail": "Resource 'mcp://demo/nothing' not found"})
    );
}

#[tokio::test]
async fn division_by_zero_is_a_422_not_a_500() {
    let app = spawn_app(&[]).await;
    let (status, body) = app
        .execute("calculate", json!({"operation": "divide", "a": 1, "b": 0}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": "Tool execution failed: Division by zero"})
    );
}

#[tokio::test]
async fn a_non_finite_result_is_a_422() {
    let app = spawn_app(&[]).await;
    let (status, body) = app
        .execute(
            "calculate",
            json!({"operation": "multiply", "a": 1e308, "b": 10}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": "Tool execution failed: Result is not a finite number: multiply of 1e308 and 10.0 overflows"})
    );
}

#[tokio::test]
async fn bad_arguments_are_a_422_naming_the_problem() {
    let app = spawn_app(&[]).await;
    let cases = [
        (
            json!({"operation": "add", "a": "x", "b": 1}),
            "a: invalid type: string \"x\"",
        ),
        (json!({"operation": "add", "a": 1}), "missing field `b`"),
        (
            json!({"operation": "modulo", "a": 1, "b": 2}),
            "unknown variant `modulo`",
        ),
        (json!({"a": 1, "b": 2}), "missing field `operation`"),
    ];
    for (arguments, expected) in cases {
        let (status, body) = app.execute("calculate", arguments.clone()).await;
        assert_eq!(status, 422, "{arguments}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Invalid arguments for tool 'calculate': ")
                && detail.contains(expected),
            "{arguments} -> {detail}"
        );
    }
    let (status, body) = app.execute("echo", json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": "Invalid arguments for tool 'echo': missing field `message`"})
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400() {
    let app = spawn_app(&[]).await;
    let (status, body) = app.execute_raw("{not json").await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Request body is not valid JSON")
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_422() {
    let app = spawn_app(&[]).await;
    for body in [
        r#"{"arguments": {}}"#,
        r#"{"tool": "echo", "arguments": [1]}"#,
        "[]",
    ] {
        let (status, response) = app.execute_raw(body).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            response["detail"]
                .as_str()
                .unwrap()
                .starts_with("Invalid request body")
        );
    }
}

#[tokio::test]
async fn a_body_without_json_content_type_is_a_415() {
    let app = spawn_app(&[]).await;
    let response = app
        .client
        .post(app.url("/mcp/execute"))
        .header("Content-Type", "text/plain")
        .body(r#"{"tool":"echo","arguments":{"message":"x"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("Content-Type"));
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_error_shape() {
    let app = spawn_app(&[]).await;
    assert_eq!(
        app.get_json("/nope").await,
        (404, json!({"detail": "Not Found"}))
    );
    let (status, body) = app.get_json("/mcp/execute").await;
    assert_eq!(
        (status, body),
        (405, json!({"detail": "Method Not Allowed"}))
    );
}
