//! The bytes of a fast-path answer: what rmcp would send for a finished
//! `tools/call`. The common case — one text block, from a tool that returned
//! JSON or failed — is written from a small borrowed struct (one `to_vec`,
//! no intermediate `CallToolResult`); anything richer goes through rmcp's
//! own message types. The unit tests below hold the shortcut to rmcp's
//! bytes exactly.

use std::borrow::Cow;

use rmcp::model::{CallToolResponse, NumberOrString, ServerJsonRpcMessage, ServerResult};
use serde::Serialize;
use serde_json::Value;

use super::server::call_tool_response;
use crate::{
    catalog::{ToolError, ToolOutput},
    jsonrpc::Id,
};

/// The JSON-RPC response to `id` for a tool's `output`, in the form of
/// protocol 2026-07-28 (`modern`) or a legacy revision; `None` when the
/// answer is not a complete result (an error response, `input_required`),
/// which rmcp gives instead.
pub fn answer_bytes(
    id: &Id,
    modern: bool,
    output: Result<ToolOutput, ToolError>,
) -> Option<Vec<u8>> {
    let (text, is_error) = match &output {
        Ok(ToolOutput::Json(Value::String(text))) => (Cow::Borrowed(text.as_str()), false),
        Ok(ToolOutput::Json(value)) => (Cow::Owned(value.to_string()), false),
        Err(ToolError::Protocol(_)) => return None,
        Err(error) => (Cow::Owned(error.to_string()), true),
        Ok(_) => return through_rmcp(id, modern, output),
    };
    serde_json::to_vec(&TextAnswer {
        jsonrpc: "2.0",
        id,
        result: TextResult {
            // rmcp's rule: `resultType` only for 2026-07-28 peers.
            result_type: modern.then_some("complete"),
            content: [TextBlock {
                kind: "text",
                text: &text,
            }],
            is_error,
        },
    })
    .ok()
}

fn through_rmcp(id: &Id, modern: bool, output: Result<ToolOutput, ToolError>) -> Option<Vec<u8>> {
    let mut result = match call_tool_response(output).ok()? {
        CallToolResponse::Complete(result) => result,
        _ => return None,
    };
    if !modern {
        result.result_type = None;
    }
    let id = match id {
        Id::Int(i) => NumberOrString::Number(*i),
        Id::Str(s) => NumberOrString::String(s.as_str().into()),
    };
    let message = ServerJsonRpcMessage::response(ServerResult::CallToolResult(result), id);
    serde_json::to_vec(&message).ok()
}

#[derive(Serialize)]
struct TextAnswer<'a> {
    jsonrpc: &'static str,
    id: &'a Id,
    result: TextResult<'a>,
}

#[derive(Serialize)]
struct TextResult<'a> {
    #[serde(rename = "resultType", skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    content: [TextBlock<'a>; 1],
    #[serde(rename = "isError")]
    is_error: bool,
}

#[derive(Serialize)]
struct TextBlock<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_text_shortcut_writes_rmcps_bytes_exactly() {
        let outputs = || {
            vec![
                Ok(ToolOutput::Json(json!(15))),
                Ok(ToolOutput::Json(json!(2.5))),
                Ok(ToolOutput::text("Echo: héllo \"quoted\" \n\t\u{1}")),
                Ok(ToolOutput::Json(json!({"a": [1, null]}))),
                Err(ToolError::Failed("Division by zero".into())),
                Err(ToolError::InvalidArguments {
                    tool: "calculate",
                    reason: "a: invalid type".into(),
                }),
            ]
        };
        for id in [Id::Int(7), Id::Int(-1), Id::Str("a\"b".into())] {
            for modern in [false, true] {
                for (shortcut, reference) in outputs().into_iter().zip(outputs()) {
                    assert_eq!(
                        String::from_utf8(answer_bytes(&id, modern, shortcut).unwrap()).unwrap(),
                        String::from_utf8(through_rmcp(&id, modern, reference).unwrap()).unwrap(),
                        "{id:?} modern={modern}"
                    );
                }
            }
        }
    }

    #[test]
    fn protocol_errors_and_input_requests_are_left_to_rmcp() {
        let error = rmcp::ErrorData::invalid_params("no", None);
        assert_eq!(
            answer_bytes(&Id::Int(1), false, Err(ToolError::Protocol(error))),
            None
        );
    }
}
