//! The client registry: shared state that many tasks read and change at once.
//!
//! Stage 2 — Concurrency, book chapter 2, section "Shared state: the registry".
//!
//! Every connected client has a queue (an `mpsc` channel); the registry maps each [`ClientId`]
//! to the sending end of that queue. Many tasks use the registry at the same time: clients join
//! and leave while others broadcast. So it lives behind `Arc<Mutex<...>>`: the `Arc` lets every
//! task own a handle to the same map, and the `Mutex` lets only one of them touch it at a time.
//!
//! Two rules keep this fast and correct:
//! - the lock is held only for plain map work and `try_send`, never across an `.await` (a
//!   `std::sync::MutexGuard` held across an `.await` does not even compile inside
//!   `tokio::spawn`; see `compile_fail/guard_across_await.rs`);
//! - a broadcast never waits for a slow client: `try_send` either queues the message at once or
//!   reports the client's queue as full. [`Registry::broadcast_waiting`] shows what goes wrong
//!   otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use stage1_foundations::{ClientId, SharedMessage, Username};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

// ANCHOR: registry
/// Who is connected, and how to reach each of them. Cloning a `Registry` clones the `Arc`: all
/// clones share one map.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    clients: Arc<Mutex<HashMap<ClientId, Member>>>,
}

#[derive(Debug)]
struct Member {
    username: Username,
    queue: mpsc::Sender<SharedMessage>,
}
// ANCHOR_END: registry

/// Why a client could not join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinRefused {
    /// Another client already has this id.
    IdInUse(ClientId),
    /// Another client already uses this name.
    UsernameTaken(Username),
}

impl std::fmt::Display for JoinRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinRefused::IdInUse(id) => write!(f, "client {id} is already connected"),
            JoinRefused::UsernameTaken(name) => write!(f, "the name {name} is taken"),
        }
    }
}

impl std::error::Error for JoinRefused {}

// ANCHOR: report
/// What one broadcast did, client by client.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Broadcast {
    /// Clients whose queue took the message.
    pub delivered: Vec<ClientId>,
    /// Clients whose queue was full: they are not keeping up. The message was not queued for them.
    pub full: Vec<ClientId>,
    /// Clients whose task has ended (the receiving end is gone). They were removed.
    pub gone: Vec<ClientId>,
}
// ANCHOR_END: report

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Locks the map. If a thread panicked while holding the lock, the map is still consistent
    /// (every change below is a single insert or remove), so we carry on instead of panicking too.
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientId, Member>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ANCHOR: join_leave
    /// Adds a client with a bounded queue of `capacity` messages (at least 1: tokio refuses a
    /// queue that can hold nothing), and returns the queue's receiving end, which the client's
    /// task reads from.
    pub fn join(
        &self,
        id: ClientId,
        username: Username,
        capacity: usize,
    ) -> Result<mpsc::Receiver<SharedMessage>, JoinRefused> {
        let mut clients = self.lock();
        if clients.contains_key(&id) {
            return Err(JoinRefused::IdInUse(id));
        }
        if clients.values().any(|member| member.username == username) {
            return Err(JoinRefused::UsernameTaken(username));
        }
        let (queue, receiver) = mpsc::channel(capacity.max(1));
        clients.insert(id, Member { username, queue });
        Ok(receiver)
    }

    /// Removes a client and returns its name. Dropping its sender means that, once the client has
    /// read what is already queued, its `recv()` returns `None`: the queue is closed.
    pub fn leave(&self, id: ClientId) -> Option<Username> {
        self.lock().remove(&id).map(|member| member.username)
    }
    // ANCHOR_END: join_leave

    /// How many clients are connected.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nobody is connected.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The names of everyone connected, sorted.
    pub fn usernames(&self) -> Vec<Username> {
        let mut names: Vec<Username> = self.lock().values().map(|m| m.username.clone()).collect();
        names.sort();
        names
    }

    // ANCHOR: broadcast
    /// Queues `message` for every client, without ever waiting.
    ///
    /// The lock is held while queueing (no `.await` happens inside, so that is allowed and short),
    /// which also gives every client the messages in the same order. A full queue is reported,
    /// not waited on; a closed queue means the client is gone, and it is removed.
    pub fn broadcast(&self, message: &SharedMessage) -> Broadcast {
        let mut report = Broadcast::default();
        let mut clients = self.lock();
        for (id, member) in clients.iter() {
            // Cloning the Arc: a pointer copy, never the text.
            match member.queue.try_send(Arc::clone(message)) {
                Ok(()) => report.delivered.push(*id),
                Err(TrySendError::Full(_)) => report.full.push(*id),
                Err(TrySendError::Closed(_)) => report.gone.push(*id),
            }
        }
        for id in &report.gone {
            clients.remove(id);
        }
        report
    }
    // ANCHOR_END: broadcast

    // ANCHOR: broadcast_waiting
    /// The tempting version: wait until each client has room. Returns how many got the message.
    ///
    /// It must copy the senders out first, because the lock cannot be held across `.await`. And
    /// it has a worse problem: one client that stops reading makes `send` wait forever, and every
    /// client after it in the loop waits too. Do not use this in a server; it is here so the
    /// tests and the book can show the failure.
    pub async fn broadcast_waiting(&self, message: &SharedMessage) -> usize {
        let queues: Vec<mpsc::Sender<SharedMessage>> = self
            .lock()
            .values()
            .map(|member| member.queue.clone())
            .collect(); // lock released here
        let mut delivered = 0;
        for queue in queues {
            if queue.send(Arc::clone(message)).await.is_ok() {
                delivered += 1;
            }
        }
        delivered
    }
    // ANCHOR_END: broadcast_waiting
}

#[cfg(test)]
mod tests {
    use super::*;
    use stage1_foundations::Message;
    use stage1_foundations::message::share;
    use std::time::Duration;

    fn name(raw: &str) -> Username {
        Username::parse(raw).unwrap()
    }

    fn hello() -> SharedMessage {
        share(Message::new(name("alice"), "hello").unwrap())
    }

    #[test]
    fn join_rejects_duplicate_ids_and_names() {
        let registry = Registry::new();
        let _alice = registry.join(ClientId::new(1), name("alice"), 4).unwrap();
        assert_eq!(
            registry.join(ClientId::new(1), name("bob"), 4).unwrap_err(),
            JoinRefused::IdInUse(ClientId::new(1))
        );
        assert_eq!(
            registry
                .join(ClientId::new(2), name("alice"), 4)
                .unwrap_err(),
            JoinRefused::UsernameTaken(name("alice"))
        );
        assert_eq!(registry.usernames(), [name("alice")]);
    }

    #[test]
    fn broadcast_reaches_everyone_with_one_shared_message() {
        let registry = Registry::new();
        let mut alice = registry.join(ClientId::new(1), name("alice"), 4).unwrap();
        let mut bob = registry.join(ClientId::new(2), name("bob"), 4).unwrap();
        let message = hello();
        let mut report = registry.broadcast(&message);
        report.delivered.sort();
        assert_eq!(report.delivered, [ClientId::new(1), ClientId::new(2)]);
        let (a, b) = (alice.try_recv().unwrap(), bob.try_recv().unwrap());
        assert!(Arc::ptr_eq(&a, &message) && Arc::ptr_eq(&b, &message));
    }

    #[test]
    fn a_full_queue_is_reported_not_waited_on() {
        let registry = Registry::new();
        let _slow = registry.join(ClientId::new(1), name("slow"), 1).unwrap();
        let mut fast = registry.join(ClientId::new(2), name("fast"), 8).unwrap();
        registry.broadcast(&hello());
        let second = registry.broadcast(&hello());
        assert_eq!(second.full, [ClientId::new(1)]);
        assert_eq!(second.delivered, [ClientId::new(2)]);
        assert_eq!(
            fast.try_recv().iter().count() + fast.try_recv().iter().count(),
            2
        );
    }

    #[test]
    fn gone_clients_are_removed_by_broadcast() {
        let registry = Registry::new();
        let gone = registry.join(ClientId::new(1), name("gone"), 4).unwrap();
        let _stays = registry.join(ClientId::new(2), name("stays"), 4).unwrap();
        drop(gone); // the client's task ended without calling leave
        let report = registry.broadcast(&hello());
        assert_eq!(report.gone, [ClientId::new(1)]);
        assert_eq!(registry.usernames(), [name("stays")]);
    }

    #[test]
    fn leave_closes_the_queue_after_what_is_queued() {
        let registry = Registry::new();
        let mut queue = registry.join(ClientId::new(1), name("alice"), 4).unwrap();
        registry.broadcast(&hello());
        assert_eq!(registry.leave(ClientId::new(1)), Some(name("alice")));
        assert!(
            queue.try_recv().is_ok(),
            "what was queued before leaving is still delivered"
        );
        assert!(matches!(
            queue.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert!(registry.is_empty());
    }

    // ANCHOR: lazy
    #[test]
    fn a_future_does_nothing_until_it_is_polled() {
        use tokio_test::{assert_pending, assert_ready_eq, task};

        let registry = Registry::new();
        let mut reader = registry.join(ClientId::new(1), name("reader"), 1).unwrap();
        let message = hello();

        // Calling an async fn only builds a future. Nothing is sent yet.
        let mut sending = task::spawn(registry.broadcast_waiting(&message));
        assert!(
            reader.try_recv().is_err(),
            "no message before the first poll"
        );

        // tokio-test polls it by hand, without a runtime: there was room, so it completes.
        assert_ready_eq!(sending.poll(), 1);
        drop(sending);

        // The queue (capacity 1) is now full: the next broadcast cannot finish...
        let mut blocked = task::spawn(registry.broadcast_waiting(&message));
        assert_pending!(blocked.poll());
        // ...until the reader makes room, which wakes the waiting task.
        assert!(reader.try_recv().is_ok());
        assert!(blocked.is_woken(), "making room wakes the sender");
        assert_ready_eq!(blocked.poll(), 1);
    }
    // ANCHOR_END: lazy

    // ANCHOR: paused_stall
    #[tokio::test(start_paused = true)]
    async fn one_slow_client_stalls_the_waiting_broadcast_but_not_the_real_one() {
        let registry = Registry::new();
        let _slow = registry.join(ClientId::new(1), name("slow"), 1).unwrap(); // never reads
        let _other = registry.join(ClientId::new(2), name("other"), 100).unwrap();
        registry.broadcast(&hello()); // fills the slow client's queue

        // The paused clock jumps ahead as soon as every task is waiting, so this "minute" takes
        // no real time: the timeout fires because the broadcast is stuck, not because we slept.
        let stuck = tokio::time::timeout(
            Duration::from_secs(60),
            registry.broadcast_waiting(&hello()),
        )
        .await;
        assert!(
            stuck.is_err(),
            "waiting on a full queue should never finish"
        );

        let report = registry.broadcast(&hello());
        assert_eq!(report.full, [ClientId::new(1)]);
        assert_eq!(report.delivered, [ClientId::new(2)]);
    }
    // ANCHOR_END: paused_stall
}
