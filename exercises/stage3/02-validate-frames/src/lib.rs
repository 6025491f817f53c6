//! # Exercise 3.2 — Validate a frame
//!
//! Stage 3 — WebSockets. Book: chapter 3, "Messages as JSON with serde".
//! Check it with `cargo ex check 3.2`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 3.2`.
//!
//! ## Task
//!
//! Deriving `Deserialize` gives you serde's error messages, which are precise but written for
//! programmers (`invalid type: integer `42`, expected a string at line 1 column 15`). A chat
//! client wants to know *which field* is wrong and *why*, so it can show it next to the input.
//! Implement [`check_frame`], which takes the text of a frame and returns the cleaned-up
//! [`Said`], or the first [`Rejection`] in this order:
//!
//! 1. not JSON at all → `NotJson`; JSON that is not an object (`[1,2]`, `"hi"`) → `NotAnObject`;
//! 2. then `username`, then `text`, each: missing → `MissingField`; present but not a string →
//!    `WrongType`; empty after trimming → `Blank`; more than its limit in characters after
//!    trimming ([`MAX_USERNAME`], [`MAX_TEXT`]) → `TooLong`.
//!
//! Other fields are ignored. The values in `Said` are trimmed.
//! `serde_json::Value` (JSON whose shape you inspect at run time) is the tool for this.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

use serde_json::Value;

/// The longest username, in characters.
pub const MAX_USERNAME: usize = 32;
/// The longest text, in characters.
pub const MAX_TEXT: usize = 500;

/// A frame that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// Who, trimmed.
    pub username: String,
    /// What, trimmed.
    pub text: String,
}

/// The first thing wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The frame is not JSON.
    NotJson,
    /// The frame is JSON, but not an object.
    NotAnObject,
    /// A required field is missing.
    MissingField(&'static str),
    /// A field is there but is not a string.
    WrongType(&'static str),
    /// A field is only spaces (or empty).
    Blank(&'static str),
    /// A field is longer than allowed.
    TooLong {
        /// Which field.
        field: &'static str,
        /// The most characters allowed.
        max: usize,
    },
}

/// Checks a frame's text and returns what was said, or the first problem found.
pub fn check_frame(frame: &str) -> Result<Said, Rejection> {
    todo!("parse into a serde_json::Value, then check each field in order")
}

#[cfg(test)]
mod tests;
