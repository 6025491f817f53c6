//! How the rest of the server reaches one connection: a [`Peer`], the sending end of the
//! connection's bounded queue plus the signals its task watches, and an [`Outbox`], the
//! receiving end that the connection's task owns.
//!
//! Final server — book chapter "The final server", section "A client that cannot keep up".
//!
//! The hub holds a `Peer` for every member of every room and calls [`Peer::deliver`] under its
//! lock, so delivering must never wait: a full queue *kicks* the connection instead (its own
//! task then closes it with 4008), and nobody else is slowed down.

use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use super::queue::{Push, Queue};
use chat_protocol::CloseCode;

/// A connection's number, unique for the life of the server.
pub type ConnId = u64;

// ANCHOR: peer
/// How the rest of the server reaches one connection: its bounded queue of encoded frames, and a
/// way to ask its task to close it.
#[derive(Debug, Clone)]
pub struct Peer {
    id: ConnId,
    link: Arc<Link>,
}

/// What a connection's [`Peer`]s and its [`Outbox`] share: the queue and the signals, in one
/// allocation (the kick token's node is another).
#[derive(Debug)]
struct Link {
    /// The frames for the client.
    queue: Queue,
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
    pub fn new(id: ConnId, capacity: usize) -> (Peer, Outbox) {
        Peer::until(id, capacity, &CancellationToken::new())
    }

    /// [`Peer::new`], for a server that shuts down with `shutdown`: then [`Peer::kicked`]
    /// completes too, with no [`Peer::kick_code`].
    pub fn until(id: ConnId, capacity: usize, shutdown: &CancellationToken) -> (Peer, Outbox) {
        let link = Arc::new(Link {
            queue: Queue::new(capacity),
            kick: shutdown.child_token(),
            code: OnceLock::new(),
            half_full: Notify::new(),
        });
        let outbox = Outbox {
            link: Arc::clone(&link),
        };
        (Peer { id, link }, outbox)
    }

    /// This connection's number.
    pub fn id(&self) -> ConnId {
        self.id
    }

    // ANCHOR: deliver
    /// Queues a frame without waiting. A full queue kicks the connection as too slow.
    /// Returns whether the frame was queued.
    pub fn deliver(&self, frame: Utf8Bytes) -> bool {
        match self.link.queue.push(frame) {
            Push::Queued { half_full } => {
                if half_full {
                    self.link.half_full.notify_one();
                }
                true
            }
            Push::Full => {
                self.kick(CloseCode::TooSlow);
                false
            }
            Push::Closed => false,
        }
    }
    // ANCHOR_END: deliver

    /// Asks the connection's task to close with `code`. The first reason given wins.
    pub fn kick(&self, code: CloseCode) {
        if self.link.code.set(code).is_ok() {
            self.link.kick.cancel();
        }
    }

    /// Completes once the connection was kicked, or the server shuts down; then
    /// [`Peer::kick_code`] says why (`None`: the shutdown).
    pub fn kicked(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.link.kick.cancelled()
    }

    /// Completes once a frame was queued while the queue was more than half full (or at once,
    /// if that happened since the last call).
    pub fn half_full(&self) -> tokio::sync::futures::Notified<'_> {
        self.link.half_full.notified()
    }

    /// Why the connection was kicked, if it was.
    pub fn kick_code(&self) -> Option<CloseCode> {
        self.link.code.get().copied()
    }
}
// ANCHOR_END: peer

/// The receiving end of a connection's queue, owned by its task. Dropping it closes the queue:
/// frames delivered afterwards are refused, and what was queued is freed.
#[derive(Debug)]
pub struct Outbox {
    link: Arc<Link>,
}

impl Outbox {
    /// The next frame, waiting until one is queued.
    pub async fn recv(&mut self) -> Utf8Bytes {
        std::future::poll_fn(|cx| self.link.queue.poll_pop(cx)).await
    }

    /// The next frame, if one is queued.
    pub fn try_recv(&mut self) -> Option<Utf8Bytes> {
        self.link.queue.pop()
    }

    /// How many frames are queued.
    pub fn len(&self) -> usize {
        self.link.queue.len()
    }

    /// Whether no frame is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.link.queue.close();
    }
}
