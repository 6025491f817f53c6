//! What travels on the wire, and the close frames the server ends connections with.
//!
//! Stage 4 — Architecture, book chapter 4, section "Modules with one job".
//!
//! The JSON messages are stage 3's, reused by dependency (`stage3_websockets::wire`). This
//! module adds the goodbyes: every way the server ends a connection on purpose has a close code
//! the client can act on. 1000–1999 are the WebSocket standard's; 4000–4499 mean "you may
//! reconnect", 4500–4999 "do not".

pub use stage3_websockets::wire::{
    ChatMessage, ErrorReply, Incoming, ServerFrame, encode_error, encode_message,
};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

// ANCHOR: goodbye
/// Why the server ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goodbye {
    /// The server is shutting down (1001): try again later.
    ShuttingDown,
    /// The client's queue overflowed (4008): it may reconnect, and should read faster.
    TooSlow,
    /// The client sent a message over the size limit (1009).
    TooBig,
}

impl Goodbye {
    /// The close code.
    pub fn code(self) -> u16 {
        match self {
            Goodbye::ShuttingDown => 1001,
            Goodbye::TooSlow => 4008,
            Goodbye::TooBig => 1009,
        }
    }

    /// The close frame to send.
    pub fn frame(self) -> Frame {
        let reason = match self {
            Goodbye::ShuttingDown => "server shutting down",
            Goodbye::TooSlow => "too slow to read",
            Goodbye::TooBig => "message too big",
        };
        Frame::Close(Some(CloseFrame {
            code: CloseCode::from(self.code()),
            reason: reason.into(),
        }))
    }
}

/// Whether a client closed with `code` should connect again: after a shutdown (1001), an abrupt
/// end (1006) or any 4000–4499 code.
pub fn may_reconnect(code: u16) -> bool {
    matches!(code, 1001 | 1006 | 4000..=4499)
}
// ANCHOR_END: goodbye

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goodbyes_carry_their_codes() {
        for (goodbye, code) in [
            (Goodbye::ShuttingDown, 1001),
            (Goodbye::TooSlow, 4008),
            (Goodbye::TooBig, 1009),
        ] {
            match goodbye.frame() {
                Frame::Close(Some(frame)) => assert_eq!(u16::from(frame.code), code),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn reconnect_rules() {
        assert!(may_reconnect(1001) && may_reconnect(4008) && may_reconnect(1006));
        assert!(!may_reconnect(1000) && !may_reconnect(1009) && !may_reconnect(4502));
    }
}
