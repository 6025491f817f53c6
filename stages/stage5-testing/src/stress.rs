//! The load generator: many clients, some sending at a fixed rate, latency measured at every
//! receiver.
//!
//! Stage 5 — Testing and performance, book chapter 5, section "Stress testing".
//!
//! Two choices make its numbers honest:
//! - **Open loop.** Each sender has a schedule ("message k at start + k × period") and keeps to it
//!   whatever the server does. A *closed-loop* sender, which waits for the server before sending
//!   the next message, slows down exactly when the server does, and hides the delay it should
//!   measure (the "coordinated omission" problem).
//! - **Latency from the intended send time.** Every message carries the moment it *should* have
//!   been sent. A receiver subtracts that from the moment it arrived, so a sender that fell behind
//!   its schedule adds its lateness to the latency instead of hiding it.
//!
//! All clients live in this one process and share one clock ([`Instant`]), so the subtraction is
//! exact. It speaks the stage 3 wire format, which the stage 4 server speaks too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::stream::{self, SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use stage3_websockets::wire::ChatMessage;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct StressConfig {
    /// The server, e.g. `ws://127.0.0.1:8080`.
    pub url: String,
    /// How many clients connect (all of them receive).
    pub clients: usize,
    /// How many of them send.
    pub senders: usize,
    /// Messages per second, all senders together.
    pub rate: f64,
    /// How long the senders send.
    pub duration: Duration,
    /// Length of each message's text, in bytes (at least the size of the time stamp).
    pub message_bytes: usize,
    /// How long to keep waiting for messages after the last one was sent.
    pub drain: Duration,
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Largest.
    pub max_us: u64,
    /// Mean.
    pub mean_us: f64,
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Clients connected.
    pub clients: usize,
    /// Clients that sent.
    pub senders: usize,
    /// Messages sent.
    pub sent: u64,
    /// Deliveries expected: every client should receive every message.
    pub expected: u64,
    /// Deliveries that arrived.
    pub delivered: u64,
    /// Deliveries that did not arrive in time.
    pub lost: u64,
    /// Deliveries per second over the sending window.
    pub delivered_per_sec: f64,
    /// Latency from intended send time to arrival, at the receivers.
    pub latency: Latency,
    /// Clients whose connection the server closed during the run.
    pub disconnected: usize,
}

/// Counters the progress bar reads while a run goes on.
#[derive(Debug, Default)]
pub struct Progress {
    /// Messages sent so far.
    pub sent: AtomicU64,
    /// Deliveries received so far.
    pub delivered: AtomicU64,
    /// Clients connected so far.
    pub connected: AtomicU64,
    /// Print `sending` on standard error when the warm-up is over (every client connected),
    /// and `done` when every receiver has its messages, before any connection closes: a tool
    /// driving this one (`chat-bench`, in the book's "Performance" chapter) measures the
    /// server between the two, without the handshakes before or the goodbyes after.
    pub announce: bool,
}

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StressError {
    /// A setting is unusable.
    #[error("bad configuration: {0}")]
    Config(&'static str),
    /// A client could not connect.
    #[error("client {index} could not connect: {source}")]
    Connect {
        /// Which client.
        index: usize,
        /// Why.
        source: tokio_tungstenite::tungstenite::Error,
    },
    /// A client did not connect in time.
    #[error("client {0} did not connect within 10 s")]
    ConnectTimeout(usize),
}

// ANCHOR: run
/// Connects every client, runs the senders' schedule, waits for the messages, and reports.
pub async fn run(config: &StressConfig, progress: Arc<Progress>) -> Result<Report, StressError> {
    if config.clients == 0 || config.senders == 0 || config.senders > config.clients {
        return Err(StressError::Config("need 1 <= senders <= clients"));
    }
    if !(config.rate > 0.0 && config.rate.is_finite()) {
        return Err(StressError::Config("the rate must be a positive number"));
    }
    let sockets = connect_all(config, &progress).await?;

    // The schedule starts a little later, once every receiver task has started: otherwise the
    // first messages would be charged for the load generator's own start-up.
    let epoch = Instant::now() + Duration::from_millis(250);
    if progress.announce {
        eprintln!("sending");
    }
    let (total_tx, total_rx) = watch::channel(None::<u64>);
    let deadline = epoch + config.duration + config.drain;
    let mut receivers = Vec::with_capacity(config.clients);
    let mut senders = Vec::with_capacity(config.senders);
    for (index, socket) in sockets.into_iter().enumerate() {
        let (sink, stream) = socket.split();
        let (total, counters) = (total_rx.clone(), Arc::clone(&progress));
        receivers.push(tokio::spawn(async move {
            let mut stream = stream;
            let received = receive(&mut stream, epoch, deadline, total, counters).await;
            (received, stream) // the connection stays open until every receiver is done
        }));
        if index < config.senders {
            senders.push(tokio::spawn(send(
                sink,
                index,
                config.clone(),
                epoch,
                Arc::clone(&progress),
            )));
        }
    }
    let mut sent = 0;
    let mut open = Vec::with_capacity(senders.len());
    for sender in senders {
        if let Ok((count, sink)) = sender.await {
            sent += count;
            open.push(sink); // keep the connection: this client is still receiving
        }
    }
    // Now every receiver knows how many messages to expect, and can stop as soon as it has them.
    let _ = total_tx.send(Some(sent));

    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
        .map_err(|_| StressError::Config("histogram"))?;
    let (mut delivered, mut disconnected) = (0, 0);
    let mut streams = Vec::with_capacity(receivers.len());
    for receiver in receivers {
        if let Ok((received, stream)) = receiver.await {
            delivered += received.count;
            disconnected += usize::from(received.closed_by_server);
            let _ = latency.add(&received.latency);
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
    let expected = sent * config.clients as u64;
    Ok(Report {
        clients: config.clients,
        senders: config.senders,
        sent,
        expected,
        delivered,
        lost: expected.saturating_sub(delivered),
        delivered_per_sec: delivered as f64 / config.duration.as_secs_f64(),
        latency: summarize(&latency),
        disconnected,
    })
}
// ANCHOR_END: run

async fn connect_all(
    config: &StressConfig,
    progress: &Progress,
) -> Result<Vec<Socket>, StressError> {
    // At most 64 handshakes at a time: thousands at once would overflow the server's accept queue.
    let attempts = stream::iter(0..config.clients)
        .map(|index| async move {
            let connect = tokio_tungstenite::connect_async(config.url.as_str());
            match tokio::time::timeout(Duration::from_secs(10), connect).await {
                Ok(Ok((socket, _))) => Ok(socket),
                Ok(Err(source)) => Err(StressError::Connect { index, source }),
                Err(_) => Err(StressError::ConnectTimeout(index)),
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

// ANCHOR: send
/// One sender: message k goes out at its scheduled time, `start + k × period`, late or not.
async fn send(
    mut sink: SplitSink<Socket, Frame>,
    index: usize,
    config: StressConfig,
    epoch: Instant,
    progress: Arc<Progress>,
) -> (u64, SplitSink<Socket, Frame>) {
    let period = Duration::from_secs_f64(config.senders as f64 / config.rate);
    // Spread the senders over one period, so they do not all send at the same instant.
    let offset = period.mul_f64(index as f64 / config.senders as f64);
    let username = format!("load{index}");
    let mut sent = 0;
    loop {
        let intended = offset + period.mul_f64(sent as f64);
        if intended >= config.duration {
            break;
        }
        tokio::time::sleep_until(epoch + intended).await;
        let text = stamp(intended, config.message_bytes);
        let json = serde_json::json!({ "username": username, "text": text }).to_string();
        if sink.send(Frame::text(json)).await.is_err() {
            break; // the server closed this connection; the report counts the losses
        }
        sent += 1;
        progress.sent.fetch_add(1, Ordering::Relaxed);
    }
    // Not closed here: closing would make the server drop this client, which is still
    // receiving the other senders' messages. The caller closes it when every receiver is done.
    (sent, sink)
}
// ANCHOR_END: send

/// The text of a message: its intended send time (microseconds after the epoch), padded.
pub fn stamp(intended: Duration, bytes: usize) -> String {
    let mut text = format!("t={} ", intended.as_micros());
    while text.len() < bytes {
        text.push('.');
    }
    text
}

struct Received {
    count: u64,
    latency: Histogram<u64>,
    closed_by_server: bool,
}

// ANCHOR: receive
/// One receiver: records the latency of every message until it has all of them or time is up.
async fn receive(
    stream: &mut SplitStream<Socket>,
    epoch: Instant,
    deadline: Instant,
    mut total: watch::Receiver<Option<u64>>,
    progress: Arc<Progress>,
) -> Received {
    let mut received = Received {
        count: 0,
        latency: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
        closed_by_server: false,
    };
    loop {
        let expected = *total.borrow();
        if expected.is_some_and(|expected| received.count >= expected) {
            return received;
        }
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Frame::Text(text))) => {
                    let arrived = epoch.elapsed();
                    if let Some(intended) = intended_time(&text) {
                        let micros = arrived.saturating_sub(intended).as_micros().max(1);
                        received.latency.saturating_record(u64::try_from(micros).unwrap_or(u64::MAX));
                        received.count += 1;
                        progress.delivered.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => {
                    received.closed_by_server = true;
                    return received;
                }
                Some(Ok(_)) => {}
            },
            _ = total.changed() => {}
            () = tokio::time::sleep_until(deadline) => return received,
        }
    }
}
// ANCHOR_END: receive

/// The intended send time stamped in a chat message's text, if it is one of ours.
fn intended_time(frame: &str) -> Option<Duration> {
    let message: ChatMessage = serde_json::from_str(frame).ok()?;
    parse_stamp(&message.text)
}

/// The intended send time that [`stamp`] wrote into a text, if it is one of ours.
pub fn parse_stamp(text: &str) -> Option<Duration> {
    let micros = text.strip_prefix("t=")?.split(' ').next()?.parse().ok()?;
    Some(Duration::from_micros(micros))
}

/// The percentiles of a histogram of microseconds.
pub fn summarize(histogram: &Histogram<u64>) -> Latency {
    if histogram.is_empty() {
        return Latency::default();
    }
    Latency {
        p50_us: histogram.value_at_quantile(0.50),
        p99_us: histogram.value_at_quantile(0.99),
        p999_us: histogram.value_at_quantile(0.999),
        max_us: histogram.max(),
        mean_us: histogram.mean(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_through_a_chat_message() {
        let text = stamp(Duration::from_micros(1_234_567), 40);
        assert_eq!(text.len(), 40);
        let frame =
            serde_json::json!({"username": "a", "text": text, "timestamp": "2026-01-01T00:00:00Z"})
                .to_string();
        assert_eq!(
            intended_time(&frame),
            Some(Duration::from_micros(1_234_567))
        );
        assert_eq!(
            intended_time(r#"{"error":"x"}"#),
            None,
            "error replies are not deliveries"
        );
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        for micros in 1..=1_000 {
            histogram.record(micros).unwrap();
        }
        let latency = summarize(&histogram);
        assert_eq!((latency.p50_us, latency.max_us), (500, 1_000));
        assert!((989..=991).contains(&latency.p99_us), "{latency:?}");
    }
}
