//! Tests for exercise 4.5. Read them to see what is expected; do not edit them.

use super::*;
use tokio::time::{Instant, sleep};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[tokio::test(start_paused = true)]
async fn workers_tick_until_shutdown_then_clean_up_in_time() {
    let start = Instant::now();
    let report = run_workers(3, secs(1.0), secs(2.0), secs(5.0), sleep(secs(10.5))).await;
    assert_eq!(
        report,
        Report {
            ticks: 30,
            finished_in_time: true
        },
        "3 workers x 10 whole ticks before t=10.5"
    );
    assert_eq!(
        start.elapsed(),
        secs(12.5),
        "shutdown at 10.5, then 2 s of cleanup"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_cleanup_is_cut_off_at_the_grace_period() {
    let start = Instant::now();
    let report = run_workers(2, secs(1.0), secs(60.0), secs(5.0), sleep(secs(3.5))).await;
    assert_eq!(
        report,
        Report {
            ticks: 6,
            finished_in_time: false
        }
    );
    assert_eq!(
        start.elapsed(),
        secs(8.5),
        "do not wait longer than the grace period"
    );
}

#[tokio::test(start_paused = true)]
async fn an_immediate_shutdown_counts_nothing() {
    let report = run_workers(4, secs(1.0), secs(0.1), secs(1.0), async {}).await;
    assert_eq!(
        report,
        Report {
            ticks: 0,
            finished_in_time: true
        }
    );
}

#[tokio::test(start_paused = true)]
async fn no_workers_is_fine() {
    let report = run_workers(0, secs(1.0), secs(1.0), secs(1.0), sleep(secs(2.0))).await;
    assert_eq!(
        report,
        Report {
            ticks: 0,
            finished_in_time: true
        }
    );
}
