//! The soak run: hours-long (30 minutes by default) mixed load against a running server, with
//! clients that keep leaving and coming back, to show that memory stays flat and nothing is lost.
//!
//! Final server — book chapter "Security", section "Soak".
//!
//! Senders send to their rooms at a steady rate on connections that stay up. Receivers, spread
//! over the same rooms, are restarted at random: every `restart_every`, each one leaves with
//! the given probability, connects again and rejoins with `since`. Every receiver checks that
//! the ids of its room arrive without a gap and without a repeat, across its restarts, so a
//! message lost anywhere (in the server, in a restart, in the history) is counted. Every
//! `sample_every`, the server's resident memory is read from `/proc/<pid>/status`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use stage4_architecture::backoff::random_u64;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::proc::rss_kib;

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// The server, e.g. `ws://127.0.0.1:8080/ws`.
    pub url: String,
    /// Receivers (restarted at random).
    pub clients: usize,
    /// Rooms (client `i` joins room `i mod rooms`).
    pub rooms: usize,
    /// Senders (never restarted), spread over the rooms the same way.
    pub senders: usize,
    /// Messages per second, all senders together.
    pub rate: f64,
    /// How long to run.
    pub duration: Duration,
    /// How often each receiver considers restarting.
    pub restart_every: Duration,
    /// The chance that it does, each time (0 to 1).
    pub restart_chance: f64,
    /// How often to sample the server's memory and print a line.
    pub sample_every: Duration,
    /// The server's process id, for its memory (`None`: memory is not sampled).
    pub pid: Option<u32>,
}

/// One line of the memory-over-time table.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Seconds since the start.
    pub seconds: u64,
    /// The server's resident memory, KiB.
    pub rss_kib: Option<u64>,
    /// Messages sent so far.
    pub sent: u64,
    /// Messages received so far (all receivers).
    pub received: u64,
    /// Receiver restarts so far.
    pub restarts: u64,
}

/// What a soak run measured.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    /// Memory and progress over time.
    pub samples: Vec<Sample>,
    /// Messages the senders sent.
    pub sent: u64,
    /// Messages the receivers got (each counted once per receiver).
    pub received: u64,
    /// Messages a receiver never got: gaps in its room's ids, across restarts, and at the end.
    pub lost: u64,
    /// Messages a receiver got twice.
    pub repeated: u64,
    /// Receiver restarts.
    pub restarts: u64,
    /// Rejoins whose reply said some history was no longer held.
    pub truncated: u64,
}

#[derive(Default)]
struct Totals {
    sent: AtomicU64,
    received: AtomicU64,
    lost: AtomicU64,
    repeated: AtomicU64,
    restarts: AtomicU64,
    truncated: AtomicU64,
    /// The last id sent to each room, known once the senders stop.
    last: std::sync::Mutex<Vec<u64>>,
}

fn room(index: usize, rooms: usize) -> String {
    format!("soak{}", index % rooms)
}

// ANCHOR: run
/// Runs the soak and reports. `progress` is called with every sample as it is taken.
pub async fn run(
    config: &SoakConfig,
    mut progress: impl FnMut(&Sample),
) -> Result<SoakReport, String> {
    if config.clients == 0
        || config.senders == 0
        || config.rooms == 0
        || config.rooms > config.senders.min(config.clients)
    {
        return Err("need 1 <= rooms <= senders and rooms <= clients".into());
    }
    let totals = Arc::new(Totals::default());
    *totals.last.lock().map_err(|_| "poisoned")? = vec![0; config.rooms];
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let mut receivers = Vec::new();
    for index in 0..config.clients {
        let (config, totals, done) = (config.clone(), Arc::clone(&totals), Arc::clone(&done));
        receivers.push(tokio::spawn(async move {
            receiver(index, &config, &totals, &done).await
        }));
    }
    let mut senders = Vec::new();
    for index in 0..config.senders {
        let (config, totals, stop) = (config.clone(), Arc::clone(&totals), Arc::clone(&stop));
        senders.push(tokio::spawn(async move {
            sender(index, &config, &totals, &stop).await
        }));
    }
    let start = Instant::now();
    let mut samples = Vec::new();
    let mut tick = tokio::time::interval(config.sample_every);
    while start.elapsed() < config.duration {
        tick.tick().await;
        let sample = Sample {
            seconds: start.elapsed().as_secs(),
            rss_kib: config.pid.and_then(rss_kib),
            sent: totals.sent.load(Relaxed),
            received: totals.received.load(Relaxed),
            restarts: totals.restarts.load(Relaxed),
        };
        progress(&sample);
        samples.push(sample);
    }
    stop.store(true, Relaxed);
    for sender in senders {
        sender.await.map_err(|err| err.to_string())??;
    }
    // Let the receivers catch up to the last id of their room, then stop them.
    tokio::time::sleep(Duration::from_secs(3)).await;
    done.store(true, Relaxed);
    for receiver in receivers {
        receiver.await.map_err(|err| err.to_string())??;
    }
    Ok(SoakReport {
        samples,
        sent: totals.sent.load(Relaxed),
        received: totals.received.load(Relaxed),
        lost: totals.lost.load(Relaxed),
        repeated: totals.repeated.load(Relaxed),
        restarts: totals.restarts.load(Relaxed),
        truncated: totals.truncated.load(Relaxed),
    })
}
// ANCHOR_END: run

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, says hello (retrying while the name is still held by a connection the server has
/// not finished closing) and joins.
async fn enter(
    config: &SoakConfig,
    name: &str,
    room: &str,
    since: Option<u64>,
) -> Result<(Socket, Value), String> {
    for _ in 0..50 {
        let (mut socket, _) = tokio_tungstenite::connect_async(config.url.as_str())
            .await
            .map_err(|err| err.to_string())?;
        let hello = json!({"type": "hello", "username": name});
        let join = json!({"type": "join", "room": room, "since": since});
        for request in [hello, join] {
            socket
                .send(Message::text(request.to_string()))
                .await
                .map_err(|err| err.to_string())?;
        }
        while let Some(Ok(frame)) = socket.next().await {
            let Message::Text(text) = frame else { continue };
            let frame: Value = serde_json::from_str(&text).map_err(|err| err.to_string())?;
            match frame["type"].as_str() {
                Some("joined") => return Ok((socket, frame)),
                Some("error") if frame["code"] == "username_taken" => break,
                Some("error") => return Err(format!("{name}: {frame}")),
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await; // the old connection is closing
    }
    Err(format!("{name} could not get back in"))
}

async fn sender(
    index: usize,
    config: &SoakConfig,
    totals: &Totals,
    stop: &AtomicBool,
) -> Result<(), String> {
    let room = room(index, config.rooms);
    let (socket, _) = enter(config, &format!("soak-sender{index}"), &room, None).await?;
    let (mut sink, mut stream) = socket.split();
    let period = Duration::from_secs_f64(config.senders as f64 / config.rate);
    let mut tick = tokio::time::interval(period);
    let mut last_id = 0;
    let mut outstanding = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick(), if !stop.load(Relaxed) => {
                let request = json!({"type": "send", "room": room, "text": "soak"});
                sink.send(Message::text(request.to_string())).await.map_err(|err| err.to_string())?;
                totals.sent.fetch_add(1, Relaxed);
                outstanding += 1;
            }
            frame = stream.next() => {
                let Some(Ok(frame)) = frame else {
                    return Err(format!("sender {index} lost its connection"));
                };
                let Message::Text(text) = frame else { continue }; // pings
                let frame: Value = serde_json::from_str(&text).map_err(|err| err.to_string())?;
                if frame["type"] == "error" {
                    return Err(format!("sender {index}: {frame}"));
                }
                if frame["type"] == "message" {
                    last_id = last_id.max(frame["id"].as_u64().unwrap_or(0));
                    if frame["username"] == format!("soak-sender{index}") {
                        outstanding -= 1;
                    }
                }
            }
        }
        if stop.load(Relaxed) && outstanding == 0 {
            break;
        }
    }
    // Every message sent is acknowledged: the room's last id is at least `last_id`.
    {
        let mut last = totals.last.lock().map_err(|_| "poisoned")?;
        let slot = &mut last[index % config.rooms];
        *slot = (*slot).max(last_id);
    }
    let _ = sink.close().await;
    Ok(())
}

// ANCHOR: receiver
async fn receiver(
    index: usize,
    config: &SoakConfig,
    totals: &Totals,
    done: &AtomicBool,
) -> Result<(), String> {
    let room = room(index, config.rooms);
    let name = format!("soak-receiver{index}");
    let mut last: Option<u64> = None;
    let seen = |id: u64, last: &mut Option<u64>| match *last {
        Some(previous) if id <= previous => {
            totals.repeated.fetch_add(1, Relaxed);
        }
        previous => {
            if let Some(previous) = previous {
                totals.lost.fetch_add(id - previous - 1, Relaxed);
            }
            *last = Some(id);
            totals.received.fetch_add(1, Relaxed);
        }
    };
    loop {
        let (mut socket, joined) = enter(config, &name, &room, last).await?;
        if joined["truncated"] == true {
            totals.truncated.fetch_add(1, Relaxed);
        }
        for message in joined["history"].as_array().into_iter().flatten() {
            seen(message["id"].as_u64().unwrap_or(0), &mut last);
        }
        let mut restart = tokio::time::interval(config.restart_every);
        restart.tick().await;
        loop {
            tokio::select! {
                frame = socket.next() => {
                    let Some(Ok(frame)) = frame else { return Err(format!("{name} lost its connection")) };
                    let Message::Text(text) = frame else { continue };
                    let frame: Value = serde_json::from_str(&text).map_err(|err| err.to_string())?;
                    if frame["type"] == "message" {
                        seen(frame["id"].as_u64().unwrap_or(0), &mut last);
                    }
                }
                _ = restart.tick() => {
                    if done.load(Relaxed) {
                        // The end: whatever this receiver has not got by now is lost.
                        let room_last = totals.last.lock().map_err(|_| "poisoned")?[index % config.rooms];
                        let missing = room_last.saturating_sub(last.unwrap_or(room_last));
                        totals.lost.fetch_add(missing, Relaxed);
                        let _ = socket.close(None).await;
                        return Ok(());
                    }
                    if (random_u64() % 10_000) as f64 / 10_000.0 < config.restart_chance {
                        let _ = socket.close(None).await;
                        totals.restarts.fetch_add(1, Relaxed);
                        break;
                    }
                }
            }
        }
    }
}
// ANCHOR_END: receiver
