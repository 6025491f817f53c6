//! When a connection flushes what it wrote: at once, or a little later, so that one system call
//! carries several frames (`--coalesce`, the window).
//!
//! Final server — book chapter "Performance", section "Coalescing writes".
//!
//! A flush is held only when another frame is expected before the window ends: the pace keeps
//! a smoothed estimate of the time between two frames to this connection, and holds the first
//! frame after a flush only if the next should come before the window is over. A client that
//! gets about one frame per window, or fewer, has each written at once; one that gets many has
//! them written together, once per window. The answer to the client's own request is never held.
//!
//! Plain arithmetic on instants, no I/O: the connection's task asks, and the tests below can
//! play any traffic in microseconds.

use std::time::Duration;

use tokio::time::Instant;

// ANCHOR: pace
/// One connection's flush pace.
#[derive(Debug)]
pub(super) struct Pace {
    /// `--coalesce`: the least time between two flushes under steady traffic.
    window: Duration,
    /// When the last flush was.
    last_flush: Instant,
    /// When frames were last fed to the socket's buffer.
    last_feed: Instant,
    /// The smoothed time between two frames (an exponential moving average, a quarter of each
    /// new sample): long at first, so that nothing is held before traffic shows its pace.
    gap: Duration,
}

impl Pace {
    /// The pace of a new connection.
    pub(super) fn new(window: Duration, now: Instant) -> Pace {
        Pace {
            window,
            last_flush: now.checked_sub(window).unwrap_or(now),
            last_feed: now,
            gap: window.saturating_mul(2),
        }
    }

    /// `frames` frames were just fed to the socket's buffer: when to flush them. `None`: now
    /// (`answer`: they include the answer to the client's own request); otherwise the time the
    /// window ends, when another frame is expected before it.
    pub(super) fn fed(&mut self, frames: usize, now: Instant, answer: bool) -> Option<Instant> {
        let since = now.saturating_duration_since(self.last_feed);
        self.last_feed = now;
        let sample = since / u32::try_from(frames.max(1)).unwrap_or(u32::MAX);
        self.gap = (self.gap.saturating_mul(3) + sample) / 4;
        let due = self.last_flush + self.window;
        if answer || now >= due || now + self.gap >= due {
            None
        } else {
            Some(due)
        }
    }

    /// The buffer was flushed at `now`.
    pub(super) fn flushed(&mut self, now: Instant) {
        self.last_flush = now;
    }
}
// ANCHOR_END: pace

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_millis(25);

    /// Plays one frame every `every` for `count` frames, flushing as the pace says (a held
    /// flush happens at its due time, with whatever arrived by then): each frame's delay, in
    /// milliseconds, and the number of flushes.
    fn play(every: Duration, count: u32) -> (Vec<u128>, usize) {
        let start = Instant::now();
        let mut pace = Pace::new(WINDOW, start);
        let mut delays = Vec::new();
        let mut flushes = 0;
        let mut held: Option<(Instant, Vec<Instant>)> = None;
        for n in 1..=count {
            let now = start + every * n;
            if let Some((due, frames)) = held.take_if(|(due, _)| *due <= now) {
                // The timer fired before this frame: those frames are flushed at `due`.
                let _ = pace.fed(frames.len(), due, false); // the timer flushes whatever it says
                pace.flushed(due);
                flushes += 1;
                delays.extend(frames.iter().map(|at| (due - *at).as_millis()));
            }
            match &mut held {
                // A flush is pending: the frame waits with the others, unseen.
                Some((_, frames)) => frames.push(now),
                None => match pace.fed(1, now, false) {
                    None => {
                        pace.flushed(now);
                        flushes += 1;
                        delays.push(0);
                    }
                    Some(due) => held = Some((due, vec![now])),
                },
            }
        }
        if let Some((due, frames)) = held {
            flushes += 1;
            delays.extend(frames.iter().map(|at| (due - *at).as_millis()));
        }
        (delays, flushes)
    }

    #[test]
    fn a_frame_after_a_quiet_spell_or_at_about_one_per_window_is_never_held() {
        for every in [100, 40, 20] {
            let (delays, flushes) = play(Duration::from_millis(every), 50);
            assert!(
                delays.iter().all(|d| *d == 0),
                "every {every} ms: {delays:?}"
            );
            assert_eq!(flushes, 50, "every {every} ms: one write each");
        }
    }

    #[test]
    fn steady_traffic_is_written_once_per_window() {
        let (delays, flushes) = play(Duration::from_millis(4), 250);
        assert!(flushes <= 250 / 5, "{flushes} flushes for 250 frames");
        assert!(
            delays.iter().all(|d| *d <= 25),
            "never more than the window: {delays:?}"
        );
    }

    #[test]
    fn the_answer_to_the_clients_own_request_is_never_held() {
        let start = Instant::now();
        let mut pace = Pace::new(WINDOW, start);
        let mut now = start;
        for _ in 0..20 {
            now += Duration::from_millis(2);
            let _ = pace.fed(1, now, false);
        }
        pace.flushed(now);
        now += Duration::from_millis(2);
        assert!(pace.fed(1, now, false).is_some(), "steady traffic is held");
        assert_eq!(pace.fed(1, now, true), None, "an answer is not");
    }
}
