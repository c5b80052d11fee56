//! The MCP server: rmcp's [`ServerHandler`] answering from the shared
//! [`Catalog`]. Every transport (Streamable HTTP in both eras, stdio) serves
//! this one handler; rmcp owns the protocol, we own only what is offered.

use std::sync::Arc;

use rmcp::{
    ErrorData as McpError, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
        ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
        ReadResourceResponse, ReadResourceResult, ServerCapabilities, ServerConfig, Tool,
    },
    service::RequestContext,
};
use serde_json::Value;

use crate::{
    catalog::{Catalog, ToolContext, ToolOutput},
    shutdown::Lifecycle,
};

/// Cheap to clone: Streamable HTTP builds one handler per stateless request,
/// so everything here is shared and built once at start-up.
#[derive(Clone)]
pub struct McpServer {
    catalog: Arc<Catalog>,
    info: Arc<ServerConfig>,
    /// Tool calls count as in-flight work, so a graceful shutdown waits for
    /// them even when their HTTP request has already turned into a stream.
    lifecycle: Lifecycle,
}

impl McpServer {
    pub fn new(catalog: Arc<Catalog>, lifecycle: Lifecycle) -> Self {
        let info = ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new(crate::NAME, crate::VERSION)
                .with_title("MCP Rust Server")
                .with_description(env!("CARGO_PKG_DESCRIPTION")),
        )
        .with_instructions(
            "Tools: `echo` repeats a message; `calculate` does add, subtract, multiply or \
             divide on two numbers. Resource `mcp://demo/status` reports server status.",
        );
        Self {
            catalog,
            info: Arc::new(info),
            lifecycle,
        }
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        self.info.as_ref().clone()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = self.catalog.tools().iter();
        Ok(ListToolsResult::with_all_items(
            tools.map(|tool| tool.definition().clone()).collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.catalog
            .tool(name)
            .map(|tool| tool.definition().clone())
    }

    /// An unknown tool is the request's fault (a JSON-RPC error); a tool that
    /// ran and failed, or was given bad arguments, is a tool error result the
    /// model can read and correct (SEP-1303).
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let tool = self.catalog.tool(&request.name).ok_or_else(|| {
            McpError::invalid_params(format!("Unknown tool: {}", request.name), None)
        })?;
        let _in_flight = self.lifecycle.track();
        let arguments = request.arguments.unwrap_or_default();
        let result = match tool.call(arguments, ToolContext::mcp(context)).await {
            Ok(ToolOutput::Json(Value::String(text))) => {
                CallToolResult::success(vec![ContentBlock::text(text)])
            }
            Ok(ToolOutput::Json(value)) => {
                CallToolResult::success(vec![ContentBlock::text(value.to_string())])
            }
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let resources = self.catalog.resources().iter();
        Ok(ListResourcesResult::with_all_items(
            resources.map(|r| r.definition().clone()).collect(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let resource = self.catalog.resource(&request.uri).ok_or_else(|| {
            McpError::resource_not_found(
                format!("Resource not found: {}", request.uri),
                Some(serde_json::json!({ "uri": request.uri })),
            )
        })?;
        let contents = self
            .catalog
            .read_resource(resource)
            .to_mcp_contents(resource.definition());
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}
