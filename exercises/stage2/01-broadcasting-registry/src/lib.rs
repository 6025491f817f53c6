//! # Exercise 2.1 — Broadcasting registry
//!
//! Stage 2 — Concurrency. Book: chapter 2, "Shared state: the registry".
//! Check it with `cargo ex check 2.1`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 2.1`.
//!
//! ## Task
//!
//! Here is a registry like the chapter's, reduced to its core: a map from [`ClientId`] to the
//! sending end of each client's bounded queue, shared by every task through
//! `Arc<Mutex<...>>`. Clients join and leave while other tasks broadcast. Implement:
//!
//! - [`Registry::leave`]: remove a client; return whether it was there.
//! - [`Registry::broadcast`]: queue the message for every client **without ever waiting**
//!   (`try_send`), and report what happened:
//!   - `delivered`: how many queues took the message;
//!   - `full`: the ids whose queue was full (they keep their place in the registry);
//!   - `removed`: the ids whose queue's receiving end is gone (their task ended): remove them
//!     from the registry.
//!
//!   List both `full` and `removed` sorted by id, so reports are the same whatever order the
//!   map iterates in.
//!
//! Never hold the lock across an `.await` (this task needs none), and never `unwrap` the lock:
//! use `self.lock()`, which already handles a poisoned mutex.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use stage1_foundations::{ClientId, SharedMessage};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

/// Every connected client's queue, shared by all tasks.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    queues: Arc<Mutex<HashMap<ClientId, mpsc::Sender<SharedMessage>>>>,
}

/// What one broadcast did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// How many queues took the message.
    pub delivered: usize,
    /// Clients whose queue was full, sorted by id.
    pub full: Vec<ClientId>,
    /// Clients whose queue was closed, sorted by id; they are no longer in the registry.
    pub removed: Vec<ClientId>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Locks the map, carrying on if another thread panicked while holding the lock.
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientId, mpsc::Sender<SharedMessage>>> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a client with a queue of `capacity` messages and returns the queue's receiving end.
    /// A client joining again with the same id replaces its old queue.
    pub fn join(&self, id: ClientId, capacity: usize) -> mpsc::Receiver<SharedMessage> {
        let (sender, receiver) = mpsc::channel(capacity);
        self.lock().insert(id, sender);
        receiver
    }

    /// How many clients are registered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no client is registered.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Removes a client. Returns whether it was registered.
    pub fn leave(&self, id: ClientId) -> bool {
        todo!()
    }

    /// Queues `message` for every client without waiting, and reports what happened.
    pub fn broadcast(&self, message: &SharedMessage) -> Report {
        todo!("try_send to each queue; sort the ids; remove the closed ones")
    }
}

#[cfg(test)]
mod tests;
