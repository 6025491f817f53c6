//! # Exercise 4.6 — A lifecycle
//!
//! Stage 4 — Architecture. Book: chapter 4, "The connection lifecycle".
//! Check it with `cargo ex check 4.6`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 4.6`.
//!
//! ## Task
//!
//! The final server's protocol starts every connection with a `hello`. Write the connection's
//! rules as a state machine that does no I/O at all: it takes an [`Input`] (something that
//! happened) and returns the [`Output`]s to perform (what to send). The connection task does the
//! reading and writing; this type only decides. That split makes every rule testable in a plain
//! unit test, with no sockets and no clock. Implement [`Lifecycle::on`]:
//!
//! | phase        | input              | outputs                           | next phase |
//! |--------------|--------------------|-----------------------------------|------------|
//! | `Connecting` | `Hello(name)`, valid | `Welcome(name)`                 | `Joined`   |
//! | `Connecting` | `Hello(name)`, invalid | `Error("invalid_username")`   | same       |
//! | `Connecting` | `Say(_)`           | `Error("say_hello_first")`        | same       |
//! | `Connecting` | `HelloTimeout`     | `Close(4502)`                     | `Gone`     |
//! | `Joined`     | `Say(text)`        | `Broadcast { from, text }`, or `Error("empty_message")` if the trimmed text is empty (the broadcast carries the trimmed text) | same |
//! | `Joined`     | `Hello(_)`         | `Error("already_joined")`         | same       |
//! | `Joined`     | `HelloTimeout`     | nothing (too late to matter)      | same       |
//! | `Connecting` or `Joined` | `Shutdown` | `Close(1001)`              | `Leaving`  |
//! | `Leaving`    | anything but `ClientClosed` | nothing                  | same       |
//! | any but `Gone` | `ClientClosed`   | nothing                           | `Gone`     |
//! | `Gone`       | anything           | nothing                           | `Gone`     |
//!
//! A valid name is 1 to 32 characters after trimming, with no whitespace inside; `Welcome` and
//! `Joined` carry the trimmed name.
//!
//! ## What you may change
//!
//! Fill in the body that says `todo!()`. You may add `use` lines and helper functions; do not
//! change the types or the signatures the tests use. The tests are in `src/tests.rs`: read them,
//! but do not edit them.

/// Something that happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The client said hello with a name.
    Hello(String),
    /// The client wants to say something.
    Say(String),
    /// The client did not say hello in time.
    HelloTimeout,
    /// The server is shutting down.
    Shutdown,
    /// The client closed the connection.
    ClientClosed,
}

/// Something the connection task must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Tell the client it joined.
    Welcome(String),
    /// Send a message to everyone.
    Broadcast {
        /// Who said it.
        from: String,
        /// What they said, trimmed.
        text: String,
    },
    /// Send the client an error with this code.
    Error(&'static str),
    /// Close the connection with this close code.
    Close(u16),
}

/// Where the connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Connected, no hello yet.
    Connecting,
    /// Said hello.
    Joined {
        /// The name it joined with.
        username: String,
    },
    /// Closing; nothing new is accepted.
    Leaving,
    /// Finished.
    Gone,
}

/// The rules of one connection, without any I/O.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    phase: Phase,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle::new()
    }
}

impl Lifecycle {
    /// A new connection, in `Connecting`.
    pub fn new() -> Lifecycle {
        Lifecycle {
            phase: Phase::Connecting,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// Applies one input and returns what to do, moving to the next phase.
    pub fn on(&mut self, input: Input) -> Vec<Output> {
        todo!("match on (&self.phase, input)")
    }
}

#[cfg(test)]
mod tests;
