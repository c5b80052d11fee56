//! Newline framing for stdin: one JSON-RPC message per line (the MCP stdio
//! transport), each line bounded so a peer that never sends a newline costs
//! a fixed amount of memory, not all of it.

use std::io;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// What [`LineReader::next`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A line is ready in [`LineReader::line`]. The last bytes before end of
    /// input count as a line even without a newline: a client may close
    /// stdin right after its last message.
    Line,
    /// A line longer than the limit; its bytes are dropped (the rest of it
    /// is skipped on the next calls, still without buffering it).
    TooLong,
    /// End of input.
    Eof,
}

/// Reads lines of at most `max` bytes (the newline not counted).
pub struct LineReader<R> {
    read: R,
    max: usize,
    line: Vec<u8>,
    /// The line in `line` was handed out; clear it before reading on.
    complete: bool,
    /// Skipping the tail of a line already reported as [`Frame::TooLong`].
    discarding: bool,
}

/// After a large line, give back memory beyond this much.
const KEEP_CAPACITY: usize = 64 * 1024;

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(read: R, max: usize) -> Self {
        Self {
            read,
            max,
            line: Vec::new(),
            complete: false,
            discarding: false,
        }
    }

    /// The line [`LineReader::next`] last reported, without its `\n` or
    /// `\r\n`.
    pub fn line(&self) -> &[u8] {
        self.line.strip_suffix(b"\r").unwrap_or(&self.line)
    }

    /// Reads up to the end of the next line.
    ///
    /// Cancel-safe: rmcp polls `receive` in a `select!`, so this future may
    /// be dropped at any await. Every byte taken from the reader is recorded
    /// in `self` before the next await, so a dropped call loses nothing and
    /// the next call resumes the same line.
    pub async fn next(&mut self) -> io::Result<Frame> {
        if self.complete {
            self.complete = false;
            self.line.clear();
            if self.line.capacity() > KEEP_CAPACITY {
                self.line.shrink_to(KEEP_CAPACITY);
            }
        }
        loop {
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                if self.line.is_empty() || self.discarding {
                    return Ok(Frame::Eof);
                }
                self.complete = true;
                return Ok(Frame::Line);
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let content = newline.unwrap_or(available.len());
            let ends = newline.is_some();
            let frame = if self.discarding {
                self.discarding = !ends;
                None
            } else if self.line.len().saturating_add(content) > self.max {
                self.line.clear();
                self.discarding = !ends;
                Some(Frame::TooLong)
            } else {
                self.line.extend_from_slice(&available[..content]);
                self.complete = ends;
                ends.then_some(Frame::Line)
            };
            self.read.consume(content + usize::from(ends));
            if let Some(frame) = frame {
                return Ok(frame);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::BufReader;

    use super::*;

    /// Every frame up to end of input, with its line for [`Frame::Line`];
    /// a 3-byte read buffer makes lines arrive in pieces.
    async fn frames(input: &[u8], max: usize) -> Vec<(Frame, String)> {
        let mut reader = LineReader::new(BufReader::with_capacity(3, input), max);
        let mut frames = Vec::new();
        loop {
            let frame = reader.next().await.unwrap();
            let text = String::from_utf8_lossy(reader.line()).into_owned();
            match frame {
                Frame::Eof => return frames,
                Frame::Line => frames.push((frame, text)),
                Frame::TooLong => frames.push((frame, String::new())),
            }
        }
    }

    fn line(text: &str) -> (Frame, String) {
        (Frame::Line, text.to_owned())
    }

    #[tokio::test]
    async fn lines_split_on_newline_without_their_terminator() {
        assert_eq!(
            frames(b"{\"a\":1}\r\n\nsecond line\nlast", 100).await,
            [
                line("{\"a\":1}"),
                line(""),
                line("second line"),
                line("last")
            ]
        );
        assert_eq!(frames(b"", 100).await, []);
        assert_eq!(frames(b"\n", 100).await, [line("")]);
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_reported_once_and_the_next_line_is_intact() {
        let too_long = (Frame::TooLong, String::new());
        assert_eq!(
            frames(b"12345\n123456\n1234567890123\nok\n", 5).await,
            [
                line("12345"),
                too_long.clone(),
                too_long.clone(),
                line("ok")
            ]
        );
        // No newline before the end: still one report, and no bogus line.
        assert_eq!(frames(b"ok\n1234567890", 5).await, [line("ok"), too_long]);
    }

    #[tokio::test]
    async fn a_read_dropped_half_way_through_a_line_loses_no_bytes() {
        use std::time::Duration;
        use tokio::io::AsyncWriteExt;

        let (mut client, server) = tokio::io::duplex(64);
        let mut reader = LineReader::new(BufReader::new(server), 100);
        client.write_all(b"{\"half\":").await.unwrap();
        let cut_short = tokio::time::timeout(Duration::from_millis(20), reader.next()).await;
        assert!(cut_short.is_err(), "no line yet");
        client.write_all(b"true}\n").await.unwrap();
        assert_eq!(reader.next().await.unwrap(), Frame::Line);
        assert_eq!(reader.line(), b"{\"half\":true}");
    }
}
