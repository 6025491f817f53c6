//! # Exercise 6.3 — A limit on links
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Hooks".
//! Check it with `cargo ex check 6.3`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.3`.
//!
//! ## Task
//!
//! Spam is mostly links, and most spam comes from people nobody knows. [`LinkLimit`] lets
//! signed-in users post a few links per message and guests none:
//!
//! - [`count_links`] counts the words of a text (separated by whitespace) that start with
//!   `http://` or `https://`, in any case (`HTTPS://` counts).
//! - A guest's `send` or `direct` (`request.verified` is false) with any link is refused with the
//!   reason `sign in to post links`.
//! - A signed-in user's with more than `max_links` links is refused with the reason
//!   `at most N links per message` (N being `max_links`).
//! - Anything else passes, and so does every `join`.
//!
//! Why `verified` and not the name: a guest may call themselves anything that is not an
//! account's name, so only a token says who someone is.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use chat_server::hook::{Action, Decision, Hook, Request};

/// How many words of `text` are links.
pub fn count_links(text: &str) -> usize {
    text.split_whitespace()
        .map(str::to_ascii_lowercase)
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .count()
}

/// No links for guests, at most `max_links` per message for signed-in users.
#[derive(Debug)]
pub struct LinkLimit {
    max_links: usize,
}

impl LinkLimit {
    /// At most `max_links` links per message from a signed-in user.
    pub fn new(max_links: usize) -> LinkLimit {
        LinkLimit { max_links }
    }
}

impl Hook for LinkLimit {
    fn check(&self, request: &Request<'_>) -> Decision {
        let (Action::Send { text, .. } | Action::Direct { text, .. }) = request.action else {
            return Decision::Pass;
        };
        let links = count_links(text);
        if links > 0 && !request.verified {
            Decision::Refuse("sign in to post links".into())
        } else if links > self.max_links {
            Decision::Refuse(format!("at most {} links per message", self.max_links))
        } else {
            Decision::Pass
        }
    }
}

#[cfg(test)]
#[path = "../../../../stage6/03-link-limit/src/tests.rs"]
mod tests;
