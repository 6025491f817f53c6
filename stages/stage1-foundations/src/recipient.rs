//! Who can receive a message: one trait, several kinds of recipient.
//!
//! Stage 1 — Foundations, book chapter 1, section "Traits: one broadcast, many recipients".
//!
//! A chat server hands the same message to very different things: a user's inbox, a log of the
//! room, later a WebSocket. The [`Recipient`] trait names what they have in common, and
//! [`broadcast`] works for any of them. Two details matter for a real server and start here:
//! a recipient receives a [`SharedMessage`] (a pointer, not a copy), and a failure for one
//! recipient is *recorded* and does not stop delivery to the others.

use std::sync::Arc;

use crate::error::ChatError;
use crate::message::{SharedMessage, render};
use crate::username::Username;

// ANCHOR: trait
/// Something that can be handed a chat message.
pub trait Recipient {
    /// A name for reports and errors.
    fn name(&self) -> &str;

    /// Takes the message, or says why it could not.
    fn receive(&mut self, message: &SharedMessage) -> Result<(), ChatError>;
}
// ANCHOR_END: trait

// ANCHOR: inbox
/// A user's inbox: keeps the shared messages themselves, up to a limit.
#[derive(Debug)]
pub struct Inbox {
    owner: Username,
    messages: Vec<SharedMessage>,
    limit: usize,
}

impl Inbox {
    /// An empty inbox for `owner` that holds at most `limit` messages.
    pub fn new(owner: Username, limit: usize) -> Inbox {
        Inbox {
            owner,
            messages: Vec::new(),
            limit,
        }
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> &[SharedMessage] {
        &self.messages
    }
}

impl Recipient for Inbox {
    fn name(&self) -> &str {
        self.owner.as_str()
    }

    fn receive(&mut self, message: &SharedMessage) -> Result<(), ChatError> {
        if self.messages.len() >= self.limit {
            return Err(ChatError::InboxFull {
                recipient: self.owner.to_string(),
            });
        }
        // Cloning an Arc copies a pointer and increments a counter: the text is not copied.
        self.messages.push(Arc::clone(message));
        Ok(())
    }
}
// ANCHOR_END: inbox

// ANCHOR: transcript
/// A plain-text log of a room: one rendered line per message. It never refuses.
#[derive(Debug, Default)]
pub struct Transcript {
    text: String,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Transcript {
        Transcript::default()
    }

    /// Everything written so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Recipient for Transcript {
    fn name(&self) -> &str {
        "transcript"
    }

    fn receive(&mut self, message: &SharedMessage) -> Result<(), ChatError> {
        self.text.push_str(&render(message));
        self.text.push('\n');
        Ok(())
    }
}
// ANCHOR_END: transcript

// ANCHOR: broadcast
/// What happened when a message was broadcast.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// How many recipients took the message.
    pub delivered: usize,
    /// The recipients that refused it, by name, with the reason.
    pub failed: Vec<(String, ChatError)>,
}

/// Hands `message` to every recipient of one type `R` (static dispatch: the compiler makes one
/// copy of this function per type it is used with, and can inline `receive`).
pub fn broadcast<R: Recipient>(message: &SharedMessage, recipients: &mut [R]) -> Delivery {
    let mut delivery = Delivery::default();
    for recipient in recipients.iter_mut() {
        record(&mut delivery, recipient, message);
    }
    delivery
}

/// Hands `message` to recipients of *different* types behind `dyn Recipient` (dynamic dispatch:
/// one function, each call goes through a table of function pointers).
pub fn broadcast_dyn(message: &SharedMessage, recipients: &mut [&mut dyn Recipient]) -> Delivery {
    let mut delivery = Delivery::default();
    for recipient in recipients.iter_mut() {
        record(&mut delivery, &mut **recipient, message);
    }
    delivery
}

/// One delivery attempt: a failure is written down, and the loop goes on.
fn record<R: Recipient + ?Sized>(
    delivery: &mut Delivery,
    recipient: &mut R,
    message: &SharedMessage,
) {
    match recipient.receive(message) {
        Ok(()) => delivery.delivered += 1,
        Err(err) => delivery.failed.push((recipient.name().to_owned(), err)),
    }
}
// ANCHOR_END: broadcast

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Message, share};

    fn user(raw: &str) -> Username {
        Username::parse(raw).unwrap()
    }

    fn hello() -> SharedMessage {
        share(Message::new(user("alice"), "hello").unwrap())
    }

    #[test]
    fn broadcast_reaches_every_inbox_without_copying() {
        let message = hello();
        let mut inboxes = vec![Inbox::new(user("bob"), 10), Inbox::new(user("carol"), 10)];
        let delivery = broadcast(&message, &mut inboxes);
        assert_eq!(
            delivery,
            Delivery {
                delivered: 2,
                failed: vec![]
            }
        );
        for inbox in &inboxes {
            assert!(Arc::ptr_eq(&inbox.messages()[0], &message));
        }
        assert_eq!(Arc::strong_count(&message), 3);
    }

    #[test]
    fn a_full_inbox_does_not_stop_the_others() {
        let message = hello();
        let mut inboxes = vec![Inbox::new(user("full"), 0), Inbox::new(user("dave"), 1)];
        let delivery = broadcast(&message, &mut inboxes);
        assert_eq!(delivery.delivered, 1);
        assert_eq!(
            delivery.failed,
            vec![(
                "full".to_owned(),
                ChatError::InboxFull {
                    recipient: "full".into()
                }
            )]
        );
        assert_eq!(inboxes[1].messages().len(), 1);
    }

    #[test]
    fn dyn_broadcast_mixes_recipient_types() {
        let message = hello();
        let mut inbox = Inbox::new(user("bob"), 10);
        let mut transcript = Transcript::new();
        let delivery = broadcast_dyn(&message, &mut [&mut inbox, &mut transcript]);
        assert_eq!(delivery.delivered, 2);
        assert_eq!(inbox.messages().len(), 1);
        assert!(
            transcript.as_str().ends_with("alice: hello\n"),
            "{}",
            transcript.as_str()
        );
    }
}
