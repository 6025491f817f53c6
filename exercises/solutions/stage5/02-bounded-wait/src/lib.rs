//! # Exercise 5.2 — A bounded wait: reference solution
//!
//! Stage 5 — Testing and performance. The exercise is `exercises/stage5/02-bounded-wait`; this
//! file is tested with that exercise's own `src/tests.rs`.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The limit passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    /// The limit that passed.
    pub limit: Duration,
}

/// Runs `future` for at most `limit`.
pub async fn within<F: Future>(limit: Duration, future: F) -> Result<F::Output, TimedOut> {
    tokio::time::timeout(limit, future)
        .await
        .map_err(|_| TimedOut { limit })
}

/// Checks `condition` now and every `step` until it is true (returns the time taken) or `limit`
/// has passed.
pub async fn eventually(
    mut condition: impl FnMut() -> bool,
    step: Duration,
    limit: Duration,
) -> Result<Duration, TimedOut> {
    let start = Instant::now();
    loop {
        if condition() {
            return Ok(start.elapsed());
        }
        let elapsed = start.elapsed();
        if elapsed >= limit {
            return Err(TimedOut { limit });
        }
        tokio::time::sleep(step.min(limit - elapsed)).await;
    }
}

#[cfg(test)]
#[path = "../../../../stage5/02-bounded-wait/src/tests.rs"]
mod tests;
