//! Tests for exercise 5.3. Read them to see what is expected; do not edit them.

use super::*;

fn ms(values: &[u64]) -> Vec<Duration> {
    values.iter().map(|&v| Duration::from_millis(v)).collect()
}

#[test]
fn one_sender_sends_evenly() {
    assert_eq!(
        schedule(4.0, 1, 0, Duration::from_secs(1)),
        ms(&[0, 250, 500, 750])
    );
}

#[test]
fn senders_take_turns() {
    // 10 msg/s from 2 senders: each sends every 200 ms, the second 100 ms after the first.
    assert_eq!(
        schedule(10.0, 2, 0, Duration::from_secs(1)),
        ms(&[0, 200, 400, 600, 800])
    );
    assert_eq!(
        schedule(10.0, 2, 1, Duration::from_secs(1)),
        ms(&[100, 300, 500, 700, 900])
    );
}

#[test]
fn all_senders_together_keep_the_rate() {
    let total: usize = (0..7)
        .map(|i| schedule(70.0, 7, i, Duration::from_secs(3)).len())
        .sum();
    assert_eq!(total, 210, "70 msg/s for 3 s");
}

#[test]
fn percentiles_by_nearest_rank() {
    let samples: Vec<u64> = (1..=100).rev().collect(); // not sorted
    assert_eq!(percentile(&samples, 0.5), Some(50));
    assert_eq!(percentile(&samples, 0.99), Some(99));
    assert_eq!(percentile(&samples, 1.0), Some(100), "q = 1 is the maximum");
    assert_eq!(percentile(&samples, 0.001), Some(1));
}

#[test]
fn percentiles_of_few_samples() {
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[7], 0.99), Some(7));
    assert_eq!(
        percentile(&[3, 1, 2], 0.5),
        Some(2),
        "at least half of the samples are <= 2"
    );
    assert_eq!(
        percentile(&[10, 20], 0.5),
        Some(10),
        "one of two samples is half of them"
    );
}
