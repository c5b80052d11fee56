//! The suite's `test://` resources: static text, static binary, a
//! subscribable one, and a URI template.

use rmcp::model::{Resource as ResourceDefinition, ResourceTemplate as TemplateDefinition};
use serde_json::json;

use super::fixtures::PNG;
use crate::catalog::{
    CatalogBuilder, Resource, ResourceBody, ResourceTemplate, ServerFacts, complete_from,
};

pub fn register(catalog: CatalogBuilder) -> CatalogBuilder {
    catalog
        .resource(StaticText)
        .resource(StaticBinary)
        .resource(Watched)
        .template(DataById)
}

pub struct StaticText;

impl Resource for StaticText {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new("test://static-text", "static-text")
            .with_description("A fixed text")
            .with_mime_type("text/plain")
    }

    fn read(&self, _: &ServerFacts) -> ResourceBody {
        ResourceBody::Text("This is the content of the static text resource.".into())
    }
}

pub struct StaticBinary;

impl Resource for StaticBinary {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new("test://static-binary", "static-binary")
            .with_description("A fixed 1x1 PNG")
            .with_mime_type("image/png")
    }

    fn read(&self, _: &ServerFacts) -> ResourceBody {
        ResourceBody::Blob(PNG.into())
    }
}

/// Clients may subscribe to it (`resources/subscribe`, or
/// `subscriptions/listen` on 2026-07-28).
pub struct Watched;

impl Resource for Watched {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new("test://watched-resource", "watched-resource")
            .with_description("A resource clients can subscribe to")
            .with_mime_type("text/plain")
    }

    fn read(&self, _: &ServerFacts) -> ResourceBody {
        ResourceBody::Text("Watched resource content".into())
    }
}

/// `test://template/{id}/data`, for any non-empty id without a slash.
pub struct DataById;

const TEMPLATE: &str = "test://template/{id}/data";

impl ResourceTemplate for DataById {
    fn definition(&self) -> TemplateDefinition {
        TemplateDefinition::new(TEMPLATE, "template-data")
            .with_description("JSON data for an id")
            .with_mime_type("application/json")
    }

    fn read(&self, uri: &str) -> Option<ResourceBody> {
        let id = uri
            .strip_prefix("test://template/")?
            .strip_suffix("/data")
            .filter(|id| !id.is_empty() && !id.contains('/'))?;
        Some(ResourceBody::json(&json!({
            "id": id,
            "templateTest": true,
            "data": format!("Data for ID: {id}"),
        })))
    }

    fn complete(&self, argument: &str, prefix: &str) -> Vec<String> {
        match argument {
            "id" => complete_from(&["1", "2", "3", "123"], prefix),
            _ => Vec::new(),
        }
    }
}
