//! What happens on the server, told to whoever wants to know: the observer pattern.
//!
//! Stage 4 — Architecture, book chapter 4, section "The observer pattern".
//!
//! Logging, metrics, an audit trail, a test that wants to see what happened: all of them want to
//! hear about the same events, and none of them is the server's business. Instead of calling each
//! from the connection code, the server *publishes* [`Event`]s to a list of [`Observer`]s that
//! were registered when it was built. Adding a new kind of observer changes no server code.
//!
//! When not to use it: observers run inline, on the task that published the event, so they must
//! be quick and must not block (a slow observer slows the chat). Anything heavy should hand the
//! event to a channel and do the work elsewhere. And for a single, fixed consumer a direct call
//! is simpler than a list of trait objects.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use stage1_foundations::ClientId;

// ANCHOR: event
/// Something that happened on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A TCP connection was accepted.
    Connected {
        /// Its id.
        id: ClientId,
        /// Where it came from.
        peer: SocketAddr,
    },
    /// A connection named itself with its first message.
    Joined {
        /// Its id.
        id: ClientId,
        /// The name it chose.
        username: String,
    },
    /// A chat message was broadcast.
    Message {
        /// Who sent it.
        id: ClientId,
        /// To how many clients it was queued.
        recipients: usize,
    },
    /// A client could not keep up and was disconnected (close code 4008).
    TooSlow {
        /// Its id.
        id: ClientId,
    },
    /// A connection ended, for whatever reason. Published exactly once per `Connected`.
    Disconnected {
        /// Its id.
        id: ClientId,
    },
    /// The server started shutting down.
    ShuttingDown,
}

/// Anything that wants to hear about events. `Send + Sync` because every connection task may
/// publish, from any thread.
pub trait Observer: Send + Sync {
    /// Called for every event. Must be quick and must not block.
    fn notify(&self, event: &Event);
}
// ANCHOR_END: event

// ANCHOR: observers
/// The observers a server was built with. Cloning it clones `Arc`s, not observers.
#[derive(Clone, Default)]
pub struct Observers {
    list: Vec<Arc<dyn Observer>>,
}

impl Observers {
    /// No observers.
    pub fn new() -> Observers {
        Observers::default()
    }

    /// Adds one.
    pub fn add(&mut self, observer: Arc<dyn Observer>) {
        self.list.push(observer);
    }

    /// Tells every observer, in the order they were added.
    pub fn publish(&self, event: &Event) {
        for observer in &self.list {
            observer.notify(event);
        }
    }
}

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Observers({})", self.list.len())
    }
}
// ANCHOR_END: observers

// ANCHOR: builtin
/// Logs every event with `tracing`, one line each.
#[derive(Debug, Default)]
pub struct LogObserver;

impl Observer for LogObserver {
    fn notify(&self, event: &Event) {
        match event {
            Event::Connected { id, peer } => tracing::info!(%id, %peer, "connected"),
            Event::Joined { id, username } => tracing::info!(%id, %username, "joined"),
            Event::Message { id, recipients } => tracing::debug!(%id, recipients, "message"),
            Event::TooSlow { id } => tracing::warn!(%id, "too slow, disconnected"),
            Event::Disconnected { id } => tracing::info!(%id, "disconnected"),
            Event::ShuttingDown => tracing::info!("shutting down"),
        }
    }
}

/// Counts events, for tests and for a status line. Atomics, because observers are shared.
#[derive(Debug, Default)]
pub struct Counters {
    connected: AtomicU64,
    disconnected: AtomicU64,
    messages: AtomicU64,
    too_slow: AtomicU64,
}

impl Observer for Counters {
    fn notify(&self, event: &Event) {
        let counter = match event {
            Event::Connected { .. } => &self.connected,
            Event::Disconnected { .. } => &self.disconnected,
            Event::Message { .. } => &self.messages,
            Event::TooSlow { .. } => &self.too_slow,
            Event::Joined { .. } | Event::ShuttingDown => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counters {
    /// Connections accepted so far.
    pub fn connected(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }

    /// Connections that have ended.
    pub fn disconnected(&self) -> u64 {
        self.disconnected.load(Ordering::Relaxed)
    }

    /// Messages broadcast.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// Clients disconnected for being too slow.
    pub fn too_slow(&self) -> u64 {
        self.too_slow.load(Ordering::Relaxed)
    }
}
// ANCHOR_END: builtin

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An observer that remembers everything, to check the order of publication.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    impl Observer for Recorder {
        fn notify(&self, event: &Event) {
            self.0.lock().unwrap().push(event.clone());
        }
    }

    #[test]
    fn every_observer_hears_every_event_in_order() {
        let recorder = Arc::new(Recorder::default());
        let counters = Arc::new(Counters::default());
        let mut observers = Observers::new();
        observers.add(recorder.clone());
        observers.add(counters.clone());
        let id = ClientId::new(1);
        let events = [
            Event::Connected {
                id,
                peer: "127.0.0.1:5000".parse().unwrap(),
            },
            Event::Message { id, recipients: 3 },
            Event::Disconnected { id },
        ];
        for event in &events {
            observers.publish(event);
        }
        assert_eq!(*recorder.0.lock().unwrap(), events);
        assert_eq!(
            (
                counters.connected(),
                counters.messages(),
                counters.disconnected()
            ),
            (1, 1, 1)
        );
        assert_eq!(format!("{observers:?}"), "Observers(2)");
    }
}
