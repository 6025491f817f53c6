//! What the tools' tests need of a server: one started in the test process on a free port, and
//! waits that fail the test instead of hanging it.
//!
//! Final server — book chapters "Running the server", section "The load tool", and "Security",
//! section "Soak" (the tests that use it). The server's own tests have a larger kit (a protocol client, raw sockets, Redis);
//! the tools talk to the server with their own clients, so they need only this much of it.

use std::future::Future;
use std::time::Duration;

use chat_server::{RunningServer, Server, ServerBuilder};

/// The bound of every wait in these tests: a hang fails fast instead of stalling CI.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Starts a server with this configuration on `127.0.0.1:0` (any free port).
pub(crate) async fn start(builder: ServerBuilder) -> RunningServer {
    let config = builder.build().expect("valid test config");
    Server::bind("127.0.0.1:0", config)
        .await
        .expect("bind")
        .spawn()
        .expect("spawn")
}

/// Waits for `future` for at most [`WAIT`]; `what` names it in the failure.
pub(crate) async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until `condition` holds, checking every 10 ms, for at most [`WAIT`].
pub(crate) async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    bounded(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}
