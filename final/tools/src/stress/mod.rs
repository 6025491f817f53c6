//! The load generator for the final protocol: N clients spread over R rooms, open-loop senders,
//! latency measured at every recipient.
//!
//! Final server — book chapter "Running the server", section "The load tool"; the Performance
//! chapter uses it for its figures.
//!
//! Stage 5's stress tool, speaking the final protocol: each client says `hello` and joins one
//! room (client `i` joins room `i mod R`), the first `senders` clients send on a fixed schedule
//! (open loop, so a slow server cannot slow the senders down and hide its own delay), and each
//! message carries its *intended* send time, from which every recipient measures latency
//! (stage 5 explains why). A message counts as delivered once per member of its room, the
//! sender included; whatever did not arrive by the end is reported as lost.
//!
//! The parts, in the order a run uses them: `config` (what a run is given, and what the other
//! parts share), `join` (every client connected, joined and warmed up), `traffic` (the
//! senders' schedule, and the readers that time every message), `record` (the one histogram
//! the readers' latencies go to). This file runs them in turn and adds up what they saw.
//! Imports go one way: this file uses all four; `traffic` uses `record` and `config`; `join`
//! and `record` use `config`; `config` uses none (and no part uses this file).

mod config;
mod join;
mod record;
mod traffic;

pub use config::{LoadConfig, LoadError, Socket};
pub use join::enter;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use futures_util::SinkExt;
use serde::Serialize;
use stage5_testing::stress::{Latency, Progress, summarize};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use traffic::{Received, Sink, Stream, Tasks};

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Clients connected.
    pub clients: usize,
    /// Rooms used.
    pub rooms: usize,
    /// Clients that sent.
    pub senders: usize,
    /// Clients that never read.
    pub slow: usize,
    /// Messages sent.
    pub sent: u64,
    /// Deliveries expected: each message once per member of its room.
    pub expected: u64,
    /// Deliveries that arrived.
    pub delivered: u64,
    /// `expected - delivered`.
    pub lost: u64,
    /// Deliveries per second of sending time.
    pub delivered_per_sec: f64,
    /// Latency from intended send time to arrival, over all deliveries.
    pub latency: Latency,
    /// Error replies the senders got (e.g. `rate_limited`: raise the server's `--rate`).
    pub errors: HashMap<String, u64>,
    /// Clients the server closed or lost before the end.
    pub disconnected: usize,
}

// ANCHOR: run
/// Connects and joins every client, runs the senders' schedule, waits for the deliveries, and
/// reports.
pub async fn run(config: &LoadConfig, progress: Arc<Progress>) -> Result<LoadReport, LoadError> {
    config.check()?;
    let mut sockets = join::connect_all(config, &progress).await?;
    join::settle(&mut sockets, config.rooms).await?;

    // The schedule starts a little later, once every receiver task has started: otherwise the
    // first messages would be charged for the load generator's own start-up.
    let epoch = Instant::now() + Duration::from_millis(250);
    if progress.announce {
        eprintln!("sending");
    }
    let deadline = epoch + config.duration + config.drain;
    // Per room, how many messages were sent to it: known once the senders are done.
    let (totals_tx, totals_rx) = watch::channel(None::<Vec<u64>>);
    let latency = record::shared()?;
    let Tasks {
        receivers,
        senders,
        never_read,
    } = traffic::start(
        sockets, config, epoch, deadline, &totals_rx, &latency, &progress,
    );
    let (per_room, open) = senders_done(senders, config.rooms).await;
    let sent = per_room.iter().sum();
    let expected = expected_deliveries(&per_room, config);
    let _ = totals_tx.send(Some(per_room));

    let (deliveries, streams) = receivers_done(receivers).await;
    if progress.announce {
        eprintln!("done");
    }
    // Only now may connections close: the `done` line above is printed while every client is
    // still connected, so whoever measures the server stops before the closes cost it anything.
    drop(streams);
    for mut sink in open {
        let _ = sink.close().await;
    }
    drop(never_read);
    Ok(LoadReport {
        clients: config.clients,
        rooms: config.rooms,
        senders: config.senders,
        slow: config.slow,
        sent,
        expected,
        delivered: deliveries.delivered,
        lost: expected.saturating_sub(deliveries.delivered),
        delivered_per_sec: deliveries.delivered as f64 / config.duration.as_secs_f64(),
        // Every reader has returned, and its recorder has added its last latencies.
        latency: summarize(&latency.lock().unwrap_or_else(PoisonError::into_inner)),
        errors: deliveries.errors,
        disconnected: deliveries.disconnected,
    })
}
// ANCHOR_END: run

/// Waits for the senders: per room, how many messages were sent to it, and the senders'
/// sinks, which stay open (a sender is a reader too, and its connection is still receiving).
async fn senders_done(
    senders: Vec<(usize, JoinHandle<(u64, Sink)>)>,
    rooms: usize,
) -> (Vec<u64>, Vec<Sink>) {
    let mut per_room = vec![0u64; rooms];
    let mut open = Vec::with_capacity(senders.len());
    for (room, sender) in senders {
        if let Ok((count, sink)) = sender.await {
            per_room[room] += count;
            open.push(sink);
        }
    }
    (per_room, open)
}

/// Each message is expected once per reader of its room (the slow clients read nothing, so
/// nothing is expected of them).
fn expected_deliveries(per_room: &[u64], config: &LoadConfig) -> u64 {
    let mut members = vec![0u64; config.rooms];
    for index in 0..config.readers() {
        members[index % config.rooms] += 1;
    }
    per_room
        .iter()
        .zip(&members)
        .map(|(sent, members)| sent * members)
        .sum()
}

/// What all the readers got, added up (their latencies are in the run's shared histogram).
struct Deliveries {
    delivered: u64,
    disconnected: usize,
    errors: HashMap<String, u64>,
}

/// Waits for every reader and adds up what they got; returns their streams too, still open.
async fn receivers_done(
    receivers: Vec<JoinHandle<(Received, Stream)>>,
) -> (Deliveries, Vec<Stream>) {
    let mut total = Deliveries {
        delivered: 0,
        disconnected: 0,
        errors: HashMap::new(),
    };
    let mut streams = Vec::with_capacity(receivers.len());
    for receiver in receivers {
        if let Ok((received, stream)) = receiver.await {
            total.delivered += received.count;
            total.disconnected += usize::from(received.closed_by_server);
            for (code, count) in received.errors {
                *total.errors.entry(code).or_insert(0) += count;
            }
            streams.push(stream);
        }
    }
    (total, streams)
}
