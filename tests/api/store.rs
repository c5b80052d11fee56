//! The state store: the in-memory backend's counting and fan-out, and what
//! an unreachable Redis does (and does not) take down.

use std::time::Duration;

use clap::Parser;
use mcp_rust_server::{config::Cli, store::Store};
use serde_json::json;

use crate::helpers::{setting_error, spawn_app};

#[tokio::test]
async fn the_memory_store_counts_per_key_and_is_always_up() {
    let store = Store::memory();
    assert!(store.redis().is_none());
    assert!(store.is_up());
    assert_eq!(store.backend_name(), "memory");
    let minute = Duration::from_secs(60);
    for expected in 1..=3 {
        assert_eq!(store.hit("alice", minute).await.unwrap().used, expected);
    }
    assert_eq!(store.hit("bob", minute).await.unwrap().used, 1);
    // Clones are the same store.
    assert_eq!(store.clone().hit("alice", minute).await.unwrap().used, 4);
}

#[tokio::test]
async fn the_memory_store_fans_out_to_every_subscriber() {
    let store = Store::memory();
    let mut first = store.subscribe();
    let mut second = store.clone().subscribe();
    store.publish("list_changed", "tools").await.unwrap();
    for receiver in [&mut first, &mut second] {
        let message = receiver.recv().await.unwrap();
        assert_eq!(message.topic, "list_changed");
        assert_eq!(message.payload, "tools");
    }
}

/// A loopback port nothing listens on: connections are refused at once.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_unreachable_redis_is_reported_down_and_operations_fail_without_hanging() {
    let url = format!("redis://127.0.0.1:{}/0", closed_port());
    let settings = Cli::try_parse_from(["mcp-rust-server", "--redis-url", &url])
        .unwrap()
        .settings;
    let store = Store::connect(&settings.store)
        .await
        .expect("starts anyway");
    assert_eq!(store.backend_name(), "redis");
    assert!(store.redis().is_some());
    assert!(!store.is_up());
    // The hang guard is generous; the operation fails well inside it.
    let hit = tokio::time::timeout(
        Duration::from_secs(10),
        store.hit("k", Duration::from_secs(1)),
    )
    .await
    .expect("a store operation never hangs");
    assert!(hit.is_err());
    let published = tokio::time::timeout(Duration::from_secs(10), store.publish("t", "p"))
        .await
        .expect("a publish never hangs");
    assert!(published.is_err());
}

#[tokio::test]
async fn with_redis_down_the_server_serves_stateless_calls_and_reports_the_store_down() {
    let url = format!("redis://127.0.0.1:{}/0", closed_port());
    let app = spawn_app(&["--redis-url", &url, "--rate-limit", "1/minute"]).await;
    assert_eq!(app.get("/health").await.status(), 200);
    assert_eq!(app.get("/ready").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("\nmcp_store_up 0\n"), "{metrics}");
    // The rate limit fails open: three calls over a limit of one answer.
    for _ in 0..3 {
        let response = app
            .call_tool_2026(1, "echo", json!({"message": "still here"}))
            .await;
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn the_memory_store_is_up_in_metrics() {
    let app = spawn_app(&[]).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("\nmcp_store_up 1\n"), "{metrics}");
}

#[test]
fn bad_store_and_rate_limit_settings_are_one_line_on_stderr_and_exit_2() {
    for (name, value, expected) in [
        (
            "MCP_REDIS_URL",
            "http://cache:6379",
            "MCP_REDIS_URL: not a redis:// or rediss:// URL",
        ),
        (
            "MCP_REDIS_PASSWORD_FILE",
            "/nonexistent",
            "MCP_REDIS_PASSWORD_FILE: set without MCP_REDIS_URL",
        ),
        ("MCP_RATE_LIMIT", "fast", "is not <n>/<second|minute|hour>"),
        (
            "MCP_RATE_LIMIT",
            "0/minute",
            "the limit must be at least 1 request",
        ),
        (
            "MCP_TRUSTED_PROXIES",
            "10.0.0.0/33",
            "is not an address or CIDR",
        ),
        ("MCP_STORE_TIMEOUT_MS", "0", "0 is not in 10..=60000"),
    ] {
        let stderr = setting_error(&[(name, value.to_string())]);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(expected), "{name}={value}: {stderr}");
    }
}

#[test]
fn an_unreadable_redis_password_file_is_one_line_and_exit_2() {
    let stderr = setting_error(&[
        ("MCP_REDIS_URL", "redis://127.0.0.1:1/0".to_string()),
        (
            "MCP_REDIS_PASSWORD_FILE",
            "/nonexistent/redis-password".to_string(),
        ),
    ]);
    assert!(
        stderr
            .starts_with("error: MCP_REDIS_PASSWORD_FILE: cannot read /nonexistent/redis-password"),
        "{stderr}"
    );
}
