//! The load generator for the final protocol: N clients spread over R rooms, open-loop senders,
//! latency measured at every recipient.
//!
//! Final server — book chapter "Running the server", section "Load testing"; the Performance
//! chapter uses it for its figures.
//!
//! Stage 5's stress tool, speaking the final protocol: each client says `hello` and joins one
//! room (client `i` joins room `i mod R`), the first `senders` clients send on a fixed schedule
//! (open loop, so a slow server cannot slow the senders down and hide its own delay), and each
//! message carries its *intended* send time, from which every recipient measures latency
//! (stage 5 explains why). A message counts as delivered once per member of its room, the
//! sender included; whatever did not arrive by the end is reported as lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::stream::{self, SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use serde_json::json;
use stage5_testing::stress::{Latency, Progress, parse_stamp, stamp, summarize};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The server, e.g. `ws://127.0.0.1:8080/ws`; or several instances sharing rooms through
    /// Redis, separated by commas: client `i` connects to the `i mod n`-th.
    pub url: String,
    /// How many clients connect.
    pub clients: usize,
    /// Over how many rooms they spread.
    pub rooms: usize,
    /// How many of them send (spread over the rooms the same way).
    pub senders: usize,
    /// How many of them (the last ones) never read at all: slow consumers, which the server
    /// should close with 4008 without slowing the others. Their deliveries are not expected.
    pub slow: usize,
    /// Messages per second, all senders together.
    pub rate: f64,
    /// How long the senders send.
    pub duration: Duration,
    /// Length of each message's text, in bytes.
    pub message_bytes: usize,
    /// How long to keep waiting for messages after the last one was sent.
    pub drain: Duration,
}

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

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A setting is unusable.
    #[error("bad configuration: {0}")]
    Config(&'static str),
    /// A client could not connect or join.
    #[error("client {index} could not join: {why}")]
    Join {
        /// Which client.
        index: usize,
        /// What went wrong.
        why: String,
    },
}

/// A frame as the load generator reads it: only what it needs, borrowed from the text.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow, default)]
    text: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    code: Option<&'a str>,
}

fn room_of(index: usize, rooms: usize) -> String {
    format!("load{}", index % rooms)
}

// ANCHOR: run
/// Connects and joins every client, runs the senders' schedule, waits for the deliveries, and
/// reports.
pub async fn run(config: &LoadConfig, progress: Arc<Progress>) -> Result<LoadReport, LoadError> {
    if config.clients == 0 || config.senders == 0 || config.senders + config.slow > config.clients {
        return Err(LoadError::Config(
            "need 1 <= senders and senders + slow <= clients",
        ));
    }
    if config.rooms == 0 || config.rooms > config.clients {
        return Err(LoadError::Config("need 1 <= rooms <= clients"));
    }
    if !(config.rate > 0.0 && config.rate.is_finite()) {
        return Err(LoadError::Config("the rate must be a positive number"));
    }
    let mut sockets = connect_all(config, &progress).await?;
    settle(&mut sockets, config.rooms).await?;
    let readers = config.clients - config.slow;
    let mut members = vec![0u64; config.rooms];
    for index in 0..readers {
        members[index % config.rooms] += 1;
    }

    // The schedule starts a little later, once every receiver task has started: otherwise the
    // first messages would be charged for the load generator's own start-up.
    let epoch = Instant::now() + Duration::from_millis(250);
    if progress.announce {
        eprintln!("sending");
    }
    let deadline = epoch + config.duration + config.drain;
    // Per room, how many messages were sent to it: known once the senders are done.
    let (totals_tx, totals_rx) = watch::channel(None::<Vec<u64>>);
    let mut receivers = Vec::with_capacity(config.clients);
    let mut senders = Vec::with_capacity(config.senders);
    let mut never_read = Vec::with_capacity(config.slow);
    for (index, socket) in sockets.into_iter().enumerate() {
        if index >= readers {
            never_read.push(socket); // connected, joined, and never read again
            continue;
        }
        let (sink, stream) = socket.split();
        let room = index % config.rooms;
        let (totals, counters) = (totals_rx.clone(), Arc::clone(&progress));
        receivers.push(tokio::spawn(async move {
            let mut stream = stream;
            let received = receive(&mut stream, room, epoch, deadline, totals, counters).await;
            (received, stream) // the connection stays open until every receiver is done
        }));
        if index < config.senders {
            senders.push((
                room,
                tokio::spawn(send(
                    sink,
                    index,
                    config.clone(),
                    epoch,
                    Arc::clone(&progress),
                )),
            ));
        }
    }
    let mut per_room = vec![0u64; config.rooms];
    let mut open = Vec::with_capacity(senders.len());
    for (room, sender) in senders {
        if let Ok((count, sink)) = sender.await {
            per_room[room] += count;
            open.push(sink); // still receiving: closed at the end
        }
    }
    let sent = per_room.iter().sum();
    let expected = per_room
        .iter()
        .zip(&members)
        .map(|(sent, members)| sent * members)
        .sum();
    let _ = totals_tx.send(Some(per_room));

    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
        .map_err(|_| LoadError::Config("histogram"))?;
    let (mut delivered, mut disconnected) = (0, 0);
    let mut errors = HashMap::new();
    let mut streams = Vec::with_capacity(receivers.len());
    for receiver in receivers {
        if let Ok((received, stream)) = receiver.await {
            delivered += received.count;
            disconnected += usize::from(received.closed_by_server);
            let _ = latency.add(&received.latency);
            for (code, count) in received.errors {
                *errors.entry(code).or_insert(0) += count;
            }
            streams.push(stream);
        }
    }
    if progress.announce {
        eprintln!("done");
    }
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
        delivered,
        lost: expected.saturating_sub(delivered),
        delivered_per_sec: delivered as f64 / config.duration.as_secs_f64(),
        latency: summarize(&latency),
        errors,
        disconnected,
    })
}
// ANCHOR_END: run

async fn connect_all(config: &LoadConfig, progress: &Progress) -> Result<Vec<Socket>, LoadError> {
    // At most 64 handshakes at a time: thousands at once would overflow the accept queue.
    let attempts = stream::iter(0..config.clients)
        .map(|index| async move {
            let join = join_one(config, index);
            match tokio::time::timeout(Duration::from_secs(10), join).await {
                Ok(result) => result.map_err(|why| LoadError::Join { index, why }),
                Err(_) => Err(LoadError::Join {
                    index,
                    why: "no answer within 10 s".into(),
                }),
            }
        })
        .buffered(64);
    tokio::pin!(attempts);
    let mut sockets = Vec::with_capacity(config.clients);
    while let Some(attempt) = attempts.next().await {
        sockets.push(attempt?);
        progress.connected.fetch_add(1, Ordering::Relaxed);
    }
    Ok(sockets)
}

/// Connects, says hello, joins the client's room and waits for `joined`.
async fn join_one(config: &LoadConfig, index: usize) -> Result<Socket, String> {
    let urls: Vec<&str> = config.url.split(',').map(str::trim).collect();
    let url = urls[index % urls.len()];
    let (mut socket, _) = if index >= config.clients - config.slow {
        // A slow consumer: a small receive buffer, so that what it does not read piles up in
        // the server (its queue) rather than in this machine's socket buffers.
        let addr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or_default();
        let addr: std::net::SocketAddr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an address"))?;
        let socket = tokio::net::TcpSocket::new_v4().map_err(|err| err.to_string())?;
        socket
            .set_recv_buffer_size(4096)
            .map_err(|err| err.to_string())?;
        let stream = socket.connect(addr).await.map_err(|err| err.to_string())?;
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        tokio_tungstenite::client_async(url, stream)
            .await
            .map_err(|err| err.to_string())?
    } else {
        tokio_tungstenite::connect_async(url)
            .await
            .map_err(|err| err.to_string())?
    };
    let hello = json!({"type": "hello", "username": format!("load{index}")});
    let join = json!({"type": "join", "room": room_of(index, config.rooms)});
    for request in [hello, join] {
        socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|err| err.to_string())?;
    }
    while let Some(frame) = socket.next().await {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(close)) => return Err(format!("closed by the server: {close:?}")),
            Ok(_) => continue,
            Err(err) => return Err(err.to_string()),
        };
        match serde_json::from_str::<Frame>(&text) {
            Ok(frame) if frame.kind == "joined" => return Ok(socket),
            Ok(frame) if frame.kind == "error" => {
                return Err(format!("the server answered {text}"));
            }
            _ => {}
        }
    }
    Err("the connection ended".into())
}

/// The text of the message that ends the warm-up.
const WARMUP: &str = "warm-up done";

/// Waits until every client has received everything the joins caused. Each join tells every
/// member already in the room (`presence`), so a room of N costs N²/2 frames, which would
/// still be in flight when the measurement starts. The first client of each room sends one
/// message; a room delivers in order, so once a client has it, it has all that came before.
async fn settle(sockets: &mut [Socket], rooms: usize) -> Result<(), LoadError> {
    for (index, socket) in sockets.iter_mut().enumerate().take(rooms) {
        let request = json!({"type": "send", "room": room_of(index, rooms), "text": WARMUP});
        socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|err| LoadError::Join {
                index,
                why: err.to_string(),
            })?;
    }
    let waits = sockets
        .iter_mut()
        .enumerate()
        .map(|(index, socket)| async move {
            let wait = async {
                while let Some(Ok(frame)) = socket.next().await {
                    if let Message::Text(text) = frame
                        && let Ok(Frame {
                            kind: "message",
                            text: Some(body),
                            ..
                        }) = serde_json::from_str::<Frame>(&text)
                        && body == WARMUP
                    {
                        return Ok(());
                    }
                }
                Err(LoadError::Join {
                    index,
                    why: "the connection ended during the warm-up".into(),
                })
            };
            tokio::time::timeout(Duration::from_secs(30), wait)
                .await
                .unwrap_or_else(|_| {
                    Err(LoadError::Join {
                        index,
                        why: "no warm-up message within 30 s".into(),
                    })
                })
        });
    futures_util::future::join_all(waits)
        .await
        .into_iter()
        .collect()
}

// ANCHOR: send
/// One sender: message k goes out at `offset + k × period`, late or not.
async fn send(
    mut sink: SplitSink<Socket, Message>,
    index: usize,
    config: LoadConfig,
    epoch: Instant,
    progress: Arc<Progress>,
) -> (u64, SplitSink<Socket, Message>) {
    let period = Duration::from_secs_f64(config.senders as f64 / config.rate);
    let offset = period.mul_f64(index as f64 / config.senders as f64);
    let room = room_of(index, config.rooms);
    let mut sent = 0;
    loop {
        let intended = offset + period.mul_f64(sent as f64);
        if intended >= config.duration {
            break;
        }
        tokio::time::sleep_until(epoch + intended).await;
        let request =
            json!({"type": "send", "room": room, "text": stamp(intended, config.message_bytes)});
        if sink.send(Message::text(request.to_string())).await.is_err() {
            break;
        }
        sent += 1;
        progress.sent.fetch_add(1, Ordering::Relaxed);
    }
    (sent, sink)
}
// ANCHOR_END: send

struct Received {
    count: u64,
    latency: Histogram<u64>,
    errors: HashMap<String, u64>,
    closed_by_server: bool,
}

/// One receiver: records the latency of every message of its room until it has them all.
async fn receive(
    stream: &mut SplitStream<Socket>,
    room: usize,
    epoch: Instant,
    deadline: Instant,
    mut totals: watch::Receiver<Option<Vec<u64>>>,
    progress: Arc<Progress>,
) -> Received {
    let mut received = Received {
        count: 0,
        latency: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
        errors: HashMap::new(),
        closed_by_server: false,
    };
    loop {
        let expected = totals
            .borrow()
            .as_ref()
            .and_then(|totals| totals.get(room).copied());
        if expected.is_some_and(|expected| received.count >= expected) {
            return received;
        }
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let arrived = epoch.elapsed();
                    match serde_json::from_str::<Frame>(&text) {
                        Ok(Frame { kind: "message", text: Some(body), .. }) => {
                            if let Some(intended) = parse_stamp(&body) {
                                let micros = arrived.saturating_sub(intended).as_micros().max(1);
                                received.latency.saturating_record(u64::try_from(micros).unwrap_or(u64::MAX));
                                received.count += 1;
                                progress.delivered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Ok(Frame { kind: "error", code: Some(code), .. }) => {
                            *received.errors.entry(code.to_owned()).or_insert(0) += 1;
                        }
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    received.closed_by_server = true;
                    return received;
                }
                Some(Ok(_)) => {}
            },
            _ = totals.changed() => {}
            () = tokio::time::sleep_until(deadline) => return received,
        }
    }
}
