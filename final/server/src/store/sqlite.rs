//! A store in one SQLite file, `chat.db` in the data folder: what the `chat-server` program uses
//! unless told otherwise.
//!
//! Final server — book chapter "Persistence".
//!
//! Why SQLite: it is a library, not a server to run beside this one; one file holds everything
//! and can be copied, inspected (`sqlite3 chat-data/chat.db`) and backed up (`.backup`); and it
//! has been tested against crashes and power loss more than any code written here could be.
//! The `bundled` feature compiles it into the binary, so a machine needs nothing installed.
//!
//! Two settings matter. The journal is a write-ahead log (`journal_mode=WAL`): a commit appends
//! to the log instead of rewriting pages, which is what makes small, frequent transactions
//! cheap. And `synchronous`: with `--durability batch`, `NORMAL`: a commit is written to the log
//! before `append` returns, so a crash of this process (even `kill -9`) loses nothing committed,
//! but the log is only flushed to the disk itself (`fsync`) at checkpoints, so a power failure
//! or a crash of the whole machine can lose the last commits; with `--durability immediate`,
//! `FULL`: every commit is flushed before `append` returns. While it runs, the server holds a lock on `chat.lock` in
//! the folder: a second server pointed at the same folder is refused at start-up instead of
//! writing ids of its own into the same rooms. Other readers are welcome: the `sqlite3` shell
//! can query the file, or back it up with `.backup`, while the server runs.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, params};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::accounts::{Account, Accounts};
use super::api::{Durability, RoomHistory, Store, StoreError, StoredMessage};
use crate::names;

/// The file's name in the data folder.
pub const FILE_NAME: &str = "chat.db";

/// The file whose lock says that a server is using the folder.
const LOCK_NAME: &str = "chat.lock";

/// The schema's version, in the file's `user_version`: 0 for a new file, or one written by the
/// first version (a table clustered by room, see [`migrate`]).
const VERSION: i64 = 1;

/// The schema: one row per message, in the order they were written, with two indexes: by room
/// and id (a room's messages are read as one ordered range of the index), and by age (for
/// retention). The frame is stored as it was sent.
///
/// Why not a table clustered by (room, id), which would save the first index: a commit then
/// writes into one page per room it touches, wherever that room's rows are, and a busy server
/// touches hundreds of rooms per commit. With rows in the order they come, the rows of a commit
/// fill a few new pages at the end, and only the small index entries are spread out. Measured
/// with 1,000 rooms and batches of 1,000: 29 µs per message clustered, about 14 here (one room:
/// 3 µs either way). `cargo run --release -p chat-server --example store_speed` measures it.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS messages (
    room TEXT NOT NULL,
    id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    frame TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_room ON messages (room, id);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (at_ms);
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti TEXT PRIMARY KEY,
    until_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
)";

/// Messages in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    /// The writer's connection: appends and deletions.
    connection: Mutex<Connection>,
    /// A second connection for reads (scrollback): with a write-ahead log, a reader sees the
    /// last commit and neither waits for the writer nor makes it wait.
    reader: Mutex<Connection>,
    path: PathBuf,
    /// Held (locked) for as long as the store is open; the kernel lets go when the process
    /// ends, however it ends.
    _lock: File,
}

impl SqliteStore {
    /// Opens (or creates) `chat.db` in `dir`, creating the folder if need be. Fails with a
    /// message that says what to do when the folder cannot be written, the file is not a
    /// store or is damaged, or another server has it open.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_for(dir, Durability::Batch)
    }

    /// [`SqliteStore::open`], with the disk flushes that `durability` asks for: with
    /// [`Durability::Immediate`], every commit is flushed to the disk (`synchronous=FULL`), so
    /// that even a power failure loses no commit.
    pub fn open_for(dir: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        fs::create_dir_all(dir).map_err(|err| {
            StoreError::Open(format!(
                "cannot create the data folder {}: {err} (choose another --data-dir)",
                dir.display()
            ))
        })?;
        let lock = lock_folder(dir)?;
        let path = dir.join(FILE_NAME);
        let explain = |err: rusqlite::Error| {
            StoreError::Open(format!(
                "cannot open {}: {err} ({})",
                path.display(),
                hint(&err)
            ))
        };
        let connection = Connection::open(&path).map_err(explain)?;
        prepare(&connection, durability).map_err(explain)?;
        let reader = Connection::open(&path).map_err(explain)?;
        reader
            .busy_timeout(Duration::from_secs(1))
            .map_err(explain)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            reader: Mutex::new(reader),
            path,
            _lock: lock,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Takes the folder's lock, or says who has it.
fn lock_folder(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_NAME);
    let cannot = |err: std::io::Error| {
        StoreError::Open(format!(
            "cannot use {}: {err} (choose a writable --data-dir)",
            path.display()
        ))
    };
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(cannot)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Open(format!(
            "{} is in use: another chat-server is using this --data-dir: stop it, or give this one another folder",
            dir.display()
        ))),
        Err(TryLockError::Error(err)) => Err(cannot(err)),
    }
}

/// The settings (see the module docs), then the schema.
fn prepare(connection: &Connection, durability: Durability) -> rusqlite::Result<()> {
    // A reader (the `sqlite3` shell, a backup) may hold the file for a moment: wait that long.
    connection.busy_timeout(Duration::from_secs(1))?;
    let mode: String =
        connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "the store's journal is not a write-ahead log");
    }
    let synchronous = match durability {
        Durability::Batch => "NORMAL",
        Durability::Immediate => "FULL",
    };
    connection.pragma_update(None, "synchronous", synchronous)?;
    // After a checkpoint, a log that grew past this (one huge batch) is cut back to it.
    connection.pragma_update(None, "journal_size_limit", 16 * 1024 * 1024)?;
    // A checkpoint copies the log's pages into the file; every 4,000 pages (16 MiB, the log's
    // limit above) rather than SQLite's 1,000, so that a page written by many commits is copied
    // once. Measured: a third less time per message with many rooms.
    connection.pragma_update(None, "wal_autocheckpoint", 4_000)?;
    // Up to 64 MiB of pages kept in memory (taken only as pages are used): the index pages
    // that commits touch stay there instead of being read back.
    connection.pragma_update(None, "cache_size", -64 * 1024)?;
    migrate(connection)
}

/// Creates the schema, or brings a file of the first version up to date: its table was
/// clustered by (room, id) (`WITHOUT ROWID`); the rows are copied into the new table, in one
/// transaction, so that a crash leaves either the old table or the new one.
fn migrate(connection: &Connection) -> rusqlite::Result<()> {
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version >= VERSION {
        return connection.execute_batch(SCHEMA);
    }
    let clustered: bool = connection.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'messages' AND sql LIKE '%WITHOUT ROWID%'",
        [],
        |row| row.get(0),
    )?;
    let mut steps = String::from("BEGIN IMMEDIATE;");
    if clustered {
        tracing::info!("the message store's file is of the first version: updating it");
        steps.push_str(
            "DROP INDEX IF EXISTS messages_by_age;
             ALTER TABLE messages RENAME TO messages_v0;",
        );
    }
    steps.push_str(SCHEMA);
    steps.push(';');
    if clustered {
        steps.push_str(
            "INSERT INTO messages (room, id, at_ms, frame)
                 SELECT room, id, at_ms, frame FROM messages_v0 ORDER BY at_ms, room, id;
             DROP TABLE messages_v0;",
        );
    }
    steps.push_str(&format!("PRAGMA user_version = {VERSION}; COMMIT;"));
    connection.execute_batch(&steps)
}

/// What to do about an error at start-up, in a few words.
pub fn hint(err: &rusqlite::Error) -> &'static str {
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another chat-server is using this --data-dir: stop it, or give this one another folder"
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            "the file is not a chat store or is damaged: move it away (keep it: it may be repaired) and start again"
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            "the folder or the file cannot be written: choose a writable --data-dir"
        }
        Some(ErrorCode::DiskFull) => "the disk is full: free some space",
        _ => "choose another --data-dir, or run with --store memory",
    }
}

/// Ids are below 2^53 (see `first_message_id`), so they fit SQLite's signed integers.
fn to_sql(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn from_sql(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

/// Reads `(id, frame)` rows.
fn rows(
    statement: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<(u64, Utf8Bytes)>> {
    statement
        .query_map(params, |row| {
            let id: i64 = row.get(0)?;
            let frame: String = row.get(1)?;
            Ok((from_sql(id), Utf8Bytes::from(frame)))
        })?
        .collect()
}

impl Store for SqliteStore {
    fn append(&self, batch: &[StoredMessage]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction
                .prepare("INSERT INTO messages (room, id, at_ms, frame) VALUES (?1, ?2, ?3, ?4)")?;
            for message in batch {
                insert.execute(params![
                    message.room,
                    to_sql(message.id),
                    message.at_ms,
                    message.frame.as_str()
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn recent(&self, rooms: usize, per_room: usize) -> Result<Vec<RoomHistory>, StoreError> {
        let connection = self.reader();
        let mut list = connection.prepare(
            "SELECT room, MAX(id) FROM messages GROUP BY room ORDER BY MAX(at_ms) DESC, room LIMIT ?1",
        )?;
        let found: Vec<(String, i64)> = list
            .query_map([i64::try_from(rooms).unwrap_or(i64::MAX)], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut last = connection
            .prepare("SELECT id, frame FROM messages WHERE room = ?1 ORDER BY id DESC LIMIT ?2")?;
        let limit = i64::try_from(per_room).unwrap_or(i64::MAX);
        found
            .into_iter()
            .map(|(room, newest)| {
                let mut messages = rows(&mut last, params![room, limit])?;
                messages.reverse();
                Ok(RoomHistory {
                    room,
                    messages,
                    newest: from_sql(newest),
                })
            })
            .collect()
    }

    fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        let connection = self.reader();
        let mut select = connection.prepare(
            "SELECT id, frame FROM messages WHERE room = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(rows(&mut select, params![room, to_sql(after), limit])?)
    }

    fn before(
        &self,
        room: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Utf8Bytes)>, StoreError> {
        let connection = self.reader();
        let mut select = connection.prepare(
            "SELECT id, frame FROM messages WHERE room = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut found = rows(&mut select, params![room, to_sql(before), limit])?;
        found.reverse();
        Ok(found)
    }

    fn rows(&self) -> Result<u64, StoreError> {
        let connection = self.reader();
        let rows: i64 =
            connection.query_row("SELECT COUNT(*) FROM messages", [], |row| row.get(0))?;
        Ok(u64::try_from(rows).unwrap_or(0))
    }

    fn disk_bytes(&self) -> u64 {
        ["", "-wal"]
            .iter()
            .filter_map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                fs::metadata(name).ok()
            })
            .map(|meta| meta.len())
            .sum()
    }

    fn prune(&self, rooms: &[&str], keep: usize, before_ms: i64) -> Result<u64, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        // Old messages, through the index on at_ms: only the rows to delete are visited.
        let mut deleted =
            transaction.execute("DELETE FROM messages WHERE at_ms < ?1", [before_ms])?;
        {
            // Per room, everything below the `keep`-th newest id, found by stepping over the
            // `keep` newest entries of the primary key (which is why the journal trims a room
            // only now and then).
            let mut trim = transaction.prepare(
                "DELETE FROM messages WHERE room = ?1 AND id < \
                 (SELECT id FROM messages WHERE room = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            )?;
            let offset = i64::try_from(keep.saturating_sub(1)).unwrap_or(i64::MAX);
            for room in rooms {
                deleted += trim.execute(params![room, offset])?;
            }
        }
        transaction.commit()?;
        Ok(deleted as u64)
    }
}

/// Accounts in three more tables of the same file: `accounts` (by lowercase name), `revoked_tokens`
/// and `secrets` (the token key). Writes go through the writer's connection, reads through the
/// reader's, as for messages.
impl Accounts for SqliteStore {
    fn create_account(&self, account: &Account) -> Result<bool, StoreError> {
        let inserted = self.connection().execute(
            "INSERT OR IGNORE INTO accounts (key, name, hash, created_ms) VALUES (?1, ?2, ?3, ?4)",
            params![
                names::username_key(&account.name),
                account.name,
                account.hash,
                account.created_ms
            ],
        )?;
        Ok(inserted == 1)
    }

    fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let connection = self.reader();
        let mut select =
            connection.prepare("SELECT name, hash, created_ms FROM accounts WHERE key = ?1")?;
        let mut rows = select.query_map([names::username_key(name)], |row| {
            Ok(Account {
                name: row.get(0)?,
                hash: row.get(1)?,
                created_ms: row.get(2)?,
            })
        })?;
        Ok(rows.next().transpose()?)
    }

    fn account_keys(&self) -> Result<Vec<String>, StoreError> {
        let connection = self.reader();
        let mut select = connection.prepare("SELECT key FROM accounts ORDER BY key")?;
        let keys = select
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }

    fn revoke(&self, jti: &str, until_ms: i64, now_ms: i64) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute("DELETE FROM revoked_tokens WHERE until_ms < ?1", [now_ms])?;
        transaction.execute(
            "INSERT OR REPLACE INTO revoked_tokens (jti, until_ms) VALUES (?1, ?2)",
            params![jti, until_ms],
        )?;
        transaction.commit()?;
        Ok(())
    }

    fn is_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let connection = self.reader();
        let found: i64 = connection.query_row(
            "SELECT COUNT(*) FROM revoked_tokens WHERE jti = ?1",
            [jti],
            |row| row.get(0),
        )?;
        Ok(found > 0)
    }

    fn token_key(&self, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        let connection = self.connection();
        connection.execute(
            "INSERT OR IGNORE INTO secrets (name, value) VALUES ('token_key', ?1)",
            [fresh],
        )?;
        let key: Vec<u8> = connection.query_row(
            "SELECT value FROM secrets WHERE name = 'token_key'",
            [],
            |row| row.get(0),
        )?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_store_keeps_accounts_by_the_rules_and_across_a_reopen() {
        let dir = folder("accounts");
        let store = SqliteStore::open(&dir).unwrap();
        super::super::accounts::check(&store);
        drop(store);
        let again = SqliteStore::open(&dir).unwrap();
        assert!(again.account("alice").unwrap().is_some());
        assert_eq!(again.token_key(&[9; 32]).unwrap(), [1; 32]);
    }

    /// A fresh folder for one test, under the workspace's `target/` (git-ignored).
    fn folder(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/test-stores")
            .join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_sqlite_store_passes_the_conformance_suite() {
        let dir = folder("conformance");
        super::super::conformance::check(&SqliteStore::open(&dir).unwrap());
    }

    #[test]
    fn what_was_committed_is_there_when_the_file_is_opened_again() {
        let dir = folder("reopen");
        let store = SqliteStore::open(&dir).unwrap();
        let batch = super::super::conformance::messages("r", 1..=3);
        store.append(&batch).unwrap();
        drop(store);
        let again = SqliteStore::open(&dir).unwrap();
        let recent = again.recent(10, 10).unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].newest, 3);
        assert_eq!(recent[0].messages.len(), 3);
    }

    /// The bytes the store takes on the disk: the file and its log.
    fn disk_bytes(dir: &Path) -> u64 {
        ["chat.db", "chat.db-wal"]
            .iter()
            .filter_map(|name| fs::metadata(dir.join(name)).ok())
            .map(|meta| meta.len())
            .sum()
    }

    #[test]
    fn a_file_of_the_first_version_is_brought_up_to_date_with_its_messages() {
        let dir = folder("migrate");
        fs::create_dir_all(&dir).unwrap();
        {
            // What the first version wrote: a table clustered by (room, id).
            let old = Connection::open(dir.join(FILE_NAME)).unwrap();
            old.execute_batch(
                "CREATE TABLE messages (room TEXT NOT NULL, id INTEGER NOT NULL,
                     at_ms INTEGER NOT NULL, frame TEXT NOT NULL, PRIMARY KEY (room, id)) WITHOUT ROWID;
                 CREATE INDEX messages_by_age ON messages (at_ms);
                 INSERT INTO messages VALUES ('r', 1, 10, 'one'), ('r', 2, 20, 'two'), ('s', 7, 15, 'seven');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&dir).unwrap();
        let read = store.after("r", 0, 10).unwrap();
        assert_eq!(
            read,
            [(1, Utf8Bytes::from("one")), (2, Utf8Bytes::from("two"))]
        );
        assert_eq!(store.rows().unwrap(), 3);
        store
            .append(&super::super::conformance::messages("r", 3..=3))
            .unwrap();
        let version: i64 = store
            .reader()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        drop(store);
        // And opening it again changes nothing.
        let again = SqliteStore::open(&dir).unwrap();
        assert_eq!(again.rows().unwrap(), 4);
    }

    #[test]
    fn with_retention_the_file_stops_growing_however_much_is_written() {
        let dir = folder("bounded");
        let store = SqliteStore::open(&dir).unwrap();
        let rooms = ["a", "b", "c", "d", "e"];
        let mut sizes = Vec::new();
        let mut next = 1;
        // 80 rounds of 2,000 messages of 200 bytes, each room kept to its newest 100: what
        // the journal does after each commit.
        for _ in 0..80 {
            let batch: Vec<StoredMessage> = (0..2_000)
                .map(|n| {
                    let room = rooms[n % rooms.len()];
                    next += 1;
                    StoredMessage {
                        room: room.to_owned(),
                        id: next,
                        at_ms: 1_700_000_000_000,
                        frame: Utf8Bytes::from("x".repeat(200)),
                    }
                })
                .collect();
            store.append(&batch).unwrap();
            store.prune(&rooms, 100, 0).unwrap();
            sizes.push(disk_bytes(&dir));
        }
        let kept: usize = rooms
            .iter()
            .map(|room| store.after(room, 0, 10_000).unwrap().len())
            .sum();
        assert_eq!(kept, 500, "100 per room");
        eprintln!("bytes on disk after each 2,000 messages: {sizes:?}");
        // The log grows to its checkpoint (16 MiB) and is then written over from its start:
        // the second half of the run must not go above the first half's highest.
        let first = sizes[..40].iter().max().copied().unwrap_or(0);
        let second = sizes[40..].iter().max().copied().unwrap_or(0);
        assert!(
            second <= first + first / 20,
            "the file grew from {first} to {second} bytes in the second 80,000 messages: {sizes:?}"
        );
    }

    #[test]
    fn a_second_store_on_the_same_folder_is_refused_with_what_to_do() {
        let dir = folder("locked");
        let _first = SqliteStore::open(&dir).unwrap();
        let err = SqliteStore::open(&dir).unwrap_err().to_string();
        assert!(err.contains("another chat-server"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_store_is_refused_with_what_to_do() {
        let dir = folder("garbage");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(FILE_NAME), vec![0x42u8; 8192]).unwrap();
        let err = SqliteStore::open(&dir).unwrap_err().to_string();
        assert!(err.contains("not a chat store or is damaged"), "{err}");
    }
}
