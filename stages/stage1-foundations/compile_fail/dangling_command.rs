// Stage 1 — Foundations, book chapter 1, "Lifetimes: a parser that borrows its input",
// subsection "A command cannot outlive its line". This file does NOT compile, on purpose:
// `tests/compile_fail.rs` checks that rustc refuses it with E0597, and the book shows the error.

/// A `/join` command that borrows the room name from the line it was parsed from.
#[derive(Debug)]
pub struct Join<'a> {
    /// The room, a slice of the input line.
    pub room: &'a str,
}

/// Parses `/join <room>`.
pub fn parse_join(line: &str) -> Option<Join<'_>> {
    line.strip_prefix("/join ").map(|room| Join { room })
}

// ANCHOR: here
pub fn read_one_command() {
    let command;
    {
        let line = String::from("/join rust"); // imagine: read from a socket
        command = parse_join(&line);
    } // `line` is freed here...
    println!("{command:?}"); // ...but `command` still points into it
}
// ANCHOR_END: here
