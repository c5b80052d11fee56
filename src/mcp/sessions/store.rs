//! The hibernated sessions as rmcp's `SessionStore`: rmcp reads a session's
//! `initialize` parameters from here when a request names a session it no
//! longer has, and replays them to bring the session back.

use std::{future::Future, pin::Pin, sync::Arc};

use rmcp::transport::streamable_http_server::session::{
    SessionState, SessionStore, SessionStoreError,
};

use super::records::{Held, Key, Records};

/// The `initialize` parameters of open sessions, for rmcp to replay when a
/// hibernated one is used again (only hibernated ones are loaded: a live
/// session needs no restoring).
pub(super) struct HibernatedStore(pub(super) Arc<Records>);

type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SessionStoreError>> + Send + 'a>>;

// `SessionStore` is an `async_trait`: these are its methods, spelled out.
impl SessionStore for HibernatedStore {
    fn load<'a, 'b, 'c>(&'a self, id: &'b str) -> StoreFuture<'c, Option<SessionState>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        let state = self
            .0
            .map()
            .get(&Key::of(id))
            .filter(|record| record.held() != Held::Live)
            .and_then(|record| record.state.as_deref().cloned());
        Box::pin(std::future::ready(Ok(state)))
    }

    /// rmcp stores a session's parameters once it is initialized; they are
    /// kept on its record (shared with sessions that sent the same).
    fn store<'a, 'b, 'd, 'c>(&'a self, id: &'b str, state: &'d SessionState) -> StoreFuture<'c, ()>
    where
        'a: 'c,
        'b: 'c,
        'd: 'c,
        Self: 'c,
    {
        let shared = self.0.intern(state);
        if let Some(record) = self.0.map().get_mut(&Key::of(id)) {
            record.state = Some(shared);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete<'a, 'b, 'c>(&'a self, id: &'b str) -> StoreFuture<'c, ()>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        // A DELETE: rmcp has already closed the session (`close_session`).
        self.0.map().remove(&Key::of(id));
        Box::pin(std::future::ready(Ok(())))
    }
}
