//! Tests for exercise 1.6. Read them to see what is expected; do not edit them.

use super::*;
use std::sync::Arc;

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn msg(from: &str, text: &str) -> SharedMessage {
    Arc::new(Message::new(user(from), text).unwrap())
}

#[test]
fn muted_users_do_not_get_through() {
    let mut bob = Muting::new(Inbox::new(user("bob"), 10));
    bob.mute(user("eve"));
    assert_eq!(
        bob.receive(&msg("eve", "buy my stuff")),
        Ok(()),
        "a muted message is dropped quietly, not an error"
    );
    assert_eq!(bob.receive(&msg("alice", "hello")), Ok(()));
    let texts: Vec<&str> = bob.inner().messages().iter().map(|m| m.text()).collect();
    assert_eq!(
        texts,
        ["hello"],
        "only alice's message should reach bob's inbox"
    );
}

#[test]
fn unmute_lets_messages_through_again() {
    let mut bob = Muting::new(Inbox::new(user("bob"), 10));
    bob.mute(user("eve"));
    bob.mute(user("eve"));
    assert_eq!(bob.muted_count(), 1, "muting someone twice keeps one entry");
    bob.unmute(&user("eve"));
    assert_eq!(bob.muted_count(), 0);
    bob.receive(&msg("eve", "sorry")).unwrap();
    assert_eq!(bob.inner().messages().len(), 1, "eve is no longer muted");
}

#[test]
fn the_wrapper_has_the_inner_name_and_errors() {
    let mut full = Muting::new(Inbox::new(user("dave"), 0));
    assert_eq!(
        full.name(),
        "dave",
        "name() should be the inner recipient's name"
    );
    assert_eq!(
        full.receive(&msg("alice", "hi")),
        Err(ChatError::InboxFull {
            recipient: "dave".into()
        }),
        "errors of the inner recipient must come back unchanged"
    );
}

#[test]
fn works_around_any_recipient() {
    let mut log = Muting::new(Transcript::new());
    log.mute(user("bot"));
    log.receive(&msg("bot", "beep")).unwrap();
    log.receive(&msg("alice", "hi")).unwrap();
    assert!(log.inner().as_str().contains("alice: hi"));
    assert!(
        !log.inner().as_str().contains("beep"),
        "the muted bot must not appear in the transcript"
    );
}

#[test]
fn deliver_all_counts_what_was_accepted() {
    let messages = [
        msg("alice", "one"),
        msg("bob", "two"),
        msg("carol", "three"),
    ];
    let mut transcript = Transcript::new();
    assert_eq!(deliver_all(&mut transcript, &messages), Ok(3));
    assert_eq!(transcript.as_str().lines().count(), 3);
}

#[test]
fn deliver_all_stops_at_the_first_error() {
    let messages = [
        msg("alice", "one"),
        msg("bob", "two"),
        msg("carol", "three"),
    ];
    let mut small = Inbox::new(user("dave"), 2);
    assert_eq!(
        deliver_all(&mut small, &messages),
        Err(ChatError::InboxFull {
            recipient: "dave".into()
        }),
        "the third message does not fit: its error is the result"
    );
    assert_eq!(small.messages().len(), 2);
}
