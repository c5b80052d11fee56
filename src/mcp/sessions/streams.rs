//! A session's HTTP streams, counted while open: a session with a stream
//! open (a request in flight, its GET stream) is not hibernated, and one
//! whose stream just ended waits until the client can no longer resume it.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use futures_core::Stream;
use tokio::time::Instant;

use super::records::{Key, Records};

/// A stream of a session, counted as open until dropped.
pub(super) struct Tracked<S> {
    stream: Pin<Box<S>>,
    _open: OpenStream,
}

impl<S> Tracked<S> {
    /// Counts `stream` as open on the session `key` names.
    pub(super) fn new(stream: S, records: Arc<Records>, key: Key) -> Self {
        if let Some(record) = records.map().get_mut(&key) {
            record.streams += 1;
            record.last_used = Instant::now();
        }
        Self {
            stream: Box::pin(stream),
            _open: OpenStream { records, key },
        }
    }
}

impl<S: Stream> Stream for Tracked<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

/// Uncounts the stream when it is dropped, and notes when it ended.
struct OpenStream {
    records: Arc<Records>,
    key: Key,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        if let Some(record) = self.records.map().get_mut(&self.key) {
            record.streams = record.streams.saturating_sub(1);
            record.stream_ended = Some(Instant::now());
        }
    }
}
