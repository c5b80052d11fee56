//! The resource abstraction: like tools, a resource is written once and
//! served by MCP (`resources/read`) and REST (`GET /mcp/resource/{uri}`).

use std::time::{Duration, SystemTime};

use rmcp::model::{
    Resource as ResourceDefinition, ResourceContents, ResourceTemplate as TemplateDefinition,
};
use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};

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
#[derive(Debug, Clone)]
pub enum ResourceBody {
    /// A JSON document, written once: REST embeds it as a value, MCP sends
    /// its text. Raw, so an object keeps the order its fields were written
    /// in (a `Value` object sorts its keys).
    Json(Box<RawValue>),
    /// Text.
    Text(String),
    /// Binary data, base64-encoded.
    Blob(String),
}

impl ResourceBody {
    /// A JSON document of `document`'s fields, in their order.
    pub fn json(document: &impl Serialize) -> Self {
        // Why this cannot fail: a resource document is a struct or a
        // `Value`, with string keys.
        Self::Json(to_raw_value(document).expect("a resource document serializes"))
    }

    /// The REST API's `content` field.
    pub fn to_rest_content(&self) -> Box<RawValue> {
        match self {
            ResourceBody::Json(document) => document.clone(),
            ResourceBody::Text(text) | ResourceBody::Blob(text) => {
                to_raw_value(text).expect("a string serializes")
            }
        }
    }

    /// The MCP `resources/read` contents of `uri`.
    pub fn to_mcp_contents(&self, uri: &str, mime_type: Option<&str>) -> ResourceContents {
        let contents = match self {
            ResourceBody::Json(document) => ResourceContents::text(document.get(), uri),
            ResourceBody::Text(text) => ResourceContents::text(text, uri),
            ResourceBody::Blob(base64) => ResourceContents::blob(base64, uri),
        };
        match mime_type {
            Some(mime_type) => contents.with_mime_type(mime_type),
            None => contents,
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

/// A family of resources under one URI template (RFC 6570 level 1, e.g.
/// `test://template/{id}/data`).
pub trait ResourceTemplate: Send + Sync + 'static {
    fn definition(&self) -> TemplateDefinition;

    /// The contents of `uri` if it belongs to this template.
    fn read(&self, uri: &str) -> Option<ResourceBody>;

    /// Suggestions for template variable `argument` starting with `prefix`.
    fn complete(&self, _argument: &str, _prefix: &str) -> Vec<String> {
        Vec::new()
    }
}

/// A registered template, with its definition built once.
pub struct RegisteredTemplate {
    definition: TemplateDefinition,
    template: Box<dyn ResourceTemplate>,
}

impl RegisteredTemplate {
    pub(crate) fn new(template: impl ResourceTemplate) -> Self {
        Self {
            definition: template.definition(),
            template: Box::new(template),
        }
    }

    pub fn definition(&self) -> &TemplateDefinition {
        &self.definition
    }

    pub fn read(&self, uri: &str) -> Option<ResourceBody> {
        self.template.read(uri)
    }

    pub fn complete(&self, argument: &str, prefix: &str) -> Vec<String> {
        self.template.complete(argument, prefix)
    }
}
