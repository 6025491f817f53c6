//! The tools that drive the final server from outside, over real sockets, as its users would:
//!
//! - [`stress`] — `chat-stress`, the load generator (book: "Running the server", section "The
//!   load tool"; the "Performance" chapter's figures);
//! - [`soak`] — `chat-soak`, a long run with clients that keep leaving and coming back (book:
//!   "Security", section "Soak");
//! - `chat-bench` — every server of the roadmap under the same scenarios, one table (book:
//!   "Performance"); its parts are in `src/bin/chat-bench/`, and its `main.rs` says which way
//!   they depend.
//!
//! Final server — book chapter "The final server" (where each crate of the final server is).
//!
//! Dependency direction: the tools depend on the server's library only for
//! `chat_server::cli::parse_duration` (durations are read exactly as the server reads them;
//! the tests also start a server from it), on stage 5's stress tool for its message stamps,
//! progress counters and latency summary, and on stage 4 for its random numbers; nothing in
//! the server depends on them. Inside this crate, [`soak`] uses [`proc`], and nothing else
//! uses another module (`chat-bench` uses [`proc`] too, from its own crate); `stress`'s parts
//! and their direction are in its module doc.

pub mod proc;
pub mod soak;
pub mod stress;
