//! Hostile input: every malformed, oversized, slow or mismatched request
//! gets a 4xx or a clean JSON-RPC error, never a 5xx, and the server keeps
//! answering afterwards. Each case pins the exact answer; with limits.rs,
//! this file backs the README's limits and hostile-input table, row for row.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    helpers::{ACCEPT_BOTH, TestApp, modern_request, spawn_app},
    raw::{exchange, status_of},
};

/// What a case must get back.
enum Answer {
    /// HTTP status and the exact JSON body.
    Json(u16, Value),
    /// HTTP status and the exact text body (rmcp's transport refusals).
    Text(u16, &'static str),
}

struct Case {
    name: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, &'static str)>,
    answer: Answer,
}

const LEGACY: (&str, &str) = ("MCP-Protocol-Version", "2025-11-25");

fn case(name: &'static str, body: impl Into<Vec<u8>>, answer: Answer) -> Case {
    Case {
        name,
        body: body.into(),
        headers: vec![LEGACY],
        answer,
    }
}

fn rpc_error(status: u16, id: Value, code: i64, message: &str) -> Answer {
    Answer::Json(
        status,
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    )
}

fn tool_error(text: &str) -> Answer {
    Answer::Json(
        200,
        json!({"jsonrpc": "2.0", "id": 1, "result": {
            "content": [{"type": "text", "text": text}], "isError": true}}),
    )
}

fn modern(method: &str) -> Vec<u8> {
    modern_request(1, method, json!({}))
        .to_string()
        .into_bytes()
}

fn mcp_cases() -> Vec<Case> {
    let nested = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"echo","arguments":{{"message":{}{}}}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    vec![
        case(
            "malformed JSON",
            r#"{"jsonrpc":"2.0","id":1,"method":"#,
            rpc_error(
                400,
                Value::Null,
                -32700,
                "Parse error: EOF while parsing a value at line 1 column 33",
            ),
        ),
        case(
            "truncated JSON",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list""#,
            rpc_error(
                400,
                Value::Null,
                -32700,
                "Parse error: EOF while parsing an object at line 1 column 45",
            ),
        ),
        case(
            "non-UTF-8 bytes",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}".to_vec(),
            rpc_error(
                400,
                Value::Null,
                -32700,
                "Parse error: the body is not UTF-8",
            ),
        ),
        case(
            "empty body",
            "",
            rpc_error(
                400,
                Value::Null,
                -32700,
                "Parse error: the body is not JSON",
            ),
        ),
        case(
            "not an object",
            "42",
            rpc_error(
                400,
                Value::Null,
                -32600,
                "Invalid Request: a JSON-RPC message is a JSON object",
            ),
        ),
        case(
            "wrong jsonrpc version",
            r#"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#,
            rpc_error(
                400,
                json!(1),
                -32600,
                r#"Invalid Request: "jsonrpc" must be "2.0""#,
            ),
        ),
        case(
            "jsonrpc missing",
            r#"{"id":1,"method":"tools/list"}"#,
            rpc_error(
                400,
                json!(1),
                -32600,
                r#"Invalid Request: "jsonrpc" must be "2.0""#,
            ),
        ),
        case(
            "batch array",
            r#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
            rpc_error(400, Value::Null, -32600, "Batch requests are not supported"),
        ),
        case(
            "unknown method",
            r#"{"jsonrpc":"2.0","id":1,"method":"nope/nope"}"#,
            rpc_error(200, json!(1), -32601, "nope/nope"),
        ),
        case(
            "params of the wrong type",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"oops"}"#,
            rpc_error(
                400,
                json!(1),
                -32600,
                "Invalid Request: params must be an object, not a string",
            ),
        ),
        case(
            "tool arguments of the wrong type",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"operation":"add","a":"x","b":1}}}"#,
            tool_error(
                "Invalid arguments for tool 'calculate': a: invalid type: string \"x\", expected f64",
            ),
        ),
        case(
            "nesting 5000 deep",
            nested,
            rpc_error(
                400,
                Value::Null,
                -32600,
                "Invalid Request: nested deeper than 100 levels",
            ),
        ),
        case(
            "huge numbers, non-finite result",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"operation":"multiply","a":1e308,"b":1e308}}}"#,
            tool_error("Result is not a finite number: multiply of 1e308 and 1e308 overflows"),
        ),
        case(
            "number literal out of range",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"operation":"add","a":1e999,"b":1}}}"#,
            // The envelope was readable, so the error carries its id.
            rpc_error(
                400,
                json!(1),
                -32700,
                "Parse error: number out of range at line 1 column 115",
            ),
        ),
        case(
            "id null",
            r#"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#,
            rpc_error(
                400,
                Value::Null,
                -32600,
                "Invalid Request: id must be a string or an integer, not null",
            ),
        ),
        case(
            "id an object",
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#,
            rpc_error(
                400,
                Value::Null,
                -32600,
                "Invalid Request: id must be a string or an integer, not an object",
            ),
        ),
        case(
            "id fractional",
            r#"{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}"#,
            rpc_error(
                400,
                Value::Null,
                -32600,
                "Invalid Request: id must be a string or an integer, not a non-integer or out-of-range number",
            ),
        ),
        case(
            "id beyond 64 bits",
            r#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"tools/list"}"#,
            rpc_error(
                400,
                Value::Null,
                -32600,
                "Invalid Request: id must be a string or an integer, not a non-integer or out-of-range number",
            ),
        ),
        case(
            "unknown tool",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","arguments":{}}}"#,
            rpc_error(200, json!(1), -32602, "Unknown tool: nope"),
        ),
        Case {
            name: "2026-07-28 body without its header",
            body: modern("tools/list"),
            headers: vec![],
            answer: rpc_error(
                400,
                json!(1),
                -32020,
                "request _meta protocolVersion requires MCP-Protocol-Version header",
            ),
        },
        Case {
            name: "2026-07-28 body, 2025-11-25 header",
            body: modern("tools/list"),
            headers: vec![LEGACY],
            answer: rpc_error(
                400,
                json!(1),
                -32020,
                "MCP-Protocol-Version header (2025-11-25) does not match request _meta protocolVersion (2026-07-28)",
            ),
        },
        Case {
            name: "Mcp-Method header not the body's",
            body: modern("tools/list"),
            headers: vec![
                ("MCP-Protocol-Version", "2026-07-28"),
                ("Mcp-Method", "tools/call"),
            ],
            answer: rpc_error(
                400,
                json!(1),
                -32020,
                "Mcp-Method header `tools/call` does not match body method `tools/list`",
            ),
        },
        Case {
            name: "unsupported protocol version header",
            body: br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.to_vec(),
            headers: vec![("MCP-Protocol-Version", "1999-01-01")],
            answer: Answer::Text(
                400,
                "Bad Request: Unsupported MCP-Protocol-Version: 1999-01-01",
            ),
        },
        Case {
            name: "foreign Origin",
            body: br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.to_vec(),
            headers: vec![LEGACY, ("Origin", "https://evil.example")],
            answer: Answer::Text(403, "Forbidden: Origin header is not allowed"),
        },
        Case {
            name: "foreign Host",
            body: br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.to_vec(),
            headers: vec![LEGACY, ("Host", "attacker.example")],
            answer: Answer::Text(403, "Forbidden: Host header is not allowed"),
        },
    ]
}

async fn post(app: &TestApp, url: &str, case: &Case) -> (u16, String, Option<String>) {
    let mut request = app
        .client
        .post(url)
        .header("Content-Type", "application/json")
        .header("Accept", ACCEPT_BOTH);
    for (name, value) in &case.headers {
        request = request.header(*name, *value);
    }
    let response = request.body(case.body.clone()).send().await.expect("sends");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), content_type)
}

fn check(case: &Case, (status, text, content_type): (u16, String, Option<String>)) {
    let name = case.name;
    assert!(status < 500, "{name}: {status} {text}");
    match &case.answer {
        Answer::Json(want_status, want_body) => {
            assert_eq!(status, *want_status, "{name}: {text}");
            assert_eq!(content_type.as_deref(), Some("application/json"), "{name}");
            let body: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}: {text}"));
            assert_eq!(&body, want_body, "{name}");
        }
        Answer::Text(want_status, want_text) => {
            assert_eq!(
                (status, text.as_str()),
                (*want_status, *want_text),
                "{name}"
            );
        }
    }
}

async fn assert_healthy(app: &TestApp) {
    assert_eq!(app.get("/health").await.status(), 200);
    let (status, body) = app.execute("echo", json!({"message": "still here"})).await;
    assert_eq!((status, &body["result"]), (200, &json!("Echo: still here")));
}

#[tokio::test]
async fn hostile_json_rpc_bodies_get_a_4xx_or_a_clean_json_rpc_error() {
    let app = spawn_app(&[]).await;
    for case in mcp_cases() {
        check(&case, post(&app, &app.mcp_url(), &case).await);
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn an_unknown_or_missing_session_is_refused_in_legacy_mode() {
    let app = spawn_app(&["--legacy-sessions", "true"]).await;
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.to_vec();
    let unknown = Case {
        name: "unknown session",
        body: body.clone(),
        headers: vec![LEGACY, ("Mcp-Session-Id", "no-such-session")],
        answer: Answer::Text(404, "Not Found: Session not found"),
    };
    check(&unknown, post(&app, &app.mcp_url(), &unknown).await);
    let missing = Case {
        name: "no session id",
        body,
        headers: vec![LEGACY],
        answer: Answer::Text(400, "Bad Request: Session ID is required"),
    };
    check(&missing, post(&app, &app.mcp_url(), &missing).await);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn hostile_rest_bodies_get_a_4xx_in_the_detail_shape() {
    let app = spawn_app(&[]).await;
    let cases: [(&str, Vec<u8>, u16, &str); 7] = [
        (
            "malformed JSON",
            br#"{"tool":"echo","#.to_vec(),
            400,
            "Request body is not valid JSON: Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 15",
        ),
        (
            "non-UTF-8 bytes",
            b"{\"tool\":\"\xff\"}".to_vec(),
            400,
            "Request body is not valid JSON: Failed to parse the request body as JSON: tool: invalid unicode code point at line 1 column 10",
        ),
        (
            "tool of the wrong type",
            br#"{"tool":5}"#.to_vec(),
            422,
            "Invalid request body: Failed to deserialize the JSON body into the target type: tool: invalid type: integer `5`, expected a string at line 1 column 9",
        ),
        (
            "arguments not an object",
            br#"{"tool":"echo","arguments":[1]}"#.to_vec(),
            422,
            "Invalid request body: Failed to deserialize the JSON body into the target type: arguments: invalid type: sequence, expected a map at line 1 column 27",
        ),
        (
            "number literal out of range",
            br#"{"tool":"calculate","arguments":{"operation":"add","a":1e999,"b":1}}"#.to_vec(),
            400,
            "Request body is not valid JSON: Failed to parse the request body as JSON: arguments.a: number out of range at line 1 column 60",
        ),
        (
            "huge numbers, non-finite result",
            br#"{"tool":"calculate","arguments":{"operation":"multiply","a":1e308,"b":1e308}}"#
                .to_vec(),
            422,
            "Tool execution failed: Result is not a finite number: multiply of 1e308 and 1e308 overflows",
        ),
        (
            "unknown tool",
            br#"{"tool":"nope"}"#.to_vec(),
            404,
            "Tool 'nope' not found",
        ),
    ];
    for (name, body, status, detail) in cases {
        let response = app
            .client
            .post(app.url("/mcp/execute"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"detail": detail}), "{name}");
    }
    // A resource path that is not UTF-8 once percent-decoded.
    let (status, body) = app.get_json("/mcp/resource/%ff%fe").await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"detail": "Invalid URL: Invalid UTF-8 in `uri`"})
        )
    );
    // Deep nesting: refused by the JSON parser's depth limit.
    let deep = format!(
        r#"{{"tool":"echo","arguments":{{"message":{}{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let (status, body) = app.execute_raw(deep).await;
    assert_eq!(status, 400);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.ends_with("recursion limit exceeded at line 1 column 164"),
        "{detail}"
    );
    // The path repeats once per level; the detail keeps its ends, not all of it.
    assert!(detail.len() < 400, "{} bytes: {detail}", detail.len());
    assert_healthy(&app).await;
}

#[tokio::test]
async fn floods_oversize_and_slow_clients_are_cut_off_and_the_server_carries_on() {
    let app = spawn_app(&[
        "--header-read-timeout-seconds",
        "1",
        "--max-body-bytes",
        "4096",
    ])
    .await;
    let mut flood = String::from("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for i in 0..500 {
        flood.push_str(&format!("X-Flood-{i}: {i}\r\n"));
    }
    flood.push_str("\r\n");
    let (response, _) = exchange(app.address, flood.as_bytes(), Duration::from_secs(2)).await;
    assert_eq!(status_of(&response), 431, "{response}");

    let oversized = app
        .mcp_post(
            &[LEGACY],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(10_000)}}),
        )
        .await;
    assert_eq!(oversized.status(), 413);

    // A slow-loris: three connections that never finish their heads.
    let address = app.address;
    let slow: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(exchange(
                address,
                b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                Duration::from_secs(4),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // While they hang on, everyone else is served.
    assert_healthy(&app).await;
    for handle in slow {
        let (_, closed) = handle.await.unwrap();
        assert!(closed, "slow connection left open");
    }
    assert_healthy(&app).await;
}
