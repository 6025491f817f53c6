//! Usernames: checked once, then trusted.
//!
//! Stage 1 — Foundations, book chapter 1, section "A newtype for usernames".
//!
//! A plain `String` could hold anything: an empty name, a 10 MB name, a name with a newline that
//! forges a fake line in everyone's chat log. Wrapping it in a *newtype* whose only constructor
//! validates means that every `Username` in the program is known to be good. Functions that take a
//! `Username` never need to check again, and the compiler stops anyone from passing a raw string.

use std::fmt;

use crate::error::UsernameError;

/// The longest username, counted in characters (not bytes: "zoë" is 3 characters, 4 bytes).
pub const MAX_USERNAME_CHARS: usize = 32;

// ANCHOR: username
/// A validated username: 1 to [`MAX_USERNAME_CHARS`] letters, digits, `_`, `-` or `.`.
///
/// The field is private, so the only way to get one is [`Username::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    /// Checks `raw` and returns a `Username`, or says what is wrong with it.
    ///
    /// Spaces around the name are ignored: `"  alice "` becomes `alice`.
    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(UsernameError::Empty);
        }
        let len = name.chars().count();
        if len > MAX_USERNAME_CHARS {
            return Err(UsernameError::TooLong {
                len,
                max: MAX_USERNAME_CHARS,
            });
        }
        if let Some(bad) = name.chars().find(|&c| !is_allowed(c)) {
            return Err(UsernameError::ForbiddenChar(bad));
        }
        Ok(Username(name.to_owned()))
    }

    /// Borrows the name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}
// ANCHOR_END: username

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_a_normal_name() {
        let name = Username::parse("  alice ").unwrap();
        assert_eq!(name.as_str(), "alice");
        assert_eq!(name.to_string(), "alice");
    }

    #[test]
    fn rejects_empty_and_blank_names() {
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(Username::parse("   \t"), Err(UsernameError::Empty));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let ok = "ë".repeat(MAX_USERNAME_CHARS); // 64 bytes, 32 characters
        assert!(Username::parse(&ok).is_ok());
        let long = "a".repeat(MAX_USERNAME_CHARS + 1);
        assert_eq!(
            Username::parse(&long),
            Err(UsernameError::TooLong {
                len: 33,
                max: MAX_USERNAME_CHARS
            })
        );
    }

    #[test]
    fn rejects_spaces_punctuation_and_control_characters() {
        assert_eq!(
            Username::parse("bob smith"),
            Err(UsernameError::ForbiddenChar(' '))
        );
        assert_eq!(
            Username::parse("bob\nsystem"),
            Err(UsernameError::ForbiddenChar('\n'))
        );
        assert_eq!(
            Username::parse("<b>"),
            Err(UsernameError::ForbiddenChar('<'))
        );
        assert!(Username::parse("bob_the-builder.2").is_ok());
    }
}
