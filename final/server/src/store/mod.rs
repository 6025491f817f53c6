//! Where room messages are kept beyond memory, so that a restart loses nothing: the [`Store`]
//! trait, its backends, and the [`Journal`] that writes to one without slowing anyone down.
//!
//! Final server — book chapter "Persistence".
//!
//! The hub keeps each room's last messages in memory (the hot cache that `join` serves). With a
//! store, every message the hub accepts is also handed to the [`Journal`]: a bounded queue and
//! one writer thread that commits what has arrived in batches, one transaction per batch
//! ("group commit"). The hub never waits for the disk: handing a message over is one
//! `try_send`. At start-up the server reads each room's last messages back
//! ([`Store::recent`]), so the hot cache, and the ids, carry on where they stopped.
//!
//! The parts: `api` is the trait and its types; [`sqlite`](SqliteStore) keeps messages in one
//! SQLite file (the default of the `chat-server` program), [`memory`](MemoryStore) in ordered
//! maps (for tests, and as the simplest example of the trait), [`redis`] reads the streams that
//! the broker writes when instances share rooms through Redis, `journal` is the writer, and
//! [`conformance`] is the test suite every backend must pass. Dependency direction: every other
//! part uses `api`, and `journal` uses the counters ([`Stats`](crate::stats::Stats)) too; the
//! parts do not use each other; this module only re-exports them. The hub uses the journal;
//! nothing here uses the hub.

mod accounts;
mod api;
pub mod conformance;
mod journal;
mod memory;
pub mod redis;
mod sqlite;

pub use self::redis::RedisStore;
pub use accounts::{Account, Accounts, check as check_accounts};
pub use api::{Durability, Retention, RoomHistory, Store, StoreError, StoredMessage, now_ms};
pub use journal::{Held, Journal, Publish, QUEUE_CAPACITY};
pub use memory::MemoryStore;
pub use sqlite::{FILE_NAME, SqliteStore, hint as what_to_do};
