//! Misbehaving clients, over real sockets: each case checks what the misbehaving client gets
//! (an error reply, a close code, or a dropped connection) and that two healthy clients in the
//! same room keep exchanging messages, every one, in order, while it happens. Book: "Security".
//!
//! Covered elsewhere: a client that never reads (`limits.rs`, slow consumer, with a
//! healthy-client check of its own); the connection caps and the Origin check are tested here
//! and, in more detail, in `limits.rs` and `web.rs`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::time::Duration;

use chat_server::ServerBuilder;
use chat_server::protocol::CloseCode;
use futures_util::SinkExt;
use serde_json::{Value, json};
use support::raw::{self, Raw};
use support::{Client, bounded, eventually, start};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Limits for these tests: generous rates (the healthy clients send quickly), short deadlines.
fn config() -> ServerBuilder {
    ServerBuilder::new()
        .rate_per_sec(5_000.0)
        .rate_burst(5_000)
        .handshake_timeout(Duration::from_millis(800))
        .hello_timeout(Duration::from_millis(800))
}

/// Two well-behaved clients in room `r`: alice sends numbered messages, bob reads them.
struct Healthy {
    alice: Client,
    bob: Client,
    next: u32,
}

impl Healthy {
    async fn new(url: &str) -> Healthy {
        let mut alice = Client::hello(url, "alice").await;
        alice.join("r").await;
        let mut bob = Client::hello(url, "bob").await;
        bob.join("r").await;
        Healthy {
            alice,
            bob,
            next: 0,
        }
    }

    /// alice sends `count` messages; bob must get exactly those, in order, and so must she.
    async fn exchange(&mut self, count: u32) {
        let first = self.next;
        self.next += count;
        for n in first..self.next {
            self.alice
                .send(json!({"type": "send", "room": "r", "text": format!("m{n}")}))
                .await;
        }
        for reader in [&mut self.bob, &mut self.alice] {
            for n in first..self.next {
                let message = next_message(reader).await;
                assert_eq!(message["text"], format!("m{n}"), "in order, none missing");
            }
        }
    }

    /// Runs `attack`, and every 20 ms, between its steps, one healthy exchange; then ten more.
    /// An exchange is never cut off halfway (that would leave messages unread and break the
    /// order check), so the attack is polled only between exchanges. The healthy clients read
    /// all the while, so they also answer the server's pings.
    async fn during<T>(&mut self, attack: impl Future<Output = T>) -> T {
        tokio::pin!(attack);
        loop {
            tokio::select! {
                biased;
                result = &mut attack => {
                    self.exchange(10).await;
                    return result;
                }
                () = tokio::time::sleep(Duration::from_millis(20)) => self.exchange(1).await,
            }
        }
    }
}

/// The next message from alice, skipping presence events and other people's messages
/// (attackers come and go, and some of them talk).
async fn next_message(client: &mut Client) -> Value {
    loop {
        let frame = client.recv().await;
        match frame["type"].as_str() {
            Some("message") if frame["username"] == "alice" => return frame,
            Some("message" | "presence") => {}
            _ => panic!("a healthy client got {frame}"),
        }
    }
}

/// The next error, which must have this code; room traffic before it is skipped (the
/// attacker is in the room too).
async fn error(client: &mut Client, code: &str) {
    loop {
        let frame = client.recv().await;
        match frame["type"].as_str() {
            Some("message" | "presence") => {}
            _ => {
                assert_eq!(
                    (&frame["type"], &frame["code"]),
                    (&json!("error"), &json!(code)),
                    "{frame}"
                );
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_answered_with_errors_and_change_nothing() {
    let server = start(config()).await;
    let mut healthy = Healthy::new(&server.url()).await;
    let mut mallory = Client::hello(&server.url(), "mallory").await;
    mallory.join("r").await;
    let deep = "[".repeat(16_000); // nested far deeper than the parser goes, within the size limit
    let huge_text = format!(
        r#"{{"type":"send","room":"r","text":"{}"}}"#,
        "x".repeat(15_000)
    );
    let cases: Vec<(&str, &str)> = vec![
        ("this is not JSON", "bad_request"),
        ("", "bad_request"),
        ("null", "bad_request"),
        (r#"{"type":5}"#, "bad_request"),
        (r#"{"type":["send"]}"#, "bad_request"),
        (
            r#"{"type":"send","room":{"$ne":null},"text":"x"}"#,
            "bad_request",
        ),
        (r#"{"type":"overthrow"}"#, "unknown_type"),
        (r#"{"type":"send","room":"r"}"#, "bad_request"),
        (r#"{"type":"join","room":"r","since":1e999}"#, "bad_request"),
        (
            r#"{"type":"join","room":"r","since":18446744073709551616}"#,
            "bad_request",
        ),
        (r#"{"type":"rooms","id":1e999}"#, "bad_request"),
        (r#"{"type":"join","room":"r","since":-5}"#, "bad_request"),
        (&deep, "bad_request"),
        (&huge_text, "text_too_long"),
    ];
    healthy
        .during(async {
            for (frame, code) in &cases {
                mallory.send_text(frame).await;
                error(&mut mallory, code).await;
            }
            bounded(
                "binary",
                mallory
                    .ws
                    .send(Message::binary(vec![0xde, 0xad, 0xbe, 0xef])),
            )
            .await
            .unwrap();
            error(&mut mallory, "bad_request").await;
        })
        .await;
    // Nothing changed: mallory is still in the room, once, and still served.
    mallory.send(json!({"type": "rooms"})).await;
    let rooms = loop {
        let frame = mallory.recv().await;
        if frame["type"] == "rooms" {
            break frame;
        }
    };
    assert_eq!(rooms["rooms"], json!([{"name": "r", "members": 3}]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_and_invisible_names_are_refused() {
    let server = start(config()).await;
    let mut healthy = Healthy::new(&server.url()).await;
    let mut mallory = Client::connect(&server.url()).await;
    let names = [
        "",
        " ",
        "\t",
        "alice ",
        " alice",
        "al\u{0}ice",
        "ali\u{1b}[31mce",
        "аlice",
        "alicе",
        "ALICE\u{200B}",
        "\u{202E}ecila",
        "bob\u{FEFF}",
        "bоb",
        "Ꭺlice",
        "ａlice",
        "alice\n",
    ];
    healthy
        .during(async {
            for name in names {
                mallory
                    .send(json!({"type": "hello", "username": name}))
                    .await;
                mallory.expect_error("invalid_username").await;
            }
            mallory
                .send(json!({"type": "hello", "username": "Alice"}))
                .await;
            mallory.expect_error("username_taken").await;
            mallory
                .send(json!({"type": "hello", "username": "mallory"}))
                .await;
            mallory.recv_type("welcome").await;
            for room in [
                "",
                " ",
                "R",
                "r\u{200B}",
                "г",
                "r\u{0}",
                "ｒ",
                "r/../s",
                &"r".repeat(33),
            ] {
                mallory.send(json!({"type": "join", "room": room})).await;
                error(&mut mallory, "invalid_room").await;
            }
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_frames_are_closed_with_their_codes() {
    let server = start(config().max_message_bytes(16 * 1024)).await;
    let addr = server.local_addr();
    let mut healthy = Healthy::new(&server.url()).await;
    let hello = raw::text(r#"{"type":"hello","username":"mallory"}"#);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "a text frame that is not UTF-8",
            raw::frame(true, 0x1, 3, &[0xc3, 0x28, 0x41]),
            1007,
        ),
        (
            "an unmasked frame from a client",
            vec![0x81, 0x02, b'{', b'}'],
            1002,
        ),
        ("a reserved opcode", raw::frame(true, 0x3, 2, b"{}"), 1002),
        (
            "a frame over the size limit",
            raw::text(&"x".repeat(20_000)),
            1009,
        ),
        // A header announcing a terabyte, then nothing: refused at the header.
        (
            "a huge announced length",
            raw::frame(true, 0x1, 1 << 40, b""),
            1009,
        ),
        // A message whose fragments never end: refused once it outgrows the limit.
        (
            "a message that never ends",
            {
                let mut bytes = raw::frame(false, 0x1, 1000, &[b'a'; 1000]);
                for _ in 0..40 {
                    bytes.extend(raw::frame(false, 0x0, 1000, &[b'a'; 1000]));
                }
                bytes
            },
            1009,
        ),
    ];
    for (what, bytes, expected) in cases {
        let code = healthy
            .during(async {
                let mut mallory = Raw::upgraded(addr).await;
                mallory.send(&hello).await;
                // The server may hang up before everything is written; that is fine.
                let _ = tokio::io::AsyncWriteExt::write_all(&mut mallory.socket, &bytes).await;
                mallory.until_closed().await.1
            })
            .await;
        assert_eq!(code, Some(expected), "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_silent_handshakes_are_dropped() {
    let server = start(config()).await;
    let addr = server.local_addr();
    let mut healthy = Healthy::new(&server.url()).await;
    // Slowloris: the upgrade request one byte every 50 ms would take over 7 s; the server gives
    // it 0.8 s and hangs up without answering.
    let request = raw::upgrade_request(addr);
    let (sent, answer) = healthy
        .during(async {
            let mut socket = TcpStream::connect(addr).await.unwrap();
            let sent =
                raw::trickle(&mut socket, request.as_bytes(), Duration::from_millis(50)).await;
            let mut answer = Vec::new();
            let _ = bounded("the hang-up", socket.read_to_end(&mut answer)).await;
            (sent, answer)
        })
        .await;
    assert!(
        sent < request.len(),
        "the server hung up before the request was complete"
    );
    assert!(!answer.starts_with(b"HTTP/1.1 101"), "no upgrade");
    // A connection that never says anything.
    let answer = healthy
        .during(async {
            let mut socket = TcpStream::connect(addr).await.unwrap();
            let mut answer = Vec::new();
            let _ = bounded("the hang-up", socket.read_to_end(&mut answer)).await;
            answer
        })
        .await;
    assert!(answer.is_empty(), "dropped without an answer");
    // Upgraded, but never a hello.
    let code = healthy
        .during(async { Raw::upgraded(addr).await.until_closed().await.1 })
        .await;
    assert_eq!(code, Some(4502));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_cut_off_without_slowing_the_room() {
    let server = start(
        config()
            .rate_per_sec(20.0)
            .rate_burst(100)
            .rate_abuse_after(50),
    )
    .await;
    let mut healthy = Healthy::new(&server.url()).await;
    let mut mallory = Client::hello(&server.url(), "mallory").await;
    mallory.join("r").await;
    let (frames, code) = healthy
        .during(async {
            for n in 0..2_000 {
                let request =
                    json!({"type": "send", "room": "r", "text": format!("spam {n}")}).to_string();
                if mallory.ws.send(Message::text(request)).await.is_err() {
                    break; // closed
                }
            }
            mallory.until_closed().await
        })
        .await;
    assert_eq!(code, Some(4013));
    assert!(
        frames
            .iter()
            .filter(|f| f["code"] == "rate_limited")
            .count()
            >= 50
    );
    // The spam that got through (the burst) reached the room like any message: no more.
    assert!(
        server.stats().messages - u64::from(healthy.next) <= 110,
        "{:?}",
        server.stats()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_answering_pings_or_vanishes_is_let_go() {
    let server = start(
        config()
            .ping_interval(Duration::from_millis(100))
            .idle_timeout(Duration::from_millis(600)),
    )
    .await;
    let mut healthy = Healthy::new(&server.url()).await;
    let mut silent = Client::hello(&server.url(), "silent").await;
    silent.join("r").await;
    healthy
        .during(eventually("the idle close", || {
            server.stats().closes(CloseCode::Idle) == 1
        }))
        .await;
    assert_eq!(silent.until_closed().await.1, Some(4012));

    let mut ghost = Client::hello(&server.url(), "ghost").await;
    ghost.join("r").await;
    drop(ghost); // no close frame
    healthy
        .during(eventually("the vanished client", || {
            server.stats().vanished == 1
        }))
        .await;
    eventually("only the healthy clients left", || server.stats().open == 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeating_hello_and_join_is_harmless() {
    let server = start(config().rate_per_sec(100_000.0).rate_burst(100_000)).await;
    let mut healthy = Healthy::new(&server.url()).await;
    let mut mallory = Client::hello(&server.url(), "mallory").await;
    let (joined, already) = healthy
        .during(async {
            mallory
                .send(json!({"type": "hello", "username": "mallory"}))
                .await;
            mallory.expect_error("already_welcomed").await;
            let join = json!({"type": "join", "room": "r"}).to_string();
            for _ in 0..10_000 {
                mallory.ws.feed(Message::text(join.clone())).await.unwrap();
            }
            mallory.ws.flush().await.unwrap();
            let (mut joined, mut already) = (0, 0);
            while joined + already < 10_000 {
                let frame = mallory.recv().await;
                match (frame["type"].as_str(), frame["code"].as_str()) {
                    (Some("joined"), _) => joined += 1,
                    (Some("error"), Some("already_joined")) => already += 1,
                    (Some("message" | "presence"), _) => {}
                    _ => panic!("unexpected {frame}"),
                }
            }
            (joined, already)
        })
        .await;
    assert_eq!((joined, already), (1, 9_999));
    mallory.send(json!({"type": "rooms"})).await;
    loop {
        let frame = mallory.recv().await;
        if frame["type"] == "rooms" {
            assert_eq!(
                frame["rooms"],
                json!([{"name": "r", "members": 3}]),
                "a member once"
            );
            break;
        }
    }
}

/// The HTTP status of an upgrade that was refused, or `None` if it was accepted.
async fn refused_with(url: &str, origin: Option<&str>) -> Option<u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
    }
    match bounded("the upgrade", tokio_tungstenite::connect_async(request)).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Some(response.status().as_u16())
        }
        Err(err) => panic!("neither accepted nor refused with a status: {err}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_pages_and_too_many_connections_are_refused_at_the_door() {
    // Per address: the two healthy clients and two more, then 429.
    let server = start(config().max_connections_per_ip(4)).await;
    let url = server.url();
    let mut healthy = Healthy::new(&url).await;
    let statuses = healthy
        .during(async {
            let forbidden = refused_with(&url, Some("https://evil.example")).await;
            let (_one, _two) = (Client::connect(&url).await, Client::connect(&url).await);
            let over = refused_with(&url, None).await;
            (forbidden, over)
        })
        .await;
    assert_eq!(statuses, (Some(403), Some(429)));
    // In all: the two healthy clients and one more, then 503.
    let server = start(config().max_connections(3).max_connections_per_ip(0)).await;
    let url = server.url();
    let mut healthy = Healthy::new(&url).await;
    let status = healthy
        .during(async {
            let _third = Client::connect(&url).await;
            refused_with(&url, None).await
        })
        .await;
    assert_eq!(status, Some(503));
    assert_eq!(server.stats().refused_full, 1);
    eventually("the third client gone", || server.stats().open == 2).await;
}
