//! The `/mcp` gate's body check on arbitrary bytes: never panics, always
//! labels from the fixed set, and every rejection is a well-formed JSON-RPC
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_rust_server::jsonrpc::{Inspection, METHODS, inspect};

fuzz_target!(|data: &[u8]| {
    let inspection = inspect(data);
    assert!(METHODS.contains(&inspection.label()));
    if let Inspection::Reject(reject) = &inspection {
        let body = reject.body();
        assert_eq!(body["jsonrpc"], "2.0");
        assert!(matches!(reject.code(), -32700 | -32600));
        assert!(body["id"].is_null() || body["id"].is_string() || body["id"].is_i64());
    }
    // Only UTF-8 reaches rmcp.
    if !matches!(inspection, Inspection::Reject(_)) {
        assert!(std::str::from_utf8(data).is_ok());
    }
});
