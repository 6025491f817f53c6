//! Stage 5: the stress tool against the stage 3 and stage 4 servers, started in this process on
//! 127.0.0.1 port 0. Small numbers: this checks that the tool counts correctly and that nothing
//! is lost at a light load, not how fast anything is (that is what `--release` runs are for).

use std::sync::Arc;
use std::time::Duration;

use stage5_testing::stress::{self, Progress, StressConfig};

fn config(url: String) -> StressConfig {
    StressConfig {
        url,
        clients: 20,
        senders: 4,
        rate: 200.0,
        duration: Duration::from_millis(500),
        message_bytes: 100,
        drain: Duration::from_secs(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_every_delivery_against_the_stage3_server() {
    let server = stage3_websockets::Server::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}", server.local_addr().expect("address"));
    tokio::spawn(server.run());
    let progress = Arc::new(Progress::default());
    let report = stress::run(&config(url), Arc::clone(&progress))
        .await
        .expect("the run works");
    assert_eq!(report.sent, 100, "200 msg/s for 0.5 s");
    assert_eq!(
        report.expected,
        100 * 20,
        "every client receives every message"
    );
    assert_eq!((report.delivered, report.lost), (2_000, 0), "{report:?}");
    assert!(report.latency.p50_us > 0 && report.latency.p50_us <= report.latency.max_us);
    assert_eq!(
        progress
            .delivered
            .load(std::sync::atomic::Ordering::Relaxed),
        2_000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_every_delivery_against_the_stage4_server() {
    let config4 = stage4_architecture::ServerBuilder::new()
        .addr("127.0.0.1:0")
        .build()
        .expect("config");
    let server = stage4_architecture::Server::bind(config4, stage4_architecture::Observers::new())
        .await
        .expect("bind");
    let url = format!("ws://{}", server.local_addr().expect("address"));
    tokio::spawn(server.run(std::future::pending::<()>()));
    let report = stress::run(&config(url), Arc::new(Progress::default()))
        .await
        .expect("the run works");
    assert_eq!(
        (
            report.sent,
            report.delivered,
            report.lost,
            report.disconnected
        ),
        (100, 2_000, 0, 0),
        "{report:?}"
    );
}

#[tokio::test]
async fn bad_settings_and_unreachable_servers_are_errors() {
    let mut bad = config("ws://127.0.0.1:9".to_owned());
    bad.senders = 50;
    assert!(
        stress::run(&bad, Arc::new(Progress::default()))
            .await
            .is_err(),
        "more senders than clients"
    );
    let nobody = config("ws://127.0.0.1:9".to_owned()); // port 9 (discard): nothing listens there
    let err = stress::run(&nobody, Arc::new(Progress::default()))
        .await
        .expect_err("nothing listens");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_every_delivery_against_the_optimized_server() {
    let server = stage5_testing::optimized::OptimizedServer::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}", server.local_addr().expect("address"));
    tokio::spawn(server.run());
    let report = stress::run(&config(url), Arc::new(Progress::default()))
        .await
        .expect("the run works");
    assert_eq!(
        (
            report.sent,
            report.delivered,
            report.lost,
            report.disconnected
        ),
        (100, 2_000, 0, 0),
        "{report:?}"
    );
}
