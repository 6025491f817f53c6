//! Tests for exercise 5.5. Read them to see what is expected; do not edit them.

use super::*;

fn message() -> Message {
    Message::new(Username::parse("alice").unwrap(), "hello, everyone").unwrap()
}

#[test]
fn every_client_gets_the_same_encoded_text() {
    let (senders, mut receivers): (Vec<_>, Vec<_>) =
        (0..4).map(|_| mpsc::channel::<Arc<str>>(8)).unzip();
    let m = message();
    assert_eq!(fan_out(&m, &senders), 4);
    let texts: Vec<Arc<str>> = receivers
        .iter_mut()
        .map(|r| r.try_recv().expect("a message"))
        .collect();
    assert_eq!(&*texts[0], encode(&m).as_str(), "the JSON of the message");
    for text in &texts[1..] {
        assert!(
            Arc::ptr_eq(text, &texts[0]),
            "every client must share the one encoded text"
        );
    }
}

#[test]
fn full_and_closed_queues_are_skipped() {
    let (full, _full_rx) = mpsc::channel::<Arc<str>>(1);
    full.try_send(Arc::from("already queued")).unwrap();
    let (closed, closed_rx) = mpsc::channel::<Arc<str>>(8);
    drop(closed_rx);
    let (open, mut open_rx) = mpsc::channel::<Arc<str>>(8);
    assert_eq!(
        fan_out(&message(), &[full, closed, open]),
        1,
        "only the open queue with room takes it"
    );
    assert!(open_rx.try_recv().is_ok());
}

#[test]
fn no_clients_is_fine() {
    assert_eq!(fan_out(&message(), &[]), 0);
}
