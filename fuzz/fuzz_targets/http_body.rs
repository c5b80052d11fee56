//! Whole request decoding, through the real HTTP service (no socket): arbitrary
//! bytes POSTed to `/mcp` (as 2025-11-25, 2026-07-28 or with no version
//! header) or to `/mcp/execute`. Whatever the bytes, the answer is never a
//! server error.
#![no_main]

use std::sync::LazyLock;

use axum::{body::Body, http::Request};
use clap::Parser;
use libfuzzer_sys::fuzz_target;
use mcp_rust_server::{app, config::Cli, http::service::HttpService};
use tower::ServiceExt;

struct Harness {
    runtime: tokio::runtime::Runtime,
    service: HttpService,
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let config = Cli::try_parse_from(["mcp-rust-server", "--log-level", "error"])
        .expect("default settings")
        .settings
        .resolve()
        .expect("default settings are valid");
    let service = runtime.block_on(async { app::service(&config) });
    Harness { runtime, service }
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let harness = &*HARNESS;
    let mut request = Request::post(if selector % 4 == 3 {
        "/mcp/execute"
    } else {
        "/mcp"
    })
    .header("Host", "127.0.0.1")
    .header("Content-Type", "application/json")
    .header("Accept", "application/json, text/event-stream");
    match selector % 4 {
        0 => request = request.header("MCP-Protocol-Version", "2025-11-25"),
        1 => request = request.header("MCP-Protocol-Version", "2026-07-28"),
        _ => {}
    }
    let request = request.body(Body::from(body.to_vec())).expect("request");
    let status = harness
        .runtime
        .block_on(harness.service.clone().oneshot(request))
        .expect("infallible")
        .status();
    assert!(
        !status.is_server_error(),
        "{status} for {:?}",
        String::from_utf8_lossy(body)
    );
});
