//! Test harness: a fully isolated server per test on an ephemeral port,
//! driven over a real socket.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::Duration,
};

use clap::Parser;
use mcp_rust_server::{app::Application, config::Cli};
use reqwest::{Client, Response};
use serde_json::{Value, json};
use tokio::{sync::oneshot, task::JoinHandle};

pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";

pub struct TestApp {
    pub address: SocketAddr,
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
    pub server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts the server in-process with default settings plus `extra_args`
/// (command-line flags, e.g. `["--legacy-sessions", "true"]`).
pub async fn spawn_app(extra_args: &[&str]) -> TestApp {
    let mut args = vec!["mcp-rust-server", "--port", "0", "--log-level", "warn"];
    args.extend_from_slice(extra_args);
    let config = Cli::try_parse_from(args)
        .expect("test flags parse")
        .settings
        .resolve()
        .expect("test settings are valid");
    mcp_rust_server::telemetry::init(config.log_level, config.log_format);
    let app = Application::build(&config).await.expect("server binds");
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address: SocketAddr::from(([127, 0, 0, 1], port)),
        client: Client::new(),
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn mcp_url(&self) -> String {
        self.url("/mcp")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET sends")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// `POST /mcp/execute` with a raw body and JSON content type.
    pub async fn execute_raw(&self, body: impl Into<String>) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/mcp/execute"))
            .header("Content-Type", "application/json")
            .body(body.into())
            .send()
            .await
            .expect("POST sends");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    pub async fn execute(&self, tool: &str, arguments: Value) -> (u16, Value) {
        self.execute_raw(json!({ "tool": tool, "arguments": arguments }).to_string())
            .await
    }

    /// A JSON-RPC POST to `/mcp` with the given extra headers.
    pub async fn mcp_post(&self, headers: &[(&str, &str)], body: &Value) -> Response {
        let mut request = self
            .client
            .post(self.mcp_url())
            .header("Content-Type", "application/json")
            .header("Accept", ACCEPT_BOTH);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.json(body).send().await.expect("MCP POST sends")
    }

    /// A 2026-07-28 `tools/call` of `tool`, its headers mirroring the body.
    pub async fn call_tool_2026(&self, id: u64, tool: &str, arguments: Value) -> Response {
        let headers = [
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", tool),
        ];
        let params = json!({ "name": tool, "arguments": arguments });
        self.mcp_post(&headers, &modern_request(id, "tools/call", params))
            .await
    }

    /// Fires the shutdown future and waits for the run loop to return.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let server = self.server.take().expect("server running");
        tokio::time::timeout(Duration::from_secs(15), server)
            .await
            .expect("server stops within 15 s")
            .expect("server task did not panic")
    }
}

/// A JSON-RPC request for protocol 2026-07-28: the per-request `_meta` the
/// revision requires, and the headers that must mirror the body.
pub fn modern_request(id: u64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { "name": "api-tests", "version": "1.0.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// Reads a JSON-RPC message from either a JSON body or an SSE stream's first
/// `data:` line that carries a message.
pub async fn rpc_body(response: Response) -> Value {
    let is_sse = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
    let text = response.text().await.expect("body");
    if !is_sse {
        return serde_json::from_str(&text).expect("JSON-RPC body");
    }
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .filter(|data| !data.is_empty())
        .find_map(|data| serde_json::from_str::<Value>(data).ok())
        .unwrap_or_else(|| panic!("no JSON-RPC message in SSE body: {text}"))
}

/// A free loopback port for a child process. The tiny window between
/// releasing and the child binding it is acceptable on a test machine.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind ephemeral port")
        .local_addr()
        .expect("address")
        .port()
}

/// The built binary, started with `args` and `envs`, stdio piped.
pub fn spawn_binary(args: &[&str], envs: &[(&str, String)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-rust-server"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in envs {
        command.env(name, value);
    }
    command.spawn().expect("binary starts")
}

/// Runs the binary with `envs` and expects it to refuse them as a setting
/// error: exit code 2 and one line on stderr, which is returned.
pub fn setting_error(envs: &[(&str, String)]) -> String {
    let output = spawn_binary(&[], envs)
        .wait_with_output()
        .expect("the binary runs");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(output.status.code(), Some(2), "{envs:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{envs:?}: {stderr}");
    stderr
}

/// Polls `GET /ready` until the server answers 200.
pub async fn wait_ready(port: u16) {
    let client = Client::new();
    for _ in 0..200 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/ready"))
            .send()
            .await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server on port {port} never became ready");
}

/// Sends SIGTERM, as Kubernetes does.
pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -TERM failed");
}
