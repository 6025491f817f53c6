//! # Exercise 1.2 — Previews and mentions
//!
//! Stage 1 — Foundations. Book: chapter 1, "Ownership and borrowing" and
//! "Lifetimes: a parser that borrows its input".
//! Check it with `cargo ex check 1.2`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.2`.
//!
//! ## Task
//!
//! A chat client shows a short preview of each message in its notification, and highlights the
//! people a message mentions (`@bob`). Both are *views* of the message text, so they borrow
//! from it instead of copying: they return `&str` slices that point into `text`. Implement:
//!
//! - [`preview`]: at most `max_chars` characters from the start of `text`. Characters, not
//!   bytes: slicing a `&str` in the middle of a multi-byte character such as `é` panics, and
//!   a server must never panic because of what a user typed.
//! - [`mentions`]: every `@name` in `text`, without the `@`, in order of first appearance, each
//!   name once. A name is one or more characters that are alphanumeric, `_` or `-`. The `@` must
//!   start a word (be at the start of the text or follow whitespace), so `bob@example.com` is
//!   not a mention. A lone `@` is not a mention either.
//! - [`longer`]: the text with more characters; on a tie, the first. Notice its signature: it
//!   needs the named lifetime `'a`, because the result may borrow from either input.
//!
//! None of them may allocate a new `String` (the tests check the results point into `text`).
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

/// The first `max_chars` characters of `text` (all of it if it is shorter), borrowed from `text`.
pub fn preview(text: &str, max_chars: usize) -> &str {
    todo!("find the byte index where character number `max_chars` starts, and slice there")
}

/// The names mentioned with `@name` in `text`, each once, in order, borrowed from `text`.
pub fn mentions(text: &str) -> Vec<&str> {
    todo!("look at each word that starts with '@' and take the name characters after it")
}

/// The longer of two texts, counted in characters; `a` on a tie.
pub fn longer<'a>(a: &'a str, b: &'a str) -> &'a str {
    todo!("compare the character counts")
}

#[cfg(test)]
mod tests;
