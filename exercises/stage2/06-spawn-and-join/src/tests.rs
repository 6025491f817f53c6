//! Tests for exercise 2.6. Read them to see what is expected; do not edit them.

use super::*;
use tokio::runtime::Handle;
use tokio::time::Instant;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

#[tokio::test(start_paused = true)]
async fn greetings_run_concurrently_and_keep_their_order() {
    let start = Instant::now();
    let outcomes = greet_all(names(&["alice", "bo", "cy"]), Duration::from_secs(60)).await;
    assert_eq!(
        outcomes,
        [
            Outcome::Greeted("hello, alice".into()),
            Outcome::Greeted("hello, bo".into()),
            Outcome::Greeted("hello, cy".into()),
        ],
        "outcomes come in the order of the names, not the order they finished"
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(5),
        "concurrently: as long as the slowest (alice, 5 s), not 5 + 2 + 2"
    );
}

#[tokio::test(start_paused = true)]
async fn slow_greetings_time_out_without_holding_up_the_rest() {
    let start = Instant::now();
    let outcomes = greet_all(names(&["bo", "alexandra", "cy"]), Duration::from_secs(4)).await;
    assert_eq!(
        outcomes,
        [
            Outcome::Greeted("hello, bo".into()),
            Outcome::TimedOut("alexandra".into()),
            Outcome::Greeted("hello, cy".into()),
        ]
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(4),
        "the slow one is stopped at the limit"
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_task_is_reported_and_the_others_carry_on() {
    let outcomes = greet_all(names(&["crash", "bo"]), Duration::from_secs(60)).await;
    assert_eq!(
        outcomes,
        [
            Outcome::Panicked("crash".into()),
            Outcome::Greeted("hello, bo".into())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn no_task_is_left_running() {
    let outcomes = greet_all(
        names(&["zed", "alexandra", "crash"]),
        Duration::from_secs(4),
    )
    .await;
    assert_eq!(outcomes.len(), 3);
    assert_eq!(
        Handle::current().metrics().num_alive_tasks(),
        0,
        "every spawned task has finished"
    );
}

#[tokio::test(start_paused = true)]
async fn nobody_to_greet() {
    assert_eq!(
        greet_all(Vec::new(), Duration::from_secs(1)).await,
        Vec::<Outcome>::new()
    );
}
