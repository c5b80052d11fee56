//! `MCP_REQUEST_STATE_KEYS_FILE`: servers given the same keys file open each
//! other's `requestState` (a multi round-trip call may land on any replica);
//! the first key seals and every key verifies, so a key rotates without
//! breaking calls in flight; a bad file stops the server with one line.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
};

use serde_json::{Value, json};

use crate::helpers::{TestApp, rpc_body, setting_error, spawn_app};

const TOOL: &str = "test_input_required_result_request_state";

/// A file under the temp directory with `text`, unique to this test run.
fn temp_file(text: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "mcp-request-state-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, text).expect("temp file is writable");
    path
}

/// A base64 line for a key of `length` bytes, all `byte`.
fn key(byte: u8, length: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(vec![byte; length])
}

async fn with_keys(lines: &[String]) -> TestApp {
    let file = temp_file(&(lines.join("\n") + "\n"));
    spawn_app(&[
        "--toolsets",
        "core,conformance",
        "--request-state-keys-file",
        file.to_str().unwrap(),
    ])
    .await
}

async fn call(app: &TestApp, extra: Value) -> Value {
    let mut params = json!({
        "name": TOOL,
        "arguments": {},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "api-tests", "version": "1.0.0"},
            "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
        },
    });
    for (name, value) in extra.as_object().unwrap() {
        params[name] = value.clone();
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
    let headers = [
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", TOOL),
    ];
    rpc_body(app.mcp_post(&headers, &body).await).await
}

/// Round 1 on `first`, round 2 on `second`: the second round's answer.
async fn round_trip(first: &TestApp, second: &TestApp) -> Value {
    let asked = call(first, json!({})).await;
    assert_eq!(asked["result"]["resultType"], "input_required", "{asked}");
    let state = asked["result"]["requestState"].clone();
    assert!(state.is_string(), "{asked}");
    call(
        second,
        json!({
            "inputResponses": {"confirm": {"action": "accept", "content": {"ok": true}}},
            "requestState": state,
        }),
    )
    .await
}

fn completed(answer: &Value) -> bool {
    answer["result"]["content"][0]["text"] == "state-ok: confirmed"
}

fn rejected(answer: &Value) -> bool {
    answer["error"]["message"] == "requestState failed integrity verification"
}

#[tokio::test]
async fn servers_sharing_a_keys_file_open_each_others_request_state() {
    let keys = [key(1, 32), key(2, 48)];
    let one = with_keys(&keys).await;
    let other = with_keys(&keys).await;
    let answer = round_trip(&one, &other).await;
    assert!(completed(&answer), "{answer}");
}

#[tokio::test]
async fn servers_without_a_keys_file_reject_each_others_request_state() {
    let one = spawn_app(&["--toolsets", "core,conformance"]).await;
    let other = spawn_app(&["--toolsets", "core,conformance"]).await;
    let answer = round_trip(&one, &other).await;
    assert!(rejected(&answer), "{answer}");
    // The same server still opens its own.
    let answer = round_trip(&one, &one).await;
    assert!(completed(&answer), "{answer}");
}

#[tokio::test]
async fn a_rotated_key_still_verifies_until_it_is_removed() {
    let old = key(3, 32);
    let new = key(4, 32);
    let before = with_keys(std::slice::from_ref(&old)).await;
    let rotating = with_keys(&[new.clone(), old.clone()]).await;
    let after = with_keys(std::slice::from_ref(&new)).await;
    // Sealed with the old key, opened by a server that seals with the new.
    assert!(completed(&round_trip(&before, &rotating).await));
    // Sealed with the new key (first line), opened by one that only has it.
    assert!(completed(&round_trip(&rotating, &after).await));
    // Once the old key is removed, what it sealed is refused.
    assert!(rejected(&round_trip(&before, &after).await));
}

#[test]
fn a_bad_keys_file_is_one_line_on_stderr_and_exit_2() {
    let short = temp_file(&format!("{}\n", key(5, 16)));
    let garbage = temp_file("not base64 at all!\n");
    let empty = temp_file("\n\n");
    let twice = temp_file(&format!("{}\n{}\n", key(6, 32), key(6, 32)));
    let missing = std::env::temp_dir().join("mcp-request-state-no-such-file");
    for (file, expected) in [
        (
            &short,
            "the key on line 1 is 16 bytes; at least 32 are needed",
        ),
        (&garbage, "line 1 is not base64"),
        (&empty, "no keys in the file"),
        (&twice, "the key on line 2 is listed twice"),
        (&missing, "cannot read"),
    ] {
        let stderr = setting_error(&[(
            "MCP_REQUEST_STATE_KEYS_FILE",
            file.to_string_lossy().into_owned(),
        )]);
        assert!(
            stderr.starts_with("error: MCP_REQUEST_STATE_KEYS_FILE: "),
            "{stderr}"
        );
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}
