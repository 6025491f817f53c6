//! Every protocol message and every error code, over real sockets (book: "The protocol").
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use chat_server::ServerBuilder;
use chat_server::protocol::{CloseCode, ErrorCode};
use futures_util::SinkExt;
use serde_json::{Value, json};
use support::{Client, bounded, start};
use tokio_tungstenite::tungstenite::Message;

fn texts(frames: &Value) -> Vec<String> {
    frames
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn hello_gets_welcome_and_bad_or_taken_names_are_refused() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut client = Client::connect(&url).await;
    for bad in [
        "",
        "   ",
        "al ice",
        &"x".repeat(33),
        "bob\u{7}",
        "аlice",
        "<img src=x>",
    ] {
        client
            .send(json!({"type": "hello", "username": bad, "id": 7}))
            .await;
        let error = client.expect_error("invalid_username").await;
        assert_eq!(error["id"], 7, "the error echoes the id");
    }
    client
        .send(json!({"type": "hello", "username": "Alice", "id": "h1"}))
        .await;
    assert_eq!(
        client.recv().await,
        json!({"type": "welcome", "id": "h1", "username": "Alice"})
    );

    let mut other = Client::connect(&url).await;
    other
        .send(json!({"type": "hello", "username": "aLICE"}))
        .await;
    other.expect_error("username_taken").await;
    // Once Alice has gone, the name is free (the server forgets her before answering her close).
    assert_eq!(client.close().await, Some(1000));
    other
        .send(json!({"type": "hello", "username": "aLICE"}))
        .await;
    other.recv_type("welcome").await;
}

/// `count` clients `u0`, `u1`, … join room `r` one after the other, then the last sends `text`.
/// Returns them, so that they stay connected.
async fn joins_then_send(url: &str, count: usize, text: &str) -> Vec<Client> {
    let mut others = Vec::new();
    for n in 0..count {
        others.push(Client::in_room(url, &format!("u{n}"), "r").await);
    }
    let last = others.last_mut().unwrap();
    last.send(json!({"type": "send", "room": "r", "text": text}))
        .await;
    others
}

/// `presence` frames may wait longer than messages before they are written (book:
/// "Performance", section "A connection storm"); whatever waits, a member gets every frame in
/// the order the hub queued it, and a message is not left behind the `presence` before it.
#[tokio::test]
async fn presence_held_back_keeps_its_place_before_a_message() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::in_room(&url, "alice", "r").await;
    let _others = joins_then_send(&url, 30, "after the joins").await;
    for n in 0..30 {
        assert_eq!(
            alice.recv().await,
            json!({"type": "presence", "room": "r", "username": format!("u{n}"), "event": "join"})
        );
    }
    let message = alice.recv().await;
    assert_eq!(
        (&message["type"], &message["text"]),
        (&json!("message"), &json!("after the joins"))
    );
}

/// While only `presence` waits, the queue is still watched: a message that comes is written
/// within its own window, not held for `presence`'s twenty. With a window of 250 ms, held
/// `presence` may wait 5 s; the message must arrive well before that.
#[tokio::test]
async fn a_message_is_not_held_for_the_presence_window() {
    let window = std::time::Duration::from_millis(250);
    let server = start(ServerBuilder::new().coalesce(window)).await;
    let url = server.url();
    let mut alice = Client::in_room(&url, "alice", "r").await;
    // Ten joins, a few milliseconds apart: alice's pace soon expects more, and holds them
    // (ten `presence` frames are well under the 1 KiB that may be held that long).
    let _others = joins_then_send(&url, 10, "now").await;
    let sent = std::time::Instant::now();
    let message = bounded("the message", async {
        loop {
            let frame = alice.recv().await;
            if frame["type"] == "message" {
                break frame;
            }
        }
    })
    .await;
    assert_eq!(message["text"], "now");
    let took = sent.elapsed();
    assert!(
        took < window * 8,
        "the message took {took:?}: held with presence (up to {:?})",
        window * 20
    );
}

#[tokio::test]
async fn join_send_and_presence_follow_the_protocol() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::hello(&url, "alice").await;
    alice
        .send(json!({"type": "join", "room": "rust", "id": 1}))
        .await;
    assert_eq!(
        alice.recv().await,
        json!({"type": "joined", "id": 1, "room": "rust", "members": ["alice"], "history": []})
    );

    let mut bob = Client::hello(&url, "bob").await;
    let joined = bob.join("rust").await;
    assert_eq!(joined["members"], json!(["alice", "bob"]));
    assert_eq!(
        alice.recv().await,
        json!({"type": "presence", "room": "rust", "username": "bob", "event": "join"})
    );

    bob.send(json!({"type": "send", "room": "rust", "text": "hi"}))
        .await;
    let to_alice = alice.recv_type("message").await;
    let to_bob = bob.recv_type("message").await;
    assert_eq!(to_alice, to_bob, "the sender gets the same message");
    assert_eq!(
        (&to_alice["room"], &to_alice["username"], &to_alice["text"]),
        (&json!("rust"), &json!("bob"), &json!("hi"))
    );
    let stamp = to_alice["timestamp"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(stamp).expect("RFC 3339");
    assert_eq!(parsed.offset().local_minus_utc(), 0, "UTC: {stamp}");
    assert!(stamp.ends_with('Z'), "{stamp}");

    alice
        .send(json!({"type": "send", "room": "rust", "text": "hello bob"}))
        .await;
    let second = bob.recv_type("message").await;
    alice.recv_type("message").await;
    assert!(
        second["id"].as_u64().unwrap() > to_alice["id"].as_u64().unwrap(),
        "ids increase"
    );

    let mut carol = Client::hello(&url, "carol").await;
    let joined = carol.join("rust").await;
    assert_eq!(texts(&joined["history"]), ["hi", "hello bob"]);
    assert_eq!(
        joined["history"][0], to_alice,
        "history holds the messages as they were sent"
    );
}

#[tokio::test]
async fn leave_and_disconnect_are_announced() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::hello(&url, "alice").await;
    alice.join("r").await;
    let mut bob = Client::hello(&url, "bob").await;
    bob.join("r").await;
    alice.recv_type("presence").await;

    bob.send(json!({"type": "leave", "room": "r", "id": 5}))
        .await;
    assert_eq!(
        bob.recv().await,
        json!({"type": "left", "id": 5, "room": "r"})
    );
    assert_eq!(
        alice.recv().await,
        json!({"type": "presence", "room": "r", "username": "bob", "event": "leave"})
    );
    bob.send(json!({"type": "send", "room": "r", "text": "still here?"}))
        .await;
    bob.expect_error("not_joined").await;
    bob.send(json!({"type": "leave", "room": "r"})).await;
    bob.expect_error("not_joined").await;

    let mut carol = Client::hello(&url, "carol").await;
    carol.join("r").await;
    alice.recv_type("presence").await;
    drop(carol); // vanishes without a close frame
    assert_eq!(
        alice.recv().await,
        json!({"type": "presence", "room": "r", "username": "carol", "event": "leave"})
    );
    support::eventually("the vanished client counted", || {
        server.stats().vanished == 1
    })
    .await;
    assert_eq!(
        server.stats().closes(CloseCode::ProtocolError),
        0,
        "vanishing is not a protocol error"
    );
}

#[tokio::test]
async fn direct_messages_reach_one_user_and_echo_to_the_sender() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::hello(&url, "alice").await;
    let mut bob = Client::hello(&url, "Bob").await;
    alice
        .send(json!({"type": "direct", "to": "bob", "text": "psst", "id": 3}))
        .await;
    let received = bob.recv_type("direct").await;
    assert_eq!(
        (&received["from"], &received["to"], &received["text"]),
        (&json!("alice"), &json!("Bob"), &json!("psst"))
    );
    assert!(
        received.get("id").is_none(),
        "the recipient does not see the sender's request id"
    );
    let copy = alice.recv_type("direct").await;
    assert_eq!(copy["id"], 3);
    assert_eq!(copy["timestamp"], received["timestamp"]);
    alice
        .send(json!({"type": "direct", "to": "nobody", "text": "hello?"}))
        .await;
    alice.expect_error("unknown_user").await;
}

#[tokio::test]
async fn rooms_lists_the_rooms_with_their_member_counts() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::hello(&url, "alice").await;
    let mut bob = Client::hello(&url, "bob").await;
    alice.join("rust").await;
    alice.join("go").await;
    bob.join("rust").await;
    alice.send(json!({"type": "rooms", "id": "r"})).await;
    let rooms = loop {
        let frame = alice.recv().await;
        if frame["type"] == "rooms" {
            break frame;
        }
    };
    assert_eq!(
        rooms,
        json!({"type": "rooms", "id": "r", "rooms": [{"name": "go", "members": 1}, {"name": "rust", "members": 2}]})
    );
}

#[tokio::test]
async fn every_error_code_answers_and_the_connection_stays_usable() {
    let server = start(
        ServerBuilder::new()
            .max_text_chars(10)
            .max_rooms_per_connection(2)
            .rate_per_sec(1000.0)
            .rate_burst(1000),
    )
    .await;
    let url = server.url();
    let mut client = Client::connect(&url).await;
    client
        .send(json!({"type": "join", "room": "r", "id": 1}))
        .await;
    assert_eq!(client.expect_error("not_welcomed").await["id"], 1);
    client
        .send(json!({"type": "hello", "username": "ann"}))
        .await;
    client.recv_type("welcome").await;

    let cases: Vec<(&str, &str)> = vec![
        ("not json at all", "bad_request"),
        ("[1,2,3]", "bad_request"),
        (r#"{"username":"ann"}"#, "bad_request"),
        (r#"{"type":"send","room":"r"}"#, "bad_request"),
        (r#"{"type":"join","room":42}"#, "bad_request"),
        (r#"{"type":"join","room":"r","since":-1}"#, "bad_request"),
        (r#"{"type":"join","room":"r","since":1e999}"#, "bad_request"),
        (r#"{"type":"teleport"}"#, "unknown_type"),
        (r#"{"type":"hello","username":"ann2"}"#, "already_welcomed"),
        (r#"{"type":"join","room":"Rust"}"#, "invalid_room"),
        (r#"{"type":"join","room":"a b"}"#, "invalid_room"),
        (r#"{"type":"join","room":""}"#, "invalid_room"),
        (r#"{"type":"send","room":"r","text":"hi"}"#, "not_joined"),
        (
            r#"{"type":"direct","to":"ghost","text":"hi"}"#,
            "unknown_user",
        ),
    ];
    for (frame, code) in &cases {
        client.send_text(frame).await;
        client.expect_error(code).await;
    }
    let mut nested = String::new();
    for _ in 0..200 {
        nested.push('[');
    }
    client.send_text(&nested).await;
    client.expect_error("bad_request").await;
    bounded(
        "binary",
        client.ws.send(Message::binary(vec![0u8, 159, 146, 150])),
    )
    .await
    .unwrap();
    client.expect_error("bad_request").await;

    client.join("r").await;
    for (text, code) in [
        ("0123456789x", "text_too_long"),
        ("  ", "bad_request"),
        ("a\u{1b}[2J", "invalid_text"),
    ] {
        client
            .send(json!({"type": "send", "room": "r", "text": text, "id": code}))
            .await;
        assert_eq!(client.expect_error(code).await["id"], code, "echoes the id");
    }
    client.send(json!({"type": "join", "room": "r"})).await;
    client.expect_error("already_joined").await;
    client.join("s").await;
    client.send(json!({"type": "join", "room": "t"})).await;
    client.expect_error("too_many_rooms").await;

    // After all that, the connection still works.
    client
        .send(json!({"type": "send", "room": "r", "text": "0123456789", "id": "ok"}))
        .await;
    assert_eq!(client.recv_type("message").await["text"], "0123456789");
    let stats = server.stats();
    for code in [
        "bad_request",
        "unknown_type",
        "invalid_room",
        "text_too_long",
        "too_many_rooms",
    ] {
        let code = ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == code)
            .unwrap();
        assert!(stats.errors(code) > 0, "{code} counted");
    }
}

#[tokio::test]
async fn a_flood_is_rate_limited_then_closed_with_4013() {
    let server = start(
        ServerBuilder::new()
            .rate_per_sec(1.0)
            .rate_burst(3)
            .rate_abuse_after(10),
    )
    .await;
    let mut client = Client::hello(&server.url(), "flood").await;
    for _ in 0..40 {
        client.send(json!({"type": "rooms"})).await;
    }
    let (frames, code) = client.until_closed().await;
    let limited = frames
        .iter()
        .filter(|f| f["code"] == "rate_limited")
        .count();
    assert!(limited >= 10, "{frames:?}");
    assert!(
        frames.iter().filter(|f| f["type"] == "rooms").count() <= 5,
        "at most the burst and a trickle passed"
    );
    assert_eq!(code, Some(4013));
}

#[tokio::test]
async fn garbage_in_a_row_is_closed_with_1008() {
    let server = start(ServerBuilder::new().invalid_in_a_row(5)).await;
    let mut client = Client::hello(&server.url(), "junk").await;
    for _ in 0..5 {
        client.send_text("}{").await;
    }
    let (frames, code) = client.until_closed().await;
    assert_eq!(frames.len(), 5, "each got its error first: {frames:?}");
    assert_eq!(code, Some(1008));
}
