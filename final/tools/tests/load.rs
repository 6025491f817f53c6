//! The tools against a real server, started in the test process: a small load run and a short
//! soak with restarting clients must lose nothing. Timing is not asserted here; that is what
//! benchmarks are for.
//!
//! Final server — book chapters "Running the server", section "The load tool", and "Security",
//! section "Soak".

mod support;

use std::sync::Arc;
use std::time::Duration;

use chat_server::ServerBuilder;
use chat_tools::stress::{self, LoadConfig};
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
        slow: 0,
        rate: 400.0,
        duration: Duration::from_millis(500),
        message_bytes: 100,
        drain: Duration::from_secs(5),
    };
    let report = bounded(
        "the load run",
        stress::run(&config, Arc::new(Progress::default())),
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
        slow: 0,
        rate: 200.0,
        duration: Duration::from_millis(200),
        message_bytes: 50,
        drain: Duration::from_millis(500),
    };
    let report = bounded(
        "the load run",
        stress::run(&config, Arc::new(Progress::default())),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_with_restarting_clients_loses_and_repeats_nothing() {
    use chat_tools::soak::{self, SoakConfig};
    let server = start(
        ServerBuilder::new()
            .max_connections_per_ip(0)
            .rate_per_sec(1_000.0)
            .rate_burst(1_000),
    )
    .await;
    let config = SoakConfig {
        url: server.url(),
        clients: 20,
        rooms: 2,
        senders: 2,
        rate: 40.0,
        duration: Duration::from_secs(3),
        restart_every: Duration::from_millis(200),
        restart_chance: 0.5,
        sample_every: Duration::from_secs(1),
        pid: Some(std::process::id()),
    };
    let report = tokio::time::timeout(Duration::from_secs(30), soak::run(&config, |_| {}))
        .await
        .expect("in time")
        .expect("run");
    assert!(report.restarts > 20, "clients did restart: {report:?}");
    assert!(report.sent > 50, "{report:?}");
    assert_eq!((report.lost, report.repeated), (0, 0), "{report:?}");
    // Every receiver got every message of its room, across its restarts.
    assert_eq!(report.received, report.sent * 10, "{report:?}");
    assert!(
        report.samples.iter().all(|s| s.rss_kib.is_some()),
        "memory was sampled"
    );
}
