//! Clients and the life of a connection, as an enum.
//!
//! Stage 1 — Foundations, book chapter 1, section "Enums as state machines".
//!
//! A connection is first *connecting* (it has not said who it is), then *joined* under a
//! username, then *leaving*, then *gone*. Modelling this with a few `bool` fields
//! (`has_name`, `is_closing`...) allows nonsense combinations such as "closing but never had a
//! name and still sending". An enum allows exactly one state at a time, and data that only makes
//! sense in one state (the username) lives inside that variant, so it cannot be read in another.
//! Transitions are methods that check the current state and refuse illegal moves with an error
//! instead of corrupting the state. Stage 4 turns this into the server's connection lifecycle.

use std::fmt;

use crate::error::ChatError;
use crate::username::Username;

// ANCHOR: client_id
/// A number the server gives each connection. A newtype, so it cannot be mixed up with a count or
/// a port number by accident, and `Copy` because it is just a small integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(u64);

impl ClientId {
    /// Wraps a raw number.
    pub const fn new(raw: u64) -> ClientId {
        ClientId(raw)
    }

    /// The raw number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
// ANCHOR_END: client_id

// ANCHOR: state
/// Where a connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Connected, but has not said who it is yet.
    Connecting,
    /// Chatting under a username.
    Joined {
        /// The name it joined with.
        username: Username,
    },
    /// Saying goodbye: no new messages are accepted, queued ones may still be delivered.
    Leaving {
        /// The name it had.
        username: Username,
    },
    /// Finished. Nothing more can happen to this connection.
    Gone,
}
// ANCHOR_END: state

// ANCHOR: transitions
impl ConnectionState {
    /// `Connecting` → `Joined`. Any other starting state is refused and left unchanged.
    pub fn join(&mut self, username: Username) -> Result<(), ChatError> {
        match self {
            ConnectionState::Connecting => {
                *self = ConnectionState::Joined { username };
                Ok(())
            }
            other => Err(other.refuse("join")),
        }
    }

    /// `Joined` → `Leaving`.
    pub fn leave(&mut self) -> Result<(), ChatError> {
        // Move the old state out (leaving `Gone` for a moment) so its username can move into the
        // new state without a clone. Every path below puts a real state back.
        match std::mem::replace(self, ConnectionState::Gone) {
            ConnectionState::Joined { username } => {
                *self = ConnectionState::Leaving { username };
                Ok(())
            }
            other => {
                let err = other.refuse("leave");
                *self = other;
                Err(err)
            }
        }
    }

    /// Any state → `Gone`. Always allowed: when the socket is closed, it is closed.
    pub fn close(&mut self) {
        *self = ConnectionState::Gone;
    }

    /// The username, in the states that have one.
    pub fn username(&self) -> Option<&Username> {
        match self {
            ConnectionState::Joined { username } | ConnectionState::Leaving { username } => {
                Some(username)
            }
            ConnectionState::Connecting | ConnectionState::Gone => None,
        }
    }

    /// Whether messages from this connection are accepted.
    pub fn can_send(&self) -> bool {
        matches!(self, ConnectionState::Joined { .. })
    }

    /// A short name for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Joined { .. } => "joined",
            ConnectionState::Leaving { .. } => "leaving",
            ConnectionState::Gone => "gone",
        }
    }

    fn refuse(&self, action: &'static str) -> ChatError {
        ChatError::IllegalTransition {
            from: self.name(),
            action,
        }
    }
}
// ANCHOR_END: transitions

// ANCHOR: client
/// One connected client as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Its connection number.
    pub id: ClientId,
    /// Where it is in its life.
    pub state: ConnectionState,
}

impl Client {
    /// A client that has just connected.
    pub fn new(id: ClientId) -> Client {
        Client {
            id,
            state: ConnectionState::Connecting,
        }
    }
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    fn name(raw: &str) -> Username {
        Username::parse(raw).unwrap()
    }

    #[test]
    fn the_happy_path() {
        let mut client = Client::new(ClientId::new(7));
        assert_eq!(client.id.to_string(), "#7");
        assert!(!client.state.can_send());
        client.state.join(name("alice")).unwrap();
        assert!(client.state.can_send());
        assert_eq!(client.state.username(), Some(&name("alice")));
        client.state.leave().unwrap();
        assert!(!client.state.can_send());
        assert_eq!(
            client.state,
            ConnectionState::Leaving {
                username: name("alice")
            }
        );
        client.state.close();
        assert_eq!(client.state, ConnectionState::Gone);
        assert_eq!(client.state.username(), None);
    }

    #[test]
    fn illegal_transitions_are_refused_and_change_nothing() {
        let mut state = ConnectionState::Connecting;
        assert_eq!(
            state.leave(),
            Err(ChatError::IllegalTransition {
                from: "connecting",
                action: "leave"
            })
        );
        assert_eq!(state, ConnectionState::Connecting);

        state.join(name("bob")).unwrap();
        assert_eq!(
            state.join(name("eve")),
            Err(ChatError::IllegalTransition {
                from: "joined",
                action: "join"
            })
        );
        assert_eq!(state.username(), Some(&name("bob")));

        state.close();
        assert_eq!(
            state.join(name("bob")),
            Err(ChatError::IllegalTransition {
                from: "gone",
                action: "join"
            })
        );
    }
}
