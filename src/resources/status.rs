//! `mcp://demo/status`: what the server is and how long it has been up.

use rmcp::model::Resource as ResourceDefinition;
use serde_json::json;

use crate::catalog::{Resource, ResourceBody, ServerFacts};

pub struct Status;

pub const URI: &str = "mcp://demo/status";

impl Resource for Status {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new(URI, "Server Status")
            .with_description("Server name, version, uptime and what it serves")
            .with_mime_type("application/json")
    }

    fn read(&self, server: &ServerFacts) -> ResourceBody {
        ResourceBody::Json(json!({
            "server": crate::NAME,
            "status": "operational",
            "version": crate::VERSION,
            "uptime_seconds": server.uptime.as_secs_f64(),
            "started_at": humantime::format_rfc3339_seconds(server.started_at).to_string(),
            "tools_count": server.tools_count,
            "resources_count": server.resources_count,
        }))
    }
}
