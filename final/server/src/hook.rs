//! Hooks: code of your own that sees what users ask for before the hub does it, and may let
//! it through, change its text, or refuse it. Moderation (a word filter, a limit on links),
//! commands (`/me waves`), rules of a room: none of it needs a change to the server's own code.
//!
//! Final server — book chapter "Stage 6 — Inside the final server", section "Hooks".
//!
//! A hook runs in the connection task of the user who asked, after the request was decoded and
//! checked (the name said hello, the text is not too long) and before anything is shared: no
//! lock is held, nothing is queued yet, so a hook that refuses leaves no trace, and a slow hook
//! slows only its own user. That is also the rule for writing one: a hook is called for every
//! message, so it must answer quickly and never wait (no I/O; keep what it needs in memory, and
//! do anything slow in a task of its own).
//!
//! Hooks are given to the server before it starts ([`Server::with_hook`](crate::Server::with_hook))
//! and run in the order they were given; each sees the text as the previous one left it. The
//! first that refuses ends the run: the user gets the error `refused` with its reason. A hook
//! that panics refuses too (and is logged): the connection goes on.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

// ANCHOR: hook
/// What a hook sees of a request: who asks, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The user's name, as they wrote it (or as the account has it).
    pub user: &'a str,
    /// Whether the user is signed in (their messages say `"verified": true`).
    pub verified: bool,
    /// What they ask for.
    pub action: Action<'a>,
}

/// The requests a hook sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// `send`: a message to every member of `room`.
    Send {
        /// The room.
        room: &'a str,
        /// The text, as the previous hook left it.
        text: &'a str,
    },
    /// `direct`: a message to the user `to`.
    Direct {
        /// The recipient's name, as the sender wrote it.
        to: &'a str,
        /// The text, as the previous hook left it.
        text: &'a str,
    },
    /// `join`: entering `room`.
    Join {
        /// The room.
        room: &'a str,
    },
}

/// A hook's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Let the request through as it is.
    Pass,
    /// Let it through with this text instead (for `send` and `direct`; ignored for `join`).
    Rewrite(String),
    /// Refuse it: the user gets the error `refused`, with this reason as its message.
    Refuse(String),
}

/// Code that sees every `send`, `direct` and `join` before the hub does (see the module docs).
pub trait Hook: Send + Sync + fmt::Debug {
    /// Decides about one request. Called in the asking user's connection task, for every
    /// message: answer quickly, and never block.
    fn check(&self, request: &Request<'_>) -> Decision;
}
// ANCHOR_END: hook

/// The hooks of a server, in order (cheap to clone: each connection holds them).
#[derive(Debug, Clone, Default)]
pub struct Hooks(Arc<[Arc<dyn Hook>]>);

impl Hooks {
    /// These hooks, and then `hook`.
    pub fn and(&self, hook: Arc<dyn Hook>) -> Hooks {
        let mut all: Vec<Arc<dyn Hook>> = self.0.to_vec();
        all.push(hook);
        Hooks(all.into())
    }

    /// Whether there are none (the usual case: then nothing is even looked at).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A `send` of `text` to `room` by `user`: the text to use (`None`: unchanged), or the
    /// first refusal's reason.
    pub fn screen_send(
        &self,
        user: &str,
        verified: bool,
        room: &str,
        text: &str,
    ) -> Result<Option<String>, String> {
        self.run(user, verified, About::Send(room), text)
    }

    /// A `direct` of `text` to `to` by `user`: as [`Hooks::screen_send`].
    pub fn screen_direct(
        &self,
        user: &str,
        verified: bool,
        to: &str,
        text: &str,
    ) -> Result<Option<String>, String> {
        self.run(user, verified, About::Direct(to), text)
    }

    /// A `join` of `room` by `user`: refused, with the reason, or not.
    pub fn screen_join(&self, user: &str, verified: bool, room: &str) -> Result<(), String> {
        self.run(user, verified, About::Join(room), "").map(|_| ())
    }

    // ANCHOR: run
    /// Every hook, in order, each seeing the text as the one before left it.
    fn run(
        &self,
        user: &str,
        verified: bool,
        about: About<'_>,
        text: &str,
    ) -> Result<Option<String>, String> {
        let mut rewritten: Option<String> = None;
        for hook in self.0.iter() {
            let request = Request {
                user,
                verified,
                action: about.with(rewritten.as_deref().unwrap_or(text)),
            };
            // A hook that panics refuses, and the connection goes on: a bug in a hook must not
            // end the connection's task halfway (nor, with it, the user's departure).
            let decision = panic::catch_unwind(AssertUnwindSafe(|| hook.check(&request)));
            match decision {
                Ok(Decision::Pass) => {}
                Ok(Decision::Rewrite(text)) => rewritten = Some(text),
                Ok(Decision::Refuse(reason)) => return Err(reason),
                Err(_) => {
                    tracing::error!(?hook, "a hook panicked; the request is refused");
                    return Err("the server could not check this request; try again".into());
                }
            }
        }
        Ok(rewritten)
    }
    // ANCHOR_END: run
}

/// What a request is about, before the text is known.
#[derive(Debug, Clone, Copy)]
enum About<'r> {
    Send(&'r str),
    Direct(&'r str),
    Join(&'r str),
}

impl<'r> About<'r> {
    fn with<'c>(self, text: &'c str) -> Action<'c>
    where
        'r: 'c,
    {
        match self {
            About::Send(room) => Action::Send { room, text },
            About::Direct(to) => Action::Direct { to, text },
            About::Join(room) => Action::Join { room },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: examples
    #[derive(Debug)]
    struct Shout;
    impl Hook for Shout {
        fn check(&self, request: &Request<'_>) -> Decision {
            match request.action {
                Action::Send { text, .. } => Decision::Rewrite(text.to_uppercase()),
                _ => Decision::Pass,
            }
        }
    }

    #[derive(Debug)]
    struct NoShouting;
    impl Hook for NoShouting {
        fn check(&self, request: &Request<'_>) -> Decision {
            match request.action {
                Action::Send { text, .. } if text.contains("HI") => {
                    Decision::Refuse(format!("{} shouted", request.user))
                }
                _ => Decision::Pass,
            }
        }
    }

    #[test]
    fn hooks_run_in_order_each_seeing_the_text_as_the_last_left_it() {
        let send = |hooks: &Hooks| hooks.screen_send("ann", false, "r", "hi");
        assert_eq!(send(&Hooks::default()), Ok(None));
        let shout = Hooks::default().and(Arc::new(Shout));
        assert_eq!(send(&shout), Ok(Some("HI".into())));
        assert_eq!(shout.screen_join("ann", false, "r"), Ok(()));
        let both = shout.and(Arc::new(NoShouting));
        assert_eq!(send(&both), Err("ann shouted".into()));
        let other_order = Hooks::default()
            .and(Arc::new(NoShouting))
            .and(Arc::new(Shout));
        assert_eq!(send(&other_order), Ok(Some("HI".into())));
        let broken = Hooks::default().and(Arc::new(Broken));
        assert!(send(&broken).is_err(), "a panic is a refusal");
    }

    #[derive(Debug)]
    struct Broken;
    impl Hook for Broken {
        fn check(&self, _: &Request<'_>) -> Decision {
            panic!("a bug in a hook")
        }
    }
    // ANCHOR_END: examples
}
