//! Tests for exercise 5.4. Read them to see what is expected; do not edit them.

use super::*;

fn mailboxes(n: usize) -> Vec<Mailbox> {
    (0..n)
        .map(|i| Mailbox {
            owner: format!("user{i}"),
            messages: Vec::new(),
        })
        .collect()
}

fn message() -> Message {
    Message::new(
        Username::parse("alice").unwrap(),
        "a long enough message to be worth sharing",
    )
    .unwrap()
}

#[test]
fn every_mailbox_holds_the_same_allocation() {
    let mut boxes = mailboxes(3);
    let shared = deliver(message(), &mut boxes);
    for mailbox in &boxes {
        assert!(
            Arc::ptr_eq(&mailbox.messages[0], &shared),
            "{} has its own copy: share one Arc instead of cloning the Message",
            mailbox.owner
        );
    }
}

#[test]
fn the_reference_count_says_who_holds_it() {
    let mut boxes = mailboxes(5);
    let shared = deliver(message(), &mut boxes);
    assert_eq!(
        Arc::strong_count(&shared),
        6,
        "five mailboxes and the returned value: six owners of one message"
    );
}

#[test]
fn the_text_is_never_copied() {
    let mut boxes = mailboxes(2);
    let shared = deliver(message(), &mut boxes);
    for mailbox in &boxes {
        assert!(
            std::ptr::eq(mailbox.messages[0].text().as_ptr(), shared.text().as_ptr()),
            "the text bytes of {}'s message are a copy",
            mailbox.owner
        );
    }
}
