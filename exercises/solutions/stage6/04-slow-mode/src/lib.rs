//! # Exercise 6.4 — Slow mode
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Hooks".
//! Check it with `cargo ex check 6.4`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.4`.
//!
//! ## Task
//!
//! A busy room can ask everyone to slow down. With [`SlowMode`], each user may send one message
//! per room per `interval`:
//!
//! - A `send` passes when the same user's last message to the same room that this hook let
//!   through is at least `interval` old (or there is none); the user's name counts without
//!   regard to case. (A message the hook lets through may still be refused later, by the hub
//!   say, for a room the user is not in; the wait starts all the same: a hook cannot know, and
//!   erring that way only makes the user wait.)
//! - Otherwise it is refused with the reason `slow mode: wait Ns`, N being the whole seconds left,
//!   rounded up (1.2 s left: `wait 2s`).
//! - A refused attempt does not restart the wait. Rooms are independent, and so are users.
//!   (The map grows with every user and room; a real server would also forget the entries older
//!   than `interval`, now and then. Not needed here.)
//! - `direct` and `join` always pass.
//!
//! A hook is shared by every connection (`&self`, from many tasks at once), so its state lives
//! behind a lock: a `std::sync::Mutex` is right here, because the hook holds it for a few
//! instructions and never across an `.await` (see the book's chapter on stage 2). The time comes
//! from a [`Clock`], so that the tests can move it instead of sleeping.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chat_server::hook::{Action, Decision, Hook, Request};

/// Where the time comes from.
pub trait Clock: Send + Sync + Debug {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real time.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// One message per user per room per `interval`.
#[derive(Debug)]
pub struct SlowMode<C: Clock> {
    interval: Duration,
    clock: C,
    /// (lowercase user, room) → when their last accepted message was.
    last: Mutex<HashMap<(String, String), Instant>>,
}

impl<C: Clock> SlowMode<C> {
    /// At most one message per user per room every `interval`, by `clock`.
    pub fn new(interval: Duration, clock: C) -> SlowMode<C> {
        SlowMode {
            interval,
            clock,
            last: Mutex::new(HashMap::new()),
        }
    }
}

impl<C: Clock> Hook for SlowMode<C> {
    fn check(&self, request: &Request<'_>) -> Decision {
        let Action::Send { room, .. } = request.action else {
            return Decision::Pass;
        };
        let now = self.clock.now();
        let key = (request.user.to_lowercase(), room.to_owned());
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(then) = last.get(&key) {
            let elapsed = now.duration_since(*then);
            if elapsed < self.interval {
                let left = self.interval - elapsed;
                let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                return Decision::Refuse(format!("slow mode: wait {seconds}s"));
            }
        }
        last.insert(key, now);
        Decision::Pass
    }
}

#[cfg(test)]
#[path = "../../../../stage6/04-slow-mode/src/tests.rs"]
mod tests;
