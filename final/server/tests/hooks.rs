//! Hooks on a real server (book: "Stage 6 — Inside the final server", section "Hooks"): what
//! they see, what their answers do, and what a broken one cannot do.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use chat_server::ServerBuilder;
use chat_server::hook::{Action, Decision, Hook, Request};
use chat_server::testing::{self, Client};
use serde_json::json;

/// Refuses a guest's messages, with the name it saw; lets a signed-in user's through.
#[derive(Debug)]
struct SignedInOnly;

impl Hook for SignedInOnly {
    fn check(&self, request: &Request<'_>) -> Decision {
        match request.action {
            Action::Send { .. } if !request.verified => {
                Decision::Refuse(format!("{} is a guest", request.user))
            }
            _ => Decision::Pass,
        }
    }
}

/// Rewrites `long` into a text over the server's limit, and panics on `boom`.
#[derive(Debug)]
struct Mischief;

impl Hook for Mischief {
    fn check(&self, request: &Request<'_>) -> Decision {
        match request.action {
            Action::Send { text: "long", .. } => Decision::Rewrite("x".repeat(5_000)),
            Action::Send { text: "boom", .. } => panic!("a bug in a hook"),
            Action::Send { text, .. } => Decision::Rewrite(format!("{text}!")),
            _ => Decision::Pass,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_see_who_is_signed_in_even_after_a_refused_token() {
    let server = testing::start_with_hook(SignedInOnly).await;
    // A guest holds "ann" before the account exists: ann's token is then refused at hello.
    let mut squatter = Client::hello(&server.url(), "ann").await;
    let token = testing::sign_up(&server, "ann", "long enough").await;
    let mut ann = Client::connect(&server.url()).await;
    ann.send(json!({"type": "hello", "token": token})).await;
    ann.expect_error("username_taken").await;
    // The same connection goes on as a guest: a guest to the hooks too.
    ann.send(json!({"type": "hello", "username": "zed"})).await;
    ann.recv_type("welcome").await;
    ann.join("r").await;
    ann.send(json!({"type": "send", "room": "r", "text": "hi"}))
        .await;
    let refused = ann.expect_error("refused").await;
    assert_eq!(refused["message"], "zed is a guest");
    squatter.join("r").await;
    squatter
        .send(json!({"type": "send", "room": "r", "text": "me too"}))
        .await;
    squatter.expect_error("refused").await;
    // Once the guest is gone, the account's token works, and its messages pass.
    assert_eq!(squatter.close().await, Some(1000));
    // (the server answers a close once the connection has left the hub: the name is free)
    let mut ann = Client::signed_in(&server.url(), &token).await;
    ann.join("r").await;
    ann.send(json!({"type": "send", "room": "r", "text": "signed"}))
        .await;
    let seen = ann.recv_type("message").await;
    assert_eq!(
        (seen["text"].as_str(), seen["verified"].as_bool()),
        (Some("signed"), Some(true))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn rewrites_are_checked_again_and_a_panicking_hook_refuses_without_ending_anything() {
    let server = testing::start_with_hook(Mischief).await;
    let mut ann = Client::in_room(&server.url(), "ann", "r").await;
    ann.send(json!({"type": "send", "room": "r", "text": "long"}))
        .await;
    ann.expect_error("text_too_long").await;
    ann.send(json!({"type": "send", "room": "r", "text": "boom"}))
        .await;
    ann.expect_error("refused").await;
    ann.send(json!({"type": "send", "room": "r", "text": "still here"}))
        .await;
    let seen = ann.recv_type("message").await;
    assert_eq!(
        seen["text"], "still here!",
        "the connection lives on, and the hook runs"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn hooks_run_in_the_order_given() {
    // Mischief adds "!", then SignedInOnly refuses the guest, naming it: the refusal wins.
    let server = testing::bind(ServerBuilder::new())
        .await
        .with_hook(Mischief)
        .with_hook(SignedInOnly)
        .spawn()
        .unwrap();
    let mut bob = Client::in_room(&server.url(), "bob", "r").await;
    bob.send(json!({"type": "send", "room": "r", "text": "hi"}))
        .await;
    assert_eq!(
        bob.expect_error("refused").await["message"],
        "bob is a guest"
    );
    bob.send(json!({"type": "direct", "to": "bob", "text": "note"}))
        .await;
    assert_eq!(
        bob.recv_type("direct").await["text"],
        "note",
        "direct messages pass both"
    );
    server.shutdown().await;
}
