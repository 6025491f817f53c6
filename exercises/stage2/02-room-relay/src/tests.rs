//! Tests for exercise 2.2. Read them to see what is expected; do not edit them.

use super::*;
use stage1_foundations::message::share;
use stage1_foundations::{Message, Username};
use std::time::Duration;

fn message(text: &str) -> SharedMessage {
    share(Message::new(Username::parse("alice").unwrap(), text).unwrap())
}

fn texts(queue: &mut mpsc::Receiver<SharedMessage>) -> Vec<String> {
    std::iter::from_fn(|| queue.try_recv().ok())
        .map(|m| m.text().to_owned())
        .collect()
}

/// Every wait in these tests is bounded: a relay that hangs fails instead of stalling. The clock
/// is paused, so the hour passes instantly once nothing else can happen.
async fn bounded(relay: impl std::future::Future<Output = Relayed>) -> Relayed {
    tokio::time::timeout(Duration::from_secs(3600), relay)
        .await
        .expect("the relay never stopped")
}

#[tokio::test(start_paused = true)]
async fn forwards_everything_in_order_until_the_room_closes() {
    let (room, subscription) = broadcast::channel(16);
    let (client, mut queue) = mpsc::channel(16);
    for text in ["one", "two", "three"] {
        room.send(message(text)).unwrap();
    }
    drop(room);
    let relayed = bounded(relay(subscription, client)).await;
    assert_eq!(
        relayed,
        Relayed {
            forwarded: 3,
            missed: 0,
            end: RelayEnd::RoomClosed
        }
    );
    assert_eq!(texts(&mut queue), ["one", "two", "three"]);
}

#[tokio::test(start_paused = true)]
async fn lagging_counts_what_was_missed_and_carries_on() {
    let (room, subscription) = broadcast::channel(2);
    let (client, mut queue) = mpsc::channel(16);
    for n in 1..=5 {
        room.send(message(&n.to_string())).unwrap(); // nobody reads yet: the room keeps the last 2
    }
    drop(room);
    let relayed = bounded(relay(subscription, client)).await;
    assert_eq!(
        relayed.missed, 3,
        "5 were sent, the room held only the last 2"
    );
    assert_eq!(relayed.forwarded, 2);
    assert_eq!(
        relayed.end,
        RelayEnd::RoomClosed,
        "lagging is not the end of the relay"
    );
    assert_eq!(texts(&mut queue), ["4", "5"]);
}

#[tokio::test(start_paused = true)]
async fn a_departed_client_ends_the_relay_even_in_a_quiet_room() {
    let (room, subscription) = broadcast::channel::<SharedMessage>(16);
    let (client, queue) = mpsc::channel(16);
    drop(queue); // the member left; the room stays open and silent
    let relayed = bounded(relay(subscription, client)).await;
    assert_eq!(
        relayed,
        Relayed {
            forwarded: 0,
            missed: 0,
            end: RelayEnd::ClientGone
        }
    );
    drop(room);
}

#[tokio::test(start_paused = true)]
async fn a_client_leaving_midway_ends_the_relay() {
    let (room, subscription) = broadcast::channel(16);
    let (client, mut queue) = mpsc::channel(16);
    let relay_task = tokio::spawn(relay(subscription, client));
    room.send(message("before")).unwrap();
    let first = tokio::time::timeout(Duration::from_secs(60), queue.recv()).await;
    assert_eq!(
        first.ok().flatten().map(|m| m.text().to_owned()).as_deref(),
        Some("before")
    );
    drop(queue);
    let relayed = tokio::time::timeout(Duration::from_secs(3600), relay_task)
        .await
        .expect("the relay never stopped")
        .expect("the relay panicked");
    assert_eq!(
        relayed,
        Relayed {
            forwarded: 1,
            missed: 0,
            end: RelayEnd::ClientGone
        }
    );
    drop(room);
}
