//! What the server offers — tools and resources — defined once and shared by
//! the MCP server and the REST API, so the two can never disagree.

mod resource;
mod tool;

use std::time::{Instant, SystemTime};

pub use resource::{RegisteredResource, Resource, ResourceBody, ServerFacts};
pub use tool::{RegisteredTool, Tool, ToolContext, ToolError, ToolOutput};

/// The registered tools and resources, in registration order, plus the
/// start time that `mcp://demo/status` reports.
pub struct Catalog {
    tools: Vec<RegisteredTool>,
    resources: Vec<RegisteredResource>,
    started_at: SystemTime,
    started: Instant,
}

impl Catalog {
    pub fn builder() -> CatalogBuilder {
        CatalogBuilder::default()
    }

    pub fn tools(&self) -> &[RegisteredTool] {
        &self.tools
    }

    pub fn tool(&self, name: &str) -> Option<&RegisteredTool> {
        self.tools.iter().find(|tool| tool.name() == name)
    }

    pub fn resources(&self) -> &[RegisteredResource] {
        &self.resources
    }

    pub fn resource(&self, uri: &str) -> Option<&RegisteredResource> {
        self.resources.iter().find(|resource| resource.uri() == uri)
    }

    /// Reads a resource with the server's current facts.
    pub fn read_resource(&self, resource: &RegisteredResource) -> ResourceBody {
        resource.read(&ServerFacts {
            started_at: self.started_at,
            uptime: self.started.elapsed(),
            tools_count: self.tools.len(),
            resources_count: self.resources.len(),
        })
    }
}

#[derive(Default)]
pub struct CatalogBuilder {
    tools: Vec<RegisteredTool>,
    resources: Vec<RegisteredResource>,
}

impl CatalogBuilder {
    /// Registers a tool. Panics on a duplicate name: that is a programming
    /// error that the first test run catches.
    pub fn tool(mut self, tool: impl Tool) -> Self {
        let tool = RegisteredTool::new(tool);
        assert!(
            !self.tools.iter().any(|t| t.name() == tool.name()),
            "tool {} registered twice",
            tool.name()
        );
        self.tools.push(tool);
        self
    }

    /// Registers a resource. Panics on a duplicate URI, like [`Self::tool`].
    pub fn resource(mut self, resource: impl Resource) -> Self {
        let resource = RegisteredResource::new(resource);
        assert!(
            !self.resources.iter().any(|r| r.uri() == resource.uri()),
            "resource {} registered twice",
            resource.uri()
        );
        self.resources.push(resource);
        self
    }

    pub fn build(self) -> Catalog {
        Catalog {
            tools: self.tools,
            resources: self.resources,
            started_at: SystemTime::now(),
            started: Instant::now(),
        }
    }
}
