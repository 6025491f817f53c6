//! Final server — criterion benchmarks of the fan-out path: what one `send` costs the server
//! before any byte reaches a socket. Book: "The final server", section "Fan-out".
//! Run with `cargo bench -p chat-server` (add a filter such as `-- hub_send` for one group).
//!
//! `hub_send` is the whole of [`Hub::send`] under its lock: give the message an id, encode it
//! once, keep it in the history, and `try_send` the same bytes to every member's queue. The
//! queues are emptied between iterations, outside the measured time, as connection tasks would.
//! `join` is the other hot request: the `joined` reply embeds the room's whole history.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_server::Config;
use chat_server::hub::{Hub, Outbox, Peer};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const TEXT: &str = "a hundred-byte chat message, about as long as most are, a hundred-byte chat message, about as lo";

/// A hub with `members` connections in room `r`; connection 1 is the sender.
fn room_of(members: u64, config: &Config) -> (Hub, Vec<Outbox>, Vec<Peer>) {
    let hub = Hub::new(config, Arc::default());
    let mut queues = Vec::new();
    let mut peers = Vec::new();
    for id in 1..=members {
        let (peer, queue) = Peer::new(id, 1_024);
        hub.hello(&peer, &format!("user{id}"), None)
            .expect("valid name");
        hub.join(id, "r", None, None).expect("join");
        queues.push(queue);
        peers.push(peer);
    }
    drain(&mut queues);
    (hub, queues, peers)
}

fn drain(queues: &mut [Outbox]) {
    for queue in queues {
        while queue.try_recv().is_some() {}
    }
}

// ANCHOR: hub_send
fn hub_send(c: &mut Criterion) {
    let mut group = c.benchmark_group("hub_send");
    for members in [10u64, 100, 1_000] {
        let (hub, mut queues, _peers) = room_of(members, &Config::default());
        group.throughput(Throughput::Elements(members));
        group.bench_function(BenchmarkId::from_parameter(members), |b| {
            b.iter_custom(|iterations| {
                let mut measured = Duration::ZERO;
                for _ in 0..iterations {
                    let start = Instant::now();
                    hub.send(1, "r", black_box(TEXT)).expect("sent");
                    measured += start.elapsed();
                    drain(&mut queues); // what the connection tasks do, not measured
                }
                measured
            });
        });
    }
    group.finish();
}
// ANCHOR_END: hub_send

fn join_with_history(c: &mut Criterion) {
    let config = Config::default();
    let (hub, mut queues, _peers) = room_of(100, &config);
    for _ in 0..config.history {
        hub.send(1, "r", TEXT).expect("sent");
    }
    drain(&mut queues);
    let (newcomer, mut queue) = Peer::new(1_000_000, 16);
    hub.hello(&newcomer, "newcomer", None).expect("valid name");
    c.bench_function("join a room of 100 with 100 messages of history", |b| {
        b.iter(|| {
            hub.join(1_000_000, "r", None, None).expect("join");
            hub.leave(1_000_000, "r", None).expect("leave");
            while queue.try_recv().is_some() {}
            drain(&mut queues);
        });
    });
}

criterion_group!(benches, hub_send, join_with_history);
criterion_main!(benches);
