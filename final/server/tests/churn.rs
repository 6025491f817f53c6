//! Churn: 100,000 connect, hello, join, send, disconnect cycles against one server, then the
//! server must hold nothing more than before: no connection, no name, no room member, no open
//! file, no memory growth (past a small allowance for the allocator). Book: "Security",
//! section "Churn".
//!
//! `CHURN_CYCLES` sets another number of cycles (the default is the 100,000 the issue asks for).
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chat_server::ServerBuilder;
use serde_json::json;
use support::{Client, eventually, start};

/// Resident memory of this process (the server and the clients), in KiB: the `VmRSS` line
/// that chat-tools' `proc::rss_kib` reads of a server process (the server's tests do not
/// depend on the tools, which depend on the server).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

async fn cycles(url: &str, count: u64, done: &AtomicU64) {
    for _ in 0..count {
        let n = done.fetch_add(1, Ordering::Relaxed);
        let mut client = Client::hello(url, &format!("churn{n}")).await;
        client.join("churn").await;
        client
            .send(json!({"type": "send", "room": "churn", "text": "hi"}))
            .await;
        loop {
            // Presence events of the other workers' clients may come first.
            let frame = client.recv().await;
            if frame["type"] == "message" && frame["username"] == format!("churn{n}") {
                break;
            }
        }
        assert_eq!(client.close().await, Some(1000));
    }
}

async fn run(url: &str, workers: u64, per_worker: u64, done: &Arc<AtomicU64>) {
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (url, done) = (url.to_owned(), Arc::clone(done));
            tokio::spawn(async move { cycles(&url, per_worker, &done).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_connections_leave_nothing_behind() {
    let total: u64 = std::env::var("CHURN_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let workers = 16;
    let server = start(
        ServerBuilder::new()
            .rate_per_sec(1_000.0)
            .rate_burst(1_000)
            .max_connections_per_ip(0),
    )
    .await;
    let url = server.url();
    let done = Arc::new(AtomicU64::new(0));

    // Warm up (thread pools, allocator arenas, buffers), then take the baseline.
    run(&url, workers, 2_000 / workers, &done).await;
    eventually("the warm-up connections closed", || {
        server.stats().open == 0
    })
    .await;
    let (rss_before, files_before) = (rss_kib(), open_files());

    let started = Instant::now();
    run(&url, workers, total / workers, &done).await;
    eventually("every connection closed", || server.stats().open == 0).await;
    let elapsed = started.elapsed();
    let (rss_after, files_after) = (rss_kib(), open_files());
    let stats = server.stats();
    eprintln!(
        "churn: {} cycles in {elapsed:.1?}; RSS {rss_before} KiB before, {rss_after} KiB after; open files {files_before} → {files_after}",
        total / workers * workers
    );

    assert_eq!(files_after, files_before, "no socket left open");
    assert!(
        rss_after <= rss_before + 4 * 1024,
        "memory back to baseline: {rss_before} → {rss_after} KiB"
    );
    assert_eq!(stats.accepted, done.load(Ordering::Relaxed));
    assert_eq!(
        stats.closes(chat_server::protocol::CloseCode::Normal),
        stats.accepted,
        "every one said goodbye"
    );
    // No name and no room member left: the room is still there (with its history), empty.
    let mut probe = Client::hello(&url, "churn0").await;
    let joined = probe.join("churn").await;
    assert_eq!(joined["members"], json!(["churn0"]));
}
