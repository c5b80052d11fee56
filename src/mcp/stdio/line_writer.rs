//! Whole lines to stdout. rmcp's responses and our own error answers share
//! one writer, so a line is never split by another one, even when the future
//! writing it is dropped half-way (rmcp polls `receive` in a `select!`).

use std::io;

use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Queued lines and the output they go to.
pub struct LineWriter<W> {
    out: W,
    /// Bytes queued but not yet accepted by `out`; always whole lines until
    /// a write takes part of them.
    pending: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> LineWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            pending: Vec::new(),
        }
    }

    /// Queues `message` (one line of JSON, which never holds a raw newline)
    /// and its newline. Synchronous, so it cannot be cancelled half-done.
    pub fn queue(&mut self, message: &[u8]) {
        self.pending.reserve(message.len() + 1);
        self.pending.extend_from_slice(message);
        self.pending.push(b'\n');
    }

    /// Writes everything queued, then flushes `out`.
    ///
    /// Cancel-safe: `write` reports what it took before the next await, so
    /// a dropped call leaves the unwritten rest queued for the next flush,
    /// and nothing is written twice.
    pub async fn flush(&mut self) -> io::Result<()> {
        while !self.pending.is_empty() {
            let written = self.out.write(&self.pending).await?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.pending.drain(..written);
        }
        self.out.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queued_messages_come_out_as_lines_in_order() {
        let mut writer = LineWriter::new(Vec::new());
        writer.queue(br#"{"id":1}"#);
        writer.queue(br#"{"id":2}"#);
        writer.flush().await.unwrap();
        writer.queue(br#"{"id":3}"#);
        writer.flush().await.unwrap();
        assert_eq!(writer.out, b"{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
    }
}
