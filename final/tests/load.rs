//! The load generator against a real server: a small run must lose nothing (book: "Running the
//! server", section "Load testing"). Timing is not asserted here; that is what benchmarks are for.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chat_server::ServerBuilder;
use chat_server::loadgen::{self, LoadConfig};
use stage5_testing::stress::Progress;
use support::{bounded, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_load_over_several_rooms_loses_nothing() {
    let server = start(
        ServerBuilder::new()
            .max_connections_per_ip(0)
            .rate_per_sec(1_000.0)
            .rate_burst(1_000),
    )
    .await;
    let config = LoadConfig {
        url: server.url(),
        clients: 60,
        rooms: 4,
        senders: 8,
        rate: 400.0,
        duration: Duration::from_millis(500),
        message_bytes: 100,
        drain: Duration::from_secs(5),
    };
    let report = bounded(
        "the load run",
        loadgen::run(&config, Arc::new(Progress::default())),
    )
    .await
    .expect("run");
    // 8 senders over 4 rooms of 15 members: every message is expected 15 times.
    assert!(report.sent >= 150, "{report:?}");
    assert_eq!(report.expected, report.sent * 15, "{report:?}");
    assert_eq!(
        (report.lost, report.delivered),
        (0, report.expected),
        "{report:?}"
    );
    assert!(
        report.errors.is_empty() && report.disconnected == 0,
        "{report:?}"
    );
    // The server also delivered the warm-up: one message per room, to each of the 60 clients.
    let expected = report.expected + 60;
    support::eventually("the server to count the same deliveries", || {
        server.stats().deliveries == expected
    })
    .await;
}

#[tokio::test]
async fn the_default_rate_limit_shows_up_in_the_report() {
    let server = start(ServerBuilder::new().rate_per_sec(5.0).rate_burst(5)).await;
    let config = LoadConfig {
        url: server.url(),
        clients: 2,
        rooms: 1,
        senders: 1,
        rate: 200.0,
        duration: Duration::from_millis(200),
        message_bytes: 50,
        drain: Duration::from_millis(500),
    };
    let report = bounded(
        "the load run",
        loadgen::run(&config, Arc::new(Progress::default())),
    )
    .await
    .expect("run");
    assert!(
        report.errors.get("rate_limited").is_some_and(|n| *n > 0),
        "{report:?}"
    );
    assert!(
        report.lost > 0,
        "refused messages are counted as lost: {report:?}"
    );
}
