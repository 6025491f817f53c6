//! Stage 3 — WebSockets: the server, started on 127.0.0.1 port 0, talked to by real
//! tokio-tungstenite clients exactly as a browser or the terminal client would.
//! Every wait is bounded, so a hang fails the test instead of stalling it.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use stage2_concurrency::Registry;
use stage3_websockets::Server;
use stage3_websockets::wire::{ChatMessage, ServerFrame};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(5);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Starts a server on a free port; it runs until the test's runtime ends.
async fn start_server() -> (SocketAddr, Registry) {
    let server = Server::bind("127.0.0.1:0")
        .await
        .expect("bind to a free port");
    let addr = server.local_addr().expect("bound address");
    let registry = server.registry();
    tokio::spawn(server.run());
    (addr, registry)
}

async fn connect(addr: SocketAddr) -> Socket {
    let (socket, _) = timeout(
        WAIT,
        tokio_tungstenite::connect_async(format!("ws://{addr}")),
    )
    .await
    .expect("connecting timed out")
    .expect("the WebSocket handshake failed");
    socket
}

async fn say(socket: &mut Socket, username: &str, text: &str) {
    let json = serde_json::json!({ "username": username, "text": text }).to_string();
    socket.send(Frame::text(json)).await.expect("send a frame");
}

/// The next frame that is text or close (pings and pongs are skipped).
async fn next_frame(socket: &mut Socket) -> Frame {
    loop {
        let frame = timeout(WAIT, socket.next())
            .await
            .expect("no frame arrived in time")
            .expect("the connection ended")
            .expect("a WebSocket error");
        if matches!(frame, Frame::Text(_) | Frame::Close(_) | Frame::Binary(_)) {
            return frame;
        }
    }
}

async fn next_server_frame(socket: &mut Socket) -> ServerFrame {
    match next_frame(socket).await {
        Frame::Text(text) => {
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text}: {err}"))
        }
        other => panic!("expected a text frame, got {other:?}"),
    }
}

async fn next_chat(socket: &mut Socket) -> ChatMessage {
    match next_server_frame(socket).await {
        ServerFrame::Chat(message) => message,
        ServerFrame::Error(reply) => {
            panic!("expected a chat message, got the error {:?}", reply.error)
        }
    }
}

async fn next_error(socket: &mut Socket) -> String {
    match next_server_frame(socket).await {
        ServerFrame::Error(reply) => reply.error,
        ServerFrame::Chat(message) => {
            panic!("expected an error reply, got the message {message:?}")
        }
    }
}

/// Waits (at most `WAIT`) until `registry` holds `count` clients. The server removes a client
/// from its own task, with no event a test could await, so this checks every few milliseconds.
async fn wait_for_clients(registry: &Registry, count: usize) {
    let deadline = Instant::now() + WAIT;
    while registry.len() != count {
        assert!(
            Instant::now() < deadline,
            "expected {count} clients, the registry has {}",
            registry.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn three_clients_see_every_message_once_in_order_per_sender() {
    let (addr, registry) = start_server().await;
    let names = ["alice", "bob", "carol"];
    let mut sockets = Vec::new();
    for _ in names {
        sockets.push(connect(addr).await);
    }
    wait_for_clients(&registry, 3).await;
    const EACH: usize = 20;
    for round in 0..EACH {
        for (socket, name) in sockets.iter_mut().zip(names) {
            say(socket, name, &format!("{name} {round}")).await;
        }
    }
    for (socket, receiver) in sockets.iter_mut().zip(names) {
        let mut next_from = std::collections::HashMap::new();
        for _ in 0..EACH * names.len() {
            let message = next_chat(socket).await;
            let expected = next_from.entry(message.username.clone()).or_insert(0);
            assert_eq!(
                message.text,
                format!("{} {expected}", message.username),
                "{receiver} got {}'s messages out of order, or one twice",
                message.username
            );
            *expected += 1;
        }
        for name in names {
            assert_eq!(
                next_from.get(name),
                Some(&EACH),
                "{receiver} should get all {EACH} of {name}'s messages"
            );
        }
    }
}

#[tokio::test]
async fn a_client_that_vanishes_is_removed_and_the_others_keep_chatting() {
    let (addr, registry) = start_server().await;
    let mut alice = connect(addr).await;
    let mut bob = connect(addr).await;
    let carol = connect(addr).await;
    wait_for_clients(&registry, 3).await;

    drop(carol); // the TCP connection closes without a WebSocket close frame
    wait_for_clients(&registry, 2).await;

    say(&mut alice, "alice", "still here?").await;
    assert_eq!(next_chat(&mut bob).await.text, "still here?");
    say(&mut bob, "bob", "yes").await;
    assert_eq!(next_chat(&mut alice).await.text, "still here?");
    assert_eq!(next_chat(&mut alice).await.text, "yes");
}

#[tokio::test]
async fn a_malformed_frame_gets_an_error_and_the_connection_survives() {
    let (addr, _registry) = start_server().await;
    let mut alice = connect(addr).await;
    alice.send(Frame::text("this is not JSON")).await.unwrap();
    assert!(
        next_error(&mut alice)
            .await
            .contains("expected {\"username\"")
    );
    alice
        .send(Frame::text(r#"{"username":"alice"}"#))
        .await
        .unwrap();
    assert!(
        next_error(&mut alice)
            .await
            .contains("missing field `text`")
    );
    say(&mut alice, "not valid!", "hi").await;
    assert!(next_error(&mut alice).await.contains("invalid username"));
    say(&mut alice, "alice", "still connected").await;
    assert_eq!(next_chat(&mut alice).await.text, "still connected");
}

#[tokio::test]
async fn a_binary_frame_gets_an_error_and_the_connection_survives() {
    let (addr, _registry) = start_server().await;
    let mut alice = connect(addr).await;
    alice
        .send(Frame::binary(vec![0xde, 0xad, 0xbe, 0xef]))
        .await
        .unwrap();
    assert!(
        next_error(&mut alice)
            .await
            .contains("binary frames are not supported")
    );
    say(&mut alice, "alice", "text works").await;
    assert_eq!(next_chat(&mut alice).await.text, "text works");
}

#[tokio::test]
async fn the_server_answers_pings() {
    let (addr, _registry) = start_server().await;
    let mut alice = connect(addr).await;
    alice
        .send(Frame::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    let pong = timeout(WAIT, alice.next())
        .await
        .expect("no pong in time")
        .expect("open")
        .expect("ok");
    assert_eq!(pong, Frame::Pong(b"are you there".to_vec().into()));
}

#[tokio::test]
async fn the_timestamp_is_the_servers_not_the_clients() {
    let (addr, _registry) = start_server().await;
    let mut alice = connect(addr).await;
    let before = Utc::now();
    let lie = r#"{"username":"alice","text":"from the past","timestamp":"1999-12-31T23:59:59Z"}"#;
    alice.send(Frame::text(lie)).await.unwrap();
    let raw = match next_frame(&mut alice).await {
        Frame::Text(text) => text.to_string(),
        other => panic!("expected text, got {other:?}"),
    };
    let message: ChatMessage = serde_json::from_str(&raw).unwrap();
    assert!(
        message.timestamp >= before && message.timestamp <= Utc::now(),
        "stamped by the server: {raw}"
    );
    assert!(
        raw.contains("\"timestamp\":\"") && raw.contains("Z\""),
        "RFC 3339 in UTC: {raw}"
    );
}

#[tokio::test]
async fn a_close_frame_is_answered_and_the_client_removed() {
    let (addr, registry) = start_server().await;
    let mut alice = connect(addr).await;
    wait_for_clients(&registry, 1).await;
    alice.send(Frame::Close(None)).await.unwrap();
    assert!(
        matches!(next_frame(&mut alice).await, Frame::Close(_)),
        "the server completes the closing handshake"
    );
    wait_for_clients(&registry, 0).await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_never_completes_the_handshake_is_dropped() {
    let (addr, registry) = start_server().await;
    let half_open = TcpStream::connect(addr).await.expect("TCP connect");
    wait_for_clients(&registry, 1).await; // registered, waiting for the handshake
    // The clock is paused: it jumps ahead to the server's 10-second handshake limit as soon as
    // nothing else can happen, so this takes no real time.
    let limit = stage3_websockets::server::HANDSHAKE_TIMEOUT;
    timeout(limit * 2, async {
        while !registry.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the half-open connection should be dropped after the handshake limit");
    drop(half_open);
}

#[tokio::test]
async fn an_oversized_message_ends_only_that_connection() {
    let (addr, registry) = start_server().await;
    let mut alice = connect(addr).await;
    let mut mallory = connect(addr).await;
    wait_for_clients(&registry, 2).await;
    let huge = "x".repeat(stage3_websockets::server::MAX_MESSAGE_BYTES + 1);
    let _ = mallory.send(Frame::text(huge)).await; // the server may close before it is all sent
    wait_for_clients(&registry, 1).await;
    say(&mut alice, "alice", "unaffected").await;
    assert_eq!(next_chat(&mut alice).await.text, "unaffected");
}
