//! What the tools' tests need of a server: one started in the test process on a free port, and
//! waits that fail the test instead of hanging it: the server's own test harness,
//! `chat_server::testing`.
//!
//! Final server — book chapters "Running the server", section "The load tool", and "Security",
//! section "Soak" (the tests that use it). The tools talk to the server with their own clients,
//! so they need only this much of the harness.

#[allow(unused_imports)] // each test file uses its own part of it
pub(crate) use chat_server::testing::{WAIT, bounded, eventually, start};
