//! What a store is: the [`Store`] trait every backend implements, and the types it speaks.
//!
//! Final server — book chapter "Persistence".

use std::fmt;

use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One room message as stored: the room, its id, when it was accepted, and the frame exactly as
/// the members received it (so that a replay is byte for byte what was said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The room's name.
    pub room: String,
    /// The message's id in its room (ids only increase).
    pub id: u64,
    /// When the server accepted it, in milliseconds since 1970 (for pruning by age).
    pub at_ms: i64,
    /// The encoded `message` frame.
    pub frame: Utf8Bytes,
}

/// A room's last messages, as read back at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomHistory {
    /// The room's name.
    pub room: String,
    /// Its last messages, oldest first: (id, encoded frame).
    pub messages: Vec<(u64, Utf8Bytes)>,
    /// The newest id stored for the room: new messages must get larger ones.
    pub newest: u64,
}

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store's folder or file could not be created or opened.
    #[error("{0}")]
    Open(String),
    /// SQLite refused a statement (the disk is full, the file is corrupt, …).
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Redis could not be reached, or refused a command.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

// ANCHOR: store
/// Somewhere room messages are kept. A backend must keep, for each room, messages in the order
/// of their ids, never lose a batch it accepted in part (a batch is all or nothing), and
/// answer reads from what it holds; [`conformance::check`](super::conformance::check) tests the
/// order and the reads (a batch's all-or-nothing is SQLite's transaction, not tested there).
///
/// The methods block (SQLite does file I/O): the journal calls them from its own thread, and
/// the server reads at start-up, before it accepts anyone.
pub trait Store: Send + Sync + fmt::Debug {
    /// Appends `batch`, in order, as one unit: after an error, none of it is stored.
    fn append(&self, batch: &[StoredMessage]) -> Result<(), StoreError>;

    /// The rooms with messages, at most `rooms` of them (those with the newest messages
    /// first), each with its last `per_room` messages.
    fn recent(&self, rooms: usize, per_room: usize) -> Result<Vec<RoomHistory>, StoreError>;

    /// The messages of `room` with an id above `after`, oldest first, at most `limit`.
    fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError>;

    /// The `limit` messages of `room` just before id `before`, oldest first.
    fn before(
        &self,
        room: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError>;

    /// How many messages it holds (for `/metrics`; may scan them all: the journal asks once,
    /// at start, and counts from there).
    fn rows(&self) -> Result<u64, StoreError>;

    /// The bytes it takes on the disk (0 for a store that has no file).
    fn disk_bytes(&self) -> u64 {
        0
    }

    /// Retention: deletes all but the newest `keep` messages of each of `rooms`, and every
    /// message of any room accepted before `before_ms`. Returns how many were deleted.
    fn prune(&self, rooms: &[&str], keep: usize, before_ms: i64) -> Result<u64, StoreError>;
}
// ANCHOR_END: store

/// How much the store keeps (`--retain-messages`, `--retain-days`): what bounds its size on
/// the disk whatever the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Messages kept per room, the newest.
    pub messages: usize,
    /// Messages older than this are deleted; `None`: kept whatever their age.
    pub max_age: Option<std::time::Duration>,
}

impl Retention {
    /// The time, in milliseconds since 1970, before which messages are too old when it is
    /// `now_ms`; `None` when age does not matter.
    pub fn cut_off(&self, now_ms: i64) -> Option<i64> {
        let age = self.max_age?;
        Some(now_ms.saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX)))
    }
}

/// When a message counts as kept (`--durability`): what a crash may take away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Messages are delivered at once and committed within `--commit-interval`: a crash may
    /// lose the last interval's messages, which their members had already seen.
    #[default]
    Batch,
    /// A message is committed, and flushed to the disk, before anyone receives it: whatever a
    /// member saw survives a crash, even a power failure; each message waits for a commit.
    Immediate,
}

/// Milliseconds since 1970, for a stored message's time.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}
