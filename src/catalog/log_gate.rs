//! Where a call's MCP log messages (`notifications/message`) go, with each
//! era's rule for when a server may send them:
//! - 2026-07-28: only when the request's `_meta` carries a log level, and
//!   only messages at or above it;
//! - legacy: at or above the level set by `logging/setLevel` (kept per
//!   session); everything when none was set.

// The MCP logging API is deprecated by SEP-2577, but every legacy client
// still uses it and the conformance suite checks it.
#![allow(deprecated)]

use rmcp::{
    Peer, RoleServer,
    model::{LoggingLevel, LoggingMessageNotificationParam},
    service::RequestContext,
};
use serde_json::Value;

/// Whether, and to whom, the current request may send log messages.
#[derive(Debug, Clone)]
pub struct LogGate {
    peer: Peer<RoleServer>,
    /// `None`: send nothing. `Some(None)`: send everything.
    floor: Option<Option<LoggingLevel>>,
}

impl LogGate {
    /// `session_level`: what a legacy session set with `logging/setLevel`.
    pub fn for_request(
        context: &RequestContext<RoleServer>,
        session_level: Option<LoggingLevel>,
    ) -> Self {
        let floor = if super::speaks_2026(context) {
            context.meta.log_level().map(Some)
        } else {
            Some(session_level)
        };
        Self {
            peer: context.peer.clone(),
            floor,
        }
    }

    pub fn allows(&self, level: LoggingLevel) -> bool {
        match self.floor {
            None => false,
            Some(None) => true,
            Some(Some(floor)) => rank(level) >= rank(floor),
        }
    }

    /// Sends the message if the rules allow it. A peer that has gone away is
    /// not an error for the tool that logs.
    pub async fn log(&self, level: LoggingLevel, logger: &str, data: Value) {
        if !self.allows(level) {
            return;
        }
        let message = LoggingMessageNotificationParam::new(level, data).with_logger(logger);
        if let Err(e) = self.peer.notify_logging_message(message).await {
            tracing::debug!(error = %e, "log notification not delivered");
        }
    }
}

/// Severity order (RFC 5424), which `LoggingLevel` does not derive.
fn rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}
