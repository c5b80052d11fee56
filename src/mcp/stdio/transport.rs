//! The rmcp transport for stdio: lines in ([`LineReader`]), sorted one by
//! one ([`triage`]), messages on to rmcp, JSON-RPC errors for the rest
//! written back on the writer rmcp's own responses use ([`LineWriter`]).
//!
//! rmcp's stock `AsyncRwTransport` cannot be told to answer the lines it
//! drops, hence this one.

use std::{
    collections::HashMap,
    io,
    sync::{Arc, PoisonError},
};

use rmcp::{
    RoleServer,
    model::{ClientJsonRpcMessage, GetExtensions, RequestId, ServerJsonRpcMessage, ServerResult},
    transport::Transport,
};
use tokio::{
    io::{AsyncBufRead, AsyncWrite},
    sync::Mutex,
};

use super::{
    line_reader::{Frame, LineReader},
    line_writer::LineWriter,
    triage::{Silence, Triage, triage},
};
use crate::{
    jsonrpc::{Envelope, Reject, RejectKind},
    mcp::operation::{self, Arrival, Observation, Operation, Outcome},
};

pub struct LineTransport<R, W> {
    lines: LineReader<R>,
    max_line_bytes: usize,
    out: Arc<Mutex<LineWriter<W>>>,
    /// An error answer not yet handed to `out` (serialized, no newline).
    answer: Option<Vec<u8>>,
    /// An answer was queued on `out` but its flush did not finish.
    unflushed: bool,
    observation: Observation,
    /// Requests forwarded and not yet answered: their answer finishes them.
    pending: Arc<std::sync::Mutex<HashMap<RequestId, Operation>>>,
    /// The revision `initialize` settled on, for the spans.
    protocol_version: Option<String>,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncBufRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Reads lines of at most `max_line_bytes` from `read`; each request
    /// is an operation of `observation`.
    pub fn new(read: R, write: W, max_line_bytes: usize, observation: Observation) -> Self {
        Self {
            lines: LineReader::new(read, max_line_bytes),
            max_line_bytes,
            out: Arc::new(Mutex::new(LineWriter::new(write))),
            answer: None,
            unflushed: false,
            observation,
            pending: Arc::default(),
            protocol_version: None,
        }
    }

    /// Starts the operation of a forwarded request and hands it to the
    /// handler in the request's extensions.
    fn start(&mut self, message: &mut ClientJsonRpcMessage, envelope: &Envelope) {
        let ClientJsonRpcMessage::Request(request) = message else {
            return;
        };
        let operation = self.observation.start(&Arrival {
            envelope,
            body: self.lines.line(),
            transport: operation::Transport::Stdio,
            protocol_version: self.protocol_version.as_deref(),
            session_id: None,
            traceparent: None,
            tracestate: None,
            principal: None,
        });
        request.request.extensions_mut().insert(operation.clone());
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(request.id.clone(), operation);
    }

    /// Finishes the operation `item` answers, with the outcome it carries.
    fn answered(&mut self, item: &ServerJsonRpcMessage) {
        let (id, outcome) = match item {
            ServerJsonRpcMessage::Response(response) => {
                let outcome = match &response.result {
                    ServerResult::CallToolResult(result) if result.is_error == Some(true) => {
                        Outcome::ToolError
                    }
                    ServerResult::InitializeResult(result) => {
                        self.protocol_version = Some(result.protocol_version.to_string());
                        Outcome::Success
                    }
                    _ => Outcome::Success,
                };
                (&response.id, outcome)
            }
            ServerJsonRpcMessage::Error(error) => match &error.id {
                Some(id) => (id, Outcome::Error(error.error.code.0)),
                None => return,
            },
            _ => return,
        };
        let operation = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        if let Some(operation) = operation {
            operation.finish(outcome);
        }
    }

    /// Writes the pending answer, if any. Cancel-safe: the answer moves to
    /// `out`'s queue without an await, and a flush cut short is finished on
    /// the next call.
    async fn write_answer(&mut self) -> io::Result<()> {
        if self.answer.is_none() && !self.unflushed {
            return Ok(());
        }
        let mut out = self.out.lock().await;
        if let Some(answer) = self.answer.take() {
            out.queue(&answer);
            self.unflushed = true;
        }
        out.flush().await?;
        self.unflushed = false;
        Ok(())
    }
}

/// The answer to a line over the limit. Its id is somewhere in bytes that
/// were not kept; `null` is what JSON-RPC prescribes then.
fn too_long(max_line_bytes: usize) -> Reject {
    Reject {
        kind: RejectKind::InvalidRequest,
        id: serde_json::Value::Null,
        message: format!("Invalid Request: a line is longer than {max_line_bytes} bytes"),
    }
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncBufRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = io::Result<()>> + Send + 'static {
        self.answered(&item);
        let out = self.out.clone();
        let message = serde_json::to_vec(&item);
        async move {
            let message = message.map_err(io::Error::other)?;
            let mut out = out.lock().await;
            out.queue(&message);
            out.flush().await
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            if let Err(e) = self.write_answer().await {
                tracing::error!(error = %e, "stdout: cannot write an error response");
                return None;
            }
            let verdict = match self.lines.next().await {
                Ok(Frame::Line) => triage(self.lines.line()),
                Ok(Frame::TooLong) => Triage::Answer(too_long(self.max_line_bytes)),
                Ok(Frame::Eof) => return None,
                Err(e) => {
                    tracing::error!(error = %e, "stdin: read failed");
                    return None;
                }
            };
            match verdict {
                Triage::Forward(mut message, envelope) => {
                    if let Some(envelope) = &envelope {
                        self.start(&mut message, envelope);
                    }
                    return Some(*message);
                }
                Triage::Answer(reject) => {
                    // The line stays out of the logs (it may be private).
                    tracing::warn!(code = reject.code(), id = %reject.id,
                        "stdin: answered a line that is not a JSON-RPC message MCP accepts");
                    self.answer = Some(reject.body().to_vec());
                }
                Triage::Ignore(Silence::Blank) => {}
                Triage::Ignore(why) => {
                    tracing::warn!(?why, "stdin: dropped a message rmcp cannot decode");
                }
            }
        }
    }

    async fn close(&mut self) -> io::Result<()> {
        self.write_answer().await?;
        self.out.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use tokio::io::{AsyncReadExt, BufReader};

    use super::*;

    /// Everything `input` makes the transport forward and write.
    async fn run(input: &[u8], max_line_bytes: usize) -> (Vec<ClientJsonRpcMessage>, Vec<Value>) {
        let (write, mut read_back) = tokio::io::duplex(1 << 16);
        let mut transport = LineTransport::new(
            BufReader::new(input),
            write,
            max_line_bytes,
            Observation::default(),
        );
        let mut forwarded = Vec::new();
        while let Some(message) = transport.receive().await {
            forwarded.push(message);
        }
        transport.close().await.unwrap();
        drop(transport);
        let mut written = String::new();
        read_back.read_to_string(&mut written).await.unwrap();
        let written = written
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        (forwarded, written)
    }

    #[tokio::test]
    async fn bad_lines_are_answered_in_order_and_good_ones_forwarded() {
        let input = b"oops\n\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n42\n\
            01234567890123456789012345678901234567890\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
        let (forwarded, written) = run(input, 40).await;
        assert_eq!(forwarded.len(), 2);
        let codes: Vec<_> = written
            .iter()
            .map(|w| (w["id"].clone(), w["error"]["code"].clone()))
            .collect();
        assert_eq!(
            codes,
            [
                (Value::Null, json!(-32700)),
                (Value::Null, json!(-32600)),
                (Value::Null, json!(-32600)),
            ]
        );
        assert_eq!(
            written[2]["error"]["message"],
            "Invalid Request: a line is longer than 40 bytes"
        );
    }
}
