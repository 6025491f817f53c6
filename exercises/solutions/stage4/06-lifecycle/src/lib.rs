//! # Exercise 4.6 — A lifecycle: reference solution
//!
//! Stage 4 — Architecture. The exercise is `exercises/stage4/06-lifecycle`; this file is tested
//! with that exercise's own `src/tests.rs`.

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
        match (&self.phase, input) {
            (Phase::Gone, _) => vec![],
            (_, Input::ClientClosed) => {
                self.phase = Phase::Gone;
                vec![]
            }
            (Phase::Leaving, _) => vec![],
            (Phase::Connecting | Phase::Joined { .. }, Input::Shutdown) => {
                self.phase = Phase::Leaving;
                vec![Output::Close(1001)]
            }
            (Phase::Connecting, Input::Hello(name)) => match valid_name(&name) {
                Some(name) => {
                    self.phase = Phase::Joined {
                        username: name.clone(),
                    };
                    vec![Output::Welcome(name)]
                }
                None => vec![Output::Error("invalid_username")],
            },
            (Phase::Connecting, Input::Say(_)) => vec![Output::Error("say_hello_first")],
            (Phase::Connecting, Input::HelloTimeout) => {
                self.phase = Phase::Gone;
                vec![Output::Close(4502)]
            }
            (Phase::Joined { username }, Input::Say(text)) => {
                let text = text.trim();
                if text.is_empty() {
                    vec![Output::Error("empty_message")]
                } else {
                    vec![Output::Broadcast {
                        from: username.clone(),
                        text: text.to_owned(),
                    }]
                }
            }
            (Phase::Joined { .. }, Input::Hello(_)) => vec![Output::Error("already_joined")],
            (Phase::Joined { .. }, Input::HelloTimeout) => vec![],
        }
    }
}

/// The trimmed name, if it is 1 to 32 characters with no whitespace inside.
fn valid_name(name: &str) -> Option<String> {
    let name = name.trim();
    let ok =
        !name.is_empty() && name.chars().count() <= 32 && !name.chars().any(char::is_whitespace);
    ok.then(|| name.to_owned())
}

#[cfg(test)]
#[path = "../../../../stage4/06-lifecycle/src/tests.rs"]
mod tests;
