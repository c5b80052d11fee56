//! SIGTERM under load: several clients keep sending (REST and MCP) while
//! the real binary is told to stop. Every request gets either its real
//! answer or a clean `503 + Retry-After` refusal; none is dropped or cut,
//! requests already in flight finish, and the process exits 0.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::{io::AsyncWriteExt, net::TcpStream};

use crate::{
    helpers::{free_port, sigterm, spawn_binary, wait_ready},
    raw::{read_until_closed, status_of},
};

const FAST_CLIENTS: usize = 6;
const SLOW_CLIENTS: usize = 2;

#[derive(Debug, Default)]
struct Tally {
    answered: usize,
    refused: usize,
    errors: Vec<String>,
}

/// Sends requests until refused (then stops, as a client would, and retries
/// elsewhere) or until the deadline. Checks every answer exactly.
async fn fast_client(port: u16, id: usize, deadline: Instant) -> Tally {
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut tally = Tally::default();
    for n in 0.. {
        if Instant::now() > deadline {
            tally
                .errors
                .push("never refused before the deadline".into());
            break;
        }
        let message = format!("client {id} request {n}");
        let mcp = n % 2 == 1;
        let request = if mcp {
            client
                .post(format!("{base}/mcp"))
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-11-25")
                .json(&json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                    "params": {"name": "echo", "arguments": {"message": message}}}))
        } else {
            client
                .post(format!("{base}/mcp/execute"))
                .json(&json!({"tool": "echo", "arguments": {"message": message}}))
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                tally.errors.push(format!("request {n}: {e:?}"));
                break;
            }
        };
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").cloned();
        let body: Value = match response.json().await {
            Ok(body) => body,
            Err(e) => {
                tally.errors.push(format!("request {n}: body cut: {e}"));
                break;
            }
        };
        let expected = format!("Echo: {message}");
        match status {
            200 if mcp && body["result"]["content"][0]["text"] == expected.as_str() => {
                tally.answered += 1;
            }
            200 if !mcp && body["result"] == expected.as_str() => tally.answered += 1,
            503 if body == json!({"detail": "Server is shutting down"})
                && retry_after.as_ref().is_some_and(|v| v == "1") =>
            {
                tally.refused += 1;
                break;
            }
            _ => {
                tally.errors.push(format!("request {n}: {status} {body}"));
                break;
            }
        }
    }
    tally
}

#[tokio::test]
async fn sigterm_under_load_answers_or_cleanly_refuses_every_request() {
    let port = free_port();
    let mut child = spawn_binary(
        &[],
        &[
            ("PORT", port.to_string()),
            ("SHUTDOWN_DRAIN_SECONDS", "10".into()),
        ],
    );
    wait_ready(port).await;
    // Read the logs as they come: a full pipe would stall the server.
    let mut stderr = child.stderr.take().expect("stderr piped");
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });

    // Requests that are in flight when SIGTERM arrives: their bodies are
    // only half sent, and finish a second into the drain.
    let mut slow = Vec::new();
    for i in 0..SLOW_CLIENTS {
        let body = format!(r#"{{"tool":"echo","arguments":{{"message":"slow {i}"}}}}"#);
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let head = format!(
            "POST /mcp/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (first, rest) = body.split_at(10);
        stream.write_all(first.as_bytes()).await.unwrap();
        slow.push((stream, rest.to_owned(), i));
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    let fast: Vec<_> = (0..FAST_CLIENTS)
        .map(|id| tokio::spawn(fast_client(port, id, deadline)))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    sigterm(&child);
    tokio::time::sleep(Duration::from_secs(1)).await;

    for (mut stream, rest, i) in slow {
        stream.write_all(rest.as_bytes()).await.unwrap();
        let (response, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert_eq!(status_of(&response), 200, "slow {i}: {response}");
        let expected =
            format!(r#"{{"result":"Echo: slow {i}","metadata":{{"tool":"echo","success":true}}}}"#);
        assert!(response.ends_with(&expected), "slow {i}: {response}");
    }

    let mut answered = 0;
    for (id, handle) in fast.into_iter().enumerate() {
        let tally = handle.await.unwrap();
        assert!(tally.errors.is_empty(), "client {id}: {:?}", tally.errors);
        assert_eq!(tally.refused, 1, "client {id} was never refused: {tally:?}");
        assert!(
            tally.answered > 0,
            "client {id} got no answer before the drain"
        );
        answered += tally.answered;
    }
    assert!(
        answered >= FAST_CLIENTS * 5,
        "too little load: {answered} answers"
    );
    eprintln!(
        "drain under load: {answered} answered before SIGTERM, {FAST_CLIENTS} refused with 503 \
         after it, {SLOW_CLIENTS} in flight across it completed, 0 dropped"
    );

    let status = tokio::task::spawn_blocking(move || {
        for _ in 0..200 {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill().unwrap();
        panic!("server did not exit within 10 s of the drain");
    })
    .await
    .unwrap();
    let logs = logs.join().expect("log reader");
    assert_eq!(status.code(), Some(0), "{logs}");
    assert!(logs.contains("SIGTERM received"), "{logs}");
}
