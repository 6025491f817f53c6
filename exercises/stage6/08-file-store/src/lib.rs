//! # Exercise 6.8 — A store in a file
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "The store trait".
//! Check it with `cargo ex check 6.8`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.8`.
//!
//! ## Task
//!
//! The server keeps room messages through the [`Store`] trait; SQLite, Redis and memory implement
//! it, and the public conformance suite (`chat_server::store::conformance`) holds every backend to
//! the same rules. Write one more: [`FileStore`], an append-only file of JSON lines, one
//! message per line, the simplest durable format there is.
//!
//! The reads are given: the store keeps every message in memory too, in the server's own
//! `MemoryStore` (reused, not copied), filled from the file when it is opened, and `recent`,
//! `after`, `before` and `rows` ask it. You write the three parts that touch the file:
//!
//! - [`FileStore::open`]: create the file if it is missing; read every line into `memory`. The
//!   process may have been killed in the middle of a write, so a last line without its `\n` is a
//!   torn write: drop it, and cut it off the file (`File::set_len`), or the next line written would
//!   be glued to it. Any *complete* line that is not a message is damage the store cannot explain:
//!   refuse to open (`StoreError::Open` with the line's number), rather than lose data silently.
//! - `append`: write the whole batch with one `write_all`, then `sync_data` so that it is on the
//!   disk before the call returns; only then add it to `memory`. A batch is all or nothing: on an
//!   error, cut the file back to its length before the write (`set_len`), so that none of the
//!   batch comes back at the next open and no torn line is left in the middle of the file, and
//!   leave `memory` unchanged.
//! - `prune`: prune `memory` (it knows how); then, if anything was deleted, write the lines of
//!   the file that `memory` still holds to a new file next to the old one, `sync_all` it, and
//!   `rename` it over the old one (a rename is atomic: a crash leaves either file, never half of
//!   one). Keep appending to the new file afterwards.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chat_server::store::{MemoryStore, RoomHistory, Store, StoreError, StoredMessage};
use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One line of the file: one message.
#[derive(Debug, Serialize, Deserialize)]
pub struct Line {
    /// The room.
    pub room: String,
    /// The message's id in its room.
    pub id: u64,
    /// When the server accepted it, in milliseconds since 1970.
    pub at_ms: i64,
    /// The encoded `message` frame.
    pub frame: String,
}

impl Line {
    /// The message of this line.
    pub fn message(self) -> StoredMessage {
        StoredMessage {
            room: self.room,
            id: self.id,
            at_ms: self.at_ms,
            frame: Utf8Bytes::from(self.frame),
        }
    }

    /// The line of `message`, with its `\n`.
    pub fn of(message: &StoredMessage) -> String {
        let line = Line {
            room: message.room.clone(),
            id: message.id,
            at_ms: message.at_ms,
            frame: message.frame.to_string(),
        };
        let mut text = serde_json::to_string(&line).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// An append-only file of JSON lines, and the same messages in memory for reading.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// The file, opened for appending.
    file: Mutex<File>,
    /// Every message the file has, for reading.
    memory: MemoryStore,
}

/// An I/O error, as a store error.
fn failed(what: &str, path: &Path, err: std::io::Error) -> StoreError {
    StoreError::Open(format!("{what} {}: {err}", path.display()))
}

impl FileStore {
    /// Opens the store in the file at `path`, creating it if need be.
    pub fn open(path: &Path) -> Result<FileStore, StoreError> {
        todo!()
    }

    fn file(&self) -> MutexGuard<'_, File> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for FileStore {
    fn append(&self, batch: &[StoredMessage]) -> Result<(), StoreError> {
        todo!()
    }

    fn prune(&self, rooms: &[&str], keep: usize, before_ms: i64) -> Result<u64, StoreError> {
        todo!()
    }

    fn recent(&self, rooms: usize, per_room: usize) -> Result<Vec<RoomHistory>, StoreError> {
        self.memory.recent(rooms, per_room)
    }

    fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        self.memory.after(room, after, limit)
    }

    fn before(
        &self,
        room: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        self.memory.before(room, before, limit)
    }

    fn rows(&self) -> Result<u64, StoreError> {
        self.memory.rows()
    }

    fn disk_bytes(&self) -> u64 {
        fs::metadata(&self.path).map_or(0, |meta| meta.len())
    }
}

#[cfg(test)]
mod tests;
