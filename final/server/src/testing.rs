//! A test harness for this server and for anything built on it (hooks, bots, stores): start a
//! real server on port 0, talk to it as a protocol client, with every wait bounded so that a
//! bug fails a test in seconds instead of hanging it.
//!
//! Final server — book chapter "Stage 6 — Inside the final server", section "Testing what you
//! add". The server's own integration tests and the stage 6 exercises use it.
//!
//! ```no_run
//! # async fn demo() {
//! use chat_server::testing::{Client, start};
//! let server = start(chat_server::ServerBuilder::new()).await;
//! let mut ann = Client::hello(&server.url(), "ann").await;
//! ann.join("rust").await;
//! # }
//! ```
//!
//! Everything here panics, with what it was waiting for, when something goes wrong: that is
//! what a test wants. None of it is used by the server itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::hook::Hook;
use crate::{RunningServer, Server, ServerBuilder};

/// The bound of every wait: a hang fails fast instead of stalling CI.
pub const WAIT: Duration = Duration::from_secs(10);

// ANCHOR: start
/// A server with `builder`'s settings, bound to a free port of 127.0.0.1, not started yet:
/// give it hooks ([`Server::with_hook`]), then [`Server::spawn`] it.
pub async fn bind(builder: ServerBuilder) -> Server {
    let config = builder.build().expect("valid test config");
    Server::bind("127.0.0.1:0", config).await.expect("bind")
}

/// A running server with `builder`'s settings on a free port of 127.0.0.1.
pub async fn start(builder: ServerBuilder) -> RunningServer {
    bind(builder).await.spawn().expect("spawn")
}

/// A running server with the default settings that runs `hook` ([`crate::hook`]).
pub async fn start_with_hook(hook: impl Hook + 'static) -> RunningServer {
    bind(ServerBuilder::new())
        .await
        .with_hook(hook)
        .spawn()
        .expect("spawn")
}
// ANCHOR_END: start

/// `future`'s output, or a panic naming `what` after [`WAIT`].
pub async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until `condition` holds, checking every 10 ms, for at most [`WAIT`]: for what no
/// event announces (a counter, a file).
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    bounded(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

// ANCHOR: sign_up
/// Registers `name` with `password` on `server`, signs in, and returns the token: a signed-in
/// user for a test (say `hello` with it through [`Client::signed_in`]).
pub async fn sign_up(server: &RunningServer, name: &str, password: &str) -> String {
    let body = json!({"username": name, "password": password}).to_string();
    let (status, answer) = post_json(server, "/api/register", &body).await;
    assert_eq!(status, 201, "registering {name}: {answer}");
    let (status, answer) = post_json(server, "/api/login", &body).await;
    assert_eq!(status, 200, "signing {name} in: {answer}");
    answer["token"].as_str().expect("a token").to_owned()
}
// ANCHOR_END: sign_up

/// `POST path` with a JSON `body` over plain HTTP/1.1: the status and the JSON answer
/// (`null` when there is none).
pub async fn post_json(server: &RunningServer, path: &str, body: &str) -> (u16, Value) {
    let addr = server.local_addr();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = bounded("a connection", TcpStream::connect(addr))
        .await
        .expect("connect");
    bounded("the request", stream.write_all(request.as_bytes()))
        .await
        .expect("write");
    let mut answer = Vec::new();
    bounded("the answer", stream.read_to_end(&mut answer))
        .await
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .expect("an HTTP status");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A protocol client that speaks JSON values, for tests: every wait is bounded by [`WAIT`].
#[derive(Debug)]
pub struct Client {
    /// The WebSocket itself, for what the helpers do not cover (raw frames, binary).
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Connects to `url` (`ws://…/ws`).
    pub async fn connect(url: &str) -> Client {
        let (ws, _) = bounded("connect", tokio_tungstenite::connect_async(url))
            .await
            .expect("connect");
        Client { ws }
    }

    /// Connects and says hello; returns after the `welcome`.
    pub async fn hello(url: &str, name: &str) -> Client {
        let mut client = Client::connect(url).await;
        client
            .send(json!({"type": "hello", "username": name}))
            .await;
        let welcome = client.recv().await;
        assert_eq!(welcome, json!({"type": "welcome", "username": name}));
        client
    }

    /// Connects and says hello with a token ([`sign_up`]); returns after the `welcome`.
    pub async fn signed_in(url: &str, token: &str) -> Client {
        let mut client = Client::connect(url).await;
        client.send(json!({"type": "hello", "token": token})).await;
        client.recv_type("welcome").await;
        client
    }

    /// Connects, says hello as `name` and joins `room`.
    pub async fn in_room(url: &str, name: &str, room: &str) -> Client {
        let mut client = Client::hello(url, name).await;
        client.join(room).await;
        client
    }

    /// Joins `room`; returns the `joined` reply.
    pub async fn join(&mut self, room: &str) -> Value {
        self.send(json!({"type": "join", "room": room})).await;
        self.recv_type("joined").await
    }

    /// Sends `request` as a text frame.
    pub async fn send(&mut self, request: Value) {
        self.send_text(&request.to_string()).await;
    }

    /// Sends `text` as it is (which may be anything but JSON, for tests of bad input).
    pub async fn send_text(&mut self, text: &str) {
        bounded("send", self.ws.send(Message::text(text)))
            .await
            .expect("send");
    }

    /// The next text frame, as JSON (pings are answered and skipped).
    pub async fn recv(&mut self) -> Value {
        loop {
            match bounded("a frame", self.ws.next()).await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(&text).expect("JSON from the server");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next text frame, which must have this `type`.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["type"], kind, "{frame}");
        frame
    }

    /// The next frame must be an error with this code; returns it.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.recv_type("error").await;
        assert_eq!(frame["code"], code, "{frame}");
        assert!(
            frame["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{frame}"
        );
        frame
    }

    /// Reads until the server's close frame and returns its code; text frames before it are
    /// returned too. `None` for the code means the connection ended without a close frame.
    pub async fn until_closed(&mut self) -> (Vec<Value>, Option<u16>) {
        // One bound for the whole of it: a server that kept sending would not hang the test.
        bounded("the close frame", async {
            let mut frames = Vec::new();
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        frames.push(serde_json::from_str(&text).expect("JSON"));
                    }
                    Some(Ok(Message::Close(frame))) => {
                        return (frames, frame.map(|f| u16::from(f.code)));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return (frames, None),
                }
            }
        })
        .await
    }

    /// Closes with 1000 and returns the code of the server's answer.
    pub async fn close(mut self) -> Option<u16> {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        };
        bounded("close", self.ws.close(Some(frame)))
            .await
            .expect("close");
        self.until_closed().await.1
    }
}
