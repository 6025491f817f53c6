//! A connection's queue of encoded frames: bounded, never waits to take a frame, and holds no
//! memory while it is empty.
//!
//! Final server — book chapter "Performance", section "Smaller connections".
//!
//! Stage 2 gave every client a tokio `mpsc` channel, and so did the final server until round 2
//! of its performance work. A channel is the right tool for a learner, but it allocates its
//! first block of 32 slots (about 1.1 KiB here) when it is made, and an idle connection needs
//! none of it. This queue is a `VecDeque` behind a mutex: it allocates on its first frame, and
//! gives a large buffer back once drained, so that a burst does not leave every member of a
//! room holding its peak for good. The one consumer parks its waker in the same mutex, and a
//! producer wakes it only if it is parked: a burst of frames costs one wake-up (as with the
//! channel), and a push is one short lock, with no semaphore for the bound.
//!
//! The mutex is held for a push or a pop, a few dozen nanoseconds, never across an `await`.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio_tungstenite::tungstenite::Utf8Bytes;

/// A drained queue whose buffer holds more frames than this gives it back.
const KEEP_WHEN_EMPTY: usize = 64;

/// The queue, shared by the producers (the hub, through [`super::Peer`]) and its one consumer.
#[derive(Debug)]
pub(super) struct Queue {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    frames: VecDeque<Utf8Bytes>,
    /// The consumer's waker, while it waits for a frame.
    parked: Option<Waker>,
    /// The consumer is gone: frames are refused.
    closed: bool,
}

impl State {
    /// The frame at the front; a large buffer is given back when that empties it.
    fn pop(&mut self) -> Option<Utf8Bytes> {
        let frame = self.frames.pop_front();
        if self.frames.is_empty() && self.frames.capacity() > KEEP_WHEN_EMPTY {
            self.frames = VecDeque::new();
        }
        frame
    }
}

/// What became of a frame given to [`Queue::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Push {
    /// Queued; `half_full`: the queue now holds more than half its capacity.
    Queued {
        /// More than half the capacity is used.
        half_full: bool,
    },
    /// Refused: the queue holds its capacity already.
    Full,
    /// Refused: the consumer is gone.
    Closed,
}

impl Queue {
    /// An empty queue of at most `capacity` frames (at least one).
    pub(super) fn new(capacity: usize) -> Queue {
        Queue {
            state: Mutex::default(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock is held cannot leave the queue half-changed: every change is
        // one `VecDeque` call. So a poisoned lock is taken as it is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a frame at the back, without waiting; wakes the consumer if it waits.
    pub(super) fn push(&self, frame: Utf8Bytes) -> Push {
        let mut state = self.lock();
        if state.closed {
            return Push::Closed;
        }
        if state.frames.len() >= self.capacity {
            return Push::Full;
        }
        state.frames.push_back(frame);
        let half_full = state.frames.len() * 2 > self.capacity;
        let parked = state.parked.take();
        drop(state);
        if let Some(waker) = parked {
            waker.wake();
        }
        Push::Queued { half_full }
    }

    /// Takes the frame at the front, if there is one.
    pub(super) fn pop(&self) -> Option<Utf8Bytes> {
        self.lock().pop()
    }

    /// Takes the frame at the front, or parks `cx`'s waker until one comes.
    pub(super) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Utf8Bytes> {
        let mut state = self.lock();
        match state.pop() {
            Some(frame) => Poll::Ready(frame),
            None => {
                match &mut state.parked {
                    Some(parked) if parked.will_wake(cx.waker()) => {}
                    parked => *parked = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }

    /// How many frames wait.
    pub(super) fn len(&self) -> usize {
        self.lock().frames.len()
    }

    /// The consumer is gone: frees what is queued and refuses what comes.
    pub(super) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.frames = VecDeque::new();
        state.parked = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    fn frame(n: usize) -> Utf8Bytes {
        Utf8Bytes::from(n.to_string())
    }

    /// A waker that counts its wake-ups.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn frames_come_out_in_order_and_a_full_queue_refuses() {
        let queue = Queue::new(4);
        for n in 0..4 {
            let half_full = n >= 2;
            assert_eq!(
                queue.push(frame(n)),
                Push::Queued { half_full },
                "frame {n}"
            );
        }
        assert_eq!(queue.push(frame(4)), Push::Full);
        assert_eq!(queue.len(), 4);
        let out: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(out, (0..4).map(frame).collect::<Vec<_>>());
        assert_eq!(queue.push(frame(5)), Push::Queued { half_full: false });
    }

    #[test]
    fn an_empty_queue_holds_no_buffer_and_a_drained_burst_gives_its_buffer_back() {
        let queue = Queue::new(1_024);
        assert_eq!(queue.lock().frames.capacity(), 0);
        for n in 0..500 {
            let _ = queue.push(frame(n));
        }
        assert!(queue.lock().frames.capacity() >= 500);
        while queue.pop().is_some() {}
        assert_eq!(queue.lock().frames.capacity(), 0);
        // A small batch keeps its buffer: steady traffic does not allocate for every batch.
        for n in 0..3 {
            let _ = queue.push(frame(n));
        }
        while queue.pop().is_some() {}
        assert!(queue.lock().frames.capacity() > 0);
    }

    #[test]
    fn a_waiting_consumer_is_woken_once_for_a_burst() {
        let queue = Queue::new(16);
        let counter = Arc::new(Counter::default());
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        assert_eq!(queue.poll_pop(&mut cx), Poll::Pending);
        for n in 0..5 {
            let _ = queue.push(frame(n));
        }
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "one wake-up for five frames"
        );
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(frame(0)));
    }

    #[test]
    fn a_closed_queue_refuses_and_frees() {
        let queue = Queue::new(8);
        let _ = queue.push(frame(1));
        queue.close();
        assert_eq!(queue.len(), 0);
        assert_eq!(queue.push(frame(2)), Push::Closed);
        assert_eq!(queue.pop(), None);
    }
}
