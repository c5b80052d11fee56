//! What to do with one stdin line: hand it to rmcp, answer it with a
//! JSON-RPC error, or drop it.
//!
//! rmcp's stdio transport drops a line it cannot decode without a word when
//! the line is not JSON, or out-of-range numbers make serde call it a syntax
//! error, so a client waiting for that request's answer waits forever.
//! JSON-RPC 2.0 wants an error response instead, with the request's id when
//! it can be read and `null` when it cannot. The envelope checks are the
//! ones the HTTP gate makes ([`crate::jsonrpc`]); what they let through is
//! decoded here exactly as rmcp's codec would decode it.

use rmcp::model::ClientJsonRpcMessage;
use serde_json::Value;

use crate::jsonrpc::{Envelope, Inspection, Reject, inspect};

/// The verdict on one line.
#[derive(Debug)]
pub enum Triage {
    /// A message rmcp can decode: pass it on (with its envelope, `None`
    /// for a client's response).
    Forward(Box<ClientJsonRpcMessage>, Option<Envelope>),
    /// Not a JSON-RPC message MCP accepts: write this error and read on.
    Answer(Reject),
    /// Nothing to forward and nobody to answer (see [`Silence`]).
    Ignore(Silence),
}

/// Why a line is dropped without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Silence {
    /// Only whitespace: many clients end their last message with an extra
    /// newline; it is no message at all.
    Blank,
    /// A notification with a valid envelope whose content rmcp cannot
    /// decode. JSON-RPC never answers a notification, not even with an
    /// error: the client expects nothing and would have no id to match.
    Notification,
    /// A response (or error) from the client whose content rmcp cannot
    /// decode. Answering a response is not a thing in JSON-RPC; the request
    /// it was meant for is left to its own timeout.
    Response,
}

/// UTF-8 byte order mark. RFC 8259 lets a parser ignore it, and rmcp's own
/// stdio transport does, so clients that send one keep working.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Sorts one line (without its newline).
pub fn triage(line: &[u8]) -> Triage {
    let line = line.strip_prefix(BOM).unwrap_or(line);
    // JSON's whitespace (RFC 8259), not Rust's ASCII set with form feed.
    if line
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return Triage::Ignore(Silence::Blank);
    }
    let envelope = match inspect(line) {
        Inspection::Reject(reject) => return Triage::Answer(reject),
        Inspection::Message(envelope) => Some(envelope),
        Inspection::Response => None,
    };
    let error = match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => return Triage::Forward(Box::new(message), envelope),
        Err(error) => error,
    };
    // The envelope was decoded once, above: its id (a string or an integer)
    // is what a request rmcp cannot decode is answered with.
    match envelope.map(|envelope| envelope.id) {
        None => Triage::Ignore(Silence::Response),
        Some(None) => Triage::Ignore(Silence::Notification),
        // The message is the one the HTTP path gives for the same bytes.
        Some(Some(id)) => Triage::Answer(Reject::parse_error(
            Value::from(&id),
            format!("Parse error: {error}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(line: &str) -> Value {
        match triage(line.as_bytes()) {
            Triage::Answer(reject) => serde_json::to_value(reject.body()).unwrap(),
            other => panic!("not answered: {other:?}"),
        }
    }

    fn silence(line: &[u8]) -> Silence {
        match triage(line) {
            Triage::Ignore(why) => why,
            other => panic!("not ignored: {other:?}"),
        }
    }

    #[test]
    fn decodable_messages_are_forwarded_with_or_without_a_bom() {
        let ping = br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        for line in [ping.to_vec(), [BOM, ping.as_slice()].concat()] {
            let Triage::Forward(message, _) = triage(&line) else {
                panic!("not forwarded: {line:?}");
            };
            assert!(matches!(*message, ClientJsonRpcMessage::Request(_)));
        }
    }

    #[test]
    fn whitespace_only_lines_are_ignored() {
        for line in [&b""[..], b" ", b"\t \r", BOM] {
            assert_eq!(silence(line), Silence::Blank, "{line:?}");
        }
        assert_eq!(answer("\x0c")["error"]["code"], -32700, "form feed");
    }

    #[test]
    fn envelope_errors_are_answered_as_the_http_gate_answers_them() {
        assert_eq!(
            answer("not json"),
            json!({"jsonrpc": "2.0", "id": null, "error": {
                "code": -32700, "message": "Parse error: the body is not JSON"}})
        );
        assert_eq!(
            answer(r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#),
            json!({"jsonrpc": "2.0", "id": 3, "error": {
                "code": -32600, "message": "Invalid Request: \"jsonrpc\" must be \"2.0\""}})
        );
    }

    #[test]
    fn a_request_rmcp_cannot_decode_is_answered_with_its_own_id() {
        let line = r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"calculate","arguments":{"operation":"add","a":1e999,"b":1}}}"#;
        assert_eq!(
            answer(line),
            json!({"jsonrpc": "2.0", "id": 7, "error": {
                "code": -32700, "message": "Parse error: number out of range at line 1 column 115"}})
        );
        let line = r#"{"jsonrpc":"2.0","id":"q","method":"ping","params":{"x":-1e400}}"#;
        let body = answer(line);
        assert_eq!(
            (&body["id"], &body["error"]["code"]),
            (&json!("q"), &json!(-32700))
        );
    }

    #[test]
    fn undecodable_notifications_and_responses_get_no_answer() {
        let notification = br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1e999}}"#;
        assert_eq!(silence(notification), Silence::Notification);
        let response = br#"{"jsonrpc":"2.0","id":4,"result":{"x":1e999}}"#;
        assert_eq!(silence(response), Silence::Response);
    }
}
