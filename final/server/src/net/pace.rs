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
//! `presence` frames (who came or went) get a longer window, [`PRESENCE_WINDOWS`] times the
//! window, by the same rule: during a storm of joins each member gets one every few tens of
//! milliseconds, just over the window, and would otherwise cost one system call each. A message
//! that comes while presence is held keeps its own, shorter window.
//!
//! Plain arithmetic on instants, no I/O: the connection's task asks, and the tests below can
//! play any traffic in microseconds.

use std::time::Duration;

use tokio::time::Instant;

// ANCHOR: pace
/// How many windows a batch of nothing but `presence` frames may be held (half a second with
/// the default window): who came or went may be told a little late, what they said may not.
pub(super) const PRESENCE_WINDOWS: u32 = 20;

/// The most bytes of `presence` held back for the longer window; past it, they are held no
/// longer than messages. A socket's write buffer keeps the size it once reached, so holding
/// more would leave every member of a busy room with a larger buffer after a wave of joins.
pub(super) const PRESENCE_HOLD_BYTES: usize = 1024;

/// What a batch of frames just fed to the socket's buffer holds, the most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Batch {
    /// The answer to the client's own request: flushed at once.
    Answer,
    /// At least one frame from someone else that is not `presence`: held for up to the window.
    Messages,
    /// Only `presence` frames: held for up to [`PRESENCE_WINDOWS`] windows.
    Presence,
}

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
    /// new sample): at first twice the longest window, so that nothing is held before traffic
    /// shows its pace.
    gap: Duration,
}

impl Pace {
    /// The pace of a new connection.
    pub(super) fn new(window: Duration, now: Instant) -> Pace {
        Pace {
            window,
            last_flush: now.checked_sub(window).unwrap_or(now),
            last_feed: now,
            gap: window.saturating_mul(2 * PRESENCE_WINDOWS),
        }
    }

    /// `frames` frames were just fed to the socket's buffer: when to flush them. `None`: now
    /// (always for an [`Batch::Answer`]); otherwise the time the batch's window ends, when
    /// another frame is expected before it.
    pub(super) fn fed(&mut self, frames: usize, now: Instant, batch: Batch) -> Option<Instant> {
        let since = now.saturating_duration_since(self.last_feed);
        self.last_feed = now;
        let sample = since / u32::try_from(frames.max(1)).unwrap_or(u32::MAX);
        self.gap = (self.gap.saturating_mul(3) + sample) / 4;
        let window = match batch {
            Batch::Answer => return None,
            Batch::Messages => self.window,
            Batch::Presence => self.window.saturating_mul(PRESENCE_WINDOWS),
        };
        let due = self.last_flush + window;
        if now >= due || now + self.gap >= due {
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
        play_batches(every, count, Batch::Messages)
    }

    /// [`play`], with every frame of the kind `batch`.
    fn play_batches(every: Duration, count: u32, batch: Batch) -> (Vec<u128>, usize) {
        let start = Instant::now();
        let mut pace = Pace::new(WINDOW, start);
        let mut delays = Vec::new();
        let mut flushes = 0;
        let mut held: Option<(Instant, Vec<Instant>)> = None;
        for n in 1..=count {
            let now = start + every * n;
            if let Some((due, frames)) = held.take_if(|(due, _)| *due <= now) {
                // The timer fired before this frame: those frames are flushed at `due`.
                if batch != Batch::Presence {
                    // Frames held unseen are taken now; held presence was fed as it came.
                    let _ = pace.fed(frames.len(), due, Batch::Answer); // flushed anyway
                }
                pace.flushed(due);
                flushes += 1;
                delays.extend(frames.iter().map(|at| (due - *at).as_millis()));
            }
            match &mut held {
                // Presence is held: the queue is still watched, and a frame may end the wait.
                Some((_, frames)) if batch == Batch::Presence => {
                    frames.push(now);
                    if pace.fed(1, now, batch).is_none() {
                        pace.flushed(now);
                        flushes += 1;
                        delays.extend(frames.iter().map(|at| (now - *at).as_millis()));
                        held = None;
                    }
                }
                // A flush of messages is pending: the frame waits with the others, unseen.
                Some((_, frames)) => frames.push(now),
                None => match pace.fed(1, now, batch) {
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
        // 1,000 frames in 4 s: after the first dozen (the pace is not known yet), about six per
        // write.
        let (delays, flushes) = play(Duration::from_millis(4), 1_000);
        assert!(flushes <= 1_000 / 5, "{flushes} flushes for 1,000 frames");
        assert!(
            delays.iter().all(|d| *d <= 25),
            "never more than the window: {delays:?}"
        );
        let (_, flushes) = play(Duration::from_millis(4), 20);
        assert!(
            flushes >= 10,
            "{flushes} flushes: the first frames of a new connection are not held"
        );
    }

    #[test]
    fn the_answer_to_the_clients_own_request_is_never_held() {
        let start = Instant::now();
        let mut pace = Pace::new(WINDOW, start);
        let mut now = start;
        for _ in 0..20 {
            now += Duration::from_millis(2);
            let _ = pace.fed(1, now, Batch::Messages);
        }
        pace.flushed(now);
        now += Duration::from_millis(2);
        assert!(
            pace.fed(1, now, Batch::Messages).is_some(),
            "steady traffic is held"
        );
        assert_eq!(pace.fed(1, now, Batch::Answer), None, "an answer is not");
    }

    #[test]
    fn presence_a_little_over_one_per_window_shares_writes_and_waits_at_most_its_window() {
        // A storm of joins: each member hears of another every 30 ms.
        let (delays, flushes) = play_batches(Duration::from_millis(30), 100, Batch::Presence);
        assert!(
            flushes <= 100 / 2,
            "{flushes} flushes for 100 presence frames"
        );
        let longest = u128::from(PRESENCE_WINDOWS) * WINDOW.as_millis();
        assert!(
            delays.iter().all(|d| *d <= longest),
            "never more than {longest} ms: {delays:?}"
        );
        // The same pace of messages is written one by one, at once.
        let (delays, flushes) = play(Duration::from_millis(30), 100);
        assert_eq!(flushes, 100);
        assert!(delays.iter().all(|d| *d == 0), "{delays:?}");
    }

    #[test]
    fn lone_presence_is_not_held_and_a_message_keeps_its_own_window() {
        let start = Instant::now();
        let mut pace = Pace::new(WINDOW, start);
        // A new connection, and after a quiet spell: written at once.
        assert_eq!(pace.fed(1, start, Batch::Presence), None);
        let mut now = start + Duration::from_secs(5);
        assert_eq!(pace.fed(1, now, Batch::Presence), None);
        // Presence every 10 ms: held for up to the presence window...
        for _ in 0..20 {
            now += Duration::from_millis(10);
            let _ = pace.fed(1, now, Batch::Presence);
        }
        let flushed = now;
        pace.flushed(flushed);
        now += Duration::from_millis(5);
        let presence_due = pace.fed(1, now, Batch::Presence);
        assert_eq!(presence_due, Some(flushed + WINDOW * PRESENCE_WINDOWS));
        // ...but a message that comes meanwhile is due at the end of the message window.
        now += Duration::from_millis(5);
        let message_due = pace.fed(1, now, Batch::Messages);
        assert_eq!(message_due, Some(flushed + WINDOW));
        // And past its window, at once.
        now += WINDOW;
        assert_eq!(pace.fed(1, now, Batch::Messages), None);
    }
}
