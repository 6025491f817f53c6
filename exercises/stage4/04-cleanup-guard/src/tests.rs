//! Tests for exercise 4.4. Read them to see what is expected; do not edit them.

use super::*;
use std::time::Duration;

/// A connection that takes a seat and then ends in one of several ways.
fn connection(seats: &Seats, fail: bool) -> Result<&'static str, NoSeat> {
    let _seat = seats.take()?;
    if fail {
        return Err(NoSeat); // an early return: the seat must still come back
    }
    Ok("served")
}

#[test]
fn seats_are_counted_and_limited() {
    let seats = Seats::new(2);
    let a = seats.take().expect("first seat");
    let _b = seats.take().expect("second seat");
    assert_eq!(seats.taken(), 2);
    assert_eq!(seats.take().unwrap_err(), NoSeat, "no third seat");
    drop(a);
    assert_eq!(seats.taken(), 1, "dropping a seat gives it back");
    assert!(seats.take().is_ok(), "and it can be taken again");
}

#[test]
fn a_normal_return_and_an_early_error_both_give_the_seat_back() {
    let seats = Seats::new(1);
    assert_eq!(connection(&seats, false), Ok("served"));
    assert_eq!(seats.taken(), 0);
    assert_eq!(connection(&seats, true), Err(NoSeat));
    assert_eq!(seats.taken(), 0, "the early return gave the seat back too");
}

#[test]
fn a_panic_gives_the_seat_back() {
    let seats = Seats::new(1);
    let inner = seats.clone();
    let result = std::panic::catch_unwind(move || {
        let _seat = inner.take().unwrap();
        panic!("the connection crashed");
    });
    assert!(result.is_err());
    assert_eq!(seats.taken(), 0, "unwinding drops the seat");
}

#[tokio::test(start_paused = true)]
async fn an_aborted_task_gives_the_seat_back() {
    let seats = Seats::new(1);
    let inner = seats.clone();
    let task = tokio::spawn(async move {
        let _seat = inner.take().unwrap();
        tokio::time::sleep(Duration::from_secs(3600)).await; // a connection that never ends
    });
    tokio::task::yield_now().await; // let it take its seat
    assert_eq!(seats.taken(), 1);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(
        seats.taken(),
        0,
        "aborting drops the task's future, and the seat with it"
    );
}

#[test]
fn many_threads_never_take_more_than_there_are() {
    let seats = Seats::new(3);
    let most = std::sync::Mutex::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..2_000 {
                    if let Ok(seat) = seats.take() {
                        let now = seats.taken();
                        let mut most = most.lock().unwrap();
                        *most = (*most).max(now);
                        drop(most);
                        drop(seat);
                    }
                }
            });
        }
    });
    assert!(
        *most.lock().unwrap() <= 3,
        "more seats were taken than exist"
    );
    assert_eq!(seats.taken(), 0);
}
