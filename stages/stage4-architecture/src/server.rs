//! The server as a value: bind it, ask its address, run it until a shutdown signal.
//!
//! Stage 4 — Architecture, book chapter 4, section "Graceful shutdown".
//!
//! Shutdown is *injected*: [`Server::run`] takes any future as its shutdown signal. The binary
//! passes Ctrl-C or SIGTERM; a test passes a channel it controls. When the signal fires, the
//! server stops accepting (the listener is dropped), cancels a [`CancellationToken`] that every
//! connection watches (each sends close code 1001 and finishes), then waits on a
//! [`TaskTracker`] for all of them, for at most the configured grace period.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use stage2_concurrency::Registry;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::events::{Event, Observers};
use crate::network::accept_loop;
use crate::state::Shared;

/// What shutting down found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Connections that were open when the signal came.
    pub open_connections: usize,
    /// Whether every connection finished within the grace period.
    pub closed_in_time: bool,
}

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds to the configured address.
    pub async fn bind(config: Config, observers: Observers) -> io::Result<Server> {
        let listener = TcpListener::bind(config.addr).await?;
        Ok(Server {
            listener,
            shared: Shared::new(config, observers),
        })
    }

    /// The address it listens on (with the real port if the configured one was 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The registry, to watch the server from outside (tests do).
    pub fn registry(&self) -> Registry {
        self.shared.registry.clone()
    }

    // ANCHOR: run
    /// Serves until `shutdown` completes, then shuts down gracefully.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> ShutdownReport {
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let accepting = accept_loop(
            self.listener,
            Arc::clone(&self.shared),
            token.clone(),
            tracker.clone(),
        );
        tokio::select! {
            () = accepting => {} // only returns once the token is cancelled
            () = shutdown => {}
        }
        // Returning from `select!` dropped the accept loop, and with it the listener: no new
        // connections from here on.
        self.shared.observers.publish(&Event::ShuttingDown);
        let open_connections = self.shared.registry.len();
        token.cancel(); // every connection sends 1001 and ends
        tracker.close(); // no more tasks will be added, so `wait` can finish
        let grace = self.shared.config.shutdown_grace;
        let closed_in_time = tokio::time::timeout(grace, tracker.wait()).await.is_ok();
        ShutdownReport {
            open_connections,
            closed_in_time,
        }
    }
    // ANCHOR_END: run
}

// ANCHOR: shutdown_signal
/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill` and service managers send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                eprintln!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
// ANCHOR_END: shutdown_signal
