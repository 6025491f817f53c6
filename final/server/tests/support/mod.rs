//! What the integration tests share: the server's test harness (`chat_server::testing`: a
//! server on port 0, a protocol client, bounded waits), and the few helpers only these tests
//! need (HTTP requests, store folders, raw sockets, Redis).
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod raw;
pub mod redis;

#[allow(unused_imports)] // each test file uses its own part of it
pub use chat_server::testing::{Client, WAIT, bounded, eventually, start};
use serde_json::Value;
use tokio::net::TcpStream;

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
