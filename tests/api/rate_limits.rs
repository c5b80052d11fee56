//! `MCP_RATE_LIMIT`: a budget per principal, 429 past it with `Retry-After`
//! and the `RateLimit-Policy`/`RateLimit` headers, in the endpoint's own
//! error shape; probes and `/metrics` never limited.

use serde_json::{Value, json};

use crate::helpers::{TestApp, modern_request, spawn_app};

async fn call_echo(app: &TestApp, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut headers = vec![
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "echo"),
    ];
    headers.extend_from_slice(extra);
    app.mcp_post(
        &headers,
        &modern_request(
            1,
            "tools/call",
            json!({"name": "echo", "arguments": {"message": "hi"}}),
        ),
    )
    .await
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn mcp_calls_past_the_limit_get_429_with_a_json_rpc_error_and_rate_limit_headers() {
    let app = spawn_app(&["--rate-limit", "3/minute"]).await;
    for left in [2, 1, 0] {
        let answered = call_echo(&app, &[]).await;
        assert_eq!(answered.status(), 200);
        assert_eq!(
            header(&answered, "ratelimit-policy"),
            "\"default\";q=3;w=60"
        );
        let quota = header(&answered, "ratelimit");
        assert!(
            quota.starts_with(&format!("\"default\";r={left};t=")),
            "{quota}"
        );
    }
    let refused = call_echo(&app, &[]).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = header(&refused, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&refused, "ratelimit-policy"), "\"default\";q=3;w=60");
    assert_eq!(
        header(&refused, "ratelimit"),
        format!("\"default\";r=0;t={retry_after}")
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {
                "code": -32000,
                "message": format!(
                    "Rate limit exceeded: 3 requests per 60 s; retry in {retry_after} s"
                ),
                "data": {"retryAfterSeconds": retry_after},
            },
        })
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("http_rejected_total{reason=\"rate_limited\"} 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn rest_shares_the_budget_answers_429_with_detail_and_probes_stay_open() {
    let app = spawn_app(&["--rate-limit", "2/hour"]).await;
    assert_eq!(call_echo(&app, &[]).await.status(), 200);
    assert_eq!(app.get("/mcp/tools").await.status(), 200);
    let refused = app.get("/mcp/tools").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        header(&refused, "ratelimit-policy"),
        "\"default\";q=2;w=3600"
    );
    let retry_after: u64 = header(&refused, "retry-after").parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({"detail": format!(
            "Rate limit exceeded: 2 requests per 3600 s; retry in {retry_after} s"
        )})
    );
    for path in [
        "/health", "/ready", "/metrics", "/health", "/ready", "/metrics",
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn each_token_has_its_own_budget() {
    let app = spawn_app(&[
        "--rate-limit",
        "1/minute",
        "--auth-tokens",
        "alpha-token,beta-token",
    ])
    .await;
    let alpha = [("Authorization", "Bearer alpha-token")];
    let beta = [("Authorization", "Bearer beta-token")];
    assert_eq!(call_echo(&app, &alpha).await.status(), 200);
    assert_eq!(call_echo(&app, &alpha).await.status(), 429);
    assert_eq!(call_echo(&app, &beta).await.status(), 200);
    assert_eq!(call_echo(&app, &beta).await.status(), 429);
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let direct = spawn_app(&["--rate-limit", "1/minute"]).await;
    let first = [("X-Forwarded-For", "192.0.2.1")];
    let second = [("X-Forwarded-For", "192.0.2.2")];
    assert_eq!(call_echo(&direct, &first).await.status(), 200);
    // Not from a trusted proxy: the header is ignored, the peer is the key.
    assert_eq!(call_echo(&direct, &second).await.status(), 429);

    let proxied = spawn_app(&[
        "--rate-limit",
        "1/minute",
        "--trusted-proxies",
        "127.0.0.1,::1",
    ])
    .await;
    assert_eq!(call_echo(&proxied, &first).await.status(), 200);
    assert_eq!(call_echo(&proxied, &second).await.status(), 200);
    assert_eq!(call_echo(&proxied, &first).await.status(), 429);
}

#[tokio::test]
async fn without_a_limit_no_rate_limit_headers_are_sent() {
    let app = spawn_app(&[]).await;
    let answered = call_echo(&app, &[]).await;
    assert_eq!(answered.status(), 200);
    assert!(answered.headers().get("ratelimit").is_none());
    assert!(answered.headers().get("ratelimit-policy").is_none());
}
