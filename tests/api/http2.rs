//! HTTP/2 over cleartext (h2c, prior knowledge) on the same port as
//! HTTP/1.1, with the same limits: body (413), header count and size (431),
//! request time (408), in-flight cap (503) and the drain.

use std::time::{Duration, Instant};

use futures::{SinkExt, channel::mpsc};
use reqwest::{Client, Version};
use serde_json::{Value, json};

use crate::helpers::{ACCEPT_BOTH, TestApp, spawn_app};

fn h2() -> Client {
    Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("HTTP/2 client")
}

/// A request body that arrives when the test says so: the first chunk now,
/// the rest on `send`.
fn held_body(first: &str) -> (mpsc::Sender<Result<Vec<u8>, std::io::Error>>, reqwest::Body) {
    let (mut sender, receiver) = mpsc::channel(4);
    sender
        .try_send(Ok(first.as_bytes().to_vec()))
        .expect("channel has room");
    (sender, reqwest::Body::wrap_stream(receiver))
}

async fn execute(app: &TestApp, client: &Client, body: reqwest::Body) -> reqwest::Response {
    client
        .post(app.url("/mcp/execute"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request sends")
}

#[tokio::test]
async fn mcp_and_rest_answer_over_h2c_on_the_same_port_as_http1() {
    let app = spawn_app(&[]).await;
    let client = h2();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "calculate", "arguments": {"operation": "add", "a": 10, "b": 5}}});
    let response = client
        .post(app.mcp_url())
        .header("Content-Type", "application/json")
        .header("Accept", ACCEPT_BOTH)
        .header("MCP-Protocol-Version", "2025-11-25")
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"]["content"][0]["text"], "15");

    let response = execute(
        &app,
        &client,
        r#"{"tool":"echo","arguments":{"message":"hi"}}"#.into(),
    )
    .await;
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(
        response.json::<Value>().await.unwrap()["result"],
        "Echo: hi"
    );
    // HTTP/1.1 on the same port.
    let response = app.get("/health").await;
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn over_h2c_a_body_over_the_cap_is_413_declared_or_streamed() {
    let app = spawn_app(&["--max-body-bytes", "2048"]).await;
    let client = h2();
    let too_big = json!({"tool": "echo", "arguments": {"message": "x".repeat(4096)}}).to_string();
    let declared = json!({"detail": "Request body is larger than 2048 bytes"});
    let response = execute(&app, &client, too_big.clone().into()).await;
    assert_eq!(response.status(), 413);
    assert!(response.headers().get("connection").is_none());
    assert_eq!(response.json::<Value>().await.unwrap(), declared);
    let (mut sender, body) = held_body(&too_big[..1024]);
    sender
        .send(Ok(too_big.as_bytes()[1024..].to_vec()))
        .await
        .unwrap();
    drop(sender);
    let response = execute(&app, &client, body).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.json::<Value>().await.unwrap(), declared);
}

#[tokio::test]
async fn over_h2c_too_many_or_too_large_headers_are_431() {
    let app = spawn_app(&[]).await;
    let client = h2();
    let mut flood = client.get(app.url("/health"));
    for i in 0..70 {
        flood = flood.header(format!("x-flood-{i}"), "v");
    }
    assert_eq!(flood.send().await.unwrap().status(), 431);
    let huge = client
        .get(app.url("/mcp/tools"))
        .header("x-big", "a".repeat(20_000))
        .send()
        .await;
    assert_eq!(huge.unwrap().status(), 431);
    assert_eq!(
        client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn over_h2c_a_request_slower_than_the_timeout_is_408() {
    let app = spawn_app(&["--request-timeout-seconds", "1"]).await;
    let client = h2();
    let (sender, body) = held_body(r#"{"tool":"echo","#);
    let started = Instant::now();
    let response = execute(&app, &client, body).await;
    assert_eq!(response.status(), 408);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"detail": "Request timed out after 1 s"})
    );
    drop(sender);
}

#[tokio::test]
async fn over_h2c_the_in_flight_cap_refuses_at_once_and_the_drain_finishes_held_work() {
    let app = spawn_app(&["--max-in-flight", "1"]).await;
    let client = h2();
    let (mut sender, body) = held_body(r#"{"tool":"echo","#);
    let held = {
        let client = client.clone();
        let url = app.url("/mcp/execute");
        tokio::spawn(async move {
            client
                .post(url)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Another stream on the same connection: no slot, refused at once.
    let started = Instant::now();
    let refused = client.get(app.url("/mcp/tools")).send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refusal was queued"
    );
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");

    // Shutdown begins with the held request in flight: it still finishes.
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    sender
        .send(Ok(br#""arguments":{"message":"held"}}"#.to_vec()))
        .await
        .unwrap();
    drop(sender);
    let response = held.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["result"],
        "Echo: held"
    );
    stopping.await.unwrap().expect("server stops cleanly");
}
