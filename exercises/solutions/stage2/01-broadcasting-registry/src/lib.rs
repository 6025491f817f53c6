//! # Exercise 2.1 — Broadcasting registry: reference solution
//!
//! Stage 2 — Concurrency. The exercise is `exercises/stage2/01-broadcasting-registry`; this file
//! is tested with that exercise's own `src/tests.rs`.

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
        self.lock().remove(&id).is_some()
    }

    /// Queues `message` for every client without waiting, and reports what happened.
    pub fn broadcast(&self, message: &SharedMessage) -> Report {
        let mut report = Report::default();
        let mut queues = self.lock();
        for (id, queue) in queues.iter() {
            match queue.try_send(Arc::clone(message)) {
                Ok(()) => report.delivered += 1,
                Err(TrySendError::Full(_)) => report.full.push(*id),
                Err(TrySendError::Closed(_)) => report.removed.push(*id),
            }
        }
        for id in &report.removed {
            queues.remove(id);
        }
        report.full.sort();
        report.removed.sort();
        report
    }
}

#[cfg(test)]
#[path = "../../../../stage2/01-broadcasting-registry/src/tests.rs"]
mod tests;
