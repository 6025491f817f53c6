//! History that survives the server: a graceful restart keeps every message, `kill -9` loses
//! nothing that was committed and never leaves a gap, a duplicate or a reordering, ids keep
//! increasing, and a second server cannot open the same store. Book: "Running the server",
//! section "Keeping the history".
//!
//! Each test has a folder of its own under the workspace's `target/test-stores/` (`support::store_folder`).
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::path::Path;
use std::time::Duration;

use chat_server::ServerBuilder;
use roadmap_tests::process::Running;
use serde_json::{Value, json};
use support::{Client, metric, start, store_folder as folder};

const WAIT: Duration = Duration::from_secs(20);

/// Sends `count` messages to `room`, each waiting for its own copy; returns (id, text) of each.
async fn say(client: &mut Client, room: &str, prefix: &str, count: usize) -> Vec<(u64, String)> {
    let mut said = Vec::new();
    for n in 0..count {
        let text = format!("{prefix} {n}");
        client
            .send(json!({"type": "send", "room": room, "text": text}))
            .await;
        let copy = client.recv_type("message").await;
        assert_eq!(copy["text"], text.as_str());
        said.push((copy["id"].as_u64().unwrap(), text));
    }
    said
}

/// (id, text) of each message of a `joined` reply's history.
fn history(joined: &Value) -> Vec<(u64, String)> {
    joined["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_u64().unwrap(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_restart_keeps_every_message_and_ids_carry_on() {
    let dir = folder("graceful");
    let builder = || {
        ServerBuilder::new()
            .rate_per_sec(10_000.0)
            .rate_burst(10_000)
            .history(100)
            .data_dir(Some(dir.clone()))
    };
    let server = start(builder()).await;
    let mut alice = Client::hello(&server.url(), "alice").await;
    alice.join("rust").await;
    alice.join("big").await;
    let rust = say(&mut alice, "rust", "rust", 60).await;
    let big = say(&mut alice, "big", "big", 130).await;
    let report = server.shutdown().await;
    assert!(report.drained);

    let server = start(builder()).await;
    let mut bob = Client::hello(&server.url(), "bob").await;
    assert_eq!(
        history(&bob.join("rust").await),
        rust,
        "all 60, same ids, in order"
    );
    let joined = bob.join("big").await;
    assert_eq!(history(&joined), big[30..], "the last 100 (--history)");
    assert_eq!(joined.get("truncated"), None);
    // Resuming from an id the hot cache no longer holds says so, as before a restart.
    bob.send(json!({"type": "leave", "room": "big"})).await;
    bob.recv_type("left").await;
    bob.send(json!({"type": "join", "room": "big", "since": big[9].0}))
        .await;
    let joined = bob.recv_type("joined").await;
    assert_eq!(joined["truncated"], true);
    assert_eq!(history(&joined), big[30..]);
    // A new message gets an id above every stored one.
    let next = say(&mut bob, "rust", "after", 1).await;
    assert!(next[0].0 > rust.last().unwrap().0, "{next:?}");
    server.shutdown().await;
}

/// A `chat-server` process on a free port with its store in `dir`.
fn program(dir: &Path) -> (Running, String) {
    let mut server = Running::start(
        env!("CARGO_BIN_EXE_chat-server").as_ref(),
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
            "--rate",
            "10000",
            "--rate-burst",
            "10000",
            // Every stored message comes back in `joined`: the test sees the whole store.
            "--history",
            "1000",
        ],
    );
    let line = server.expect_line("chat-server listening on ws://", WAIT);
    let url = line.split_whitespace().nth(3).unwrap().to_owned();
    (server, url)
}

fn address(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_nothing_committed_and_never_leaves_a_gap() {
    let dir = folder("kill");
    let (server, url) = program(&dir);
    let mut alice = Client::hello(&url, "alice").await;
    alice.join("rust").await;
    let mut said = say(&mut alice, "rust", "first", 200).await;
    // Once the server says all 200 are committed, SIGKILL must not lose one of them.
    let addr = address(&url);
    let committed = async {
        loop {
            if metric(addr, "chat_store_messages_total").await >= 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    support::bounded("200 messages committed", committed).await;
    drop(server); // SIGKILL: no shutdown, no last commit

    let (server, url) = program(&dir);
    let mut alice = Client::hello(&url, "alice").await;
    assert_eq!(
        history(&alice.join("rust").await),
        said,
        "all 200 after kill -9"
    );

    // Now kill it in the middle of things: whatever survives is exactly the first ones sent,
    // in order, with nothing missing between them and nothing twice.
    said.extend(say(&mut alice, "rust", "second", 100).await);
    drop(server);
    let (_server, url) = program(&dir);
    let mut bob = Client::hello(&url, "bob").await;
    // Stored: the first 200 and some of the next 100, exactly the first ones sent, in order.
    let kept = history(&bob.join("rust").await);
    assert!(
        kept.len() >= 200,
        "nothing committed before the first kill is lost"
    );
    assert_eq!(
        kept,
        said[..kept.len()],
        "what was sent, from the start, in order"
    );
    eprintln!(
        "kill -9 right after the last own copy: {} of the last 100 not committed yet",
        said.len() - kept.len()
    );
}

#[test]
fn a_second_server_on_the_same_folder_is_refused_with_what_to_do() {
    let dir = folder("twice");
    let (_first, _) = program(&dir);
    let output = roadmap_tests::run_bounded(
        std::process::Command::new(env!("CARGO_BIN_EXE_chat-server")).args([
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
        ]),
        WAIT,
    );
    assert!(!output.success, "the second server must not start");
    assert!(
        output
            .stderr
            .contains("another chat-server is using this --data-dir"),
        "{}",
        output.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_a_store_forgets_on_restart_as_before() {
    let server = start(ServerBuilder::new()).await;
    let mut alice = Client::hello(&server.url(), "alice").await;
    alice.join("rust").await;
    say(&mut alice, "rust", "gone", 3).await;
    server.shutdown().await;
    let server = start(ServerBuilder::new()).await;
    let mut bob = Client::hello(&server.url(), "bob").await;
    assert!(history(&bob.join("rust").await).is_empty());
    server.shutdown().await;
}
