//! `GET /openapi.json` (generated from the Rust types) and `GET /docs`.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_describes_the_rest_api_from_its_types() {
    let app = spawn_app(&[]).await;
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        [
            "/",
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
            "/health",
            "/mcp/execute",
            "/mcp/resource/{uri}",
            "/mcp/resources",
            "/mcp/tools",
            "/metrics",
            "/ready",
        ]
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ExecuteRequest"]["required"],
        json!(["tool"]),
        "{}",
        schemas["ExecuteRequest"]
    );
    assert_eq!(
        schemas["ErrorBody"]["properties"]["detail"]["type"],
        "string"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "Needed when the server sets MCP_AUTH_TOKENS"})
    );
}

#[tokio::test]
async fn the_docs_page_is_served_and_readable_without_the_cdn() {
    let app = spawn_app(&[]).await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("<title>mcp-rust-server REST API</title>"));
    assert!(page.contains("<td><code>/mcp/execute</code></td><td>Run a tool.</td>"));
    // The document itself is embedded for the interactive reference.
    assert!(page.contains(r#""openapi":"3.1.0""#));
}

/// One request per documented operation, built from the document alone
/// (path parameters and bodies from its examples).
fn requests_from(doc: &Value) -> Vec<(String, String, String, Option<Value>)> {
    let mut requests = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let mut concrete = path.clone();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let example = parameter["example"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path}: {name} has no example"));
                concrete = concrete.replace(&format!("{{{name}}}"), example);
            }
            let body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|reference| {
                    let name = reference.rsplit('/').next().unwrap();
                    doc["components"]["schemas"][name]["example"].clone()
                });
            requests.push((method.clone(), path.clone(), concrete, body));
        }
    }
    requests
}

/// Validates `instance` against the schema at `pointer` in `doc` (the
/// document is the root resource, so its `$ref`s resolve).
fn validate(doc: &Value, pointer: &str, instance: &Value) -> Result<(), String> {
    let mut root = doc.clone();
    root["$ref"] = Value::String(format!("#{pointer}"));
    let validator = jsonschema::validator_for(&root).map_err(|e| e.to_string())?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// A JSON pointer segment, as it may appear in a URI fragment.
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

#[tokio::test]
async fn every_documented_operation_is_served_and_answers_as_documented() {
    let app = spawn_app(&[]).await;
    let (_, doc) = app.get_json("/openapi.json").await;
    let requests = requests_from(&doc);
    assert!(requests.len() >= 10, "{requests:?}");
    for (method, template, path, body) in requests {
        let mut request = app
            .client
            .request(method.to_uppercase().parse().unwrap(), app.url(&path));
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let is_json = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"));
        let text = response.text().await.unwrap();
        let documented = &doc["paths"][&template][&method]["responses"];
        assert!(
            documented.get(status.to_string()).is_some(),
            "{method} {path} answered {status}, not documented: {text}"
        );
        let pointer = format!(
            "/paths/{}/{}/responses/{status}/content/application~1json/schema",
            escape(&template),
            method
        );
        if is_json {
            let value: Value = serde_json::from_str(&text).unwrap();
            validate(&doc, &pointer, &value)
                .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{value}"));
        }
    }
}

#[tokio::test]
async fn error_answers_match_their_documented_schema() {
    let app = spawn_app(&[]).await;
    let (_, doc) = app.get_json("/openapi.json").await;
    let cases = [
        (
            "/mcp/execute",
            json!({"tool": "nope", "arguments": {}}),
            404,
        ),
        (
            "/mcp/execute",
            json!({"tool": "calculate", "arguments": {"operation": "divide", "a": 1, "b": 0}}),
            422,
        ),
        ("/mcp/execute", json!({"tool": 5}), 422),
    ];
    for (path, body, expected) in cases {
        let (status, value) = app.execute_raw(body.to_string()).await;
        assert_eq!(status, expected, "{body}: {value}");
        let pointer = format!(
            "/paths/{}/post/responses/{status}/content/application~1json/schema",
            escape(path)
        );
        validate(&doc, &pointer, &value).unwrap_or_else(|e| panic!("{body}: {e}"));
    }
    // A wrong shape fails validation: the check can fail.
    let pointer = "/paths/~1mcp~1tools/get/responses/200/content/application~1json/schema";
    assert!(validate(&doc, pointer, &json!({"tools": [{"name": 5}]})).is_err());
}

#[tokio::test]
async fn every_endpoint_the_root_lists_is_documented_or_is_mcp_itself() {
    let app = spawn_app(&[]).await;
    let (_, doc) = app.get_json("/openapi.json").await;
    let (_, root) = app.get_json("/").await;
    for (name, path) in root["endpoints"].as_object().unwrap() {
        let path = path.as_str().unwrap();
        if name == "mcp" {
            // JSON-RPC, described by the MCP specification, not OpenAPI.
            continue;
        }
        assert!(
            doc["paths"].get(path).is_some(),
            "{name} ({path}) is served but not documented"
        );
    }
}
