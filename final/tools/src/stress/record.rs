//! One latency histogram for the whole run, which every reader records into a batch at a time.
//!
//! Final server — Performance chapter, section "Round 2" (the small-rooms p99 that was the load
//! tool's own).
//!
//! Stage 5's tool gives each reader its own histogram and adds them up at the end, so that the
//! readers share nothing while they run. That costs one histogram per reader: about 140 KB for
//! 1 µs to 60 s at three significant digits, all of it zeroed when the histogram is made. With
//! 1,000 readers that is 140 MB, made in the quarter of a second before the schedule starts;
//! with 10,000 it was 1.4 GB, and zeroing it kept the load tool's core busy for the first five
//! seconds of sending, which showed up as a p99 of seconds that the server had nothing to do
//! with. Here each reader keeps a small batch of latencies and adds it to one shared histogram
//! when the batch is full (and when the reader is done), so the memory is one histogram plus a
//! few hundred bytes per reader, and the lock is taken once per batch rather than per value.

use std::sync::{Arc, Mutex, PoisonError};

use hdrhistogram::Histogram;

use super::config::LoadError;

/// How many latencies a reader keeps before it adds them to the shared histogram.
const BATCH: usize = 64;

/// The run's histogram, shared by every reader.
pub(super) type Shared = Arc<Mutex<Histogram<u64>>>;

/// A new shared histogram, 1 µs to 60 s, three significant digits.
pub(super) fn shared() -> Result<Shared, LoadError> {
    let histogram =
        Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|_| LoadError::Config("histogram"))?;
    Ok(Arc::new(Mutex::new(histogram)))
}

/// One reader's batch of latencies, in microseconds, on their way to the shared histogram.
pub(super) struct Recorder {
    batch: Vec<u64>,
    shared: Shared,
}

impl Recorder {
    /// A recorder that adds to `shared`.
    pub(super) fn new(shared: &Shared) -> Recorder {
        Recorder {
            batch: Vec::with_capacity(BATCH),
            shared: Arc::clone(shared),
        }
    }

    /// Records one latency; every `BATCH` of them go to the shared histogram together.
    pub(super) fn record(&mut self, micros: u64) {
        self.batch.push(micros);
        if self.batch.len() == BATCH {
            self.flush();
        }
    }

    /// Adds what the batch holds to the shared histogram.
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        // A reader that panicked while holding the lock left the counts as they were; they are
        // still worth reporting.
        let mut histogram = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        for &micros in &self.batch {
            histogram.saturating_record(micros);
        }
        self.batch.clear();
    }
}

impl Drop for Recorder {
    /// Whatever way a reader ends, its last latencies count.
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_latency_reaches_the_shared_histogram_full_batches_and_the_rest() {
        let shared = shared().expect("valid bounds");
        let mut first = Recorder::new(&shared);
        let mut second = Recorder::new(&shared);
        for micros in 1..=(BATCH as u64 * 2 + 5) {
            first.record(micros);
        }
        second.record(1_000_000);
        // Two full batches are in already; the rest arrives when the readers are done.
        assert_eq!(shared.lock().unwrap().len(), BATCH as u64 * 2);
        drop(first);
        drop(second);
        let histogram = shared.lock().unwrap();
        assert_eq!(histogram.len(), BATCH as u64 * 2 + 6);
        assert_eq!(histogram.min(), 1);
        assert_eq!(
            histogram.value_at_quantile(1.0),
            histogram.highest_equivalent(1_000_000)
        );
    }
}
