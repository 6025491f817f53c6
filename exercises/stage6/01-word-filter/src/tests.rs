//! Tests for exercise 6.1. Read them to see what is expected; do not edit them.

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
fn a_banned_word_is_refused_in_any_case_and_named() {
    let filter = WordFilter::new(&["heck", "Darn"]);
    assert_eq!(
        filter.check(&send("ann", "what the HECK")),
        Decision::Refuse("the word \"heck\" is not allowed here".into())
    );
    assert_eq!(
        filter.check(&send("ann", "darn it, heck")),
        Decision::Refuse("the word \"darn\" is not allowed here".into()),
        "the first banned word of the text is named"
    );
    assert_eq!(filter.check(&send("ann", "all fine here")), Decision::Pass);
}

#[test]
fn only_whole_words_count() {
    let filter = WordFilter::new(&["ass"]);
    for fine in ["a classic", "passage", "assess", "bass-line", ""] {
        assert_eq!(filter.check(&send("ann", fine)), Decision::Pass, "{fine:?}");
    }
    for bad in ["ass", "you ass!", "(ass)", "ASS.", "kick-ass"] {
        assert!(
            matches!(filter.check(&send("ann", bad)), Decision::Refuse(_)),
            "{bad:?} should be refused"
        );
    }
}

#[test]
fn direct_messages_are_filtered_and_joins_are_not() {
    let filter = WordFilter::new(&["heck"]);
    let direct = Request {
        user: "ann",
        verified: true,
        action: Action::Direct {
            to: "bob",
            text: "heck",
        },
    };
    assert!(matches!(filter.check(&direct), Decision::Refuse(_)));
    let join = Request {
        user: "ann",
        verified: false,
        action: Action::Join { room: "heck" },
    };
    assert_eq!(filter.check(&join), Decision::Pass);
}

#[tokio::test]
async fn on_a_real_server_the_sender_is_told_and_nobody_sees_it() {
    let server = testing::start_with_hook(WordFilter::new(&["heck"])).await;
    let mut ann = Client::in_room(&server.url(), "ann", "lobby").await;
    let mut bob = Client::in_room(&server.url(), "bob", "lobby").await;
    ann.recv_type("presence").await; // bob arrived

    ann.send(json!({"type": "send", "room": "lobby", "text": "oh heck"}))
        .await;
    let refused = ann.expect_error("refused").await;
    assert!(
        refused["message"].as_str().unwrap().contains("heck"),
        "{refused}"
    );
    ann.send(json!({"type": "send", "room": "lobby", "text": "oh well"}))
        .await;
    let seen = bob.recv_type("message").await;
    assert_eq!(
        seen["text"], "oh well",
        "the refused message never reached bob"
    );
    server.shutdown().await;
}
