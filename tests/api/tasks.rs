//! The tasks extension (SEP-2663) with the in-memory store, over raw
//! 2026-07-28 JSON-RPC on a real socket: a task-augmented `tools/call`,
//! `tasks/get`, `tasks/update`, `tasks/cancel`, TTL expiry, ownership with
//! auth on, and the answers for clients that did not declare the extension.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, rpc_body, spawn_app};

const TASKS: &str = "io.modelcontextprotocol/tasks";
const CONFORMANCE: [&str; 2] = ["--toolsets", "core,conformance"];

/// A 2026-07-28 client: declares the tasks extension or not, with a bearer
/// token or not.
struct Client<'a> {
    app: &'a TestApp,
    tasks: bool,
    token: Option<&'a str>,
}

impl<'a> Client<'a> {
    fn declaring(app: &'a TestApp) -> Self {
        Self {
            app,
            tasks: true,
            token: None,
        }
    }

    fn not_declaring(app: &'a TestApp) -> Self {
        Self {
            app,
            tasks: false,
            token: None,
        }
    }

    fn with_token(self, token: &'a str) -> Self {
        Self {
            token: Some(token),
            ..self
        }
    }

    /// The whole JSON-RPC response to `method` with `params`.
    async fn send(&self, method: &str, mut params: Value) -> Value {
        let capabilities = if self.tasks {
            json!({ "extensions": { TASKS: {} } })
        } else {
            json!({})
        };
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { "name": "api-tests", "version": "1.0.0" },
            "io.modelcontextprotocol/clientCapabilities": capabilities,
        });
        let name = params["name"]
            .as_str()
            .or(params["taskId"].as_str())
            .map(str::to_owned);
        let mut headers = vec![
            ("mcp-protocol-version", "2026-07-28".to_owned()),
            ("mcp-method", method.to_owned()),
        ];
        if let Some(name) = name {
            headers.push(("mcp-name", name));
        }
        if let Some(token) = self.token {
            headers.push(("authorization", format!("Bearer {token}")));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        rpc_body(self.app.mcp_post(&headers, &body).await).await
    }

    async fn call_tool(&self, name: &str, arguments: Value) -> Value {
        self.send(
            "tools/call",
            json!({ "name": name, "arguments": arguments }),
        )
        .await
    }

    /// Starts `name` as a task and returns its id.
    async fn start(&self, name: &str, arguments: Value) -> String {
        let created = self.call_tool(name, arguments).await;
        assert_eq!(created["result"]["resultType"], "task", "{created}");
        created["result"]["taskId"]
            .as_str()
            .expect("a task id")
            .to_owned()
    }

    async fn get(&self, task: &str) -> Value {
        self.send("tasks/get", json!({ "taskId": task })).await
    }

    /// Polls `tasks/get` until the task is in `status` (or terminal).
    async fn wait_for(&self, task: &str, status: &str) -> Value {
        let poll = async {
            loop {
                let answer = self.get(task).await;
                let now = answer["result"]["status"].as_str().unwrap_or_default();
                if now == status || ["completed", "failed", "cancelled"].contains(&now) {
                    return answer["result"].clone();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        // A hang guard, not a timing assertion.
        tokio::time::timeout(Duration::from_secs(20), poll)
            .await
            .unwrap_or_else(|_| panic!("task {task} never reached {status}"))
    }
}

#[tokio::test]
async fn server_discover_advertises_tasks_only_when_a_tool_can_run_as_one() {
    let core = spawn_app(&[]).await;
    let discovered = Client::declaring(&core)
        .send("server/discover", json!({}))
        .await;
    assert_eq!(discovered["result"]["capabilities"].get("extensions"), None);

    let app = spawn_app(&CONFORMANCE).await;
    let discovered = Client::declaring(&app)
        .send("server/discover", json!({}))
        .await;
    let capabilities = &discovered["result"]["capabilities"];
    assert_eq!(capabilities["extensions"][TASKS], json!({}));
    assert_eq!(capabilities.get("tasks"), None);
}

#[tokio::test]
async fn a_task_is_created_polled_and_completed_with_its_result_inlined() {
    let app = spawn_app(&CONFORMANCE).await;
    let client = Client::declaring(&app);
    let created = client
        .call_tool("slow_compute", json!({"seconds": 0, "label": "t1"}))
        .await["result"]
        .clone();
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["status"], "working");
    assert_eq!(created["ttlMs"], 3_600_000);
    assert_eq!(created["pollIntervalMs"], 1000);
    for absent in ["result", "error", "inputRequests", "requestState", "task"] {
        assert_eq!(created.get(absent), None, "{absent} in {created}");
    }
    let id = created["taskId"].as_str().expect("a task id");
    assert_eq!(id.len(), 32, "128 random bits in hex: {id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");

    let done = client.wait_for(id, "completed").await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["resultType"], "complete");
    assert_eq!(done["taskId"], id);
    assert_eq!(done["result"]["content"][0]["text"], "Computed t1 in 0 s");
    assert_eq!(done["result"]["isError"], false);
}

#[tokio::test]
async fn tool_errors_complete_with_is_error_and_protocol_errors_fail_the_task() {
    let app = spawn_app(&CONFORMANCE).await;
    let client = Client::declaring(&app);
    let failing = client.start("failing_job", json!({})).await;
    let protocol = client.start("protocol_error_job", json!({})).await;

    let tool_error = client.wait_for(&failing, "completed").await;
    assert_eq!(tool_error["status"], "completed");
    assert_eq!(tool_error["result"]["isError"], true);
    assert_eq!(
        tool_error["result"]["content"][0]["text"],
        "The job failed, as it always does"
    );

    let broken = client.wait_for(&protocol, "failed").await;
    assert_eq!(broken["status"], "failed");
    assert_eq!(broken["error"]["code"], -32603);
    assert_eq!(
        broken["error"]["message"],
        "The job broke down before it could produce a result"
    );
    assert_eq!(broken.get("result"), None);
}

#[tokio::test]
async fn tasks_cancel_reaches_the_running_tool_and_the_task_settles_cancelled() {
    let app = spawn_app(&CONFORMANCE).await;
    let client = Client::declaring(&app);
    let id = client.start("slow_compute", json!({"seconds": 600})).await;
    assert_eq!(client.get(&id).await["result"]["status"], "working");

    let ack = client.send("tasks/cancel", json!({ "taskId": id })).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}));
    let settled = client.wait_for(&id, "cancelled").await;
    assert_eq!(settled["status"], "cancelled");

    // Cancelling a finished task is acknowledged and changes nothing.
    let again = client.send("tasks/cancel", json!({ "taskId": id })).await;
    assert_eq!(again["result"], json!({"resultType": "complete"}));
    assert_eq!(client.get(&id).await["result"]["status"], "cancelled");
}

#[tokio::test]
async fn a_task_waiting_for_input_resumes_when_tasks_update_answers() {
    let app = spawn_app(&CONFORMANCE).await;
    let client = Client::declaring(&app);
    let id = client.start("multi_input", json!({})).await;
    let waiting = client.wait_for(&id, "input_required").await;
    assert_eq!(waiting["status"], "input_required");
    let keys: Vec<&String> = waiting["inputRequests"]
        .as_object()
        .expect("inputRequests")
        .keys()
        .collect();
    assert_eq!(keys, ["first", "second"]);
    assert_eq!(
        waiting["inputRequests"]["first"]["method"],
        "elicitation/create"
    );

    let answer = json!({"action": "accept", "content": {"name": "Ada", "confirm": true}});
    let ack = client
        .send(
            "tasks/update",
            json!({ "taskId": id, "inputResponses": { "first": answer } }),
        )
        .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}));
    // The answered question is gone at once; the other is still open.
    let partial = client.get(&id).await["result"].clone();
    assert_eq!(partial["status"], "input_required");
    assert_eq!(
        partial["inputRequests"]
            .as_object()
            .expect("inputRequests")
            .keys()
            .collect::<Vec<_>>(),
        ["second"]
    );

    client
        .send(
            "tasks/update",
            json!({ "taskId": id, "inputResponses": { "second": answer } }),
        )
        .await;
    let done = client.wait_for(&id, "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "Both inputs received");
}

#[tokio::test]
async fn an_unknown_task_is_invalid_params_for_every_tasks_method() {
    let app = spawn_app(&CONFORMANCE).await;
    let client = Client::declaring(&app);
    let id = "0123456789abcdef0123456789abcdef";
    for (method, params) in [
        ("tasks/get", json!({ "taskId": id })),
        ("tasks/cancel", json!({ "taskId": id })),
        (
            "tasks/update",
            json!({ "taskId": id, "inputResponses": {} }),
        ),
    ] {
        let answer = client.send(method, params).await;
        assert_eq!(answer["error"]["code"], -32602, "{method}: {answer}");
        assert_eq!(
            answer["error"]["message"],
            format!("Unknown task: {id}"),
            "{method}"
        );
    }
    // Removed in this revision of the extension.
    for method in ["tasks/result", "tasks/list"] {
        let answer = client.send(method, json!({ "taskId": id })).await;
        assert_eq!(answer["error"]["code"], -32601, "{method}: {answer}");
    }
}

#[tokio::test]
async fn without_the_extension_a_task_only_tool_answers_32021_and_others_run_in_the_call() {
    let app = spawn_app(&CONFORMANCE).await;
    let client = Client::not_declaring(&app);

    let refused = client.call_tool("failing_job", json!({})).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
        json!({})
    );

    let inline = client
        .call_tool("slow_compute", json!({"seconds": 0, "label": "now"}))
        .await;
    assert_eq!(inline["result"]["resultType"], "complete", "{inline}");
    assert_eq!(
        inline["result"]["content"][0]["text"],
        "Computed now in 0 s"
    );
    assert_eq!(inline["result"].get("taskId"), None);

    let gated = client
        .send(
            "tasks/get",
            json!({ "taskId": "0123456789abcdef0123456789abcdef" }),
        )
        .await;
    assert_eq!(gated["error"]["code"], -32021, "{gated}");
}

#[tokio::test]
async fn a_legacy_request_never_gets_a_task() {
    let app = spawn_app(&CONFORMANCE).await;
    let call = |name: &str, arguments: Value| {
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
               "params": {"name": name, "arguments": arguments}})
    };
    let headers = [("mcp-protocol-version", "2025-11-25")];
    let inline = rpc_body(
        app.mcp_post(&headers, &call("slow_compute", json!({"seconds": 0})))
            .await,
    )
    .await;
    assert_eq!(
        inline["result"]["content"][0]["text"],
        "Computed unlabelled in 0 s"
    );
    assert_eq!(inline["result"].get("taskId"), None);
    let refused = rpc_body(
        app.mcp_post(&headers, &call("failing_job", json!({})))
            .await,
    )
    .await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
}

#[tokio::test]
async fn a_task_is_forgotten_once_its_ttl_has_passed() {
    let app = spawn_app(&[
        "--toolsets",
        "core,conformance",
        "--task-ttl-seconds",
        "1",
        "--task-lease-seconds",
        "1",
    ])
    .await;
    let client = Client::declaring(&app);
    let created = client
        .call_tool("slow_compute", json!({"seconds": 0}))
        .await["result"]
        .clone();
    assert_eq!(created["ttlMs"], 1000, "{created}");
    let id = created["taskId"].as_str().expect("a task id").to_owned();
    let gone = async {
        loop {
            let answer = client.get(&id).await;
            if answer.get("error").is_some() {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let answer = tokio::time::timeout(Duration::from_secs(20), gone)
        .await
        .expect("the task expires (hang guard)");
    assert_eq!(answer["error"]["code"], -32602);
    assert_eq!(answer["error"]["message"], format!("Unknown task: {id}"));
}

#[tokio::test]
async fn with_auth_on_a_task_is_visible_only_to_the_principal_that_created_it() {
    let app = spawn_app(&[
        "--toolsets",
        "core,conformance",
        "--auth-tokens",
        "alice-token,bob-token",
    ])
    .await;
    let alice = Client::declaring(&app).with_token("alice-token");
    let bob = Client::declaring(&app).with_token("bob-token");
    let id = alice.start("slow_compute", json!({"seconds": 600})).await;

    for (method, params) in [
        ("tasks/get", json!({ "taskId": id })),
        ("tasks/cancel", json!({ "taskId": id })),
        (
            "tasks/update",
            json!({ "taskId": id, "inputResponses": {"x": {}} }),
        ),
    ] {
        let answer = bob.send(method, params).await;
        assert_eq!(
            answer["error"],
            json!({"code": -32602, "message": format!("Unknown task: {id}")}),
            "{method}"
        );
    }
    // Bob's cancel did not reach the task.
    assert_eq!(alice.get(&id).await["result"]["status"], "working");
    alice.send("tasks/cancel", json!({ "taskId": id })).await;
    assert_eq!(
        alice.wait_for(&id, "cancelled").await["status"],
        "cancelled"
    );
}

#[tokio::test]
async fn beyond_max_running_tasks_a_task_call_is_refused_until_one_finishes() {
    let app = spawn_app(&["--toolsets", "core,conformance", "--max-running-tasks", "1"]).await;
    let client = Client::declaring(&app);
    let running = client.start("slow_compute", json!({"seconds": 600})).await;
    let refused = client
        .call_tool("slow_compute", json!({"seconds": 0}))
        .await;
    assert_eq!(
        refused["error"],
        json!({"code": -32603,
               "message": "This server replica runs its limit of tasks (1); try again later"}),
        "{refused}"
    );
    // A call that needs no task is not limited.
    let inline = Client::not_declaring(&app)
        .call_tool("slow_compute", json!({"seconds": 0}))
        .await;
    assert_eq!(inline["result"]["resultType"], "complete", "{inline}");

    client
        .send("tasks/cancel", json!({ "taskId": running }))
        .await;
    client.wait_for(&running, "cancelled").await;
    let accepted = async {
        loop {
            let answer = client
                .call_tool("slow_compute", json!({"seconds": 0}))
                .await;
            if answer.get("result").is_some() {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let answer = tokio::time::timeout(Duration::from_secs(20), accepted)
        .await
        .expect("a slot frees up (hang guard)");
    assert_eq!(answer["result"]["resultType"], "task");
}

#[tokio::test]
async fn rest_refuses_a_task_only_tool_and_runs_the_others_in_the_call() {
    let app = spawn_app(&CONFORMANCE).await;
    let (status, body) = app.execute("failing_job", json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": "Tool 'failing_job' runs only as an MCP task (the tasks extension); call it over /mcp"})
    );
    let (status, body) = app
        .execute("slow_compute", json!({"seconds": 0, "label": "rest"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["result"], "Computed rest in 0 s");
}

#[tokio::test]
async fn metrics_count_the_tasks_running_here() {
    let app = spawn_app(&CONFORMANCE).await;
    let running = |text: String| {
        text.lines()
            .find_map(|line| line.strip_prefix("mcp_tasks_running "))
            .map(str::to_owned)
    };
    let scrape = || async {
        app.get("/metrics")
            .await
            .text()
            .await
            .expect("metrics text")
    };
    assert_eq!(running(scrape().await).as_deref(), Some("0"));
    let client = Client::declaring(&app);
    let id = client.start("slow_compute", json!({"seconds": 600})).await;
    assert_eq!(running(scrape().await).as_deref(), Some("1"));
    client.send("tasks/cancel", json!({ "taskId": id })).await;
    client.wait_for(&id, "cancelled").await;
    let drained = async {
        while running(scrape().await).as_deref() != Some("0") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), drained)
        .await
        .expect("the gauge returns to 0 (hang guard)");
}
