//! How the rest of the server reaches one connection: a [`Peer`], the sending end of the
//! connection's bounded queue plus the signals its task watches.
//!
//! Final server — book chapter "The final server", section "A client that cannot keep up".
//!
//! The hub holds a `Peer` for every member of every room and calls [`Peer::deliver`] under its
//! lock, so delivering must never wait: a full queue *kicks* the connection instead (its own
//! task then closes it with 4008), and nobody else is slowed down.

use std::sync::{Arc, OnceLock};

use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use chat_protocol::CloseCode;

/// A connection's number, unique for the life of the server.
pub type ConnId = u64;

// ANCHOR: peer
/// How the rest of the server reaches one connection: its bounded queue of encoded frames, and a
/// way to ask its task to close it.
#[derive(Debug, Clone)]
pub struct Peer {
    id: ConnId,
    queue: mpsc::Sender<Utf8Bytes>,
    signals: Arc<Signals>,
}

#[derive(Debug, Default)]
struct Signals {
    /// Cancelled when the connection is kicked, or when the server shuts down (a child of its
    /// shutdown token: one signal for the connection's task to watch, not two).
    kick: CancellationToken,
    /// Why it was kicked; the first reason given wins.
    code: OnceLock<CloseCode>,
    /// Notified when a frame leaves the queue more than half full, so that a task holding its
    /// writes back (coalescing) drains the queue before it fills.
    half_full: Notify,
}

impl Peer {
    /// A new peer with a queue of `capacity` frames, and the receiving end for its task.
    pub fn new(id: ConnId, capacity: usize) -> (Peer, mpsc::Receiver<Utf8Bytes>) {
        Peer::until(id, capacity, &CancellationToken::new())
    }

    /// [`Peer::new`], for a server that shuts down with `shutdown`: then [`Peer::kicked`]
    /// completes too, with no [`Peer::kick_code`].
    pub fn until(
        id: ConnId,
        capacity: usize,
        shutdown: &CancellationToken,
    ) -> (Peer, mpsc::Receiver<Utf8Bytes>) {
        let (queue, receiver) = mpsc::channel(capacity);
        let signals = Signals {
            kick: shutdown.child_token(),
            ..Signals::default()
        };
        let peer = Peer {
            id,
            queue,
            signals: Arc::new(signals),
        };
        (peer, receiver)
    }

    /// This connection's number.
    pub fn id(&self) -> ConnId {
        self.id
    }

    // ANCHOR: deliver
    /// Queues a frame without waiting. A full queue kicks the connection as too slow.
    /// Returns whether the frame was queued.
    pub fn deliver(&self, frame: Utf8Bytes) -> bool {
        match self.queue.try_send(frame) {
            Ok(()) => {
                if self.queue.capacity() * 2 < self.queue.max_capacity() {
                    self.signals.half_full.notify_one();
                }
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.kick(CloseCode::TooSlow);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
    // ANCHOR_END: deliver

    /// Asks the connection's task to close with `code`. The first reason given wins.
    pub fn kick(&self, code: CloseCode) {
        if self.signals.code.set(code).is_ok() {
            self.signals.kick.cancel();
        }
    }

    /// Completes once the connection was kicked, or the server shuts down; then
    /// [`Peer::kick_code`] says why (`None`: the shutdown).
    pub fn kicked(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.signals.kick.cancelled()
    }

    /// Completes once a frame was queued while the queue was more than half full (or at once,
    /// if that happened since the last call).
    pub fn half_full(&self) -> tokio::sync::futures::Notified<'_> {
        self.signals.half_full.notified()
    }

    /// Why the connection was kicked, if it was.
    pub fn kick_code(&self) -> Option<CloseCode> {
        self.signals.code.get().copied()
    }
}
// ANCHOR_END: peer
