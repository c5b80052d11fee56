//! Tasks in Redis, so every replica sharing it answers for every task.
//!
//! One hash per task, `mcp:task:<id>`, expiring at creation + TTL:
//!
//! | field | written by | what |
//! | --- | --- | --- |
//! | `record` | the running replica | the [`TaskRecord`] as JSON |
//! | `lease_until`, `terminal` | the running replica, with `record` | what the save script checks without parsing JSON |
//! | `cancel` | `tasks/cancel` | `1` once cancellation was asked |
//! | `resp:<key>` | `tasks/update` | one input response as JSON, until the runner takes it |
//!
//! Each writer owns its fields, and every write but the first goes through a
//! script that does nothing when the hash is gone, so no write can bring back
//! an expired task (a plain `HSET` would create it again, without expiry).

use std::sync::LazyLock;

use redis::{Script, aio::ConnectionManager};
use rmcp::model::InputResponses;

use super::{
    record::{Control, TaskRecord, now_ms},
    store::{BoxFuture, StoreError, TaskStore},
};
use crate::store::Store;

const KEY_PREFIX: &str = "mcp:task:";
const RESPONSE_PREFIX: &str = "resp:";

pub struct RedisTasks {
    store: Store,
    connection: ConnectionManager,
}

impl RedisTasks {
    /// `None` when `store` is not Redis.
    pub fn new(store: &Store) -> Option<Self> {
        Some(Self {
            connection: store.redis()?,
            store: store.clone(),
        })
    }

    async fn run<T>(
        &self,
        operation: impl Future<Output = Result<T, redis::RedisError>>,
    ) -> Result<T, StoreError> {
        self.store
            .run(operation)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }
}

fn key(id: &str) -> String {
    format!("{KEY_PREFIX}{id}")
}

/// Saves the runner's fields unless the task is gone, or its lease lapsed
/// while it was not terminal (it is reported failed by then; a late save
/// must not turn it back). `ARGV`: record JSON, lease end, terminal flag,
/// now (all milliseconds since the epoch). Returns 1 when saved.
static SAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local lease = tonumber(redis.call('HGET', KEYS[1], 'lease_until') or '0')
        local terminal = redis.call('HGET', KEYS[1], 'terminal')
        if terminal ~= '1' and lease < tonumber(ARGV[4]) then return 0 end
        redis.call('HSET', KEYS[1], 'record', ARGV[1], 'lease_until', ARGV[2], 'terminal', ARGV[3])
        return 1
        ",
    )
});

/// `HSET` of field/value pairs (`ARGV`) on an existing hash only. Returns 1
/// when the hash exists.
static SET_IF_EXISTS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV))
        return 1
        ",
    )
});

fn terminal_flag(record: &TaskRecord) -> &'static str {
    if record.state.is_terminal() { "1" } else { "0" }
}

fn encode(record: &TaskRecord) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| StoreError(format!("task record: {e}")))
}

/// The record and control from the hash's fields.
fn decode(fields: Vec<(String, String)>) -> Result<Option<(TaskRecord, Control)>, StoreError> {
    let mut record = None;
    let mut control = Control::default();
    for (field, value) in fields {
        if field == "record" {
            record = Some(
                serde_json::from_str::<TaskRecord>(&value)
                    .map_err(|e| StoreError(format!("task record: {e}")))?,
            );
        } else if field == "cancel" {
            control.cancel_requested = value == "1";
        } else if let Some(key) = field.strip_prefix(RESPONSE_PREFIX) {
            let response = serde_json::from_str(&value)
                .map_err(|e| StoreError(format!("input response: {e}")))?;
            control.responses.insert(key.to_owned(), response);
        }
    }
    Ok(record.map(|record| (record, control)))
}

impl TaskStore for RedisTasks {
    fn create<'a>(&'a self, record: &'a TaskRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let mut pipe = redis::pipe();
            pipe.atomic()
                .hset_multiple(
                    key(&record.id),
                    &[
                        ("record", encode(record)?),
                        ("lease_until", record.lease_until_ms.to_string()),
                        ("terminal", terminal_flag(record).to_owned()),
                    ],
                )
                .ignore()
                .cmd("PEXPIREAT")
                .arg(key(&record.id))
                .arg(record.expires_at_ms())
                .ignore();
            self.run(pipe.query_async::<()>(&mut connection)).await
        })
    }

    fn get<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<(TaskRecord, Control)>, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let fields: Vec<(String, String)> = self
                .run(
                    redis::cmd("HGETALL")
                        .arg(key(id))
                        .query_async(&mut connection),
                )
                .await?;
            decode(fields)
        })
    }

    fn save<'a>(&'a self, record: &'a TaskRecord) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let mut invocation = SAVE.key(key(&record.id));
            invocation
                .arg(encode(record)?)
                .arg(record.lease_until_ms)
                .arg(terminal_flag(record))
                .arg(now_ms());
            let saved: i64 = self.run(invocation.invoke_async(&mut connection)).await?;
            Ok(saved == 1)
        })
    }

    fn request_cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let mut invocation = SET_IF_EXISTS.key(key(id));
            invocation.arg("cancel").arg("1");
            let found: i64 = self.run(invocation.invoke_async(&mut connection)).await?;
            Ok(found == 1)
        })
    }

    fn add_responses<'a>(
        &'a self,
        id: &'a str,
        responses: InputResponses,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let mut invocation = SET_IF_EXISTS.key(key(id));
            for (response_key, value) in &responses {
                invocation
                    .arg(format!("{RESPONSE_PREFIX}{response_key}"))
                    .arg(value.to_string());
            }
            let found: i64 = self.run(invocation.invoke_async(&mut connection)).await?;
            Ok(found == 1)
        })
    }

    fn forget_responses<'a>(
        &'a self,
        id: &'a str,
        keys: Vec<String>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{RESPONSE_PREFIX}{k}"))
                .collect();
            // HDEL never creates the hash, so a forgotten task stays gone.
            let _removed: i64 = self
                .run(
                    redis::cmd("HDEL")
                        .arg(key(id))
                        .arg(fields)
                        .query_async(&mut connection),
                )
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    #[test]
    fn the_hash_fields_decode_to_the_record_and_its_control() {
        let record = TaskRecord::new(
            "abc".into(),
            Some("alice".into()),
            "slow_compute",
            Duration::from_secs(60),
            Duration::from_secs(5),
        );
        let fields = vec![
            ("record".to_owned(), encode(&record).expect("encodes")),
            ("lease_until".to_owned(), "0".to_owned()),
            ("cancel".to_owned(), "1".to_owned()),
            (
                "resp:confirm".to_owned(),
                r#"{"action":"accept"}"#.to_owned(),
            ),
        ];
        let (back, control) = decode(fields).expect("decodes").expect("a task");
        assert_eq!(back, record);
        assert!(control.cancel_requested);
        assert_eq!(control.responses["confirm"], json!({"action": "accept"}));
    }

    #[test]
    fn no_fields_is_no_task() {
        assert_eq!(decode(Vec::new()).expect("decodes"), None);
    }
}
