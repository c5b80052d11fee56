//! The fast path (`src/mcp/fast_path.rs`) must answer exactly as rmcp does.
//! The same request is sent twice: as is (eligible for the fast path) and
//! with an allowed `Origin` header (which the fast path always leaves to
//! rmcp); status, content type and JSON body must match.

use serde_json::{Value, json};

use crate::helpers::{TestApp, modern_request, spawn_app};

async fn both_ways(app: &TestApp, headers: &[(&str, &str)], body: &Value) -> (Value, Value) {
    let mut answers = Vec::new();
    for origin in [None, Some("http://localhost:6274")] {
        let mut all = headers.to_vec();
        if let Some(origin) = origin {
            all.push(("Origin", origin));
        }
        let response = app.mcp_post(&all, body).await;
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.expect("a JSON body");
        answers.push(json!({"status": status, "type": content_type, "body": body}));
    }
    (answers[0].clone(), answers[1].clone())
}

fn call(id: Value, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

#[tokio::test]
async fn legacy_stateless_calls_answer_like_rmcp() {
    let app = spawn_app(&["--toolsets", "core,conformance"]).await;
    let calls = [
        call(
            json!(1),
            "calculate",
            json!({"operation": "add", "a": 10, "b": 5}),
        ),
        call(
            json!("abc"),
            "calculate",
            json!({"operation": "divide", "a": 1, "b": 0}),
        ),
        call(
            json!(3),
            "calculate",
            json!({"operation": "add", "a": "x", "b": 1}),
        ),
        call(json!(4), "echo", json!({"message": "héllo \"quoted\""})),
        call(json!(5), "test_image_content", json!({})),
        call(json!(6), "test_multiple_content_types", json!({})),
        call(json!(7), "test_error_handling", json!({})),
    ];
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        for body in &calls {
            let (fast, rmcp) = both_ways(&app, &[("MCP-Protocol-Version", version)], body).await;
            assert_eq!(fast, rmcp, "{version} {body}");
            assert_eq!(fast["status"], 200);
        }
    }
}

#[tokio::test]
async fn calls_in_2026_07_28_form_answer_like_rmcp() {
    let app = spawn_app(&["--toolsets", "core,conformance"]).await;
    for (name, arguments) in [
        (
            "calculate",
            json!({"operation": "multiply", "a": 7, "b": 8}),
        ),
        (
            "calculate",
            json!({"operation": "multiply", "a": 1e308, "b": 10}),
        ),
        ("echo", json!({"message": "hi"})),
        ("test_embedded_resource", json!({})),
    ] {
        let body = modern_request(
            9,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        );
        let headers = [
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", name),
        ];
        let (fast, rmcp) = both_ways(&app, &headers, &body).await;
        assert_eq!(fast, rmcp, "{name}");
        assert_eq!(fast["body"]["result"]["resultType"], "complete");
    }
}
