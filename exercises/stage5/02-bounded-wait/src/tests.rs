//! Tests for exercise 5.2. Read them to see what is expected; do not edit them.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A flag that becomes true `after` from now.
fn flag_after(after: Duration) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let setter = Arc::clone(&flag);
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        setter.store(true, Ordering::SeqCst);
    });
    flag
}

#[tokio::test(start_paused = true)]
async fn within_returns_the_output_in_time() {
    let result = within(secs(2.0), async {
        tokio::time::sleep(secs(1.0)).await;
        42
    })
    .await;
    assert_eq!(result, Ok(42));
}

#[tokio::test(start_paused = true)]
async fn within_gives_up_at_the_limit() {
    let start = Instant::now();
    let result = within(secs(2.0), std::future::pending::<()>()).await;
    assert_eq!(result, Err(TimedOut { limit: secs(2.0) }));
    assert_eq!(start.elapsed(), secs(2.0));
}

#[tokio::test(start_paused = true)]
async fn eventually_checks_every_step_until_true() {
    let flag = flag_after(secs(2.5));
    let took = eventually(|| flag.load(Ordering::SeqCst), secs(1.0), secs(10.0)).await;
    assert_eq!(
        took,
        Ok(secs(3.0)),
        "checked at 0, 1, 2 and 3 seconds: true at the 3 s check"
    );
}

#[tokio::test(start_paused = true)]
async fn eventually_returns_at_once_when_already_true() {
    let start = Instant::now();
    assert_eq!(
        eventually(|| true, secs(1.0), secs(10.0)).await,
        Ok(Duration::ZERO)
    );
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "no sleep before the first check"
    );
}

#[tokio::test(start_paused = true)]
async fn eventually_never_waits_past_the_limit() {
    let start = Instant::now();
    let result = eventually(|| false, secs(2.0), secs(5.0)).await;
    assert_eq!(result, Err(TimedOut { limit: secs(5.0) }));
    assert_eq!(
        start.elapsed(),
        secs(5.0),
        "checks at 0, 2, 4 and a last one at 5, not at 6"
    );
}

#[tokio::test(start_paused = true)]
async fn eventually_makes_its_last_check_at_the_limit() {
    // Checks at 0, 2 and 4 s find it false; it turns true at 4.5 s; the last, shortened wait
    // ends at the 5 s limit, and that check still counts.
    let flag = flag_after(secs(4.5));
    let took = eventually(|| flag.load(Ordering::SeqCst), secs(2.0), secs(5.0)).await;
    assert_eq!(
        took,
        Ok(secs(5.0)),
        "the check at the limit itself still counts"
    );
}
