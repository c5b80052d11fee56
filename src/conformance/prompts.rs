//! The suite's prompts: plain, with arguments, with an embedded resource,
//! with an image, and one that needs client input first (2026-07-28).

use rmcp::{
    ErrorData,
    model::{
        ContentBlock, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
        Prompt as PromptDefinition, PromptArgument, PromptMessage, ResourceContents, Role,
    },
};

use super::{fixtures::PNG, input_required};
use crate::catalog::{CatalogBuilder, Prompt, ToolContext, complete_from};

pub fn register(catalog: CatalogBuilder) -> CatalogBuilder {
    catalog
        .prompt(Simple)
        .prompt(WithArguments)
        .prompt(WithEmbeddedResource)
        .prompt(WithImage)
        .prompt(NeedsContext)
}

fn complete(messages: Vec<PromptMessage>) -> Result<GetPromptResponse, ErrorData> {
    Ok(GetPromptResponse::Complete(GetPromptResult::new(messages)))
}

fn argument(request: &GetPromptRequestParams, name: &str) -> Result<String, ErrorData> {
    request
        .arguments
        .as_ref()
        .and_then(|args| args.get(name))
        .and_then(|value| value.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            ErrorData::invalid_params(format!("Missing required argument: {name}"), None)
        })
}

fn required(name: &str, description: &str) -> PromptArgument {
    PromptArgument::new(name)
        .with_description(description)
        .with_required(true)
}

pub struct Simple;

impl Prompt for Simple {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_simple_prompt",
            Some("A prompt with no arguments"),
            None,
        )
    }

    fn get(
        &self,
        _: &GetPromptRequestParams,
        _: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData> {
        complete(vec![PromptMessage::new_text(
            Role::User,
            "This is a simple prompt for testing.",
        )])
    }
}

pub struct WithArguments;

impl Prompt for WithArguments {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_prompt_with_arguments",
            Some("A prompt with two required arguments"),
            Some(vec![
                required("arg1", "First test argument"),
                required("arg2", "Second test argument"),
            ]),
        )
    }

    fn get(
        &self,
        request: &GetPromptRequestParams,
        _: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData> {
        let (arg1, arg2) = (argument(request, "arg1")?, argument(request, "arg2")?);
        complete(vec![PromptMessage::new_text(
            Role::User,
            format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"),
        )])
    }

    fn complete(&self, argument: &str, prefix: &str) -> Vec<String> {
        match argument {
            "arg1" | "arg2" => complete_from(&["paris", "park", "party"], prefix),
            _ => Vec::new(),
        }
    }
}

pub struct WithEmbeddedResource;

impl Prompt for WithEmbeddedResource {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_prompt_with_embedded_resource",
            Some("A prompt embedding a resource"),
            Some(vec![required(
                "resourceUri",
                "URI of the resource to embed",
            )]),
        )
    }

    fn get(
        &self,
        request: &GetPromptRequestParams,
        _: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData> {
        let uri = argument(request, "resourceUri")?;
        let resource = ResourceContents::text("Embedded resource content for testing.", uri)
            .with_mime_type("text/plain");
        complete(vec![
            PromptMessage::new(Role::User, ContentBlock::resource(resource)),
            PromptMessage::new_text(Role::User, "Please process the embedded resource above."),
        ])
    }
}

pub struct WithImage;

impl Prompt for WithImage {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_prompt_with_image",
            Some("A prompt with an image"),
            None,
        )
    }

    fn get(
        &self,
        _: &GetPromptRequestParams,
        _: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData> {
        complete(vec![
            PromptMessage::new(Role::User, ContentBlock::image(PNG, "image/png")),
            PromptMessage::new_text(Role::User, "Please analyze the image above."),
        ])
    }
}

/// On 2026-07-28, asks the client for context before building the prompt;
/// legacy clients (no multi round-trip) get a default context.
pub struct NeedsContext;

impl Prompt for NeedsContext {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_input_required_result_prompt",
            Some("A prompt that asks the client for context first"),
            None,
        )
    }

    fn get(
        &self,
        _: &GetPromptRequestParams,
        context: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData> {
        let reply = input_required::answer(context, "user_context").map_err(|e| match e {
            crate::catalog::ToolError::Protocol(error) => error,
            other => ErrorData::invalid_params(other.to_string(), None),
        })?;
        let modern = context
            .mcp_request()
            .is_some_and(crate::catalog::speaks_2026);
        let user_context = match reply {
            Some(reply) => reply["content"]["context"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            None if modern => {
                let question = input_required::elicitation(
                    "What context should the prompt use?",
                    "context",
                    "string",
                );
                return Ok(GetPromptResponse::InputRequired(
                    input_required::input_required(vec![("user_context", question)], None),
                ));
            }
            None => "default".to_owned(),
        };
        complete(vec![PromptMessage::new_text(
            Role::User,
            format!("Context: {user_context}"),
        )])
    }
}
