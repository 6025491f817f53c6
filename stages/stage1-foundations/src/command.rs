//! What a user types, parsed without copying: a lesson in lifetimes.
//!
//! Stage 1 — Foundations, book chapter 1, section "Lifetimes: a parser that borrows its input".
//!
//! A chat client reads lines like `/msg bob see you at 5`. Parsing such a line into owned
//! `String`s would allocate for every field. Instead, [`Command`] holds `&str` slices that point
//! into the line itself. The lifetime `'a` on `Command<'a>` is how we tell the compiler "this
//! command borrows from a line that must live at least as long as the command". In exchange the
//! compiler refuses any program that would use a command after its line is gone
//! (see `compile_fail/` in this crate and the book for the exact errors it prevents).

use crate::error::ChatError;

// ANCHOR: command
/// One line of user input, borrowing from that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    /// Plain text to send to the current room.
    Say(&'a str),
    /// `/join <room>`
    Join {
        /// The room to join.
        room: &'a str,
    },
    /// `/leave`
    Leave,
    /// `/msg <user> <text>`: a direct message.
    Direct {
        /// Who it is for.
        to: &'a str,
        /// What to say.
        text: &'a str,
    },
    /// `/quit`
    Quit,
}
// ANCHOR_END: command

// ANCHOR: parse
/// Parses one line. The returned command borrows from `line` (same lifetime `'a`).
///
/// A line that does not start with `/` is plain text. To send text that starts with `/`,
/// double it: `//shrug` says "/shrug".
pub fn parse<'a>(line: &'a str) -> Result<Command<'a>, ChatError> {
    let line = line.trim();
    if line.is_empty() {
        return Err(ChatError::EmptyMessage);
    }
    let Some(body) = line.strip_prefix('/') else {
        return Ok(Command::Say(line));
    };
    if body.starts_with('/') {
        return Ok(Command::Say(body));
    }
    let (name, rest) = split_word(body);
    match name {
        "join" => {
            let (room, _) = split_word(rest);
            if room.is_empty() {
                return Err(ChatError::MissingArgument {
                    command: "/join",
                    argument: "room",
                });
            }
            Ok(Command::Join { room })
        }
        "leave" => Ok(Command::Leave),
        "quit" => Ok(Command::Quit),
        "msg" => {
            let (to, text) = split_word(rest);
            if to.is_empty() {
                return Err(ChatError::MissingArgument {
                    command: "/msg",
                    argument: "user",
                });
            }
            if text.is_empty() {
                return Err(ChatError::MissingArgument {
                    command: "/msg",
                    argument: "text",
                });
            }
            Ok(Command::Direct { to, text })
        }
        // The error owns a copy of the name: errors often outlive the input they describe.
        other => Err(ChatError::UnknownCommand(format!("/{other}"))),
    }
}

/// Splits off the first word. Both parts borrow from `text`; elision gives them its lifetime.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (text, ""),
    }
}
// ANCHOR_END: parse

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_said() {
        assert_eq!(parse("  hello there "), Ok(Command::Say("hello there")));
        assert_eq!(parse("//shrug"), Ok(Command::Say("/shrug")));
    }

    #[test]
    fn commands_borrow_from_the_line() {
        let line = String::from("/msg bob see you at 5");
        let command = parse(&line).unwrap();
        assert_eq!(
            command,
            Command::Direct {
                to: "bob",
                text: "see you at 5"
            }
        );
        if let Command::Direct { to, .. } = command {
            // `to` points into `line`: no copy was made.
            let line_range = line.as_ptr() as usize..line.as_ptr() as usize + line.len();
            assert!(line_range.contains(&(to.as_ptr() as usize)));
        }
    }

    #[test]
    fn join_leave_quit() {
        assert_eq!(parse("/join rust"), Ok(Command::Join { room: "rust" }));
        assert_eq!(
            parse("/join   rust  extra"),
            Ok(Command::Join { room: "rust" })
        );
        assert_eq!(parse("/leave"), Ok(Command::Leave));
        assert_eq!(parse("/quit"), Ok(Command::Quit));
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        assert_eq!(parse(""), Err(ChatError::EmptyMessage));
        assert_eq!(
            parse("/join"),
            Err(ChatError::MissingArgument {
                command: "/join",
                argument: "room"
            })
        );
        assert_eq!(
            parse("/msg bob"),
            Err(ChatError::MissingArgument {
                command: "/msg",
                argument: "text"
            })
        );
        assert_eq!(
            parse("/msg"),
            Err(ChatError::MissingArgument {
                command: "/msg",
                argument: "user"
            })
        );
        assert_eq!(
            parse("/dance now"),
            Err(ChatError::UnknownCommand("/dance".into()))
        );
        assert_eq!(parse("/"), Err(ChatError::UnknownCommand("/".into())));
    }
}
