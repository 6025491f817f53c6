//! # Exercise 5.1 — Catch the bug
//!
//! Stage 5 — Testing and performance. Book: chapter 5, "Stress testing" and the overview of tests.
//! Check it with `cargo ex check 5.1`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 5.1`.
//!
//! ## Task
//!
//! A test is only worth something if it fails when the code is wrong. Here the code is given —
//! five versions of [`Preview`], a function that shortens a message for a notification — and
//! *you* write the test. Rules for a correct preview of `text` with at most `max_chars`:
//!
//! - if `text` has at most `max_chars` characters, it is returned unchanged;
//! - otherwise it is cut to its first `max_chars` characters (characters, not bytes), followed by
//!   `…` (one character, U+2026);
//! - it never panics.
//!
//! [`correct`] follows the rules; each `bug_*` function breaks one. Implement [`check`]: call the
//! given preview on inputs *you* choose, compare with what the rules say, and return `Ok(())` if
//! every answer is right, or `Err` with a description of the first wrong one. A preview that
//! panics is wrong too: catch the panic with `std::panic::catch_unwind` and report it. Your check
//! must accept [`correct`] and reject every planted bug.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the given previews, the types or the signatures the tests use. The tests are in
//! `src/tests.rs`: read them, but do not edit them.

/// Shortens `text` to at most `max_chars` characters, adding `…` when it cut something.
pub type Preview = fn(&str, usize) -> String;

/// The correct version.
pub fn correct(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Planted bug: counts bytes, not characters (and slices in the middle of a character).
pub fn bug_bytes(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars {
        text.to_owned()
    } else {
        format!("{}…", &text[..max_chars])
    }
}

/// Planted bug: keeps one character too few when it cuts.
pub fn bug_off_by_one(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some(_) => {
            let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
            format!("{kept}…")
        }
        None => text.to_owned(),
    }
}

/// Planted bug: forgets the `…`.
pub fn bug_no_ellipsis(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Planted bug: adds `…` even when nothing was cut, if the text is exactly `max_chars` long.
pub fn bug_edge(text: &str, max_chars: usize) -> String {
    if text.chars().count() >= max_chars {
        let kept: String = text.chars().take(max_chars).collect();
        format!("{kept}…")
    } else {
        text.to_owned()
    }
}

/// Checks `preview` against the rules on inputs of your choice; `Err` describes the first wrong answer.
pub fn check(preview: Preview) -> Result<(), String> {
    todo!("pick inputs that each bug gets wrong; compare with what the rules say")
}

#[cfg(test)]
mod tests;
