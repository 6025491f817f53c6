//! Tests for exercise 3.4. Read them to see what is expected; do not edit them.

use super::*;
use futures_util::stream;
use std::time::Duration;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

/// A client that sends `frames` and then stays connected, silent.
fn client_sends(
    frames: Vec<Message>,
) -> impl Stream<Item = Result<Message, Error>> + Unpin + Send + 'static {
    stream::iter(frames.into_iter().map(Ok)).chain(stream::pending())
}

fn texts(frames: &[Message]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| {
            if let Message::Text(t) = f {
                Some(t.to_string())
            } else {
                None
            }
        })
        .collect()
}

#[tokio::test]
async fn the_client_talks_to_the_room_then_closes() {
    let (to_room, mut room) = mpsc::channel(16);
    let (_room_sender, from_room) = mpsc::channel(16);
    let incoming = stream::iter(vec![
        Ok(Message::text("a")),
        Ok(Message::binary(vec![0])),
        Ok(Message::text("b")),
        Ok(Message::Close(None)),
    ]);
    let mut outgoing: Vec<Message> = Vec::new();
    let end = timeout(WAIT, relay(incoming, &mut outgoing, to_room, from_room))
        .await
        .expect("the relay hung");
    assert_eq!(end, RelayEnd::ClientLeft);
    assert_eq!(room.recv().await.as_deref(), Some("a"));
    assert_eq!(
        room.recv().await.as_deref(),
        Some("b"),
        "binary frames are ignored, texts go to the room in order"
    );
}

#[tokio::test]
async fn a_vanished_client_is_a_client_that_left() {
    let (to_room, _room) = mpsc::channel(16);
    let (_room_sender, from_room) = mpsc::channel(16);
    let mut outgoing: Vec<Message> = Vec::new();
    let end = timeout(
        WAIT,
        relay(stream::iter(Vec::new()), &mut outgoing, to_room, from_room),
    )
    .await
    .expect("the relay hung");
    assert_eq!(end, RelayEnd::ClientLeft);
}

#[tokio::test]
async fn the_room_talks_to_a_silent_client_then_removes_it() {
    let (to_room, _room) = mpsc::channel(16);
    let (room_sender, from_room) = mpsc::channel(16);
    for text in ["x", "y"] {
        room_sender.send(text.to_owned()).await.unwrap();
    }
    drop(room_sender); // the server removes this client
    let mut outgoing: Vec<Message> = Vec::new();
    let end = timeout(
        WAIT,
        relay(client_sends(vec![]), &mut outgoing, to_room, from_room),
    )
    .await
    .expect("a silent client must not hold up the room's messages");
    assert_eq!(end, RelayEnd::Removed);
    assert_eq!(texts(&outgoing), ["x", "y"]);
    assert_eq!(
        outgoing.last(),
        Some(&Message::Close(None)),
        "a removed client is sent a close frame last"
    );
}

#[tokio::test]
async fn both_directions_flow_at_once() {
    let (to_room, mut room) = mpsc::channel(16);
    let (room_sender, from_room) = mpsc::channel(16);
    let task = tokio::spawn(async move {
        let mut outgoing: Vec<Message> = Vec::new();
        let end = relay(
            client_sends(vec![Message::text("from the client")]),
            &mut outgoing,
            to_room,
            from_room,
        )
        .await;
        (end, outgoing)
    });
    let arrived = timeout(WAIT, room.recv())
        .await
        .expect("the client's text never reached the room");
    assert_eq!(arrived.as_deref(), Some("from the client"));
    room_sender.send("from the room".to_owned()).await.unwrap();
    drop(room_sender);
    let (end, outgoing) = timeout(WAIT, task)
        .await
        .expect("the relay hung")
        .expect("the relay panicked");
    assert_eq!(end, RelayEnd::Removed);
    assert_eq!(texts(&outgoing), ["from the room"]);
}

#[tokio::test]
async fn a_closed_room_inbox_ends_the_relay_too() {
    let (to_room, room) = mpsc::channel(16);
    drop(room);
    let (_room_sender, from_room) = mpsc::channel(16);
    let mut outgoing: Vec<Message> = Vec::new();
    let end = timeout(
        WAIT,
        relay(
            client_sends(vec![Message::text("anyone?")]),
            &mut outgoing,
            to_room,
            from_room,
        ),
    )
    .await
    .expect("the relay hung");
    assert_eq!(end, RelayEnd::Removed);
}

#[tokio::test]
async fn a_read_error_fails_the_relay() {
    let (to_room, _room) = mpsc::channel(16);
    let (_room_sender, from_room) = mpsc::channel(16);
    let incoming = stream::iter(vec![Err(Error::ConnectionClosed)]).chain(stream::pending());
    let mut outgoing: Vec<Message> = Vec::new();
    let end = timeout(WAIT, relay(incoming, &mut outgoing, to_room, from_room))
        .await
        .expect("the relay hung");
    assert_eq!(end, RelayEnd::Failed);
}
