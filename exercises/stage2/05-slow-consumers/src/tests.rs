//! Tests for exercise 2.5. Read them to see what is expected; do not edit them.

use super::*;
use stage1_foundations::message::share;
use stage1_foundations::{Message, Username};

fn message(text: &str) -> SharedMessage {
    share(Message::new(Username::parse("alice").unwrap(), text).unwrap())
}

#[test]
fn messages_that_fit_are_queued_and_shared() {
    let (mut outbox, mut queue) = Outbox::new(2, 3);
    let hello = message("hello");
    assert_eq!(outbox.offer(&hello), Offer::Queued);
    assert!(outbox.is_connected());
    assert!(
        Arc::ptr_eq(&queue.try_recv().unwrap(), &hello),
        "queue the shared message, not a copy"
    );
}

#[test]
fn strikes_count_up_while_the_queue_is_full() {
    let (mut outbox, _queue) = Outbox::new(1, 3);
    assert_eq!(outbox.offer(&message("fills it")), Offer::Queued);
    assert_eq!(outbox.offer(&message("a")), Offer::Dropped { strikes: 1 });
    assert_eq!(outbox.offer(&message("b")), Offer::Dropped { strikes: 2 });
    assert!(
        outbox.is_connected(),
        "two strikes of three: still connected"
    );
}

#[test]
fn a_message_that_fits_clears_the_strikes() {
    let (mut outbox, mut queue) = Outbox::new(1, 3);
    outbox.offer(&message("fills it"));
    assert_eq!(outbox.offer(&message("a")), Offer::Dropped { strikes: 1 });
    assert_eq!(outbox.offer(&message("b")), Offer::Dropped { strikes: 2 });
    queue.try_recv().unwrap(); // the client catches up
    assert_eq!(outbox.offer(&message("c")), Offer::Queued);
    assert_eq!(
        outbox.offer(&message("d")),
        Offer::Dropped { strikes: 1 },
        "the count starts again"
    );
}

#[test]
fn the_last_strike_disconnects_and_closes_the_queue() {
    let (mut outbox, mut queue) = Outbox::new(1, 2);
    outbox.offer(&message("queued before"));
    assert_eq!(outbox.offer(&message("a")), Offer::Dropped { strikes: 1 });
    assert_eq!(
        outbox.offer(&message("b")),
        Offer::Disconnected,
        "strike 2 of 2 disconnects"
    );
    assert!(!outbox.is_connected());
    assert_eq!(outbox.offer(&message("c")), Offer::AlreadyDisconnected);
    assert_eq!(
        queue.try_recv().unwrap().text(),
        "queued before",
        "what was queued is still delivered"
    );
    assert!(
        matches!(
            queue.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ),
        "then the queue is closed: the sender must be dropped"
    );
}

#[test]
fn a_client_that_is_gone_is_disconnected_at_once() {
    let (mut outbox, queue) = Outbox::new(4, 3);
    drop(queue);
    assert_eq!(outbox.offer(&message("anyone?")), Offer::Disconnected);
    assert!(!outbox.is_connected());
    assert_eq!(outbox.offer(&message("again")), Offer::AlreadyDisconnected);
}

#[test]
fn fan_out_counts_the_clients_it_disconnects() {
    let (fast, mut fast_queue) = Outbox::new(8, 2);
    let (slow, _slow_queue) = Outbox::new(1, 2);
    let (gone, gone_queue) = Outbox::new(8, 2);
    drop(gone_queue);
    let mut outboxes = vec![fast, slow, gone];
    assert_eq!(
        fan_out(&mut outboxes, &message("1")),
        1,
        "the gone client is disconnected"
    );
    assert_eq!(
        fan_out(&mut outboxes, &message("2")),
        0,
        "the slow one has its first strike"
    );
    assert_eq!(
        fan_out(&mut outboxes, &message("3")),
        1,
        "and now its second"
    );
    let states: Vec<bool> = outboxes.iter().map(Outbox::is_connected).collect();
    assert_eq!(states, [true, false, false]);
    assert_eq!(
        std::iter::from_fn(|| fast_queue.try_recv().ok()).count(),
        3,
        "the fast one got everything"
    );
}
