//! The outbox: what this instance must tell Redis without the client waiting for it (presence,
//! names it no longer uses), kept in order and published by one task.
//!
//! Final server — book chapter "Scaling out", section "When Redis is away".
//!
//! A leave must reach Redis even if Redis is away when it happens, or a member would stay
//! listed for good; so items wait here and the publishing task tries again until each is
//! done. The queue is bounded ([`OUTBOX_CAPACITY`]): memory stays bounded however long Redis
//! is away. Requests that would add to it are refused while fewer than `OUTBOX_HEADROOM` slots
//! are free, so that what cannot be refused (the leaves of connections that end) always fits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::{Notify, mpsc};

use chat_protocol::PresenceEvent;

/// Most items waiting in the outbox (presence and names to publish): memory for them is
/// bounded even while Redis is away.
pub const OUTBOX_CAPACITY: usize = 65_536;

/// Requests that would add to the outbox are refused when fewer slots than this are free.
const OUTBOX_HEADROOM: usize = 4_096;

/// What is published without the client waiting for it, in order.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A presence frame for a room's other instances, with the member added to (join) or
    /// removed from (leave) the room's member list first.
    Presence {
        room: String,
        name: String,
        event: PresenceEvent,
        /// A signed-in user's (who may be in the room from other instances too).
        signed: bool,
    },
    /// A name this instance no longer uses.
    Release { name: String },
    /// A name this instance uses again (claimed by a `hello` while its release may still wait
    /// here): claimed once more, after that release.
    Claim { name: String, signed: bool },
    /// A token signed out here, by its id: every instance closes its connections.
    SignOut { token_id: String },
}

/// The bounded queue of [`Outgoing`] items, and how many are not yet published.
#[derive(Debug)]
pub(super) struct Outbox {
    sender: mpsc::Sender<Outgoing>,
    /// Taken once, by the publishing task.
    receiver: Mutex<Option<mpsc::Receiver<Outgoing>>>,
    /// Items queued and not yet published (shutdown waits for 0).
    pending: AtomicUsize,
    /// Told when `pending` drops to 0.
    empty: Notify,
}

impl Outbox {
    pub(super) fn new() -> Outbox {
        let (sender, receiver) = mpsc::channel(OUTBOX_CAPACITY);
        Outbox {
            sender,
            receiver: Mutex::new(Some(receiver)),
            pending: AtomicUsize::new(0),
            empty: Notify::new(),
        }
    }

    /// Whether requests that add to the outbox should be refused for now.
    pub(super) fn nearly_full(&self) -> bool {
        self.sender.capacity() < OUTBOX_HEADROOM
    }

    /// Queues an item without waiting (bounded: see [`OUTBOX_CAPACITY`]).
    pub(super) fn push(&self, item: Outgoing) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if let Err(err) = self.sender.try_send(item) {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            // Only if connections end by the tens of thousands while Redis is away: a member
            // stays listed until this instance restarts, a name until its claim expires.
            tracing::warn!(%err, "redis outbox full: an item was dropped");
        }
    }

    /// The receiving end, for the one task that publishes (`None` once taken).
    pub(super) fn take_receiver(&self) -> Option<mpsc::Receiver<Outgoing>> {
        self.receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// One item was published.
    pub(super) fn published_one(&self) {
        if self.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.empty.notify_waiters();
        }
    }

    /// Completes once every queued item was published.
    pub(super) async fn drained(&self) {
        loop {
            let empty = self.empty.notified();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            empty.await;
        }
    }
}
