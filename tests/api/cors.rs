//! CORS for browser clients: preflights and response headers for allowed
//! origins (`MCP_ALLOWED_ORIGINS`), nothing for the rest, over a real
//! socket. The real browser is `tests/browser/`.

use reqwest::{Method, Response};
use serde_json::json;

use crate::{
    helpers::{TestApp, spawn_app},
    raw::{metrics, sample},
};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";
const ALLOWED_HEADERS: &str = "content-type,accept,authorization,mcp-protocol-version,\
                               mcp-session-id,mcp-method,mcp-name,last-event-id";
const EXPOSED_HEADERS: &str = "mcp-session-id,www-authenticate";

async fn preflight(app: &TestApp, path: &str, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,mcp-protocol-version",
        )
        .send()
        .await
        .expect("preflight sends")
}

async fn list_tools_from(app: &TestApp, origin: &str, extra: &[(&str, &str)]) -> Response {
    let mut headers = vec![("MCP-Protocol-Version", "2025-11-25"), ("Origin", origin)];
    headers.extend_from_slice(extra);
    app.mcp_post(
        &headers,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().expect("an ASCII header"))
}

/// Every `access-control-*` header of a response, sorted.
fn cors_headers(response: &Response) -> Vec<(String, String)> {
    let mut found: Vec<_> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-"))
        .map(|(name, value)| (name.to_string(), value.to_str().expect("ASCII").to_owned()))
        .collect();
    found.sort();
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// What a response to an allowed origin's actual request carries.
fn assert_readable_by(response: &Response, origin: &str) {
    assert_eq!(
        cors_headers(response),
        pairs(&[
            ("access-control-allow-origin", origin),
            ("access-control-expose-headers", EXPOSED_HEADERS),
        ]),
        "status {}",
        response.status()
    );
    assert_eq!(header(response, "vary"), Some("origin"));
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_with_exactly_the_mcp_headers() {
    let app = spawn_app(&["--allowed-origins", APP]).await;
    let response = preflight(&app, "/mcp", APP).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        cors_headers(&response),
        pairs(&[
            ("access-control-allow-headers", ALLOWED_HEADERS),
            ("access-control-allow-methods", "GET,POST,DELETE"),
            ("access-control-allow-origin", APP),
            ("access-control-max-age", "3600"),
        ])
    );
    assert_eq!(header(&response, "vary"), Some("origin"));
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn a_preflight_from_another_origin_gets_no_cors_headers_and_rmcps_403() {
    let app = spawn_app(&["--allowed-origins", APP]).await;
    let response = preflight(&app, "/mcp", EVIL).await;
    assert_eq!(response.status(), 403);
    assert_eq!(cors_headers(&response), pairs(&[]));
    assert_eq!(header(&response, "vary"), None);
}

#[tokio::test]
async fn a_plain_options_request_is_no_preflight_and_keeps_its_405() {
    let app = spawn_app(&["--allowed-origins", APP]).await;
    let response = app
        .client
        .request(Method::OPTIONS, app.mcp_url())
        .header("Origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(cors_headers(&response), pairs(&[]));
}

#[tokio::test]
async fn an_allowed_origins_request_is_answered_readable_and_anothers_is_refused_bare() {
    let app = spawn_app(&["--allowed-origins", APP]).await;
    let allowed = list_tools_from(&app, APP, &[]).await;
    assert_eq!(allowed.status(), 200);
    assert_readable_by(&allowed, APP);

    let refused = list_tools_from(&app, EVIL, &[]).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(cors_headers(&refused), pairs(&[]));
    assert_eq!(header(&refused, "vary"), None);

    let no_origin = app
        .mcp_post(
            &[("MCP-Protocol-Version", "2025-11-25")],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
    assert_eq!(no_origin.status(), 200);
    assert_eq!(cors_headers(&no_origin), pairs(&[]));
}

#[tokio::test]
async fn preflights_need_no_token_and_the_401_is_readable_with_its_challenge() {
    let app = spawn_app(&["--allowed-origins", APP, "--auth-tokens", "browser-token"]).await;
    assert_eq!(preflight(&app, "/mcp", APP).await.status(), 200);

    let unauthorized = list_tools_from(&app, APP, &[]).await;
    assert_eq!(unauthorized.status(), 401);
    assert_readable_by(&unauthorized, APP);
    assert!(
        header(&unauthorized, "www-authenticate").is_some_and(|c| c.starts_with("Bearer ")),
        "{:?}",
        unauthorized.headers()
    );

    let authorized = list_tools_from(&app, APP, &[("Authorization", "Bearer browser-token")]).await;
    assert_eq!(authorized.status(), 200);
    assert_readable_by(&authorized, APP);
}

#[tokio::test]
async fn refusals_from_admission_the_mcp_stage_and_routing_are_readable_by_an_allowed_origin() {
    let app = spawn_app(&["--allowed-origins", APP, "--max-body-bytes", "1024"]).await;
    let post = |path: &str, body: Vec<u8>| {
        app.client
            .post(app.url(path))
            .header("Origin", APP)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .body(body)
            .send()
    };
    for (what, response, status) in [
        (
            "body over the cap",
            post("/mcp", vec![b' '; 2048]).await,
            413,
        ),
        (
            "not JSON-RPC",
            post("/mcp", b"not json".to_vec()).await,
            400,
        ),
        (
            "unknown path",
            post("/no/such/path", b"{}".to_vec()).await,
            404,
        ),
    ] {
        let response = response.expect("POST sends");
        assert_eq!(response.status(), status, "{what}");
        assert_readable_by(&response, APP);
    }
}

#[tokio::test]
async fn the_rest_api_and_the_metadata_answer_preflights_too() {
    let app = spawn_app(&["--allowed-origins", APP]).await;
    for path in ["/mcp/execute", "/.well-known/oauth-protected-resource"] {
        let response = preflight(&app, path, APP).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
    }
}

#[tokio::test]
async fn preflights_are_not_counted_as_http_or_mcp_traffic() {
    let app = spawn_app(&["--allowed-origins", APP]).await;
    for _ in 0..3 {
        assert_eq!(preflight(&app, "/mcp", APP).await.status(), 200);
    }
    let text = metrics(&app).await;
    assert!(!text.contains(r#"method="OPTIONS""#), "{text}");
    assert_eq!(
        sample(&text, r#"mcp_requests_total{method="tools/list"}"#),
        Some(0.0)
    );
}

#[tokio::test]
async fn star_allows_every_origin_with_the_wildcard() {
    let app = spawn_app(&["--allowed-origins", "*"]).await;
    let response = preflight(&app, "/mcp", EVIL).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    let call = list_tools_from(&app, EVIL, &[]).await;
    assert_eq!(call.status(), 200);
    assert_readable_by(&call, "*");
}

/// The CORS stage and rmcp's Origin check read the allow-list alike: a
/// preflight is allowed exactly when the request it announces is not
/// refused with 403.
#[tokio::test]
async fn the_preflight_answer_agrees_with_rmcps_origin_check() {
    let app = spawn_app(&[
        "--allowed-origins",
        "https://app.example.com:8443,http://portless.example,null",
    ])
    .await;
    for (origin, allowed) in [
        ("https://app.example.com:8443", true),
        ("https://APP.example.com:8443", true),
        ("https://app.example.com", false),
        ("http://app.example.com:8443", false),
        ("http://portless.example", true),
        ("http://portless.example:9000", true),
        ("http://localhost:5173", true),
        ("http://127.0.0.1", true),
        ("http://[::1]:8080", true),
        ("https://localhost.evil.example", false),
        ("null", true),
        ("file://", false),
        ("not an origin", false),
    ] {
        let preflight_allows = header(
            &preflight(&app, "/mcp", origin).await,
            "access-control-allow-origin",
        ) == Some(origin);
        let status = list_tools_from(&app, origin, &[]).await.status();
        assert_eq!(preflight_allows, allowed, "{origin}: preflight");
        assert_eq!(status != 403, allowed, "{origin}: rmcp answered {status}");
    }
}
