//! Tests for exercise 6.6. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::testing::{self, Client};
use serde_json::json;
use std::sync::Arc;

fn send<'a>(user: &'a str, verified: bool, text: &'a str) -> Request<'a> {
    Request {
        user,
        verified,
        action: Action::Send {
            room: "lobby",
            text,
        },
    }
}

#[test]
fn a_moderator_mutes_and_unmutes_and_the_room_is_told() {
    let moderation = Moderation::new(&["Mod"]);
    assert_eq!(
        moderation.check(&send("mod", true, "/mute Bob")),
        Decision::Rewrite("* Bob was muted by mod".into())
    );
    assert!(moderation.is_muted("bob") && moderation.is_muted("BOB"));
    assert_eq!(
        moderation.check(&send("bob", false, "let me speak")),
        Decision::Refuse("you are muted".into())
    );
    let direct = Request {
        user: "bob",
        verified: false,
        action: Action::Direct {
            to: "mod",
            text: "please",
        },
    };
    assert_eq!(
        moderation.check(&direct),
        Decision::Refuse("you are muted".into())
    );
    let join = Request {
        user: "bob",
        verified: false,
        action: Action::Join { room: "elsewhere" },
    };
    assert_eq!(moderation.check(&join), Decision::Pass);
    assert_eq!(
        moderation.check(&send("mod", true, "/unmute bob")),
        Decision::Rewrite("* bob was unmuted by mod".into())
    );
    assert!(!moderation.is_muted("bob"));
    assert_eq!(
        moderation.check(&send("bob", false, "thanks")),
        Decision::Pass
    );
}

#[test]
fn only_signed_in_moderators_may_and_they_must_say_whom() {
    let moderation = Moderation::new(&["mod", "second"]);
    let only = Decision::Refuse("only moderators may mute or unmute".into());
    assert_eq!(
        moderation.check(&send("mod", false, "/mute bob")),
        only,
        "a guest called mod"
    );
    assert_eq!(moderation.check(&send("carol", true, "/mute bob")), only);
    assert!(!moderation.is_muted("bob"));
    assert_eq!(
        moderation.check(&send("mod", true, "/mute")),
        Decision::Refuse("say whom, as in \"/mute bob\"".into())
    );
    assert_eq!(
        moderation.check(&send("carol", true, "/muted is a word")),
        Decision::Pass
    );
    // A muted moderator can still unmute (commands come first).
    assert!(matches!(
        moderation.check(&send("second", true, "/mute mod")),
        Decision::Rewrite(_)
    ));
    assert_eq!(
        moderation.check(&send("mod", true, "hello")),
        Decision::Refuse("you are muted".into())
    );
    assert!(matches!(
        moderation.check(&send("mod", true, "/unmute mod")),
        Decision::Rewrite(_)
    ));
    assert_eq!(
        moderation.check(&send("mod", true, "hello")),
        Decision::Pass
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_silences_a_guest_on_a_real_server() {
    let moderation = Arc::new(Moderation::new(&["mod"]));
    let server = testing::start_with_hook(Shared(Arc::clone(&moderation))).await;
    let token = testing::sign_up(&server, "mod", "long enough").await;
    let mut boss = Client::signed_in(&server.url(), &token).await;
    boss.join("lobby").await;
    let mut bob = Client::in_room(&server.url(), "bob", "lobby").await;
    boss.recv_type("presence").await;
    boss.send(json!({"type": "send", "room": "lobby", "text": "/mute bob"}))
        .await;
    assert_eq!(
        bob.recv_type("message").await["text"],
        "* bob was muted by mod"
    );
    assert!(
        moderation.is_muted("bob"),
        "the hook the server runs is this one"
    );
    bob.send(json!({"type": "send", "room": "lobby", "text": "hey"}))
        .await;
    bob.expect_error("refused").await;
    server.shutdown().await;
}

/// The server takes its hooks by value; the test keeps a handle on the same one.
#[derive(Debug)]
struct Shared(Arc<Moderation>);

impl Hook for Shared {
    fn check(&self, request: &Request<'_>) -> Decision {
        self.0.check(request)
    }
}
