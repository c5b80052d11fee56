//! SIGTERM on the real binary: readiness flips first, new work is refused
//! cleanly, the request in flight still completes, and the process exits 0.

use std::time::Duration;

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{free_port, sigterm, spawn_binary, wait_ready};

#[tokio::test]
async fn sigterm_drains_in_flight_work_refuses_new_work_and_exits_zero() {
    let port = free_port();
    let mut child = spawn_binary(&[], &[("PORT", port.to_string())]);
    wait_ready(port).await;

    // A request in flight: its body arrives slowly, in two halves.
    let body = r#"{"tool":"echo","arguments":{"message":"slow"}}"#;
    let (first, second) = body.split_at(20);
    let mut in_flight = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /mcp/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    sigterm(&child);

    // Readiness is off while the request is still in flight...
    let client = reqwest::Client::new();
    let mut ready_status = 0;
    for _ in 0..100 {
        let response = client
            .get(format!("http://127.0.0.1:{port}/ready"))
            .send()
            .await
            .expect("still accepting probes while draining");
        ready_status = response.status().as_u16();
        if ready_status == 503 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["status"], "shutting_down");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ready_status, 503, "/ready never turned 503");
    // ...liveness is not...
    let health = client
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // ...and new work is refused with a clean, retryable answer.
    let refused = client
        .get(format!("http://127.0.0.1:{port}/mcp/tools"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let detail: Value = refused.json().await.unwrap();
    assert_eq!(detail["detail"], "Server is shutting down");

    // The request in flight completes with its real answer.
    in_flight.write_all(second.as_bytes()).await.unwrap();
    let mut response = String::new();
    in_flight.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.ends_with(r#"{"result":"Echo: slow","metadata":{"tool":"echo","success":true}}"#)
    );

    // And the process exits 0 once nothing is in flight.
    let status = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill().unwrap();
        panic!("server did not exit within 5 s of draining");
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
}
