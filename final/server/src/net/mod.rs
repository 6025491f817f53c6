//! The network side of the server: the accept loop, HTTP and the WebSocket upgrade on one port,
//! and the task that runs each connection.
//!
//! Final server — book chapter "The final server", sections "Why hyper", "One connection" and
//! "Starting and stopping".
//!
//! The parts, in the order a connection meets them: [`server`] accepts it (and shuts everything
//! down in order), `http` answers its HTTP requests or upgrades it, `connection` runs the
//! upgraded WebSocket until it ends (`pace` tells it when to flush), and `api` answers `/api/*`
//! (accounts). Dependency
//! direction: `server` → `http` → `connection` and `api`; `http` and `api` → `origin` (which
//! pages may use the server); all of them → `shared` (what every task of one server shares);
//! `shared` and `origin` use none of them.

mod api;
mod connection;
mod http;
mod origin;
mod pace;
pub mod server;
mod shared;
