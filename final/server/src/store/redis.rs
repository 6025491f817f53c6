//! A store in Redis: the rooms' streams that the broker writes when several instances share
//! rooms (`--redis-url`), read and pruned through the same [`Store`] trait as the others.
//!
//! Final server — book chapter "Persistence", section "The store trait"; chapter "Scaling out".
//!
//! With Redis, a message is stored by the broker's send script, in the same atomic step that
//! gives it its id and publishes it (book: "Scaling out"), so nothing goes through
//! [`Store::append`] there: the server uses this backend to read a room's older messages
//! (scrollback) and to delete messages older than `--retain-days`. `append` writes exactly what
//! the script writes, so that the [conformance suite](super::conformance) can hold this backend
//! to the same rules as the others, on the same layout.
//!
//! The layout, shared with the broker: a room's messages are the stream `chat:room:<room>:log`,
//! one entry per message, whose id is `<message id>-1` and whose fields are `f`, the frame, and
//! `t`, when it was accepted (milliseconds since 1970); every room's name is in the set
//! `chat:rooms`. The stream keeps a room's last `--history` messages (the script trims it).
//!
//! The [`Store`] methods block, as the trait says: this backend holds a plain (blocking)
//! Redis connection, every command bounded by [`TIMEOUT`], and is called from blocking threads.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::Commands;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::accounts::{Account, Accounts};
use super::api::{RoomHistory, Store, StoreError, StoredMessage};
use crate::names;

/// The set of every room's name.
pub const ROOMS_KEY: &str = "chat:rooms";

/// Accounts: a hash from lowercase name to the account, as JSON `{"name","hash","created_ms"}`.
pub const ACCOUNTS_KEY: &str = "chat:accounts";

/// The key tokens are signed with, shared by every instance.
pub const TOKEN_KEY: &str = "chat:token_key";

/// A revoked token: `chat:revoked:<jti>`, which expires when the token would have.
pub fn revoked_key(jti: &str) -> String {
    format!("chat:revoked:{jti}")
}

/// The longest any command may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// How many entries an age cut-off reads at a time.
const AGE_STEP: usize = 256;

/// The stream of a room's messages.
pub fn stream_key(room: &str) -> String {
    format!("chat:room:{room}:log")
}

/// The id of a stream entry (`<message id>-1`), as a message id.
pub fn stream_id(entry: &str) -> Option<u64> {
    entry.split_once('-')?.0.parse().ok()
}

/// A stream entry as Redis returns it: its id, and its fields.
type Entry = (String, Vec<(String, String)>);

/// Messages in Redis, through one blocking connection.
pub struct RedisStore {
    connection: Mutex<redis::Connection>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port`). Blocking: call it from a thread that may block.
    pub fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url)?;
        let connection = client.get_connection_with_timeout(TIMEOUT)?;
        connection.set_read_timeout(Some(TIMEOUT))?;
        connection.set_write_timeout(Some(TIMEOUT))?;
        Ok(RedisStore {
            connection: Mutex::new(connection),
        })
    }

    fn connection(&self) -> MutexGuard<'_, redis::Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn rooms(&self, redis: &mut redis::Connection) -> Result<Vec<String>, StoreError> {
        let mut rooms: Vec<String> = redis.smembers(ROOMS_KEY)?;
        rooms.sort_unstable();
        Ok(rooms)
    }
}

/// `XRANGE key start end COUNT count` (oldest first), or `XREVRANGE key start end …` (newest
/// first) with `reverse`. (Written as commands: the `redis` crate's stream methods need a
/// feature this server does not otherwise use.)
fn range(
    redis: &mut redis::Connection,
    reverse: bool,
    key: &str,
    start: &str,
    end: &str,
    count: usize,
) -> Result<Vec<Entry>, StoreError> {
    let command = if reverse { "XREVRANGE" } else { "XRANGE" };
    Ok(redis::cmd(command)
        .arg(key)
        .arg(start)
        .arg(end)
        .arg("COUNT")
        .arg(count)
        .query(redis)?)
}

/// `(id, frame)` of each entry, in the order given.
fn messages(entries: Vec<Entry>) -> Vec<(u64, Utf8Bytes)> {
    entries
        .into_iter()
        .filter_map(|(id, fields)| {
            let id = stream_id(&id)?;
            let frame = fields.into_iter().find(|(field, _)| field == "f")?.1;
            Some((id, Utf8Bytes::from(frame)))
        })
        .collect()
}

/// When an entry was accepted; `None` for an entry without a time (written before times were
/// kept), which age never deletes.
fn accepted(fields: &[(String, String)]) -> Option<i64> {
    fields
        .iter()
        .find(|(field, _)| field == "t")
        .and_then(|(_, at)| at.parse().ok())
}

impl Store for RedisStore {
    fn append(&self, batch: &[StoredMessage]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        for message in batch {
            pipe.cmd("XADD")
                .arg(stream_key(&message.room))
                .arg(format!("{}-1", message.id))
                .arg("f")
                .arg(message.frame.as_str())
                .arg("t")
                .arg(message.at_ms)
                .ignore();
            pipe.sadd(ROOMS_KEY, &message.room).ignore();
        }
        let () = pipe.query(&mut *self.connection())?;
        Ok(())
    }

    fn recent(&self, rooms: usize, per_room: usize) -> Result<Vec<RoomHistory>, StoreError> {
        let mut redis = self.connection();
        let mut found = Vec::new();
        for room in self.rooms(&mut redis)? {
            let mut entries = range(
                &mut redis,
                true,
                &stream_key(&room),
                "+",
                "-",
                per_room.max(1),
            )?;
            let Some((newest, fields)) = entries.first() else {
                continue; // a room whose messages are all gone
            };
            let newest_at = accepted(fields).unwrap_or(0);
            let Some(newest) = stream_id(newest) else {
                continue;
            };
            entries.reverse();
            let mut history = messages(entries);
            if per_room == 0 {
                history.clear();
            }
            found.push((
                newest_at,
                RoomHistory {
                    room,
                    messages: history,
                    newest,
                },
            ));
        }
        // The rooms with the newest messages first, then by name (as SQLite orders them).
        found.sort_by(|(a_at, a), (b_at, b)| b_at.cmp(a_at).then_with(|| a.room.cmp(&b.room)));
        Ok(found
            .into_iter()
            .take(rooms)
            .map(|(_, room)| room)
            .collect())
    }

    fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        if limit == 0 || after == u64::MAX {
            return Ok(Vec::new());
        }
        let start = format!("{}-0", after + 1);
        let mut redis = self.connection();
        let entries = range(&mut redis, false, &stream_key(room), &start, "+", limit)?;
        Ok(messages(entries))
    }

    fn before(
        &self,
        room: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        if limit == 0 || before == 0 {
            return Ok(Vec::new());
        }
        // Entries are `<id>-1`: everything up to `<before - 1>-<max>` is below `before`.
        let end = format!("{}-{}", before - 1, u64::MAX);
        let mut redis = self.connection();
        let mut entries = range(&mut redis, true, &stream_key(room), &end, "-", limit)?;
        entries.reverse();
        Ok(messages(entries))
    }

    fn rows(&self) -> Result<u64, StoreError> {
        let mut redis = self.connection();
        let mut rows = 0;
        for room in self.rooms(&mut redis)? {
            let length: u64 = redis::cmd("XLEN")
                .arg(stream_key(&room))
                .query(&mut *redis)?;
            rows += length;
        }
        Ok(rows)
    }

    fn prune(&self, rooms: &[&str], keep: usize, before_ms: i64) -> Result<u64, StoreError> {
        let mut redis = self.connection();
        let mut deleted = 0;
        // Age: from each room's oldest entry on, while they are older than the cut-off.
        for room in self.rooms(&mut redis)? {
            let key = stream_key(&room);
            loop {
                let entries = range(&mut redis, false, &key, "-", "+", AGE_STEP)?;
                let old: Vec<&String> = entries
                    .iter()
                    .take_while(|(_, fields)| accepted(fields).is_some_and(|at| at < before_ms))
                    .map(|(id, _)| id)
                    .collect();
                if !old.is_empty() {
                    let removed: u64 = redis::cmd("XDEL").arg(&key).arg(&old).query(&mut *redis)?;
                    deleted += removed;
                }
                if old.len() < AGE_STEP {
                    break;
                }
            }
        }
        // Count: exact trimming of the rooms named.
        for room in rooms {
            let removed: u64 = redis::cmd("XTRIM")
                .arg(stream_key(room))
                .arg("MAXLEN")
                .arg(keep)
                .query(&mut *redis)?;
            deleted += removed;
        }
        Ok(deleted)
    }
}

/// Accounts in Redis, so that every instance knows every account and refuses every revoked
/// token: a hash of accounts (`HSETNX`: the first to register a name has it), one key per
/// revoked token that Redis itself deletes when the token expires, and the token key (`SET NX`:
/// the first instance to start makes it, the others read it).
impl Accounts for RedisStore {
    fn create_account(&self, account: &Account) -> Result<bool, StoreError> {
        let value = serde_json::json!({
            "name": account.name,
            "hash": account.hash,
            "created_ms": account.created_ms,
        })
        .to_string();
        let created: bool = redis::cmd("HSETNX")
            .arg(ACCOUNTS_KEY)
            .arg(names::username_key(&account.name))
            .arg(value)
            .query(&mut *self.connection())?;
        Ok(created)
    }

    fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let value: Option<String> = self
            .connection()
            .hget(ACCOUNTS_KEY, names::username_key(name))?;
        let Some(value) = value else {
            return Ok(None);
        };
        let json: serde_json::Value = serde_json::from_str(&value)
            .map_err(|err| StoreError::Open(format!("an account in Redis is damaged: {err}")))?;
        Ok(Some(Account {
            name: json["name"].as_str().unwrap_or_default().to_owned(),
            hash: json["hash"].as_str().unwrap_or_default().to_owned(),
            created_ms: json["created_ms"].as_i64().unwrap_or_default(),
        }))
    }

    fn account_keys(&self) -> Result<Vec<String>, StoreError> {
        let mut keys: Vec<String> = self.connection().hkeys(ACCOUNTS_KEY)?;
        keys.sort_unstable();
        Ok(keys)
    }

    fn revoke(&self, jti: &str, until_ms: i64, now_ms: i64) -> Result<(), StoreError> {
        // Redis deletes the entry when the token would have expired; one that has already
        // expired needs none.
        if until_ms <= now_ms {
            return Ok(());
        }
        let () = redis::cmd("SET")
            .arg(revoked_key(jti))
            .arg(1)
            .arg("PXAT")
            .arg(until_ms)
            .query(&mut *self.connection())?;
        Ok(())
    }

    fn is_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.connection().exists(revoked_key(jti))?)
    }

    fn token_key(&self, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut redis = self.connection();
        let _: bool = redis.set_nx(TOKEN_KEY, fresh)?;
        let key: Vec<u8> = redis.get(TOKEN_KEY)?;
        Ok(key)
    }
}
