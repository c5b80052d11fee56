//! The OpenAPI 3.1 document, served at `GET /openapi.json`, with
//! interactive docs (Scalar) at `GET /docs`. Its operations come from the
//! handlers themselves (each carries `#[utoipa::path]` and returns a typed
//! body), collected as the pipeline registers their routes; this module adds
//! the document's frame (title, security scheme, tags) and serves it.

use axum::{
    Router,
    http::{HeaderValue, header},
    routing::get,
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_scalar::{Scalar, Servable};

use super::ErrorBody;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Needed when the server sets MCP_AUTH_TOKENS"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mcp-rust-server REST API",
        description = "The seed's REST view of the MCP server's tools and resources. \
                       MCP itself is served at /mcp (JSON-RPC over Streamable HTTP)."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "info"), (name = "probes"), (name = "tools"), (name = "resources"),
        (name = "auth"), (name = "operations")
    )
)]
struct ApiDoc;

/// The document's frame, with this build's version; the pipeline adds the
/// operations of the routes it registers.
pub fn frame() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = crate::VERSION.into();
    doc
}

/// `GET /openapi.json` and `GET /docs`, serving `doc`.
pub fn routes(doc: utoipa::openapi::OpenApi) -> Router {
    // Written once, as bytes: a `Value` would sort every object's keys.
    let json = axum::body::Bytes::from(
        serde_json::to_vec(&doc)
            // Why this cannot fail: the document is plain data built above.
            .expect("OpenAPI document serializes"),
    );
    let page = docs_page(&doc);
    let content_type = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    Router::new()
        .route(
            "/openapi.json",
            get(move || async move { (content_type, json) }),
        )
        .merge(
            Scalar::with_url("/docs", doc)
                .title("mcp-rust-server REST API")
                .custom_html(page),
        )
}

/// The docs page: Scalar's interactive reference, whose script comes from a
/// CDN the *browser* loads (the server needs no network). Until that script
/// has loaded (or if it cannot be: an offline browser), the page shows a
/// plain list of the operations, rendered here from the same document.
fn docs_page(doc: &utoipa::openapi::OpenApi) -> String {
    let mut rows = String::new();
    for (path, item) in &doc.paths.paths {
        let operations = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let summary = operation.summary.as_deref().unwrap_or("");
            let statuses: Vec<&str> = operation
                .responses
                .responses
                .keys()
                .map(String::as_str)
                .collect();
            rows.push_str(&format!(
                "<tr><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                escape(path),
                escape(summary),
                escape(&statuses.join(", "))
            ));
        }
    }
    format!(
        r#"<!doctype html>
<html>
<head>
  <title>$title</title>
  <meta charset="utf-8"/>
  <meta name="viewport" content="width=device-width, initial-scale=1"/>
</head>
<body>
<div id="offline" style="font-family: sans-serif; max-width: 60em; margin: 2em auto">
  <h1>$title</h1>
  <p>The interactive reference loads from a CDN. Without it, here are the
  operations; the full description is <a href="/openapi.json">/openapi.json</a>.
  MCP itself is JSON-RPC at <code>/mcp</code>.</p>
  <table border="1" cellpadding="4" style="border-collapse: collapse">
    <tr><th>Method</th><th>Path</th><th>What</th><th>Statuses</th></tr>
{rows}  </table>
</div>
<script id="api-reference" type="application/json">
$spec
</script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"
        onload="document.getElementById('offline').remove()"></script>
</body>
</html>
"#
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use utoipa_axum::{router::OpenApiRouter, routes};

    use super::*;

    /// Run it.
    #[utoipa::path(post, path = "/run", tag = "tools", responses(
        (status = 200, description = "ran"), (status = 422, description = "failed")))]
    async fn run() {}

    #[test]
    fn the_docs_page_lists_every_operation_without_the_cdn() {
        let router: OpenApiRouter = OpenApiRouter::with_openapi(frame()).routes(routes!(run));
        let doc = router.into_openapi();
        assert_eq!(doc.info.version, crate::VERSION);
        let page = docs_page(&doc);
        let row = "<tr><td><code>POST</code></td><td><code>/run</code></td><td>Run it.</td><td>200, 422</td></tr>";
        assert!(page.contains(row), "{page}");
        assert!(page.contains("$spec"), "Scalar fills in the document");
    }
}
