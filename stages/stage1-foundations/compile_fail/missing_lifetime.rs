// Stage 1 — Foundations, book chapter 1, "Lifetimes: a parser that borrows its input",
// subsection "When elision is not enough". This file does NOT compile, on purpose:
// `tests/compile_fail.rs` checks that rustc refuses it with E0106, and the book shows the error.
// ANCHOR: here
/// Returns who a `/msg` line is for, or `fallback` when the line names nobody.
pub fn recipient_or(line: &str, fallback: &str) -> &str {
    match line.strip_prefix("/msg ") {
        Some(rest) => rest.split(' ').next().unwrap_or(fallback),
        None => fallback,
    }
}
// ANCHOR_END: here
