//! The `conformance` toolset (`MCP_TOOLSETS=core,conformance`): the tools,
//! resources and prompts the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) exercises, with the exact names and
//! outputs its checks compare. They register through the same catalog as the
//! core tools; the protocol features they drive (progress, logging,
//! sampling, elicitation, multi round-trip, subscriptions, completions,
//! prompts, templates, tasks) are the server's own. `tests/conformance/FIXTURES.md`
//! maps each fixture to the scenarios that use it.

mod client_requests;
mod content;
mod fixtures;
mod input_required;
mod notifications;
mod prompts;
mod resources;
mod tasks;

use rmcp::model::RequestStateCodec;

use crate::catalog::{CatalogBuilder, Features};

/// The fixtures; multi round-trip ones seal their `requestState` with
/// `request_state`.
pub fn register(catalog: CatalogBuilder, request_state: RequestStateCodec) -> CatalogBuilder {
    let catalog = catalog
        .features(Features {
            logging: true,
            subscriptions: true,
        })
        // Content of every kind.
        .tool(content::SimpleText)
        .tool(content::ImageContent)
        .tool(content::AudioContent)
        .tool(content::EmbeddedResource)
        .tool(content::MultipleContentTypes)
        .tool(content::ErrorHandling)
        .tool(content::JsonSchema202012)
        .tool(content::CustomHeader)
        .tool(content::Reconnection)
        // Notifications during a call, and list changes.
        .tool(notifications::ToolWithLogging)
        .tool(notifications::LoggingTool)
        .tool(notifications::ToolWithProgress)
        .tool(notifications::TriggerToolChange)
        .tool(notifications::TriggerPromptChange)
        // Requests to the client (legacy sessions).
        .tool(client_requests::Sampling)
        .tool(client_requests::Elicitation)
        .tool(client_requests::ElicitationDefaults)
        .tool(client_requests::ElicitationEnums)
        .tool(client_requests::MissingCapability);
    let catalog = input_required::register(catalog, request_state);
    let catalog = tasks::register(catalog);
    let catalog = resources::register(catalog);
    prompts::register(catalog)
}
