//! `echo`: returns the message it is given, prefixed with `Echo: `.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;

use crate::catalog::{Tool, ToolContext, ToolError, ToolOutput};

pub struct Echo;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct EchoArgs {
    /// Message to echo
    pub message: String,
}

impl Tool for Echo {
    type Args = EchoArgs;
    const NAME: &'static str = "echo";
    const DESCRIPTION: &'static str = "Echo back the provided message";
    const SELF_CONTAINED: bool = true;

    async fn call(&self, args: EchoArgs, _: ToolContext) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::text(format!("Echo: {}", args.message)))
    }
}
