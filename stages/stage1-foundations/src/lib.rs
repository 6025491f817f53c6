//! # Stage 1 — Foundations
//!
//! Book: chapter 1, "Stage 1 — Foundations: ownership and types" (`book/src/stage1.md`).
//!
//! This crate has no network and no async code. It builds the vocabulary every later stage speaks:
//! who is chatting ([`Username`], [`ClientId`]), what they say ([`Message`]), what they type
//! ([`Command`]), where a connection is in its life ([`ConnectionState`]), who receives a message
//! ([`Recipient`]), and what can go wrong ([`ChatError`]). Stages 2–5 depend on this crate instead
//! of copying it.
//!
//! Each module has one job and says why it is shaped the way it is:
//!
//! | module | Rust idea it teaches |
//! |---|---|
//! | [`username`] | newtypes, validating once at the edge, `Result` |
//! | [`message`] | ownership versus borrowing, `Option`, sharing with `Arc` |
//! | [`command`] | lifetimes: a parser that returns slices of its input |
//! | [`client`] | enums as state machines, `match`, rejecting illegal transitions |
//! | [`recipient`] | traits, generics versus trait objects |
//! | [`error`] | a real error enum with `Display`, `Error` and `?` |
//!
//! Dependencies point one way: [`error`] uses nothing, [`username`] and [`command`] use
//! [`error`], [`message`] and [`client`] use those two, and [`recipient`] uses [`message`].
//!
//! Run the tour with `cargo run -p stage1-foundations`.

pub mod client;
pub mod command;
pub mod error;
pub mod message;
pub mod recipient;
pub mod username;

pub use client::{Client, ClientId, ConnectionState};
pub use command::Command;
pub use error::{ChatError, UsernameError};
pub use message::{History, Message, SharedMessage};
pub use recipient::{Delivery, Inbox, Recipient, Transcript, broadcast, broadcast_dyn};
pub use username::Username;
