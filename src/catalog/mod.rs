//! What the server offers — tools, resources, resource templates, prompts —
//! defined once and shared by every transport. MCP serves all of it; the
//! seed's REST API serves the tools and fixed resources.

mod access;
mod context;
mod log_gate;
mod prompt;
mod resource;
mod task;
mod tool;

use std::time::{Instant, SystemTime};

pub use access::{Grant, ToolAccess, ToolScopes, permitted};
pub use context::{BoxFuture, Change, ListChanges, ToolContext, speaks_2026};
pub use log_gate::LogGate;
pub use prompt::{Prompt, RegisteredPrompt, complete_from};
pub use resource::{
    RegisteredResource, RegisteredTemplate, Resource, ResourceBody, ResourceTemplate, ServerFacts,
};
pub use task::{TaskInput, TaskSupport};
pub use tool::{CallObserver, NoArgs, RegisteredTool, Tool, ToolError, ToolOutput, latency_ms};

/// Protocol features a toolset needs the server to advertise beyond tools and
/// resources (which are always on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    /// `logging/setLevel` and `notifications/message`.
    pub logging: bool,
    /// List-changed notifications and resource subscriptions.
    pub subscriptions: bool,
}

/// The registered entries, in registration order, plus the start time that
/// `mcp://demo/status` reports.
pub struct Catalog {
    tools: Vec<RegisteredTool>,
    resources: Vec<RegisteredResource>,
    templates: Vec<RegisteredTemplate>,
    prompts: Vec<RegisteredPrompt>,
    features: Features,
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

    pub fn templates(&self) -> &[RegisteredTemplate] {
        &self.templates
    }

    pub fn template(&self, uri_template: &str) -> Option<&RegisteredTemplate> {
        self.templates
            .iter()
            .find(|t| t.definition().uri_template == uri_template)
    }

    pub fn prompts(&self) -> &[RegisteredPrompt] {
        &self.prompts
    }

    pub fn prompt(&self, name: &str) -> Option<&RegisteredPrompt> {
        self.prompts.iter().find(|prompt| prompt.name() == name)
    }

    pub fn features(&self) -> Features {
        self.features
    }

    /// Reads a fixed resource with the server's current facts.
    pub fn read_resource(&self, resource: &RegisteredResource) -> ResourceBody {
        resource.read(&ServerFacts {
            started_at: self.started_at,
            uptime: self.started.elapsed(),
            tools_count: self.tools.len(),
            resources_count: self.resources.len(),
        })
    }

    /// Reads any URI: a fixed resource, or one that a template matches.
    /// Returns the body and its MIME type.
    pub fn read_uri(&self, uri: &str) -> Option<(ResourceBody, Option<&str>)> {
        if let Some(resource) = self.resource(uri) {
            let mime_type = resource.definition().mime_type.as_deref();
            return Some((self.read_resource(resource), mime_type));
        }
        self.templates.iter().find_map(|template| {
            let mime_type = template.definition().mime_type.as_deref();
            template.read(uri).map(|body| (body, mime_type))
        })
    }
}

#[derive(Default)]
pub struct CatalogBuilder {
    tools: Vec<RegisteredTool>,
    resources: Vec<RegisteredResource>,
    templates: Vec<RegisteredTemplate>,
    prompts: Vec<RegisteredPrompt>,
    features: Features,
}

impl CatalogBuilder {
    /// Registers a tool. Panics on a duplicate name: that is a programming
    /// error that the first test run catches.
    pub fn tool(mut self, tool: impl Tool) -> Self {
        let tool = RegisteredTool::new(tool);
        assert!(
            self.tools.iter().all(|t| t.name() != tool.name()),
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
            self.resources.iter().all(|r| r.uri() != resource.uri()),
            "resource {} registered twice",
            resource.uri()
        );
        self.resources.push(resource);
        self
    }

    pub fn template(mut self, template: impl ResourceTemplate) -> Self {
        self.templates.push(RegisteredTemplate::new(template));
        self
    }

    /// Registers a prompt. Panics on a duplicate name, like [`Self::tool`].
    pub fn prompt(mut self, prompt: impl Prompt) -> Self {
        let prompt = RegisteredPrompt::new(prompt);
        assert!(
            self.prompts.iter().all(|p| p.name() != prompt.name()),
            "prompt {} registered twice",
            prompt.name()
        );
        self.prompts.push(prompt);
        self
    }

    /// Turns on protocol features the registered entries rely on.
    pub fn features(mut self, features: Features) -> Self {
        self.features.logging |= features.logging;
        self.features.subscriptions |= features.subscriptions;
        self
    }

    pub fn build(self) -> Catalog {
        Catalog {
            tools: self.tools,
            resources: self.resources,
            templates: self.templates,
            prompts: self.prompts,
            features: self.features,
            started_at: SystemTime::now(),
            started: Instant::now(),
        }
    }
}
