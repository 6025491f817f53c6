//! Channels: one-to-all with `broadcast`, and what a queue does when its reader is slow.
//!
//! Stage 2 — Concurrency, book chapter 2, section "Channels".
//!
//! The registry gives each client its own `mpsc` queue. tokio also has a `broadcast` channel,
//! built for one-to-all: every receiver sees every message, from one shared ring buffer. It never
//! blocks the sender; instead, a receiver that falls more than `capacity` messages behind loses
//! the oldest ones and is told how many with [`RecvError::Lagged`]. That is a decision you must
//! handle, not an error to `unwrap`.
//!
//! The functions at the end show the choice every server makes for a client that does not read:
//! an unbounded queue keeps growing (memory grows without limit), a bounded one refuses.

use stage1_foundations::SharedMessage;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc;

// ANCHOR: room
/// A room on a `broadcast` channel: publish once, every subscriber receives.
#[derive(Debug, Clone)]
pub struct Room {
    sender: broadcast::Sender<SharedMessage>,
}

impl Room {
    /// A room that holds the last `capacity` messages for subscribers that fall behind
    /// (tokio rounds the capacity up to a power of two; 0 is taken as 1).
    pub fn new(capacity: usize) -> Room {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Room { sender }
    }

    /// A new subscriber; it receives messages published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SharedMessage> {
        self.sender.subscribe()
    }

    /// Publishes to every current subscriber and returns how many there are (0 when nobody
    /// listens, which is not an error for a chat room).
    pub fn publish(&self, message: SharedMessage) -> usize {
        self.sender.send(message).unwrap_or(0)
    }
}
// ANCHOR_END: room

// ANCHOR: lagged
/// What one subscriber got from a room.
#[derive(Debug, Default)]
pub struct Received {
    /// The messages it received, in order.
    pub messages: Vec<SharedMessage>,
    /// How many it missed because it fell too far behind.
    pub missed: u64,
}

/// Reads a subscription until the room closes. Falling behind loses messages but does not end
/// the subscription: we count what was missed and carry on with the oldest message still held.
pub async fn receive_all(mut subscription: broadcast::Receiver<SharedMessage>) -> Received {
    let mut received = Received::default();
    loop {
        match subscription.recv().await {
            Ok(message) => received.messages.push(message),
            Err(RecvError::Lagged(missed)) => received.missed += missed,
            Err(RecvError::Closed) => return received,
        }
    }
}
// ANCHOR_END: lagged

// ANCHOR: bounded
/// Sends `count` messages to a client that never reads, on an unbounded queue. Returns how many
/// are held in memory afterwards: all of them, and the number only grows with `count`.
pub fn flood_unbounded(message: &SharedMessage, count: usize) -> usize {
    let (sender, receiver) = mpsc::unbounded_channel();
    for _ in 0..count {
        // Never fails while the receiver exists, however much is queued.
        let _ = sender.send(SharedMessage::clone(message));
    }
    receiver.len()
}

/// The same flood on a bounded queue: returns (held, refused). At most `capacity` are held;
/// the rest are refused at once, and the server can decide what to do about that client.
pub fn flood_bounded(message: &SharedMessage, count: usize, capacity: usize) -> (usize, usize) {
    let (sender, receiver) = mpsc::channel(capacity);
    let refused = (0..count)
        .filter(|_| sender.try_send(SharedMessage::clone(message)).is_err())
        .count();
    (receiver.len(), refused)
}
// ANCHOR_END: bounded

#[cfg(test)]
mod tests {
    use super::*;
    use stage1_foundations::message::share;
    use stage1_foundations::{Message, Username};

    fn message(text: &str) -> SharedMessage {
        share(Message::new(Username::parse("alice").unwrap(), text).unwrap())
    }

    #[tokio::test]
    async fn every_subscriber_gets_every_message() {
        let room = Room::new(16);
        let (first, second) = (room.subscribe(), room.subscribe());
        for n in 0..5 {
            assert_eq!(room.publish(message(&n.to_string())), 2);
        }
        drop(room); // closes the channel once both have read everything
        for received in [receive_all(first).await, receive_all(second).await] {
            let texts: Vec<&str> = received.messages.iter().map(|m| m.text()).collect();
            assert_eq!(texts, ["0", "1", "2", "3", "4"]);
            assert_eq!(received.missed, 0);
        }
    }

    #[tokio::test]
    async fn a_slow_subscriber_lags_and_keeps_going() {
        let room = Room::new(4);
        let slow = room.subscribe();
        for n in 0..10 {
            room.publish(message(&n.to_string()));
        }
        drop(room);
        let received = receive_all(slow).await;
        assert_eq!(
            received.missed, 6,
            "10 sent, only the last 4 were still held"
        );
        let texts: Vec<&str> = received.messages.iter().map(|m| m.text()).collect();
        assert_eq!(texts, ["6", "7", "8", "9"]);
    }

    #[test]
    fn publishing_to_an_empty_room_is_fine() {
        assert_eq!(Room::new(4).publish(message("anyone?")), 0);
    }

    #[test]
    fn unbounded_grows_bounded_refuses() {
        let hello = message("hello");
        assert_eq!(flood_unbounded(&hello, 10_000), 10_000);
        assert_eq!(flood_bounded(&hello, 10_000, 64), (64, 9_936));
    }
}
