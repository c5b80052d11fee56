//! Prompts: named message templates a client can fetch with `prompts/get`.
//! MCP only — the seed's REST API has no prompts.

use rmcp::{
    ErrorData,
    model::{GetPromptRequestParams, GetPromptResponse, Prompt as PromptDefinition},
};

use super::ToolContext;

pub trait Prompt: Send + Sync + 'static {
    /// Name, description and arguments, as `prompts/list` shows them.
    fn definition(&self) -> PromptDefinition;

    /// Builds the messages. A missing or bad argument is `invalid_params`.
    fn get(
        &self,
        request: &GetPromptRequestParams,
        context: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData>;

    /// Suggestions for `argument` starting with `prefix` (`completion/complete`).
    fn complete(&self, _argument: &str, _prefix: &str) -> Vec<String> {
        Vec::new()
    }
}

/// A registered prompt, with its definition built once.
pub struct RegisteredPrompt {
    definition: PromptDefinition,
    prompt: Box<dyn Prompt>,
}

impl RegisteredPrompt {
    pub(crate) fn new(prompt: impl Prompt) -> Self {
        Self {
            definition: prompt.definition(),
            prompt: Box::new(prompt),
        }
    }

    pub fn name(&self) -> &str {
        &self.definition.name
    }

    pub fn definition(&self) -> &PromptDefinition {
        &self.definition
    }

    pub fn get(
        &self,
        request: &GetPromptRequestParams,
        context: &ToolContext,
    ) -> Result<GetPromptResponse, ErrorData> {
        self.prompt.get(request, context)
    }

    pub fn complete(&self, argument: &str, prefix: &str) -> Vec<String> {
        self.prompt.complete(argument, prefix)
    }
}

/// The entries of `candidates` that start with `prefix`, ignoring case: the
/// usual completion rule.
pub fn complete_from(candidates: &[&str], prefix: &str) -> Vec<String> {
    let prefix = prefix.to_lowercase();
    candidates
        .iter()
        .filter(|c| c.to_lowercase().starts_with(&prefix))
        .map(|c| (*c).to_owned())
        .collect()
}
