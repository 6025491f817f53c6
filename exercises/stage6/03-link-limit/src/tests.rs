//! Tests for exercise 6.3. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::testing::{self, Client};
use serde_json::json;

fn send<'a>(verified: bool, text: &'a str) -> Request<'a> {
    Request {
        user: "ann",
        verified,
        action: Action::Send {
            room: "lobby",
            text,
        },
    }
}

#[test]
fn links_are_words_that_start_with_a_scheme() {
    assert_eq!(count_links("no links here"), 0);
    assert_eq!(count_links("see https://example.org"), 1);
    assert_eq!(count_links("HTTP://A.B and\thttps://c.d\nhttps://e.f"), 3);
    assert_eq!(count_links("nothttps://a.b https:/a.b ftp://a.b"), 0);
    assert_eq!(count_links(""), 0);
}

#[test]
fn guests_post_no_links_and_signed_in_users_a_few() {
    let limit = LinkLimit::new(2);
    assert_eq!(
        limit.check(&send(false, "look: https://spam.example")),
        Decision::Refuse("sign in to post links".into())
    );
    assert_eq!(limit.check(&send(false, "just words")), Decision::Pass);
    assert_eq!(
        limit.check(&send(true, "https://a.b and https://c.d")),
        Decision::Pass
    );
    assert_eq!(
        limit.check(&send(true, "https://a.b https://c.d https://e.f")),
        Decision::Refuse("at most 2 links per message".into())
    );
    let direct = Request {
        user: "ann",
        verified: false,
        action: Action::Direct {
            to: "bob",
            text: "https://spam.example",
        },
    };
    assert!(matches!(limit.check(&direct), Decision::Refuse(_)));
    let join = Request {
        user: "ann",
        verified: false,
        action: Action::Join {
            room: "https://x.y",
        },
    };
    assert_eq!(limit.check(&join), Decision::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_is_refused_where_a_signed_in_user_is_not() {
    let server = testing::start_with_hook(LinkLimit::new(1)).await;
    let token = testing::sign_up(&server, "ann", "long enough").await;
    let mut ann = Client::signed_in(&server.url(), &token).await;
    ann.join("lobby").await;
    let mut guest = Client::in_room(&server.url(), "guest", "lobby").await;
    ann.recv_type("presence").await; // the guest arrived

    guest
        .send(json!({"type": "send", "room": "lobby", "text": "https://spam.example"}))
        .await;
    guest.expect_error("refused").await;
    ann.send(json!({"type": "send", "room": "lobby", "text": "docs: https://doc.rust-lang.org"}))
        .await;
    let seen = ann.recv_type("message").await;
    assert_eq!(
        seen["text"], "docs: https://doc.rust-lang.org",
        "the guest's never came"
    );
    assert_eq!(seen["verified"], true);
    server.shutdown().await;
}
