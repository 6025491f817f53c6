//! Accepting connections, until told to stop.
//!
//! Stage 4 — Architecture, book chapter 4, sections "Modules with one job" and
//! "Graceful shutdown".
//!
//! The accept loop of stage 3, with two additions: it stops when the shutdown token is
//! cancelled, and it spawns connections on a [`TaskTracker`], so that shutdown can wait for all
//! of them to finish. Each connection runs inside its own `tracing` span, so every log line it
//! writes carries its id and address.

use std::sync::Arc;
use std::time::Duration;

use stage1_foundations::ClientId;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::client;
use crate::state::Shared;

// ANCHOR: accept
/// Accepts connections until `shutdown` is cancelled; each runs on `tracker`.
pub async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let mut next_id = 0;
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (socket, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(error = %err, "accept failed; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id += 1;
        let id = ClientId::new(next_id);
        let span = tracing::info_span!("connection", %id, %peer);
        let connection = client::serve(socket, peer, id, Arc::clone(&shared), shutdown.clone());
        tracker.spawn(
            async move {
                if let Err(err) = connection.await {
                    tracing::info!(error = %err, "connection ended with an error");
                }
            }
            .instrument(span),
        );
    }
}
// ANCHOR_END: accept
