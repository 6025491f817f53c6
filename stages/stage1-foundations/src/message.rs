//! Chat messages: who owns them, who borrows them, and how many recipients share one.
//!
//! Stage 1 — Foundations, book chapter 1, sections "Ownership and borrowing" and
//! "One message, many recipients".
//!
//! A [`Message`] owns its text. Functions that only *read* a message borrow it (`&Message`); a
//! function that *changes* it borrows it mutably (`&mut Message`); a [`History`] that keeps it
//! *takes ownership*, so the caller can no longer use it. When one message goes to many
//! recipients we do not copy it: we wrap it once in an [`Arc`] ([`SharedMessage`]) and hand out
//! cheap clones of the pointer. Stage 3's server does exactly this for every broadcast.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::ChatError;
use crate::username::Username;

/// The longest message text, counted in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

// ANCHOR: message
/// One chat message: who said what, and when.
///
/// The fields are private, like `Username`'s: the constructors check the text, and no code
/// outside this module can put an empty or oversized text into a `Message` afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    username: Username,
    text: String,
    timestamp: DateTime<Utc>,
}

impl Message {
    /// Builds a message stamped with the current time.
    pub fn new(username: Username, text: &str) -> Result<Message, ChatError> {
        Message::at(username, text, Utc::now())
    }

    /// Builds a message with a given timestamp (tests use this to get fixed output).
    pub fn at(
        username: Username,
        text: &str,
        timestamp: DateTime<Utc>,
    ) -> Result<Message, ChatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ChatError::EmptyMessage);
        }
        let len = text.chars().count();
        if len > MAX_TEXT_CHARS {
            return Err(ChatError::MessageTooLong {
                len,
                max: MAX_TEXT_CHARS,
            });
        }
        Ok(Message {
            username,
            text: text.to_owned(),
            timestamp,
        })
    }

    /// Who sent it; already validated.
    pub fn username(&self) -> &Username {
        &self.username
    }

    /// What they said: trimmed, 1 to [`MAX_TEXT_CHARS`] characters.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// When the server received it, in UTC. Never taken from the client.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }
}
// ANCHOR_END: message

// ANCHOR: borrow_vs_own
/// Reads a message to format it: a shared borrow, so the caller keeps the message.
pub fn render(message: &Message) -> String {
    format!(
        "[{}] {}: {}",
        message.timestamp.format("%H:%M:%S"),
        message.username,
        message.text
    )
}

/// Changes a message in place: a mutable borrow. Replaces every `word` (ignoring ASCII case)
/// with asterisks and returns how many were replaced.
pub fn censor(message: &mut Message, word: &str) -> usize {
    if word.is_empty() {
        return 0;
    }
    let stars = "*".repeat(word.chars().count());
    let lower_text = message.text.to_ascii_lowercase();
    let lower_word = word.to_ascii_lowercase();
    let count = lower_text.matches(&lower_word).count();
    if count > 0 {
        let mut censored = String::with_capacity(message.text.len());
        let mut rest = 0;
        // `to_ascii_lowercase` keeps byte positions, so indices found in the lowercase copy
        // are valid in the original text.
        for (start, _) in lower_text.match_indices(&lower_word) {
            censored.push_str(&message.text[rest..start]);
            censored.push_str(&stars);
            rest = start + word.len();
        }
        censored.push_str(&message.text[rest..]);
        message.text = censored;
    }
    count
}

/// The last messages of a room. Pushing a message *moves* it in: the history owns it now.
///
/// There is deliberately no `Default`: a history of capacity 0 would silently drop everything.
#[derive(Debug)]
pub struct History {
    messages: VecDeque<Message>,
    capacity: usize,
}

impl History {
    /// An empty history that keeps at most `capacity` messages (the oldest are dropped).
    pub fn with_capacity(capacity: usize) -> History {
        History {
            messages: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Takes ownership of `message`. The caller cannot use it afterwards.
    pub fn push(&mut self, message: Message) {
        if self.capacity == 0 {
            return;
        }
        if self.messages.len() == self.capacity {
            self.messages.pop_front();
        }
        self.messages.push_back(message);
    }

    /// The newest message, if there is one: `Option` instead of a null pointer.
    pub fn latest(&self) -> Option<&Message> {
        self.messages.back()
    }

    /// The newest message sent by `username`, if any.
    pub fn last_from(&self, username: &Username) -> Option<&Message> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.username() == username)
    }

    /// How many messages are held.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether no message is held.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Iterates over the messages, oldest first, by reference.
    pub fn iter(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter()
    }
}
// ANCHOR_END: borrow_vs_own

// ANCHOR: shared
/// A message shared by many owners. Cloning it copies a pointer and bumps a counter; the text is
/// never copied, and it is freed when the last clone is dropped.
pub type SharedMessage = Arc<Message>;

/// Wraps a message for sharing. Consumes it: from now on it is read-only and shared.
pub fn share(message: Message) -> SharedMessage {
    Arc::new(message)
}
// ANCHOR_END: shared

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn alice() -> Username {
        Username::parse("alice").unwrap()
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 5).unwrap()
    }

    #[test]
    fn new_trims_and_rejects_empty_or_long_text() {
        let msg = Message::at(alice(), "  hi  ", noon()).unwrap();
        assert_eq!(msg.text, "hi");
        assert_eq!(
            Message::at(alice(), "   ", noon()),
            Err(ChatError::EmptyMessage)
        );
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            Message::at(alice(), &long, noon()),
            Err(ChatError::MessageTooLong {
                len: MAX_TEXT_CHARS + 1,
                max: MAX_TEXT_CHARS
            })
        );
    }

    #[test]
    fn render_borrows() {
        let msg = Message::at(alice(), "hello", noon()).unwrap();
        assert_eq!(render(&msg), "[12:00:05] alice: hello");
        // Still ours after rendering:
        assert_eq!(msg.text, "hello");
    }

    #[test]
    fn censor_changes_in_place_and_counts() {
        let mut msg = Message::at(alice(), "Darn it, darn printer", noon()).unwrap();
        assert_eq!(censor(&mut msg, "darn"), 2);
        assert_eq!(msg.text, "**** it, **** printer");
        assert_eq!(censor(&mut msg, ""), 0);
    }

    #[test]
    fn censor_keeps_multibyte_text_intact() {
        let mut msg = Message::at(alice(), "café BAD crème", noon()).unwrap();
        assert_eq!(censor(&mut msg, "bad"), 1);
        assert_eq!(msg.text, "café *** crème");
    }

    #[test]
    fn history_owns_and_drops_the_oldest() {
        let mut history = History::with_capacity(2);
        assert!(history.latest().is_none());
        for text in ["one", "two", "three"] {
            history.push(Message::at(alice(), text, noon()).unwrap());
        }
        assert_eq!(history.len(), 2);
        let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["two", "three"]);
        assert_eq!(history.latest().map(|m| m.text.as_str()), Some("three"));
        let bob = Username::parse("bob").unwrap();
        assert!(history.last_from(&bob).is_none());
        assert_eq!(
            history.last_from(&alice()).map(|m| m.text.as_str()),
            Some("three")
        );
    }

    #[test]
    fn sharing_does_not_copy_the_text() {
        let shared = share(Message::at(alice(), "hello", noon()).unwrap());
        let copies: Vec<SharedMessage> = (0..3).map(|_| Arc::clone(&shared)).collect();
        assert_eq!(Arc::strong_count(&shared), 4);
        for copy in &copies {
            // Same allocation: the very same bytes.
            assert!(std::ptr::eq(copy.text.as_ptr(), shared.text.as_ptr()));
        }
        drop(copies);
        assert_eq!(Arc::strong_count(&shared), 1);
    }
}
