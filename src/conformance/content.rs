//! Tools that return fixed content of each kind MCP has, plus the schema and
//! header fixtures.

use std::{sync::Arc, time::Duration};

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, ResourceContents};
use serde_json::{Value, json};

use super::fixtures::{PNG, WAV, from_json};
use crate::catalog::{NoArgs, Tool, ToolContext, ToolError, ToolOutput};

fn content(blocks: Vec<ContentBlock>) -> Result<ToolOutput, ToolError> {
    Ok(ToolOutput::Result(CallToolResult::success(blocks)))
}

fn schema(value: Value) -> Option<Arc<JsonObject>> {
    Some(Arc::new(from_json("input schema", value)))
}

pub struct SimpleText;

impl Tool for SimpleText {
    type Args = NoArgs;
    const NAME: &'static str = "test_simple_text";
    const DESCRIPTION: &'static str = "Returns a fixed text";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::text(
            "This is a simple text response for testing.",
        ))
    }
}

pub struct ImageContent;

impl Tool for ImageContent {
    type Args = NoArgs;
    const NAME: &'static str = "test_image_content";
    const DESCRIPTION: &'static str = "Returns a 1x1 PNG image";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        content(vec![ContentBlock::image(PNG, "image/png")])
    }
}

pub struct AudioContent;

impl Tool for AudioContent {
    type Args = NoArgs;
    const NAME: &'static str = "test_audio_content";
    const DESCRIPTION: &'static str = "Returns a short WAV clip";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        content(vec![ContentBlock::audio(WAV, "audio/wav")])
    }
}

pub struct EmbeddedResource;

impl Tool for EmbeddedResource {
    type Args = NoArgs;
    const NAME: &'static str = "test_embedded_resource";
    const DESCRIPTION: &'static str = "Returns an embedded text resource";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        content(vec![ContentBlock::resource(
            ResourceContents::text(
                "This is an embedded resource content.",
                "test://embedded-resource",
            )
            .with_mime_type("text/plain"),
        )])
    }
}

pub struct MultipleContentTypes;

impl Tool for MultipleContentTypes {
    type Args = NoArgs;
    const NAME: &'static str = "test_multiple_content_types";
    const DESCRIPTION: &'static str = "Returns text, an image and an embedded resource";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        content(vec![
            ContentBlock::text("Multiple content types test:"),
            ContentBlock::image(PNG, "image/png"),
            ContentBlock::resource(
                ResourceContents::text(
                    r#"{"test":"data","value":123}"#,
                    "test://mixed-content-resource",
                )
                .with_mime_type("application/json"),
            ),
        ])
    }
}

pub struct ErrorHandling;

impl Tool for ErrorHandling {
    type Args = NoArgs;
    const NAME: &'static str = "test_error_handling";
    const DESCRIPTION: &'static str = "Always fails, as a tool error result";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        Err(ToolError::Failed(
            "This tool intentionally returns an error for testing".into(),
        ))
    }
}

/// A schema using 2020-12 keywords schemars would not produce, so it is
/// written by hand.
pub struct JsonSchema202012;

impl Tool for JsonSchema202012 {
    type Args = JsonObject;
    const NAME: &'static str = "json_schema_2020_12_tool";
    const DESCRIPTION: &'static str = "Tool with JSON Schema 2020-12 features";

    fn input_schema() -> Option<Arc<JsonObject>> {
        schema(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                },
            },
            "properties": {
                "name": {"type": "string"},
                "address": {"$ref": "#/$defs/address"},
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"},
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false,
        }))
    }

    async fn call(&self, args: JsonObject, _: ToolContext) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::Json(json!({ "received": args })))
    }
}

/// `x-mcp-header` makes clients mirror `region` into an `Mcp-Param-Region`
/// header, which rmcp checks against the body.
pub struct CustomHeader;

impl Tool for CustomHeader {
    type Args = JsonObject;
    const NAME: &'static str = "test_custom_header";
    const DESCRIPTION: &'static str = "Echoes the region argument, mirrored in a header";

    fn input_schema() -> Option<Arc<JsonObject>> {
        schema(json!({
            "type": "object",
            "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
            "required": ["region"],
        }))
    }

    async fn call(&self, args: JsonObject, _: ToolContext) -> Result<ToolOutput, ToolError> {
        let region = args
            .get("region")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(ToolOutput::text(format!("region={region}")))
    }
}

/// Takes a moment, so a client can drop and resume the stream (SEP-1699).
pub struct Reconnection;

impl Tool for Reconnection {
    type Args = NoArgs;
    const NAME: &'static str = "test_reconnection";
    const DESCRIPTION: &'static str = "Answers after 100 ms, for stream resumption tests";

    async fn call(&self, _: NoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(ToolOutput::text("Reconnection test completed"))
    }
}
