//! Sending one message to everyone, and dealing with those who cannot keep up.
//!
//! Stage 4 — Architecture, book chapter 4, section "Error recovery".
//!
//! Stage 3 dropped a message for a client whose queue was full and carried on, so that client
//! silently missed messages. Here a full queue means the client is too slow: it is removed from
//! the registry at once. Removing it drops the registry's sender, so its connection task reads
//! what is still queued, then sees the queue closed and says goodbye with close code 4008. Either
//! way, the others are never slowed down: a broadcast never waits for anyone.

use std::sync::Arc;

use stage1_foundations::message::share;
use stage1_foundations::{ClientId, Message};

use crate::events::Event;
use crate::state::Shared;

// ANCHOR: broadcast
/// Queues `message` for every client; removes the ones too slow to take it. Returns how many
/// clients it was queued for.
pub fn broadcast(shared: &Arc<Shared>, from: ClientId, message: Message) -> usize {
    let report = shared.registry.broadcast(&share(message));
    for id in &report.full {
        // Removing is enough: the client's own task notices and closes with 4008. Two
        // broadcasts may both find the same queue full; only the one that removes it reports it.
        if shared.registry.leave(*id).is_some() {
            shared.observers.publish(&Event::TooSlow { id: *id });
        }
    }
    let recipients = report.delivered.len();
    shared.observers.publish(&Event::Message {
        id: from,
        recipients,
    });
    recipients
}
// ANCHOR_END: broadcast

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerBuilder;
    use crate::events::{Counters, Observers};
    use stage1_foundations::Username;

    #[test]
    fn a_full_queue_removes_the_client_and_the_others_get_the_message() {
        let counters = Arc::new(Counters::default());
        let mut observers = Observers::new();
        observers.add(counters.clone());
        let config = ServerBuilder::new().queue_capacity(1).build().unwrap();
        let shared = Shared::new(config, observers);
        let name = |n: &str| Username::parse(n).unwrap();
        let mut fast = shared
            .registry
            .join(ClientId::new(1), name("fast"), 8)
            .unwrap();
        let _slow = shared
            .registry
            .join(ClientId::new(2), name("slow"), 1)
            .unwrap();
        let hello = || Message::new(name("fast"), "hello").unwrap();

        assert_eq!(broadcast(&shared, ClientId::new(1), hello()), 2);
        assert_eq!(
            broadcast(&shared, ClientId::new(1), hello()),
            1,
            "the slow queue is full"
        );
        assert_eq!(
            shared.registry.usernames(),
            [name("fast")],
            "the slow client was removed"
        );
        assert_eq!(counters.too_slow(), 1);
        assert_eq!(counters.messages(), 2);
        assert!(
            fast.try_recv().is_ok() && fast.try_recv().is_ok(),
            "the fast client got both"
        );
    }
}
