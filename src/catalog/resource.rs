//! The resource abstraction: like tools, a resource is written once and
//! served by MCP (`resources/read`) and REST (`GET /mcp/resource/{uri}`).

use std::time::{Duration, SystemTime};

use rmcp::model::{Resource as ResourceDefinition, ResourceContents};
use serde_json::Value;

/// A resource the server offers, at one fixed URI.
pub trait Resource: Send + Sync + 'static {
    /// URI, name, MIME type and description, as `resources/list` shows them.
    fn definition(&self) -> ResourceDefinition;

    /// The current contents.
    fn read(&self, server: &ServerFacts) -> ResourceBody;
}

/// What a resource may know about the server that serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerFacts {
    pub started_at: SystemTime,
    pub uptime: Duration,
    pub tools_count: usize,
    pub resources_count: usize,
}

/// A resource's contents.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceBody {
    /// A JSON document: REST embeds it as a value, MCP sends its text.
    Json(Value),
}

impl ResourceBody {
    /// The REST API's `content` field.
    pub fn to_rest_content(&self) -> Value {
        match self {
            ResourceBody::Json(value) => value.clone(),
        }
    }

    /// The MCP `resources/read` contents.
    pub fn to_mcp_contents(&self, definition: &ResourceDefinition) -> ResourceContents {
        match self {
            ResourceBody::Json(value) => ResourceContents::TextResourceContents {
                uri: definition.uri.clone(),
                mime_type: definition.mime_type.clone(),
                text: value.to_string(),
                meta: None,
            },
        }
    }
}

/// A registered resource, with its definition built once at start-up.
pub struct RegisteredResource {
    definition: ResourceDefinition,
    resource: Box<dyn Resource>,
}

impl RegisteredResource {
    pub(crate) fn new(resource: impl Resource) -> Self {
        Self {
            definition: resource.definition(),
            resource: Box::new(resource),
        }
    }

    pub fn uri(&self) -> &str {
        &self.definition.uri
    }

    pub fn definition(&self) -> &ResourceDefinition {
        &self.definition
    }

    pub fn read(&self, server: &ServerFacts) -> ResourceBody {
        self.resource.read(server)
    }
}
