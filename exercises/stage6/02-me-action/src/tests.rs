//! Tests for exercise 6.2. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::testing::{self, Client};
use serde_json::json;

fn send<'a>(user: &'a str, text: &'a str) -> Request<'a> {
    Request {
        user,
        verified: false,
        action: Action::Send {
            room: "lobby",
            text,
        },
    }
}

#[test]
fn me_becomes_an_action_in_the_users_name() {
    assert_eq!(
        MeAction.check(&send("ann", "/me waves")),
        Decision::Rewrite("* ann waves".into())
    );
    assert_eq!(
        MeAction.check(&send("Bob", "/me   shrugs, then sits  ")),
        Decision::Rewrite("* Bob shrugs, then sits".into())
    );
    let direct = Request {
        user: "ann",
        verified: true,
        action: Action::Direct {
            to: "bob",
            text: "/me winks",
        },
    };
    assert_eq!(
        MeAction.check(&direct),
        Decision::Rewrite("* ann winks".into())
    );
}

#[test]
fn an_empty_action_is_refused_and_other_texts_pass() {
    for empty in ["/me", "/me ", "/me    "] {
        assert_eq!(
            MeAction.check(&send("ann", empty)),
            Decision::Refuse("say what you do, as in \"/me waves\"".into()),
            "{empty:?}"
        );
    }
    for other in ["/meow", " /me waves", "/ME waves", "hello /me", ""] {
        assert_eq!(
            MeAction.check(&send("ann", other)),
            Decision::Pass,
            "{other:?}"
        );
    }
    let join = Request {
        user: "ann",
        verified: false,
        action: Action::Join { room: "lobby" },
    };
    assert_eq!(MeAction.check(&join), Decision::Pass);
}

#[tokio::test]
async fn the_room_sees_the_action() {
    let server = testing::start_with_hook(MeAction).await;
    let mut ann = Client::in_room(&server.url(), "ann", "lobby").await;
    let mut bob = Client::in_room(&server.url(), "bob", "lobby").await;
    ann.recv_type("presence").await; // bob arrived
    ann.send(json!({"type": "send", "room": "lobby", "text": "/me waves"}))
        .await;
    let seen = bob.recv_type("message").await;
    assert_eq!(seen["text"], "* ann waves");
    assert_eq!(seen["username"], "ann");
    assert_eq!(ann.recv_type("message").await["text"], "* ann waves");
    ann.send(json!({"type": "send", "room": "lobby", "text": "/me"}))
        .await;
    ann.expect_error("refused").await;
    server.shutdown().await;
}
