//! Tests for exercise 6.4. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::testing::{self, Client};
use serde_json::json;
use std::sync::Arc;

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
struct Manual(Arc<Mutex<Instant>>);

impl Manual {
    fn new() -> Manual {
        Manual(Arc::new(Mutex::new(Instant::now())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for Manual {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

fn send<'a>(user: &'a str, room: &'a str) -> Request<'a> {
    Request {
        user,
        verified: false,
        action: Action::Send { room, text: "hi" },
    }
}

#[test]
fn one_message_per_interval_and_the_wait_is_rounded_up() {
    let clock = Manual::new();
    let slow = SlowMode::new(Duration::from_secs(10), clock.clone());
    assert_eq!(slow.check(&send("ann", "lobby")), Decision::Pass);
    clock.advance(Duration::from_millis(8_800));
    assert_eq!(
        slow.check(&send("ann", "lobby")),
        Decision::Refuse("slow mode: wait 2s".into())
    );
    clock.advance(Duration::from_millis(1_200)); // exactly 10 s after the first
    assert_eq!(slow.check(&send("ann", "lobby")), Decision::Pass);
    assert_eq!(
        slow.check(&send("ann", "lobby")),
        Decision::Refuse("slow mode: wait 10s".into())
    );
}

#[test]
fn a_refused_attempt_does_not_restart_the_wait() {
    let clock = Manual::new();
    let slow = SlowMode::new(Duration::from_secs(10), clock.clone());
    assert_eq!(slow.check(&send("ann", "lobby")), Decision::Pass);
    clock.advance(Duration::from_secs(6));
    assert!(matches!(
        slow.check(&send("ann", "lobby")),
        Decision::Refuse(_)
    ));
    clock.advance(Duration::from_secs(4));
    assert_eq!(slow.check(&send("ann", "lobby")), Decision::Pass);
}

#[test]
fn rooms_and_users_are_independent_names_are_not_case_sensitive() {
    let clock = Manual::new();
    let slow = SlowMode::new(Duration::from_secs(10), clock.clone());
    assert_eq!(slow.check(&send("ann", "lobby")), Decision::Pass);
    assert_eq!(slow.check(&send("ann", "rust")), Decision::Pass);
    assert_eq!(slow.check(&send("bob", "lobby")), Decision::Pass);
    assert!(matches!(
        slow.check(&send("ANN", "lobby")),
        Decision::Refuse(_)
    ));
    let others = [
        Action::Direct {
            to: "bob",
            text: "hi",
        },
        Action::Join { room: "lobby" },
    ];
    for action in others {
        let request = Request {
            user: "ann",
            verified: false,
            action,
        };
        assert_eq!(slow.check(&request), Decision::Pass, "{action:?}");
    }
}

#[tokio::test]
async fn on_a_real_server_the_second_message_waits() {
    let server =
        testing::start_with_hook(SlowMode::new(Duration::from_secs(3600), SystemClock)).await;
    let mut ann = Client::in_room(&server.url(), "ann", "lobby").await;
    let mut bob = Client::in_room(&server.url(), "bob", "lobby").await;
    ann.recv_type("presence").await; // bob arrived
    for text in ["one", "two"] {
        ann.send(json!({"type": "send", "room": "lobby", "text": text}))
            .await;
    }
    assert_eq!(ann.recv_type("message").await["text"], "one");
    let refused = ann.expect_error("refused").await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("slow mode: wait"),
        "{refused}"
    );
    bob.send(json!({"type": "send", "room": "lobby", "text": "three"}))
        .await;
    assert_eq!(bob.recv_type("message").await["text"], "one");
    assert_eq!(
        bob.recv_type("message").await["text"],
        "three",
        "and never two"
    );
    server.shutdown().await;
}
