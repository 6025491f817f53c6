//! # Exercise 1.3 — More commands: reference solution
//!
//! Stage 1 — Foundations. The exercise is `exercises/stage1/03-more-commands`; this file is
//! tested with that exercise's own `src/tests.rs`.

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
    let line = line.trim();
    if line.is_empty() {
        return Err(ParseError::Empty);
    }
    let Some(body) = line.strip_prefix('/') else {
        return Ok(Command::Say(line));
    };
    let (name, rest) = split_word(body);
    match name.to_ascii_lowercase().as_str() {
        "nick" => {
            let (nick, _) = split_word(rest);
            non_empty(nick, "/nick", "name").map(Command::Nick)
        }
        "me" => non_empty(rest, "/me", "text").map(Command::Me),
        "topic" => Ok(Command::Topic(optional(rest))),
        "kick" => {
            let (user, reason) = split_word(rest);
            let user = non_empty(user, "/kick", "user")?;
            Ok(Command::Kick {
                user,
                reason: optional(reason),
            })
        }
        _ => Err(ParseError::UnknownCommand(format!("/{name}"))),
    }
}

/// Splits off the first word; both parts are trimmed slices of `text`.
fn split_word(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (text, ""),
    }
}

fn non_empty<'a>(
    text: &'a str,
    command: &'static str,
    argument: &'static str,
) -> Result<&'a str, ParseError> {
    if text.is_empty() {
        Err(ParseError::MissingArgument { command, argument })
    } else {
        Ok(text)
    }
}

fn optional(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
#[path = "../../../../stage1/03-more-commands/src/tests.rs"]
mod tests;
