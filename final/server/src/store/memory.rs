//! A store in memory: nothing survives the process. It is the simplest thing that passes the
//! [`conformance`](super::conformance) suite, which makes it the example to read first, and it
//! lets tests use a store without a file.
//!
//! Final server — book chapter "Persistence".

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::accounts::{Account, Accounts};
use super::api::{RoomHistory, Store, StoreError, StoredMessage};
use crate::names;

/// One room's messages: id → (when, frame).
type Messages = BTreeMap<u64, (i64, Utf8Bytes)>;

/// Every room's messages, by id, in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    rooms: Mutex<BTreeMap<String, Messages>>,
    accounts: Mutex<AccountState>,
}

/// Accounts, revoked tokens and the token key, in memory. (`Debug` shows how many, never a
/// hash or the key.)
#[derive(Default)]
struct AccountState {
    /// Lowercase name → account.
    accounts: BTreeMap<String, Account>,
    /// Revoked `jti` → until when.
    revoked: BTreeMap<String, i64>,
    key: Option<Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn rooms(&self) -> MutexGuard<'_, BTreeMap<String, Messages>> {
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn accounts(&self) -> MutexGuard<'_, AccountState> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for AccountState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountState")
            .field("accounts", &self.accounts.len())
            .field("revoked", &self.revoked.len())
            .finish_non_exhaustive()
    }
}

impl Accounts for MemoryStore {
    fn create_account(&self, account: &Account) -> Result<bool, StoreError> {
        let mut state = self.accounts();
        let key = names::username_key(&account.name);
        if state.accounts.contains_key(&key) {
            return Ok(false);
        }
        state.accounts.insert(key, account.clone());
        Ok(true)
    }

    fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        Ok(self
            .accounts()
            .accounts
            .get(&names::username_key(name))
            .cloned())
    }

    fn account_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.accounts().accounts.keys().cloned().collect())
    }

    fn revoke(&self, jti: &str, until_ms: i64, now_ms: i64) -> Result<(), StoreError> {
        let mut state = self.accounts();
        state.revoked.retain(|_, until| *until >= now_ms);
        state.revoked.insert(jti.to_owned(), until_ms);
        Ok(())
    }

    fn is_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.accounts().revoked.contains_key(jti))
    }

    fn token_key(&self, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        Ok(self
            .accounts()
            .key
            .get_or_insert_with(|| fresh.to_vec())
            .clone())
    }
}

impl Store for MemoryStore {
    fn append(&self, batch: &[StoredMessage]) -> Result<(), StoreError> {
        let mut rooms = self.rooms();
        for message in batch {
            rooms
                .entry(message.room.clone())
                .or_default()
                .insert(message.id, (message.at_ms, message.frame.clone()));
        }
        Ok(())
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
        let rooms = self.rooms();
        Ok(rooms.get(room).map_or_else(Vec::new, |messages| {
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
        let rooms = self.rooms();
        let mut found: Vec<(u64, Utf8Bytes)> = rooms.get(room).map_or_else(Vec::new, |messages| {
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

    fn prune(&self, rooms: &[&str], keep: usize, before_ms: i64) -> Result<u64, StoreError> {
        let mut all = self.rooms();
        let mut deleted = 0;
        for messages in all.values_mut() {
            let before = messages.len();
            messages.retain(|_, (at_ms, _)| *at_ms >= before_ms);
            deleted += before - messages.len();
        }
        for room in rooms {
            if let Some(messages) = all.get_mut(*room) {
                while messages.len() > keep {
                    messages.pop_first();
                    deleted += 1;
                }
            }
        }
        all.retain(|_, messages| !messages.is_empty());
        Ok(deleted as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_store_passes_the_conformance_suite() {
        super::super::conformance::check(&MemoryStore::new());
    }

    #[test]
    fn the_memory_store_keeps_accounts_by_the_rules() {
        super::super::accounts::check(&MemoryStore::new());
    }

    #[test]
    fn a_revoked_token_past_its_expiry_is_forgotten_at_the_next_revocation() {
        let store = MemoryStore::new();
        store.revoke("old", 1_000, 10).unwrap();
        store.revoke("new", 5_000, 2_000).unwrap();
        assert!(!store.is_revoked("old").unwrap());
        assert!(store.is_revoked("new").unwrap());
    }
}
