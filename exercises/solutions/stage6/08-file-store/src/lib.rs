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
//! The reads are given: the store keeps every message in memory too (`rooms`), filled from the
//! file when it is opened, and `recent`, `after`, `before` and `rows` read that. You write the
//! three parts that touch the file:
//!
//! - [`FileStore::open`]: create the file if it is missing; read every line into `rooms`. The
//!   process may have been killed in the middle of a write, so a last line without its `\n` is a
//!   torn write: drop it, and cut it off the file (`File::set_len`), or the next line written would
//!   be glued to it. Any *complete* line that is not a message is damage the store cannot explain:
//!   refuse to open (`StoreError::Open` with the line's number), rather than lose data silently.
//! - `append`: write the whole batch with one `write_all`, then `sync_data` so that it is on the
//!   disk before the call returns; only then add it to `rooms`. On an error, `rooms` is unchanged.
//! - `prune`: what [`Store::prune`] says, in `rooms`; then, if anything was deleted, write what is
//!   left to a new file next to the old one, `sync_all` it, and `rename` it over the old one (a
//!   rename is atomic: a crash leaves either file, never half of one). Keep appending to the new
//!   file afterwards.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chat_server::store::{RoomHistory, Store, StoreError, StoredMessage};
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

/// One room's messages: id → (when, frame).
type Messages = BTreeMap<u64, (i64, Utf8Bytes)>;

/// An append-only file of JSON lines, and the same messages in memory for reading.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// The file, opened for appending.
    file: Mutex<File>,
    /// Every room's messages, as the file has them.
    rooms: Mutex<BTreeMap<String, Messages>>,
}

/// An I/O error, as a store error.
fn failed(what: &str, path: &Path, err: std::io::Error) -> StoreError {
    StoreError::Open(format!("{what} {}: {err}", path.display()))
}

impl FileStore {
    /// Opens the store in the file at `path`, creating it if need be.
    pub fn open(path: &Path) -> Result<FileStore, StoreError> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|err| failed("cannot open", path, err))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|err| failed("cannot read", path, err))?;
        // What follows the last newline is a write cut short: not a message, and cut off.
        let good = text.rfind('\n').map_or(0, |last| last + 1);
        let mut rooms: BTreeMap<String, Messages> = BTreeMap::new();
        for (number, line) in text[..good].lines().enumerate() {
            let line: Line = serde_json::from_str(line).map_err(|err| {
                StoreError::Open(format!("{} line {}: {err}", path.display(), number + 1))
            })?;
            rooms
                .entry(line.room)
                .or_default()
                .insert(line.id, (line.at_ms, Utf8Bytes::from(line.frame)));
        }
        if good < text.len() {
            file.set_len(good as u64)
                .map_err(|err| failed("cannot repair", path, err))?;
        }
        Ok(FileStore {
            path: path.to_owned(),
            file: Mutex::new(file),
            rooms: Mutex::new(rooms),
        })
    }

    fn rooms(&self) -> MutexGuard<'_, BTreeMap<String, Messages>> {
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn file(&self) -> MutexGuard<'_, File> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `rooms` to a new file and puts it in the old one's place: the new file to append to.
    fn rewrite(&self, rooms: &BTreeMap<String, Messages>) -> Result<File, StoreError> {
        let fresh = self.path.with_extension("tmp");
        let mut text = String::new();
        for (room, messages) in rooms {
            for (id, (at_ms, frame)) in messages {
                let message = StoredMessage {
                    room: room.clone(),
                    id: *id,
                    at_ms: *at_ms,
                    frame: frame.clone(),
                };
                text.push_str(&Line::of(&message));
            }
        }
        let mut file = File::create(&fresh).map_err(|err| failed("cannot create", &fresh, err))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| failed("cannot write", &fresh, err))?;
        fs::rename(&fresh, &self.path).map_err(|err| failed("cannot replace", &self.path, err))?;
        OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|err| failed("cannot open", &self.path, err))
    }
}

impl Store for FileStore {
    fn append(&self, batch: &[StoredMessage]) -> Result<(), StoreError> {
        let text: String = batch.iter().map(Line::of).collect();
        let mut file = self.file();
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|err| failed("cannot write", &self.path, err))?;
        let mut rooms = self.rooms();
        for message in batch {
            rooms
                .entry(message.room.clone())
                .or_default()
                .insert(message.id, (message.at_ms, message.frame.clone()));
        }
        Ok(())
    }

    fn prune(&self, rooms: &[&str], keep: usize, before_ms: i64) -> Result<u64, StoreError> {
        let mut file = self.file();
        let mut all = self.rooms();
        let mut kept = all.clone();
        let mut deleted = 0;
        for messages in kept.values_mut() {
            let before = messages.len();
            messages.retain(|_, (at_ms, _)| *at_ms >= before_ms);
            deleted += before - messages.len();
        }
        for room in rooms {
            if let Some(messages) = kept.get_mut(*room) {
                while messages.len() > keep {
                    messages.pop_first();
                    deleted += 1;
                }
            }
        }
        kept.retain(|_, messages| !messages.is_empty());
        if deleted > 0 {
            // The file first: if it cannot be rewritten, memory still matches it.
            *file = self.rewrite(&kept)?;
            *all = kept;
        }
        Ok(deleted as u64)
    }

    fn recent(&self, rooms: usize, per_room: usize) -> Result<Vec<RoomHistory>, StoreError> {
        let all = self.rooms();
        let mut found: Vec<(i64, RoomHistory)> = all
            .iter()
            .filter_map(|(room, messages)| {
                let (&newest, _) = messages.last_key_value()?;
                let at_ms = messages.values().map(|(at_ms, _)| *at_ms).max()?;
                let skip = messages.len().saturating_sub(per_room);
                let last = messages
                    .iter()
                    .skip(skip)
                    .map(|(id, (_, frame))| (*id, frame.clone()))
                    .collect();
                let history = RoomHistory {
                    room: room.clone(),
                    messages: last,
                    newest,
                };
                Some((at_ms, history))
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.room.cmp(&b.1.room)));
        Ok(found
            .into_iter()
            .take(rooms)
            .map(|(_, history)| history)
            .collect())
    }

    fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        Ok(self.rooms().get(room).map_or_else(Vec::new, |messages| {
            messages
                .range(after.saturating_add(1)..)
                .take(limit)
                .map(|(id, (_, frame))| (*id, frame.clone()))
                .collect()
        }))
    }

    fn before(
        &self,
        room: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        let mut found: Vec<(u64, Utf8Bytes)> =
            self.rooms().get(room).map_or_else(Vec::new, |messages| {
                messages
                    .range(..before)
                    .rev()
                    .take(limit)
                    .map(|(id, (_, frame))| (*id, frame.clone()))
                    .collect()
            });
        found.reverse();
        Ok(found)
    }

    fn rows(&self) -> Result<u64, StoreError> {
        Ok(self
            .rooms()
            .values()
            .map(|messages| messages.len() as u64)
            .sum())
    }

    fn disk_bytes(&self) -> u64 {
        fs::metadata(&self.path).map_or(0, |meta| meta.len())
    }
}

#[cfg(test)]
#[path = "../../../../stage6/08-file-store/src/tests.rs"]
mod tests;
