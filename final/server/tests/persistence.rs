//! History that survives the server: a graceful restart keeps every message, `kill -9` loses
//! nothing that was committed and never leaves a gap, a duplicate or a reordering, ids keep
//! increasing, and a second server cannot open the same store. Book chapter "Persistence".
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

/// A server with its store in `dir`, `history` messages per room in memory, and a rate limit
/// that lets the tests send quickly.
fn stored(dir: &Path, history: usize) -> ServerBuilder {
    ServerBuilder::new()
        .rate_per_sec(10_000.0)
        .rate_burst(10_000)
        .history(history)
        .data_dir(Some(dir.to_owned()))
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
    let builder = || stored(&dir, 100);
    let server = start(builder()).await;
    let mut alice = Client::hello(&server.url(), "alice").await;
    alice.join("rust").await;
    alice.join("big").await;
    let rust = say(&mut alice, "rust", "rust", 60).await;
    let big = say(&mut alice, "big", "big", 130).await;
    let report = server.shutdown().await;
    assert!(report.drained);

    let server = start(builder()).await;
    let addr = server.local_addr();
    assert_eq!(
        metric(addr, "chat_store_rows").await,
        190,
        "counted at start"
    );
    assert!(metric(addr, "chat_store_file_bytes").await > 0);
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
    support::bounded("the new message counted", async {
        while metric(addr, "chat_store_rows").await != 191 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(metric(addr, "chat_store_commit_seconds_count").await, 1);
    assert_eq!(metric(addr, "chat_store_batch_messages_count").await, 1);
    server.shutdown().await;
}

/// A `chat-server` process on a free port with its store in `dir`.
fn program(dir: &Path) -> (Running, String) {
    program_with(dir, &[])
}

/// [`program`] with more flags.
fn program_with(dir: &Path, flags: &[&str]) -> (Running, String) {
    let mut args = vec![
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
    ];
    args.extend_from_slice(flags);
    let mut server = Running::start(env!("CARGO_BIN_EXE_chat-server").as_ref(), &args);
    let line = server.expect_line("chat-server listening on ws://", WAIT);
    let url = line.split_whitespace().nth(3).unwrap().to_owned();
    (server, url)
}

/// Runs `chat-server` on `dir` until it exits (for a server that must refuse to start).
fn start_on(dir: &Path) -> roadmap_tests::Output {
    roadmap_tests::run_bounded(
        std::process::Command::new(env!("CARGO_BIN_EXE_chat-server")).args([
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
        ]),
        WAIT,
    )
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
    let output = start_on(&dir);
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

/// Pages back through `room` with `history` requests of `limit`, from the oldest message of
/// `newest` (a `joined` history); returns every page's (id, text) and `more`, oldest page first.
async fn scroll_back(
    client: &mut Client,
    room: &str,
    mut before: u64,
    limit: usize,
) -> Vec<(Vec<(u64, String)>, bool)> {
    let mut pages = Vec::new();
    loop {
        client
            .send(json!({"type": "history", "room": room, "before": before, "limit": limit, "id": before}))
            .await;
        let page = client.recv_type("history").await;
        assert_eq!(page["id"], before, "the reply echoes the request's id");
        assert_eq!(page["room"], room);
        let messages = history(&json!({"history": page["messages"]}));
        let more = page["more"].as_bool().unwrap();
        assert!(messages.len() <= limit, "at most `limit`");
        if let Some(&(oldest, _)) = messages.first() {
            before = oldest;
        }
        let done = !more;
        pages.push((messages, more));
        if done {
            break;
        }
        assert!(pages.len() < 100, "paging ends");
    }
    pages.reverse();
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrollback_pages_through_the_whole_store_without_gap_or_repeat() {
    let dir = folder("scrollback");
    let builder = || stored(&dir, 20);
    let server = start(builder()).await;
    let mut alice = Client::hello(&server.url(), "alice").await;
    alice.join("rust").await;
    let said = say(&mut alice, "rust", "line", 250).await;
    // Before a restart: the newest come from memory, the rest from the file.
    let pages = scroll_back(&mut alice, "rust", said[230].0, 100).await;
    let read: Vec<(u64, String)> = pages.iter().flat_map(|(page, _)| page.clone()).collect();
    assert_eq!(
        read,
        said[..230],
        "every message before the one asked, once, in order"
    );
    let sizes: Vec<usize> = pages.iter().map(|(page, _)| page.len()).collect();
    assert_eq!(sizes, [30, 100, 100], "full pages, the oldest last");
    assert!(!pages[0].1, "nothing before the first message");
    assert!(pages[1].1 && pages[2].1, "more before every other page");

    // A stranger may not read the room; a limit above 100 is refused.
    let mut mallory = Client::hello(&server.url(), "mallory").await;
    mallory
        .send(json!({"type": "history", "room": "rust", "before": said[249].0}))
        .await;
    mallory.expect_error("not_joined").await;
    alice
        .send(json!({"type": "history", "room": "rust", "limit": 101}))
        .await;
    alice.expect_error("bad_request").await;
    server.shutdown().await;

    // After a restart, from the file alone; without `before`, from the newest.
    let server = start(builder()).await;
    let mut bob = Client::hello(&server.url(), "bob").await;
    let joined = bob.join("rust").await;
    assert_eq!(history(&joined), said[230..], "the hot cache: the last 20");
    bob.send(json!({"type": "history", "room": "rust", "limit": 7}))
        .await;
    let newest = bob.recv_type("history").await;
    assert_eq!(
        history(&json!({"history": newest["messages"]})),
        said[243..],
        "without `before`: the newest"
    );
    let pages = scroll_back(&mut bob, "rust", said[230].0, 64).await;
    let read: Vec<(u64, String)> = pages.iter().flat_map(|(page, _)| page.clone()).collect();
    assert_eq!(read, said[..230]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_store_scrollback_reaches_back_as_far_as_memory() {
    let server = start(
        ServerBuilder::new()
            .rate_per_sec(10_000.0)
            .rate_burst(10_000)
            .history(30),
    )
    .await;
    let mut alice = Client::hello(&server.url(), "alice").await;
    alice.join("rust").await;
    let said = say(&mut alice, "rust", "line", 50).await;
    let pages = scroll_back(&mut alice, "rust", said[45].0, 10).await;
    let read: Vec<(u64, String)> = pages.iter().flat_map(|(page, _)| page.clone()).collect();
    assert_eq!(
        read,
        said[20..45],
        "the last 30 are held; those before the 46th"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_durability_immediate_loses_nothing_anyone_saw() {
    let dir = folder("immediate");
    let (server, url) = program_with(&dir, &["--durability", "immediate"]);
    let mut alice = Client::hello(&url, "alice").await;
    alice.join("rust").await;
    let mut watcher = Client::hello(&url, "watcher").await;
    watcher.join("rust").await;
    alice.recv_type("presence").await;
    // Alice sends without waiting, 2,000 in all, on a task of her own; the watcher sees copies
    // as they are committed; the server is killed when the watcher has seen 150, with more
    // on their way.
    let sent: Vec<String> = (0..2_000).map(|n| format!("m {n}")).collect();
    let to_send = sent.clone();
    let sender = tokio::spawn(async move {
        use futures_util::SinkExt;
        for text in to_send {
            let frame = json!({"type": "send", "room": "rust", "text": text}).to_string();
            let message = tokio_tungstenite::tungstenite::Message::text(frame);
            if alice.ws.send(message).await.is_err() {
                break; // the server is gone
            }
        }
        alice
    });
    let mut seen = Vec::new();
    while seen.len() < 150 {
        let message = watcher.recv_type("message").await;
        seen.push((
            message["id"].as_u64().unwrap(),
            message["text"].as_str().unwrap().to_owned(),
        ));
    }
    drop(server); // SIGKILL
    // Whatever else reached the watcher before the socket died was seen too.
    let (rest, _) = watcher.until_closed().await;
    seen.extend(
        rest.iter()
            .filter(|frame| frame["type"] == "message")
            .map(|m| {
                (
                    m["id"].as_u64().unwrap(),
                    m["text"].as_str().unwrap().to_owned(),
                )
            }),
    );
    drop(support::bounded("the sender to stop", sender).await);
    let (_server, url) = program_with(&dir, &["--durability", "immediate"]);
    let mut bob = Client::hello(&url, "bob").await;
    // The whole store: what `joined` holds (--history), then what scrollback finds before it.
    let newest = history(&bob.join("rust").await);
    let pages = scroll_back(&mut bob, "rust", newest[0].0, 100).await;
    let mut kept: Vec<(u64, String)> = pages.into_iter().flat_map(|(page, _)| page).collect();
    kept.extend(newest);
    assert!(
        kept.len() >= seen.len(),
        "every message seen is kept: {} seen, {} kept",
        seen.len(),
        kept.len()
    );
    assert_eq!(
        kept[..seen.len()],
        seen,
        "the same messages, same ids, in order"
    );
    let texts: Vec<&str> = kept.iter().map(|(_, text)| text.as_str()).collect();
    assert_eq!(
        texts,
        sent[..kept.len()],
        "what was sent, from the start, in order"
    );
    eprintln!(
        "kill -9 under --durability immediate: {} seen, {} stored, of {} sent",
        seen.len(),
        kept.len(),
        sent.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_write_degrades_health_and_chat_goes_on() {
    let dir = folder("stuck");
    let server = start(
        ServerBuilder::new()
            .rate_per_sec(10_000.0)
            .rate_burst(10_000)
            .data_dir(Some(dir.clone())),
    )
    .await;
    let addr = server.local_addr();
    let mut alice = Client::hello(&server.url(), "alice").await;
    alice.join("rust").await;
    say(&mut alice, "rust", "before", 3).await;
    let (head, body) = support::get(addr, "/healthz").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, "ok\n");

    // Another program takes the file's write lock and keeps it: the server's commits fail
    // (after SQLite's one-second wait), and it says so.
    let other = rusqlite::Connection::open(dir.join("chat.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let during = say(&mut alice, "rust", "during", 3).await;
    support::bounded("the store reported down", async {
        loop {
            let (head, body) = support::get(addr, "/healthz").await;
            if head.starts_with("http/1.1 503") {
                assert_eq!(body, "degraded: store\n");
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(metric(addr, "chat_store_write_failures_total").await >= 1);
    // Chat goes on from memory: a newcomer still gets the messages of the outage.
    let mut bob = Client::hello(&server.url(), "bob").await;
    let joined = bob.join("rust").await;
    assert!(history(&joined).ends_with(&during), "{joined}");
    alice.recv_type("presence").await;

    // The lock goes away: the next commit works and the server is healthy again.
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let after = say(&mut alice, "rust", "after", 1).await;
    support::bounded("the store back up", async {
        loop {
            let (head, _) = support::get(addr, "/healthz").await;
            if head.starts_with("http/1.1 200") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    server.shutdown().await;
    let store = chat_server::store::SqliteStore::open(&dir).unwrap();
    use chat_server::store::Store;
    let stored: Vec<u64> = store
        .after("rust", 0, 100)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(
        stored.contains(&after[0].0),
        "written once the lock was gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_older_than_retain_days_are_gone_after_a_restart() {
    use chat_server::store::{SqliteStore, Store, StoredMessage, now_ms};
    let dir = folder("aged");
    let day_ms = 24 * 3600 * 1000;
    let message = |id: u64, text: &str, at_ms: i64| StoredMessage {
        room: "r".into(),
        id,
        at_ms,
        frame: chat_server::protocol::encode_message(
            "r",
            id,
            "ann",
            text,
            "2026-01-01T00:00:00.000Z",
            false,
        ),
    };
    {
        let store = SqliteStore::open(&dir).unwrap();
        let now = now_ms();
        store
            .append(&[
                message(1, "forty days ago", now - 40 * day_ms),
                message(2, "yesterday", now - day_ms),
            ])
            .unwrap();
    }
    let server = start(ServerBuilder::new().data_dir(Some(dir)).retain_days(30)).await;
    assert_eq!(metric(server.local_addr(), "chat_store_rows").await, 1);
    let mut bob = Client::hello(&server.url(), "bob").await;
    let kept: Vec<String> = history(&bob.join("r").await)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(
        kept,
        ["yesterday"],
        "--retain-days 30 applies at start-up too"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_in_many_rooms_lose_nothing_across_a_restart() {
    const ROOMS: usize = 10;
    const WRITERS: usize = 5;
    const EACH: usize = 40;
    let dir = folder("concurrent");
    let builder = || stored(&dir, 1_000);
    let server = start(builder()).await;
    let rooms: Vec<String> = (0..ROOMS).map(|n| format!("room{n}")).collect();
    // Every writer is in every room; they all send at once, each to the rooms in turn, and
    // each reads everything, so that it knows every room's messages in the order they came.
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut client = Client::hello(&server.url(), &format!("writer{w}")).await;
        for room in &rooms {
            client.join(room).await;
        }
        writers.push(client);
    }
    let tasks: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(w, mut client)| {
            let rooms = rooms.clone();
            tokio::spawn(async move {
                for n in 0..EACH {
                    let room = &rooms[n % ROOMS];
                    let text = format!("w{w} n{n}");
                    client
                        .send(json!({"type": "send", "room": room, "text": text}))
                        .await;
                }
                let mut seen: std::collections::BTreeMap<String, Vec<(u64, String)>> =
                    Default::default();
                let mut count = 0;
                while count < WRITERS * EACH {
                    let frame = client.recv().await;
                    if frame["type"] == "message" {
                        count += 1;
                        seen.entry(frame["room"].as_str().unwrap().to_owned())
                            .or_default()
                            .push((
                                frame["id"].as_u64().unwrap(),
                                frame["text"].as_str().unwrap().to_owned(),
                            ));
                    }
                }
                seen
            })
        })
        .collect();
    let mut views = Vec::new();
    for task in tasks {
        views.push(support::bounded("a writer", task).await.unwrap());
    }
    assert!(
        views.windows(2).all(|pair| pair[0] == pair[1]),
        "every writer saw every room the same"
    );
    assert!(server.shutdown().await.drained);

    let server = start(builder()).await;
    let mut reader = Client::hello(&server.url(), "reader").await;
    let mut total = 0;
    for room in &rooms {
        let stored = history(&reader.join(room).await);
        assert_eq!(stored, views[0][room], "{room}: what was seen, in order");
        assert!(
            stored.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "{room}: ids increase"
        );
        total += stored.len();
    }
    assert_eq!(total, WRITERS * EACH, "every message, once");
    server.shutdown().await;
}

#[test]
fn a_data_dir_that_cannot_be_created_is_refused_with_what_to_do() {
    let dir = folder("not-a-folder");
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::fs::write(&dir, "a file where the folder should be").unwrap();
    let output = start_on(&dir);
    assert!(!output.success, "the server must not start");
    assert!(
        output.stderr.contains("cannot create the data folder")
            && output.stderr.contains("choose another --data-dir"),
        "{}",
        output.stderr
    );
    let _ = std::fs::remove_file(&dir);
}
