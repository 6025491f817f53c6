// Stage 1 — Foundations, book chapter 1, "Lifetimes: a parser that borrows its input",
// subsection "When elision is not enough". The fixed version of `missing_lifetime.rs`:
// `tests/compile_fail.rs` checks that it compiles.
// ANCHOR: here
/// Returns who a `/msg` line is for, or `fallback` when the line names nobody.
pub fn recipient_or<'a>(line: &'a str, fallback: &'a str) -> &'a str {
    match line.strip_prefix("/msg ") {
        Some(rest) => rest.split(' ').next().unwrap_or(fallback),
        None => fallback,
    }
}
// ANCHOR_END: here
