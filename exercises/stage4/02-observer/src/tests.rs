//! Tests for exercise 4.2. Read them to see what is expected; do not edit them.

use super::*;

fn joined(name: &str) -> Event {
    Event::Joined {
        username: name.into(),
    }
}

fn left(name: &str) -> Event {
    Event::Left {
        username: name.into(),
    }
}

fn message(id: u64, text: &str) -> Event {
    Event::Message {
        id,
        text: text.into(),
    }
}

#[test]
fn the_tally_counts_every_kind() {
    let tally = Tally::default();
    for event in [
        joined("a"),
        joined("b"),
        message(1, "hi"),
        left("a"),
        message(2, "bye"),
    ] {
        tally.notify(&event);
    }
    assert_eq!(tally.counts(), (2, 1, 2), "(joined, left, messages)");
    assert_eq!(tally.online(), 1, "two joined, one left");
}

#[test]
fn the_peak_is_the_most_online_at_once() {
    let tally = Tally::default();
    for event in [
        joined("a"),
        joined("b"),
        joined("c"),
        left("a"),
        left("b"),
        joined("d"),
    ] {
        tally.notify(&event);
    }
    assert_eq!(tally.online(), 2);
    assert_eq!(
        tally.peak_online(),
        3,
        "three were online after the third join"
    );
}

#[test]
fn the_watchword_ignores_case_and_keeps_order() {
    let watch = Watchword::new("Rust");
    for event in [
        message(7, "I love RUST"),
        message(8, "go"),
        joined("x"),
        message(9, "rusty nails"),
    ] {
        watch.notify(&event);
    }
    assert_eq!(
        watch.hits(),
        [7, 9],
        "only messages, matching 'rust' in any case"
    );
}

#[test]
fn the_hub_tells_everyone() {
    let tally = Arc::new(Tally::default());
    let watch = Arc::new(Watchword::new("help"));
    let mut hub = Hub::default();
    hub.subscribe(tally.clone());
    hub.subscribe(watch.clone());
    hub.publish(&joined("a"));
    hub.publish(&message(1, "HELP!"));
    assert_eq!(tally.counts(), (1, 0, 1));
    assert_eq!(watch.hits(), [1]);
}

#[test]
fn many_threads_publish_at_once() {
    let tally = Arc::new(Tally::default());
    let mut hub = Hub::default();
    hub.subscribe(tally.clone());
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let hub = hub.clone();
            scope.spawn(move || {
                for n in 0..1_000 {
                    hub.publish(&message(thread * 1_000 + n, "x"));
                }
            });
        }
    });
    assert_eq!(
        tally.counts().2,
        4_000,
        "no count may be lost between threads"
    );
}
