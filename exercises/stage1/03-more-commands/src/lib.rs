//! # Exercise 1.3 — More commands
//!
//! Stage 1 — Foundations. Book: chapter 1, "Lifetimes: a parser that borrows its input".
//! Check it with `cargo ex check 1.3`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 1.3`.
//!
//! ## Task
//!
//! Stage 1's `command::parse` knows `/join`, `/leave`, `/msg` and `/quit`. Write a parser for four
//! more commands. Like the one in the chapter, it returns a [`Command`] whose fields are slices of
//! the input line (no `String`s), so it needs the lifetime `'a`. Implement [`parse`]:
//!
//! | input (after trimming spaces)  | result                                                        |
//! |--------------------------------|---------------------------------------------------------------|
//! | empty                          | `Err(ParseError::Empty)`                                       |
//! | not starting with `/`          | `Ok(Command::Say(line))`                                       |
//! | `/nick <name>`                 | `Ok(Command::Nick(name))`; no name → `MissingArgument`; only the first word counts |
//! | `/me <action text>`            | `Ok(Command::Me(text))`; no text → `MissingArgument`         |
//! | `/topic` or `/topic <text>`    | `Ok(Command::Topic(None))` or `Ok(Command::Topic(Some(text)))` |
//! | `/kick <user>` or `/kick <user> <reason>` | `Ok(Command::Kick { user, reason })`, `reason` an `Option`; no user → `MissingArgument` |
//! | any other `/word`              | `Err(ParseError::UnknownCommand("/word".to_string()))`          |
//!
//! Command names ignore ASCII case (`/NICK` is `/nick`). Texts are trimmed (`/me   waves  ` is
//! `Me("waves")`). For `MissingArgument`, `command` is the lowercase command with its slash
//! (`"/nick"`) and `argument` is `"name"`, `"text"` or `"user"`.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

/// One line of user input. Every `&'a str` points into that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    /// Plain text for the room.
    Say(&'a str),
    /// `/nick <name>`: change name.
    Nick(&'a str),
    /// `/me <text>`: an action, shown as "* alice waves".
    Me(&'a str),
    /// `/topic`: show the topic; `/topic <text>`: set it.
    Topic(Option<&'a str>),
    /// `/kick <user> [reason]`
    Kick {
        /// Who to kick.
        user: &'a str,
        /// Why, if a reason was given.
        reason: Option<&'a str>,
    },
}

/// Why a line could not be parsed. It owns its data, so it can outlive the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The line was empty or only spaces.
    Empty,
    /// A `/word` that is not a command.
    UnknownCommand(String),
    /// A command without a required argument.
    MissingArgument {
        /// The command, lowercase, with its slash.
        command: &'static str,
        /// What was missing: "name", "text" or "user".
        argument: &'static str,
    },
}

/// Parses one line into a [`Command`] that borrows from it.
pub fn parse<'a>(line: &'a str) -> Result<Command<'a>, ParseError> {
    todo!("trim, check for '/', split the command name from the rest, then match on the name")
}

#[cfg(test)]
mod tests;
