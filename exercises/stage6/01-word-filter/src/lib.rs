//! # Exercise 6.1 — A word filter
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Hooks".
//! Check it with `cargo ex check 6.1`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.1`.
//!
//! ## Task
//!
//! A moderation hook: [`WordFilter`] refuses any `send` or `direct` whose text contains one of
//! its banned words, so that the message never reaches anyone, and the sender is told why.
//!
//! - Words are compared without regard to case: with `heck` banned, `HECK` and `Heck` are refused.
//! - Only whole words count: a word is a run of letters and digits (`char::is_alphanumeric`), so
//!   with `ass` banned, `classic` and `passage` pass, but `ass!` and `(ass)` do not.
//! - The refusal's reason names the banned word, in lowercase: `the word "heck" is not allowed
//!   here`. When the text has several, the first in the text is named.
//! - A `join` always passes.
//!
//! The server calls [`Hook::check`] in the sender's connection task for every message: keep it
//! quick (prepare what you can in [`WordFilter::new`]).
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use chat_server::hook::{Action, Decision, Hook, Request};

/// Refuses messages that contain a banned word.
#[derive(Debug)]
pub struct WordFilter {
    // Your fields here.
}

impl WordFilter {
    /// A filter for these words (in any case).
    pub fn new(banned: &[&str]) -> WordFilter {
        todo!()
    }
}

impl Hook for WordFilter {
    fn check(&self, request: &Request<'_>) -> Decision {
        todo!()
    }
}

#[cfg(test)]
mod tests;
