//! The errors of the chat domain, as values.
//!
//! Stage 1 — Foundations, book chapter 1, section "Errors are values".
//!
//! Bad input is normal for a server: people mistype, clients have bugs, attackers probe. So nothing
//! in this crate panics on input; every check returns a [`ChatError`] that says what was wrong in
//! words a user can read (`Display`) and that other code can match on (it is an `enum`).
//!
//! We write `Display` and `Error` by hand here so you can see there is no magic. Later stages use
//! the `thiserror` crate, which generates exactly this kind of code from attributes.

use std::error::Error;
use std::fmt;

// ANCHOR: username_error
/// Why a username was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsernameError {
    /// Nothing left after trimming spaces.
    Empty,
    /// More characters than allowed.
    TooLong {
        /// How many characters the name had.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// A character that may not appear in a name (spaces, punctuation, control characters...).
    ForbiddenChar(char),
}
// ANCHOR_END: username_error

// ANCHOR: chat_error
/// Everything that can go wrong while handling chat input in stage 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatError {
    /// A username broke a rule; the inner error says which.
    InvalidUsername(UsernameError),
    /// A message had no text once spaces were trimmed.
    EmptyMessage,
    /// A message was longer than allowed.
    MessageTooLong {
        /// How many characters the text had.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// A line started with `/` but named no command we know.
    UnknownCommand(String),
    /// A command was missing something it needs, e.g. `/join` without a room.
    MissingArgument {
        /// The command, e.g. `"/join"`.
        command: &'static str,
        /// What was missing, e.g. `"room"`.
        argument: &'static str,
    },
    /// An action that is not allowed in the connection's current state.
    IllegalTransition {
        /// The state the connection was in.
        from: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A recipient could not take another message (its inbox is full).
    InboxFull {
        /// Whose inbox.
        recipient: String,
    },
}
// ANCHOR_END: chat_error

// ANCHOR: display
impl fmt::Display for UsernameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsernameError::Empty => write!(f, "a username cannot be empty"),
            UsernameError::TooLong { len, max } => {
                write!(
                    f,
                    "a username has at most {max} characters, this one has {len}"
                )
            }
            UsernameError::ForbiddenChar(c) => {
                write!(f, "a username cannot contain {c:?}")
            }
        }
    }
}

impl fmt::Display for ChatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatError::InvalidUsername(_) => write!(f, "invalid username"),
            ChatError::EmptyMessage => write!(f, "a message cannot be empty"),
            ChatError::MessageTooLong { len, max } => {
                write!(
                    f,
                    "a message has at most {max} characters, this one has {len}"
                )
            }
            ChatError::UnknownCommand(name) => write!(f, "unknown command {name:?}"),
            ChatError::MissingArgument { command, argument } => {
                write!(f, "{command} needs a {argument}")
            }
            ChatError::IllegalTransition { from, action } => {
                write!(f, "cannot {action} while {from}")
            }
            ChatError::InboxFull { recipient } => write!(f, "the inbox of {recipient} is full"),
        }
    }
}
// ANCHOR_END: display

// ANCHOR: error_impls
impl Error for UsernameError {}

impl Error for ChatError {
    /// The underlying cause, so a caller can print the whole chain:
    /// "invalid username: a username cannot be empty".
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ChatError::InvalidUsername(inner) => Some(inner),
            _ => None,
        }
    }
}

/// Lets `?` turn a [`UsernameError`] into a [`ChatError`] automatically.
impl From<UsernameError> for ChatError {
    fn from(err: UsernameError) -> Self {
        ChatError::InvalidUsername(err)
    }
}
// ANCHOR_END: error_impls

// ANCHOR: report
/// Formats an error with every cause in its chain: `"invalid username: a username cannot be empty"`.
///
/// `Display` of an error shows only its own level, by convention; walking `source()` is how a
/// program shows the whole story without each level repeating the one below.
pub fn report(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
// ANCHOR_END: report

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_readable() {
        let err = ChatError::MessageTooLong {
            len: 2001,
            max: 2000,
        };
        assert_eq!(
            err.to_string(),
            "a message has at most 2000 characters, this one has 2001"
        );
        let err = ChatError::MissingArgument {
            command: "/join",
            argument: "room",
        };
        assert_eq!(err.to_string(), "/join needs a room");
    }

    #[test]
    fn question_mark_converts_username_errors() {
        fn check() -> Result<(), ChatError> {
            Err(UsernameError::Empty)?
        }
        assert_eq!(
            check(),
            Err(ChatError::InvalidUsername(UsernameError::Empty))
        );
    }

    #[test]
    fn report_walks_the_source_chain() {
        let err = ChatError::from(UsernameError::ForbiddenChar('!'));
        assert_eq!(
            report(&err),
            "invalid username: a username cannot contain '!'"
        );
        assert_eq!(
            report(&ChatError::EmptyMessage),
            "a message cannot be empty"
        );
    }
}
