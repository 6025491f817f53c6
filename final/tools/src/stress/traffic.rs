//! The measured part of a run: one task per sender, keeping to its schedule, and one per
//! reader, timing every message of its room as it arrives.
//!
//! Final server — book chapter "Running the server", section "The load tool"; stage 5 explains
//! the open loop and why latency is measured from the intended send time.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use stage5_testing::stress::{Progress, parse_stamp, stamp};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::config::{Frame, LoadConfig, Socket, room_of};
use super::record::{Recorder, Shared};

/// The half of a connection a sender writes to.
pub(super) type Sink = SplitSink<Socket, Message>;

/// The half of a connection a reader reads from.
pub(super) type Stream = SplitStream<Socket>;

/// Per room, how many messages were sent to it; `None` until the senders are done, so that a
/// reader knows when it has everything.
pub(super) type Totals = watch::Receiver<Option<Vec<u64>>>;

/// The tasks of a run, and the clients that never read.
pub(super) struct Tasks {
    /// One per reader: what it received, and its stream, kept open until every reader is done.
    pub(super) receivers: Vec<JoinHandle<(Received, Stream)>>,
    /// One per sender, with its room: how many it sent, and its sink, still open.
    pub(super) senders: Vec<(usize, JoinHandle<(u64, Sink)>)>,
    /// Connected, joined, and never read again (the slow consumers).
    pub(super) never_read: Vec<Socket>,
}

/// Starts a reader for every client that reads, and a sender for the first `senders` of them.
/// Senders start their schedule at `epoch`; readers give up on what has not come by
/// `deadline`.
pub(super) fn start(
    sockets: Vec<Socket>,
    config: &LoadConfig,
    epoch: Instant,
    deadline: Instant,
    totals: &Totals,
    latency: &Shared,
    progress: &Arc<Progress>,
) -> Tasks {
    let readers = config.readers();
    let mut tasks = Tasks {
        receivers: Vec::with_capacity(config.clients),
        senders: Vec::with_capacity(config.senders),
        never_read: Vec::with_capacity(config.slow),
    };
    for (index, socket) in sockets.into_iter().enumerate() {
        if index >= readers {
            tasks.never_read.push(socket);
            continue;
        }
        let (sink, stream) = socket.split();
        let room = index % config.rooms;
        let (totals, counters) = (totals.clone(), Arc::clone(progress));
        let recorder = Recorder::new(latency);
        tasks.receivers.push(tokio::spawn(async move {
            let mut stream = stream;
            let received = receive(
                &mut stream,
                room,
                epoch,
                deadline,
                totals,
                recorder,
                counters,
            )
            .await;
            (received, stream) // the connection stays open until every receiver is done
        }));
        if index < config.senders {
            let sender = send(sink, index, config.clone(), epoch, Arc::clone(progress));
            tasks.senders.push((room, tokio::spawn(sender)));
        }
    }
    tasks
}

// ANCHOR: send
/// One sender: message k goes out at `offset + k × period`, late or not.
async fn send(
    mut sink: Sink,
    index: usize,
    config: LoadConfig,
    epoch: Instant,
    progress: Arc<Progress>,
) -> (u64, Sink) {
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

/// What one reader got.
pub(super) struct Received {
    /// Messages of its room that arrived.
    pub(super) count: u64,
    /// Error replies, by code.
    pub(super) errors: HashMap<String, u64>,
    /// Whether the server closed the connection (or it broke) before the end.
    pub(super) closed_by_server: bool,
}

/// One receiver: records the latency of every message of its room until it has them all.
/// (Its recorder adds the last of them to the run's histogram when the receiver returns.)
async fn receive(
    stream: &mut Stream,
    room: usize,
    epoch: Instant,
    deadline: Instant,
    mut totals: Totals,
    mut latency: Recorder,
    progress: Arc<Progress>,
) -> Received {
    let mut received = Received {
        count: 0,
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
                                latency.record(u64::try_from(micros).unwrap_or(u64::MAX));
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
