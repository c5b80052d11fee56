//! `mcp://demo/status`: what the server is and how long it has been up.

use rmcp::model::Resource as ResourceDefinition;
use serde::Serialize;

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
        ResourceBody::json(&StatusDocument {
            server: crate::NAME,
            status: "operational",
            version: crate::VERSION,
            uptime_seconds: server.uptime.as_secs_f64(),
            started_at: humantime::format_rfc3339_seconds(server.started_at).to_string(),
            tools_count: server.tools_count,
            resources_count: server.resources_count,
        })
    }
}

/// The status resource's JSON document, its fields in this order.
#[derive(Serialize)]
struct StatusDocument {
    server: &'static str,
    status: &'static str,
    version: &'static str,
    uptime_seconds: f64,
    started_at: String,
    tools_count: usize,
    resources_count: usize,
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn the_document_keeps_its_fields_in_order() {
        let facts = ServerFacts {
            started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(10),
            uptime: Duration::from_millis(1500),
            tools_count: 2,
            resources_count: 1,
        };
        let ResourceBody::Json(document) = Status.read(&facts) else {
            panic!("not JSON");
        };
        assert_eq!(
            document.get(),
            format!(
                r#"{{"server":"{}","status":"operational","version":"{}","uptime_seconds":1.5,"started_at":"1970-01-01T00:00:10Z","tools_count":2,"resources_count":1}}"#,
                crate::NAME,
                crate::VERSION
            )
        );
    }
}
