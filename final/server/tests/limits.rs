//! Close codes, limits, slow consumers, resume and shutdown, over real sockets (book: "Running
//! the server" and "The protocol").
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::time::Duration;

use chat_server::ServerBuilder;
use chat_server::protocol::CloseCode;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use support::{Client, bounded, eventually, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

#[tokio::test]
async fn a_client_goodbye_is_answered_with_1000() {
    let server = start(ServerBuilder::new()).await;
    let client = Client::hello(&server.url(), "polite").await;
    assert_eq!(client.close().await, Some(1000));
    eventually("the close counted", || {
        server.stats().closes(CloseCode::Normal) == 1
    })
    .await;
}

#[tokio::test]
async fn an_oversized_message_is_closed_with_1009() {
    let server = start(ServerBuilder::new().max_message_bytes(1024)).await;
    let mut client = Client::hello(&server.url(), "big").await;
    client.join("r").await;
    client
        .send(json!({"type": "send", "room": "r", "text": "x".repeat(2000)}))
        .await;
    assert_eq!(client.until_closed().await.1, Some(1009));
}

#[tokio::test]
async fn broken_frames_are_closed_with_1007_and_1002() {
    let server = start(ServerBuilder::new()).await;
    let mut client = Client::hello(&server.url(), "bytes").await;
    let header = FrameHeader {
        opcode: OpCode::Data(Data::Text),
        ..FrameHeader::default()
    };
    let frame = Frame::from_payload(header, vec![0xff, 0xfe, 0x41].into());
    bounded("send", client.ws.send(Message::Frame(frame)))
        .await
        .unwrap();
    assert_eq!(client.until_closed().await.1, Some(1007));

    // A frame with a reserved bit set breaks the WebSocket framing rules.
    let mut client = Client::hello(&server.url(), "rsv").await;
    let header = FrameHeader {
        rsv1: true,
        opcode: OpCode::Data(Data::Text),
        ..FrameHeader::default()
    };
    let frame = Frame::from_payload(header, b"{}".to_vec().into());
    bounded("send", client.ws.send(Message::Frame(frame)))
        .await
        .unwrap();
    assert_eq!(client.until_closed().await.1, Some(1002));
}

#[tokio::test]
async fn no_hello_in_time_is_closed_with_4502() {
    let server = start(ServerBuilder::new().hello_timeout(Duration::from_millis(200))).await;
    let mut client = Client::connect(&server.url()).await;
    assert_eq!(client.until_closed().await.1, Some(4502));
}

#[tokio::test]
async fn a_client_that_stops_answering_pings_is_closed_with_4012() {
    let server = start(
        ServerBuilder::new()
            .ping_interval(Duration::from_millis(50))
            .idle_timeout(Duration::from_millis(300)),
    )
    .await;
    let mut silent = Client::hello(&server.url(), "silent").await;
    // Not reading means not answering pings (tungstenite answers them while reading).
    eventually("the idle close", || {
        server.stats().closes(CloseCode::Idle) == 1
    })
    .await;
    assert_eq!(silent.until_closed().await.1, Some(4012));

    // A client that reads (and so answers pings) stays, well past the idle timeout.
    let mut awake = Client::hello(&server.url(), "awake").await;
    let mut pings = 0;
    while pings < 12 {
        if let Some(Ok(Message::Ping(_))) = bounded("a ping", awake.ws.next()).await {
            pings += 1;
        }
    }
    awake.send(json!({"type": "rooms"})).await;
    awake.recv_type("rooms").await;
    assert_eq!(server.stats().closes(CloseCode::Idle), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_closed_with_4008_and_slows_nobody_else() {
    let server = start(
        ServerBuilder::new()
            .queue_capacity(64)
            .rate_per_sec(1e6)
            .rate_burst(1_000_000)
            .max_text_chars(5_000)
            .max_message_bytes(64 * 1024)
            .write_timeout(Duration::from_secs(2))
            .close_timeout(Duration::from_secs(10)),
    )
    .await;
    let url = server.url();
    let mut slow = Client::hello(&url, "slow").await;
    slow.join("r").await;
    let mut alice = Client::hello(&url, "alice").await;
    alice.join("r").await;
    let mut bob = Client::hello(&url, "bob").await;
    bob.join("r").await;
    alice.recv_type("presence").await;

    // Alice reads everything on her own task.
    const COUNT: usize = 4_000;
    let reader = tokio::spawn(async move {
        let mut ids = Vec::with_capacity(COUNT);
        while ids.len() < COUNT {
            let frame = alice.recv().await;
            if frame["type"] == "message" {
                ids.push(frame["id"].as_u64().unwrap());
            }
        }
        ids
    });
    // Bob sends 16 MB, more than the kernel buffers hold for the client that never reads, one
    // message at a time (he waits for his own copy: he is a healthy client too).
    let text = "y".repeat(4_000);
    for _ in 0..COUNT {
        bob.send(json!({"type": "send", "room": "r", "text": text}))
            .await;
        loop {
            let frame = bob.recv().await;
            if frame["type"] == "message" {
                break;
            }
        }
    }
    let ids = bounded("alice's messages", reader).await.unwrap();
    assert!(
        ids.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "alice got every message, in order"
    );
    eventually("the slow consumer closed", || {
        server.stats().closes(CloseCode::TooSlow) == 1
    })
    .await;

    // The slow client gets what fitted in the buffers, in order, then the 4008 close frame.
    let (frames, code) = slow.until_closed().await;
    let got: Vec<u64> = frames
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| f["id"].as_u64().unwrap())
        .collect();
    assert!(got.len() < COUNT, "it was cut off");
    assert_eq!(got, ids[..got.len()], "a prefix, in order");
    assert_eq!(code, Some(4008));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kick_reaches_a_client_whose_write_is_blocked() {
    // The write timeout is far beyond the test's bound: only the kick can close the client in
    // time. Its queue fills while its task waits in a write to a socket that is full.
    let server = start(
        ServerBuilder::new()
            .queue_capacity(16)
            .rate_per_sec(1e6)
            .rate_burst(1_000_000)
            .max_text_chars(5_000)
            .max_message_bytes(64 * 1024)
            .send_buffer_bytes(16 * 1024)
            .write_timeout(Duration::from_secs(600)),
    )
    .await;
    let url = server.url();
    // A client that never reads, with a small receive buffer so the kernel holds little for it.
    let addr = url
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .parse()
        .unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = bounded("connect", socket.connect(addr)).await.unwrap();
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (ws, _) = bounded(
        "upgrade",
        tokio_tungstenite::client_async(url.as_str(), stream),
    )
    .await
    .unwrap();
    let mut slow = Client { ws };
    slow.send(json!({"type": "hello", "username": "stuck"}))
        .await;
    slow.recv_type("welcome").await;
    slow.join("r").await;
    let mut bob = Client::hello(&url, "bob").await;
    bob.join("r").await;

    // At most 4 MB, far more than the buffers hold; it stops as soon as the kick is done.
    let text = "z".repeat(4_000);
    for _ in 0..1_000 {
        if server.stats().closes(CloseCode::TooSlow) == 1 {
            break;
        }
        bob.send(json!({"type": "send", "room": "r", "text": text}))
            .await;
        while bob.recv().await["type"] != "message" {}
    }
    eventually("the blocked client closed with 4008", || {
        server.stats().closes(CloseCode::TooSlow) == 1
    })
    .await;
}

#[tokio::test]
async fn connection_limits_refuse_with_an_http_status() {
    let server = start(
        ServerBuilder::new()
            .max_connections(10)
            .max_connections_per_ip(2),
    )
    .await;
    let _one = Client::connect(&server.url()).await;
    let _two = Client::connect(&server.url()).await;
    match bounded("connect", tokio_tungstenite::connect_async(server.url())).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("expected HTTP 429, got {other:?}"),
    }
    assert_eq!(server.stats().refused_per_ip, 1);

    let server = start(
        ServerBuilder::new()
            .max_connections(2)
            .max_connections_per_ip(0),
    )
    .await;
    let _one = Client::connect(&server.url()).await;
    let two = Client::connect(&server.url()).await;
    match bounded("connect", tokio_tungstenite::connect_async(server.url())).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected HTTP 503, got {other:?}"),
    }
    // A closed connection frees its slot.
    assert_eq!(two.close().await, Some(1000));
    eventually("the slot freed", || server.stats().open == 1).await;
    let _three = Client::connect(&server.url()).await;
    assert_eq!(server.stats().refused_full, 1);
}

#[tokio::test]
async fn a_client_resumes_with_since_and_misses_nothing() {
    let server = start(ServerBuilder::new().history(5)).await;
    let url = server.url();
    let mut bob = Client::hello(&url, "bob").await;
    bob.join("r").await;
    let mut alice = Client::hello(&url, "alice").await;
    alice.join("r").await;
    let say = |n: u32| json!({"type": "send", "room": "r", "text": format!("m{n}")});
    let mut last_seen = 0;
    for n in 1..=3 {
        bob.send(say(n)).await;
        loop {
            let frame = alice.recv().await;
            if frame["type"] == "message" {
                last_seen = frame["id"].as_u64().unwrap();
                break;
            }
        }
    }
    drop(alice); // the connection drops
    loop {
        // Bob sees her go: the server has freed her name.
        let frame = bob.recv().await;
        if frame["type"] == "presence" && frame["event"] == "leave" {
            break;
        }
    }
    for n in 4..=5 {
        bob.send(say(n)).await;
    }
    // Both are in the room's history once bob has his own copies (the server's answer).
    let mut copies = 0;
    while copies < 2 {
        copies += usize::from(bob.recv().await["type"] == "message");
    }
    // Back, on a new connection: only what was missed, nothing twice, nothing lost.
    let mut alice = Client::hello(&url, "alice").await;
    alice
        .send(json!({"type": "join", "room": "r", "since": last_seen}))
        .await;
    let joined = alice.recv_type("joined").await;
    let texts = support::history_texts(&joined);
    assert_eq!(texts, ["m4", "m5"]);
    assert!(joined.get("truncated").is_none());
    // Too old a `since` (before the 5 held messages): the reply says so.
    let mut carol = Client::hello(&url, "carol").await;
    carol
        .send(json!({"type": "join", "room": "r", "since": 1}))
        .await;
    let joined = carol.recv_type("joined").await;
    assert_eq!(joined["truncated"], true);
    assert_eq!(joined["history"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn shutdown_closes_every_client_with_1001() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::hello(&url, "alice").await;
    let mut bob = Client::connect(&url).await;
    eventually("both connected", || server.stats().open == 2).await;
    let report = bounded("shutdown", server.shutdown()).await;
    assert_eq!(report.connections, 2);
    assert!(report.drained);
    assert_eq!(alice.until_closed().await.1, Some(1001));
    assert_eq!(bob.until_closed().await.1, Some(1001));
    assert!(
        tokio_tungstenite::connect_async(url).await.is_err(),
        "no longer accepting"
    );
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    http_request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
    )
    .await
}

async fn http_request(addr: std::net::SocketAddr, request: &str) -> String {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    bounded("an HTTP response", socket.read_to_string(&mut response))
        .await
        .unwrap();
    response
}

#[tokio::test]
async fn plain_http_pages_and_a_silent_connection_is_dropped() {
    let server = start(ServerBuilder::new().handshake_timeout(Duration::from_millis(300))).await;
    let addr = server.local_addr();
    let health = http_get(addr, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");
    assert!(http_get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
    assert!(
        http_get(addr, "/ws").await.starts_with("HTTP/1.1 400"),
        "a GET without upgrade headers"
    );
    let old_version = "GET /ws HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n";
    let refused = http_request(addr, old_version).await;
    assert!(refused.starts_with("HTTP/1.1 426"), "{refused}");
    assert!(
        refused
            .to_ascii_lowercase()
            .contains("sec-websocket-version: 13"),
        "{refused}"
    );

    // A connection that never sends its request is closed by the server.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut buffer = Vec::new();
    let read = bounded("the server to drop it", silent.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok_and(|n| n == 0) || buffer.is_empty(),
        "dropped without a response"
    );
}
