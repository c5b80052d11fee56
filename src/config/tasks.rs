//! The tasks extension: how long a task is kept, and how long the replica
//! running one may go silent before the task is reported failed.

use std::time::Duration;

use clap::Args;

use super::ConfigError;

#[derive(Debug, Clone, Args)]
pub struct TaskSettings {
    /// Seconds a task is kept from its creation (its `ttlMs`), whatever its
    /// state; then it is deleted, and a tool still running is cancelled.
    #[arg(long, env = "MCP_TASK_TTL_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=7 * 86400), global = true)]
    pub task_ttl_seconds: u64,

    /// Seconds a running task's lease lasts. The replica running it renews
    /// it every third of that; a task whose lease lapsed (its replica was
    /// killed or cut off) is reported `failed`.
    #[arg(long, env = "MCP_TASK_LEASE_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub task_lease_seconds: u64,

    /// Tasks this replica runs at once. Beyond it a task-augmented call is
    /// refused with a JSON-RPC error (the client may retry); finished tasks
    /// do not count.
    #[arg(long, env = "MCP_MAX_RUNNING_TASKS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_running_tasks: u64,
}

impl TaskSettings {
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.task_ttl_seconds)
    }

    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.task_lease_seconds)
    }

    pub fn max_running(&self) -> usize {
        usize::try_from(self.max_running_tasks).unwrap_or(usize::MAX)
    }

    /// A lease longer than the task lives would never be what ends it.
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if self.task_lease_seconds > self.task_ttl_seconds {
            return Err(ConfigError(format!(
                "MCP_TASK_LEASE_SECONDS ({}) must not exceed MCP_TASK_TTL_SECONDS ({})",
                self.task_lease_seconds, self.task_ttl_seconds
            )));
        }
        Ok(())
    }
}
