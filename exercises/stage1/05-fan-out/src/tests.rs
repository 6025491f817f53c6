//! Tests for exercise 1.5. Read them to see what is expected; do not edit them.

use super::*;
use std::sync::Arc;

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn message(from: &str, text: &str) -> Message {
    Message::new(user(from), text).unwrap()
}

fn inboxes(names: &[&str]) -> Vec<Inbox> {
    names.iter().map(|name| Inbox::new(user(name))).collect()
}

#[test]
fn every_other_inbox_gets_the_message() {
    let mut boxes = inboxes(&["alice", "bob", "carol"]);
    fan_out(message("alice", "hi"), &mut boxes);
    assert_eq!(
        boxes[0].messages.len(),
        0,
        "the sender's own inbox gets nothing"
    );
    assert_eq!(boxes[1].messages.len(), 1, "bob should get alice's message");
    assert_eq!(
        boxes[2].messages.len(),
        1,
        "carol should get alice's message"
    );
    assert_eq!(boxes[1].messages[0].text(), "hi");
}

#[test]
fn all_inboxes_share_one_message() {
    let mut boxes = inboxes(&["bob", "carol", "dave"]);
    let shared = fan_out(message("alice", "one copy only"), &mut boxes);
    for inbox in &boxes {
        assert!(
            Arc::ptr_eq(&inbox.messages[0], &shared),
            "{}'s inbox holds a different allocation: wrap the message in an Arc once and clone the Arc",
            inbox.owner
        );
    }
    assert_eq!(
        Arc::strong_count(&shared),
        4,
        "three inboxes and the returned Arc: four owners"
    );
}

#[test]
fn no_inboxes_is_fine() {
    let shared = fan_out(message("alice", "anyone?"), &mut []);
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "with no recipients, only the returned Arc owns the message"
    );
    assert_eq!(shared.text(), "anyone?");
}

#[test]
fn texts_are_borrowed_in_order() {
    let mut boxes = inboxes(&["bob"]);
    fan_out(message("alice", "first"), &mut boxes);
    fan_out(message("carol", "second"), &mut boxes);
    fan_out(message("bob", "not for bob's own inbox"), &mut boxes);
    let found = texts(&boxes[0]);
    assert_eq!(found, ["first", "second"]);
    assert!(
        std::ptr::eq(found[0].as_ptr(), boxes[0].messages[0].text().as_ptr()),
        "texts must borrow from the messages, not copy them"
    );
}
