//! Stage 5 — criterion benchmarks of the choices stages 1–4 made. Book: chapter 5,
//! "Benchmarks". Run with `cargo bench -p stage5-testing` (or add a filter, e.g.
//! `cargo bench -p stage5-testing -- fan_out`). Each group compares two ways of doing one thing.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stage1_foundations::message::share;
use stage1_foundations::{ClientId, Message, Username};
use stage2_concurrency::Registry;
use stage3_websockets::wire::{encode_message, parse_incoming};
use tokio::sync::{broadcast, mpsc};

const RECIPIENTS: usize = 1_000;

fn message() -> Message {
    let name = Username::parse("alice").expect("valid name");
    let when = Utc
        .with_ymd_and_hms(2026, 1, 2, 12, 0, 0)
        .single()
        .expect("valid time");
    Message::at(
        name,
        &"a hundred-byte chat message, about as long as most are ".repeat(2),
        when,
    )
    .expect("valid")
}

// ANCHOR: clone_vs_share
/// Giving one message to 1,000 recipients: a deep copy each, or one `Arc` shared by all.
fn clone_vs_share(c: &mut Criterion) {
    let mut group = c.benchmark_group("clone_vs_share");
    group.throughput(Throughput::Elements(RECIPIENTS as u64));
    let original = message();
    group.bench_function("clone the Message per recipient", |b| {
        b.iter(|| {
            let copies: Vec<Message> = (0..RECIPIENTS).map(|_| original.clone()).collect();
            black_box(copies)
        })
    });
    let shared = share(message());
    group.bench_function("clone an Arc per recipient", |b| {
        b.iter(|| {
            let pointers: Vec<Arc<Message>> =
                (0..RECIPIENTS).map(|_| Arc::clone(&shared)).collect();
            black_box(pointers)
        })
    });
    group.finish();
}
// ANCHOR_END: clone_vs_share

// ANCHOR: json
/// Turning one message into JSON for 1,000 recipients: once each (stage 3), or once in all.
fn json(c: &mut Criterion) {
    let mut group = c.benchmark_group("json");
    let shared = share(message());
    group.throughput(Throughput::Elements(RECIPIENTS as u64));
    group.bench_function("encode per recipient", |b| {
        b.iter(|| {
            let frames: Vec<String> = (0..RECIPIENTS).map(|_| encode_message(&shared)).collect();
            black_box(frames)
        })
    });
    group.bench_function("encode once, share the text", |b| {
        b.iter(|| {
            let text: Arc<str> = encode_message(&shared).into();
            let frames: Vec<Arc<str>> = (0..RECIPIENTS).map(|_| Arc::clone(&text)).collect();
            black_box(frames)
        })
    });
    group.throughput(Throughput::Elements(1));
    let incoming = r#"{"username":"alice","text":"a hundred-byte chat message, about as long as most are, give or take"}"#;
    let now = Utc::now();
    group.bench_function("decode and validate one incoming frame", |b| {
        b.iter(|| black_box(parse_incoming(black_box(incoming), now)))
    });
    group.bench_function("encode one outgoing frame", |b| {
        b.iter(|| black_box(encode_message(black_box(&shared))))
    });
    group.finish();
}
// ANCHOR_END: json

// ANCHOR: channels
/// Queueing one message for 1,000 clients: a bounded mpsc queue per client (`try_send` to each),
/// an unbounded one per client, or one tokio `broadcast` channel that all of them read.
fn channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("channels");
    group.throughput(Throughput::Elements(RECIPIENTS as u64));
    let shared = share(message());

    let (senders, mut receivers): (Vec<_>, Vec<_>) = (0..RECIPIENTS)
        .map(|_| mpsc::channel::<Arc<Message>>(64))
        .unzip();
    group.bench_function("bounded mpsc per client: try_send, then each reads", |b| {
        b.iter(|| {
            for sender in &senders {
                let _ = sender.try_send(Arc::clone(&shared));
            }
            for receiver in &mut receivers {
                black_box(receiver.try_recv().ok());
            }
        })
    });

    let (senders, mut receivers): (Vec<_>, Vec<_>) = (0..RECIPIENTS)
        .map(|_| mpsc::unbounded_channel::<Arc<Message>>())
        .unzip();
    group.bench_function("unbounded mpsc per client: send, then each reads", |b| {
        b.iter(|| {
            for sender in &senders {
                let _ = sender.send(Arc::clone(&shared));
            }
            for receiver in &mut receivers {
                black_box(receiver.try_recv().ok());
            }
        })
    });

    let (sender, _) = broadcast::channel::<Arc<Message>>(64);
    let mut subscribers: Vec<_> = (0..RECIPIENTS).map(|_| sender.subscribe()).collect();
    group.bench_function("one broadcast channel: send once, each reads", |b| {
        b.iter(|| {
            let _ = sender.send(Arc::clone(&shared));
            for subscriber in &mut subscribers {
                black_box(subscriber.try_recv().ok());
            }
        })
    });
    group.finish();
}
// ANCHOR_END: channels

// ANCHOR: fan_out
/// The whole in-process path of one message through stage 2's registry (the stage 3 and 4
/// servers' design): lock, `try_send` to every queue, and every client takes its copy and turns
/// it into JSON, for a growing number of clients.
fn fan_out(c: &mut Criterion) {
    let mut group = c.benchmark_group("fan_out");
    for clients in [10usize, 100, 1_000] {
        let registry = Registry::new();
        let mut queues: Vec<_> = (0..clients)
            .map(|n| {
                let name = Username::parse(&format!("user{n}")).expect("valid name");
                registry
                    .join(ClientId::new(n as u64), name, 64)
                    .expect("distinct ids")
            })
            .collect();
        group.throughput(Throughput::Elements(clients as u64));
        group.bench_with_input(
            BenchmarkId::new("registry broadcast + JSON per client", clients),
            &clients,
            |b, _| {
                b.iter(|| {
                    registry.broadcast(&share(message()));
                    for queue in &mut queues {
                        if let Ok(message) = queue.try_recv() {
                            black_box(encode_message(&message));
                        }
                    }
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("registry broadcast + JSON once", clients),
            &clients,
            |b, _| {
                b.iter(|| {
                    let shared = share(message());
                    let text: Arc<str> = encode_message(&shared).into();
                    registry.broadcast(&shared);
                    for queue in &mut queues {
                        if queue.try_recv().is_ok() {
                            black_box(Arc::clone(&text));
                        }
                    }
                })
            },
        );
    }
    group.finish();
}
// ANCHOR_END: fan_out

criterion_group!(benches, clone_vs_share, json, channels, fan_out);
criterion_main!(benches);
