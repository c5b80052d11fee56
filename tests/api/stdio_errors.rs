//! `mcp-rust-server stdio` fed raw bytes that are not JSON-RPC messages:
//! each gets its JSON-RPC error on stdout (or, where JSON-RPC says so,
//! nothing), and the session carries on.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, ChildStdin},
    sync::mpsc::{self, Receiver, RecvTimeoutError},
    time::Duration,
};

use serde_json::{Value, json};

use crate::helpers::spawn_binary;

/// Long enough for a debug build on a busy machine; a hang fails the test.
const WAIT: Duration = Duration::from_secs(15);

/// A running `stdio` server: raw bytes in, stdout lines out.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Session {
    fn start() -> Self {
        let mut child = spawn_binary(&["stdio"], &[]);
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                if tx.send(line.expect("stdout is UTF-8")).is_err() {
                    break;
                }
            }
        });
        Session {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// The next stdout line, which must be one JSON value.
    fn next(&self) -> Value {
        let line = match self.lines.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("no answer within {WAIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("stdout closed"),
        };
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
    }

    /// Sends `line` and its newline; returns the one answer.
    fn ask(&mut self, line: &[u8]) -> Value {
        self.send(&[line, b"\n"].concat());
        self.next()
    }

    /// Closes stdin; returns the exit code and any stdout lines not read.
    fn finish(mut self) -> (Option<i32>, Vec<String>) {
        drop(self.stdin.take());
        let code = self.child.wait().unwrap().code();
        (code, self.lines.iter().collect())
    }
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

const INITIALIZE: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stdio-errors","version":"1"}}}"#;
const INITIALIZED: &[u8] = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const HUGE_NUMBER: &[u8] = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"calculate","arguments":{"operation":"add","a":1e999,"b":1}}}"#;

fn add_2_and_3(id: u64) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "calculate", "arguments": {"operation": "add", "a": 2, "b": 3},
    }})
    .to_string()
    .into_bytes()
}

fn five(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {
        "content": [{"type": "text", "text": "5"}], "isError": false,
    }})
}

#[test]
fn stdio_answers_every_bad_line_with_its_json_rpc_error_and_keeps_serving() {
    let mut session = Session::start();

    // Before `initialize`: rmcp's handshake loop must not see them either.
    assert_eq!(
        session.ask(b"this is not json"),
        error(Value::Null, -32700, "Parse error: the body is not JSON")
    );
    assert_eq!(
        session.ask(b"\xff\xfe{}"),
        error(Value::Null, -32700, "Parse error: the body is not UTF-8")
    );
    assert_eq!(
        session.ask(b"42"),
        error(
            Value::Null,
            -32600,
            "Invalid Request: a JSON-RPC message is a JSON object"
        )
    );
    assert_eq!(
        session.ask(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
        error(Value::Null, -32600, "Batch requests are not supported")
    );
    assert_eq!(
        session.ask(br#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#),
        error(
            json!(3),
            -32600,
            "Invalid Request: \"jsonrpc\" must be \"2.0\""
        )
    );
    // JSON, with a readable id, that rmcp cannot decode: that id is answered,
    // as the HTTP path answers the same bytes (but with the id).
    assert_eq!(
        session.ask(HUGE_NUMBER),
        error(
            json!(7),
            -32700,
            "Parse error: number out of range at line 1 column 115"
        )
    );
    // Blank lines are no messages: the next answer is the one to initialize.
    session.send(b"\n \t\r\n");
    let init = session.ask(INITIALIZE);
    assert_eq!(init["id"], 1, "{init}");
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-rust-server");
    session.send(&[INITIALIZED, b"\n"].concat());
    assert_eq!(session.ask(&add_2_and_3(2)), five(2));

    // In session: the same, and a notification rmcp cannot decode gets no
    // answer (JSON-RPC never answers notifications).
    assert_eq!(
        session.ask(b"{\"jsonrpc\":"),
        error(
            Value::Null,
            -32700,
            "Parse error: EOF while parsing a value at line 1 column 11"
        )
    );
    session.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1e999}}\n");
    assert_eq!(
        session.ask(br#"{"jsonrpc":"2.0","id":"s","method":"tools/call","params":"oops"}"#),
        error(
            json!("s"),
            -32600,
            "Invalid Request: params must be an object, not a string"
        )
    );
    assert_eq!(
        session.ask(br#"{"jsonrpc":"2.0","id":2.5,"method":"ping"}"#),
        error(
            Value::Null,
            -32600,
            "Invalid Request: id must be a string or an integer, not a non-integer or out-of-range number"
        )
    );
    assert_eq!(session.ask(HUGE_NUMBER)["id"], 7);
    assert_eq!(session.ask(&add_2_and_3(9)), five(9));

    let (code, rest) = session.finish();
    assert_eq!(rest, Vec::<String>::new(), "no answer left over");
    assert_eq!(code, Some(0));
}

#[test]
fn stdio_answers_a_line_over_16_mib_and_keeps_serving() {
    let mut session = Session::start();
    let mut huge = vec![b'x'; 16 * 1024 * 1024 + 1];
    huge.push(b'\n');
    session.send(&huge);
    assert_eq!(
        session.next(),
        error(
            Value::Null,
            -32600,
            "Invalid Request: a line is longer than 16777216 bytes"
        )
    );
    // A line of exactly the limit is read whole (and answered as not JSON).
    huge.truncate(16 * 1024 * 1024);
    assert_eq!(
        session.ask(&huge),
        error(Value::Null, -32700, "Parse error: the body is not JSON")
    );
    assert_eq!(
        session.ask(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
        json!({"jsonrpc": "2.0", "id": 1, "result": {}})
    );
    let (code, rest) = session.finish();
    assert_eq!(rest, Vec::<String>::new());
    assert_eq!(code, Some(0));
}

/// A client that keeps stdin open must not keep the server from stopping:
/// SIGTERM ends it with 0, during the handshake and in session.
#[test]
fn stdio_exits_zero_on_sigterm_while_stdin_stays_open() {
    for initialize_first in [false, true] {
        let mut session = Session::start();
        // An answer first, so the server is up (and its handlers installed).
        if initialize_first {
            assert_eq!(session.ask(INITIALIZE)["id"], 1);
        } else {
            let ping = session.ask(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
            assert_eq!(ping["result"], json!({}));
        }
        crate::helpers::sigterm(&session.child);
        let deadline = std::time::Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = session.child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                session.child.kill().unwrap();
                panic!("still running {WAIT:?} after SIGTERM (initialized: {initialize_first})");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "initialized: {initialize_first}");
    }
}
