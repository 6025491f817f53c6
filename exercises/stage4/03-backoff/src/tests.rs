//! Tests for exercise 4.3. Read them to see what is expected; do not edit them.

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn ceilings_double_up_to_the_cap() {
    let mut retry = Retry::new(ms(100), ms(1_000), 10);
    let mut ceilings = Vec::new();
    for _ in 0..6 {
        ceilings.push(retry.ceiling());
        retry.next_delay(0);
    }
    assert_eq!(
        ceilings,
        [ms(100), ms(200), ms(400), ms(800), ms(1_000), ms(1_000)]
    );
}

#[test]
fn waits_are_at_least_half_the_ceiling() {
    let mut retry = Retry::new(ms(100), ms(1_000), 10);
    assert_eq!(
        retry.next_delay(0),
        Some(ms(50)),
        "ceiling 100: half is 50, random part 0"
    );
    assert_eq!(
        retry.next_delay(100),
        Some(ms(200)),
        "ceiling 200: 100 + 100 % 101"
    );
    assert_eq!(
        retry.next_delay(201),
        Some(ms(200)),
        "ceiling 400: 200 + 201 % 201 = 200"
    );
    assert_eq!(retry.next_delay(u64::MAX), Some(ms(400 + u64::MAX % 401)));
}

#[test]
fn it_gives_up_after_max_attempts() {
    let mut retry = Retry::new(ms(10), ms(100), 3);
    assert!(retry.next_delay(0).is_some());
    assert!(retry.next_delay(0).is_some());
    assert!(retry.next_delay(0).is_some());
    assert_eq!(retry.next_delay(0), None, "three waits handed out: give up");
    assert_eq!(retry.next_delay(0), None, "and stay given up");
}

#[test]
fn reset_starts_again() {
    let mut retry = Retry::new(ms(10), ms(100), 2);
    retry.next_delay(0);
    retry.next_delay(0);
    assert_eq!(retry.next_delay(0), None);
    retry.reset();
    assert_eq!(retry.ceiling(), ms(10));
    assert_eq!(retry.next_delay(0), Some(ms(5)));
}

#[test]
fn no_overflow_however_many_attempts() {
    let mut retry = Retry::new(ms(250), Duration::from_secs(60), u32::MAX);
    for _ in 0..10_000 {
        let delay = retry
            .next_delay(u64::MAX)
            .expect("u32::MAX attempts are allowed");
        assert!(delay <= Duration::from_secs(60));
    }
    assert_eq!(retry.ceiling(), Duration::from_secs(60));
}
