//! A small protocol client for the tests: raw JSON in and out, every wait bounded.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod raw;
pub mod redis;

use std::future::Future;
use std::time::Duration;

use chat_server::{RunningServer, Server, ServerBuilder};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The bound of every wait in these tests: a hang fails fast instead of stalling CI.
pub const WAIT: Duration = Duration::from_secs(10);

pub async fn start(builder: ServerBuilder) -> RunningServer {
    let config = builder.build().expect("valid test config");
    Server::bind("127.0.0.1:0", config)
        .await
        .expect("bind")
        .spawn()
        .expect("spawn")
}

pub async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until `condition` holds, checking every 10 ms, for at most [`WAIT`].
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    bounded(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// An empty folder for a message store, `target/test-stores/<name>-<pid>` (git-ignored): the
/// program's default, ./chat-data, would be in the source tree.
pub fn store_folder(name: &str) -> std::path::PathBuf {
    let dir = roadmap_tests::workspace_root()
        .join("target/test-stores")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `GET path` over plain HTTP/1.1; returns the head (lowercased) and the body.
pub async fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let (head, body) = exchange(addr, &request).await;
    (head.to_ascii_lowercase(), body)
}

/// `POST path` over plain HTTP/1.1, with `body` and extra header lines (each ending in CRLF);
/// returns the status, the head (lowercased) and the body as JSON (`null` when empty or not
/// JSON).
pub async fn post(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, Value) {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (head, body) = exchange(addr, &request).await;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .expect("a status");
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), body)
}

/// Sends one HTTP request (which asks to close the connection) and reads the whole answer:
/// its head and its body.
async fn exchange(addr: std::net::SocketAddr, request: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    bounded("an HTTP response", socket.read_to_string(&mut response))
        .await
        .expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    (head.to_owned(), body.to_owned())
}

/// The value of one metric line of `/metrics` (e.g. `chat_store_messages_total`).
pub async fn metric(addr: std::net::SocketAddr, name: &str) -> u64 {
    let (_, body) = get(addr, "/metrics").await;
    body.lines()
        .find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}

/// The texts of the messages in a `joined` reply's history, in order.
pub fn history_texts(joined: &Value) -> Vec<&str> {
    joined["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|m| m["text"].as_str().expect("a text"))
        .collect()
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
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

    /// Joins `room`; returns the `joined` reply.
    pub async fn join(&mut self, room: &str) -> Value {
        self.send(json!({"type": "join", "room": room})).await;
        self.recv_type("joined").await
    }

    pub async fn send(&mut self, request: Value) {
        self.send_text(&request.to_string()).await;
    }

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
        let mut frames = Vec::new();
        loop {
            match bounded("the close frame", self.ws.next()).await {
                Some(Ok(Message::Text(text))) => {
                    frames.push(serde_json::from_str(&text).expect("JSON"))
                }
                Some(Ok(Message::Close(frame))) => {
                    return (frames, frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (frames, None),
            }
        }
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
