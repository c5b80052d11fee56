//! Limits: body size (413), header count and size (431), slow clients
//! (header read timeout, request timeout 408), the in-flight cap (503 +
//! Retry-After, no queue) and legacy session caps (open and live), idle
//! expiry and hibernation.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::{io::AsyncWriteExt, net::TcpStream};

use crate::{
    helpers::spawn_app,
    raw::{
        body_of, delete_session, exchange, legacy_initialize, list_tools, metrics,
        open_legacy_session, read_response, read_until_closed, sample, session_id, status_of,
    },
};

const SECOND: Duration = Duration::from_secs(1);

/// A body sent chunked (no Content-Length), so the cap is met mid-stream.
fn chunked(body: String) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .into_bytes()
        .chunks(512)
        .map(|c| Ok(c.to_vec()))
        .collect();
    reqwest::Body::wrap_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn a_body_over_the_cap_is_413_on_rest_and_mcp_with_or_without_a_length() {
    let app = spawn_app(&["--max-body-bytes", "2048"]).await;
    let too_big = json!({"tool": "echo", "arguments": {"message": "x".repeat(4096)}}).to_string();
    let declared = json!({"detail": "Request body is larger than 2048 bytes"});
    assert_eq!(
        app.execute_raw(too_big.clone()).await,
        (413, declared.clone())
    );
    let just_fits = json!({"tool": "echo", "arguments": {"message": "x".repeat(1900)}}).to_string();
    assert_eq!(app.execute_raw(just_fits).await.0, 200);
    let streamed = app
        .client
        .post(app.url("/mcp/execute"))
        .header("Content-Type", "application/json")
        .body(chunked(too_big))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    let body: Value = streamed.json().await.unwrap();
    assert_eq!(body, declared, "the same wording with or without a length");

    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "echo", "arguments": {"message": "x".repeat(4096)}}});
    let response = app
        .mcp_post(&[("MCP-Protocol-Version", "2025-11-25")], &call)
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.json::<Value>().await.unwrap(), declared);
    let streamed = app
        .client
        .post(app.mcp_url())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-11-25")
        .body(chunked(call.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    assert_eq!(streamed.json::<Value>().await.unwrap(), declared);

    // Every 413 is counted, whichever reader found the body too large.
    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, r#"http_rejected_total{reason="body_too_large"}"#),
        Some(4.0)
    );
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn a_declared_huge_body_is_refused_before_it_is_sent() {
    let app = spawn_app(&[]).await;
    for path in ["/mcp/execute", "/mcp"] {
        // Claims a gigabyte, sends nothing: the answer must not wait for it.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n\
             Content-Length: 1000000000\r\n\r\n"
        );
        let mut stream = TcpStream::connect(app.address).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let (response, _) = read_until_closed(&mut stream, 2 * SECOND).await;
        assert_eq!(status_of(&response), 413, "{path}: {response}");
        assert!(started.elapsed() < 2 * SECOND, "{path}");
    }
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn a_header_flood_and_an_oversized_header_are_431() {
    let app = spawn_app(&["--max-headers", "32", "--max-header-bytes", "8192"]).await;
    let mut flood = String::from("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for i in 0..40 {
        flood.push_str(&format!("X-Flood-{i}: v\r\n"));
    }
    flood.push_str("\r\n");
    let (response, closed) = exchange(app.address, flood.as_bytes(), 2 * SECOND).await;
    assert_eq!(status_of(&response), 431, "{response}");
    assert!(closed);

    let huge = format!(
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(10_000)
    );
    let (response, _) = exchange(app.address, huge.as_bytes(), 2 * SECOND).await;
    assert_eq!(status_of(&response), 431, "{response}");

    // Under both limits: fine.
    let mut fine = String::from("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for i in 0..20 {
        fine.push_str(&format!("X-Ok-{i}: {}\r\n", "b".repeat(100)));
    }
    fine.push_str("\r\n");
    let (response, _) = exchange(app.address, fine.as_bytes(), 2 * SECOND).await;
    assert_eq!(status_of(&response), 200, "{response}");
}

#[tokio::test]
async fn with_the_default_limits_a_body_over_1_mib_is_413_even_when_streamed() {
    let app = spawn_app(&[]).await;
    let message = |len: usize| json!({"message": "x".repeat(len)});
    // Just under 1 MiB (1048576 bytes) is served.
    let (status, _) = app.execute("echo", message(1_000_000)).await;
    assert_eq!(status, 200);

    let rest = json!({"tool": "echo", "arguments": message(1024 * 1024)}).to_string();
    let mcp = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "echo", "arguments": message(1024 * 1024)}})
    .to_string();
    for (path, body) in [("/mcp/execute", rest), ("/mcp", mcp)] {
        // Chunked: no Content-Length, so the cap is met mid-stream.
        let response = app
            .client
            .post(app.url(path))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", "2025-11-25")
            .body(chunked(body))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"detail": "Request body is larger than 1048576 bytes"}),
            "{path}"
        );
    }
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn with_the_default_limits_a_head_over_16_kib_or_64_fields_is_431() {
    let app = spawn_app(&[]).await;
    let head = |fields: usize, field_bytes: usize| {
        let mut head =
            String::from("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for i in 0..fields {
            head.push_str(&format!("X-Field-{i}: {}\r\n", "a".repeat(field_bytes)));
        }
        head.push_str("\r\n");
        head
    };
    for (fields, field_bytes, status) in [
        (1, 10_000, 200), // a 10 KB header fits in 16 KiB
        (1, 20_000, 431), // a 20 KB one does not
        (60, 10, 200),    // 62 fields with Host and Connection
        (70, 10, 431),
    ] {
        let request = head(fields, field_bytes);
        let (response, _) = exchange(app.address, request.as_bytes(), 2 * SECOND).await;
        assert_eq!(
            status_of(&response),
            status,
            "{fields} fields of {field_bytes} bytes: {response}"
        );
    }
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = spawn_app(&["--header-read-timeout-seconds", "1"]).await;
    let started = Instant::now();
    let (response, closed) = exchange(
        app.address,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        4 * SECOND,
    )
    .await;
    assert!(closed, "connection still open after 4 s");
    let waited = started.elapsed();
    assert!(waited >= SECOND && waited < 3 * SECOND, "{waited:?}");
    assert!(
        response.is_empty() || status_of(&response) == 408,
        "{response}"
    );
    assert_eq!(app.get("/health").await.status(), 200);
}

/// The next head on a kept-alive connection is timed too (its timer is the
/// connection's, lent again: see `http/head_timer.rs`).
#[tokio::test]
async fn a_kept_alive_client_that_never_finishes_its_next_head_is_disconnected() {
    let app = spawn_app(&["--header-read-timeout-seconds", "1"]).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connects");
    // The first head takes half the timeout: its timer is then set for half
    // a second before the next head's deadline, and has to be set again.
    stream
        .write_all(b"GET /health HTTP/1.1\r\n")
        .await
        .expect("writes");
    tokio::time::sleep(SECOND / 2).await;
    stream
        .write_all(b"Host: 127.0.0.1\r\n\r\n")
        .await
        .expect("writes");
    let first = read_response(&mut stream).await;
    assert_eq!(status_of(&first), 200, "{first}");
    // The next head's timeout starts now, as the connection waits for it.
    let answered = Instant::now();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("writes");
    let (second, closed) = read_until_closed(&mut stream, 4 * SECOND).await;
    assert!(
        closed,
        "connection still open 4 s after its next head began"
    );
    let waited = answered.elapsed();
    assert!(waited >= SECOND && waited < 3 * SECOND, "{waited:?}");
    assert!(second.is_empty() || status_of(&second) == 408, "{second}");
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_is_408() {
    let app = spawn_app(&["--request-timeout-seconds", "1"]).await;
    // Headers promptly, then only half the body.
    let head = "POST /mcp/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                Content-Length: 60\r\n\r\n{\"tool\":\"echo\",";
    let started = Instant::now();
    let (response, _) = exchange(app.address, head.as_bytes(), 4 * SECOND).await;
    assert_eq!(status_of(&response), 408, "{response}");
    assert_eq!(
        body_of(&response),
        r#"{"detail":"Request timed out after 1 s"}"#
    );
    assert!(started.elapsed() < 3 * SECOND);
    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, r#"http_rejected_total{reason="timeout"}"#),
        Some(1.0)
    );
}

#[tokio::test]
async fn over_the_in_flight_cap_new_requests_get_503_with_retry_after_at_once() {
    let app = spawn_app(&["--max-in-flight", "1"]).await;
    // One request holds the only slot: its body arrives late.
    let body = r#"{"tool":"echo","arguments":{"message":"held"}}"#;
    let mut held = TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /mcp/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    held.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let refused = app.get("/mcp/tools").await;
    assert!(started.elapsed() < SECOND, "refusal was queued");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let detail: Value = refused.json().await.unwrap();
    assert_eq!(
        detail,
        json!({"detail": "Server is at capacity, retry shortly"})
    );
    // Probes and the scrape are never shed.
    assert_eq!(app.get("/ready").await.status(), 200);
    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, r#"http_rejected_total{reason="overloaded"}"#),
        Some(1.0)
    );

    held.write_all(body.as_bytes()).await.unwrap();
    let (response, _) = read_until_closed(&mut held, 2 * SECOND).await;
    assert_eq!(status_of(&response), 200, "{response}");
    assert_eq!(app.get("/mcp/tools").await.status(), 200);
}

#[tokio::test]
async fn legacy_sessions_are_capped_and_a_closed_one_frees_its_place() {
    let app = spawn_app(&["--legacy-sessions", "true", "--max-sessions", "1"]).await;
    let first = legacy_initialize(&app).await;
    assert_eq!(first.status(), 200);
    let session = session_id(&first);
    let refused = legacy_initialize(&app).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let detail: Value = refused.json().await.unwrap();
    assert_eq!(
        detail,
        json!({"detail": "Too many open MCP sessions, retry shortly"})
    );
    // The open session still works.
    assert_eq!(
        list_tools(&app, &[("Mcp-Session-Id", &session)]).await.0,
        200
    );
    assert_eq!(delete_session(&app, &session).await, 204);
    assert_eq!(legacy_initialize(&app).await.status(), 200);
}

#[tokio::test]
async fn an_idle_legacy_session_is_closed_and_its_id_then_gets_404() {
    let app = spawn_app(&["--legacy-sessions", "true", "--session-idle-seconds", "1"]).await;
    let busy = session_id(&legacy_initialize(&app).await);
    let idle = session_id(&legacy_initialize(&app).await);
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(list_tools(&app, &[("Mcp-Session-Id", &busy)]).await.0, 200);
    }
    assert_eq!(list_tools(&app, &[("Mcp-Session-Id", &idle)]).await.0, 404);
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions"),
        Some(1.0)
    );
}

#[tokio::test]
async fn a_cap_above_axums_default_is_the_one_the_rest_api_enforces() {
    let app = spawn_app(&["--max-body-bytes", "4194304"]).await;
    let (status, body) = app
        .execute("echo", json!({"message": "x".repeat(3_000_000)}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["result"].as_str().unwrap().len(), 3_000_006);
}

/// Polls `/metrics` until `series` reads `value` (at most 5 s).
async fn wait_for_sample(app: &crate::helpers::TestApp, series: &str, value: f64) {
    let deadline = Instant::now() + 5 * SECOND;
    loop {
        let now = sample(&metrics(app).await, series);
        if now == Some(value) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{series} is {now:?}, want {value}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_quiet_legacy_session_is_hibernated_and_its_next_request_brings_it_back() {
    let app = spawn_app(&[
        "--legacy-sessions",
        "true",
        "--session-hibernate-seconds",
        "1",
    ])
    .await;
    let session = open_legacy_session(&app).await;
    let other = open_legacy_session(&app).await;
    wait_for_sample(&app, "mcp_legacy_sessions_live", 0.0).await;
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions"),
        Some(2.0)
    );

    let (status, body) = list_tools(&app, &[("Mcp-Session-Id", &session)]).await;
    assert_eq!(status, 200);
    let body = body.expect("a JSON-RPC answer");
    assert!(
        body["result"]["tools"]
            .as_array()
            .is_some_and(|tools| !tools.is_empty()),
        "{body}"
    );
    let text = metrics(&app).await;
    assert_eq!(sample(&text, "mcp_legacy_sessions_live"), Some(1.0));
    assert_eq!(sample(&text, "mcp_legacy_sessions"), Some(2.0));

    // A hibernated session is ended by DELETE like a live one.
    assert_eq!(delete_session(&app, &other).await, 204);
    assert_eq!(list_tools(&app, &[("Mcp-Session-Id", &other)]).await.0, 404);
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions"),
        Some(1.0)
    );
}

#[tokio::test]
async fn a_legacy_session_that_set_a_log_level_is_not_hibernated() {
    // The conformance toolset turns MCP logging on.
    let app = spawn_app(&[
        "--legacy-sessions",
        "true",
        "--session-hibernate-seconds",
        "1",
        "--toolsets",
        "core,conformance",
    ])
    .await;
    let session = open_legacy_session(&app).await;
    let set = app
        .mcp_post(
            &[
                ("Mcp-Session-Id", &session),
                ("MCP-Protocol-Version", "2025-11-25"),
            ],
            &json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel",
                    "params": {"level": "error"}}),
        )
        .await;
    assert_eq!(set.status(), 200);
    let body = crate::helpers::rpc_body(set).await;
    assert_eq!(body["result"], json!({}), "{body}");
    tokio::time::sleep(3 * SECOND).await;
    assert_eq!(
        sample(&metrics(&app).await, "mcp_legacy_sessions_live"),
        Some(1.0)
    );
}

#[tokio::test]
async fn live_legacy_sessions_are_capped_and_a_hibernated_one_waits_for_a_place() {
    let app = spawn_app(&[
        "--legacy-sessions",
        "true",
        "--max-live-sessions",
        "1",
        "--session-hibernate-seconds",
        "1",
    ])
    .await;
    let first = open_legacy_session(&app).await;
    let refused = legacy_initialize(&app).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");

    wait_for_sample(&app, "mcp_legacy_sessions_live", 0.0).await;
    let second = open_legacy_session(&app).await;
    // Bringing the first back would make two live sessions.
    let (status, _) = list_tools(&app, &[("Mcp-Session-Id", &first)]).await;
    assert_eq!(status, 503);
    assert_eq!(delete_session(&app, &second).await, 204);
    assert_eq!(list_tools(&app, &[("Mcp-Session-Id", &first)]).await.0, 200);
}
