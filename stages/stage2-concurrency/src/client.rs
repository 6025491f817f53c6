//! One task per client, and how each task ends.
//!
//! Stage 2 — Concurrency, book chapter 2, sections "One task per client" and "select!".
//!
//! A client task waits for three things at once: a line the user typed (a `Stream`), a message
//! for the user (its queue), and a signal to stop. `tokio::select!` waits for whichever comes
//! first. However the loop ends — the user quits, goes away, idles too long, or is told to stop —
//! the same cleanup runs after it: leave the registry, then deliver what was already queued.
//! That is how no task is leaked and no client lingers in the registry.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use stage1_foundations::message::share;
use stage1_foundations::{ClientId, Message, SharedMessage, Username};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use crate::registry::Registry;

/// Why a client task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user typed `/quit`.
    Quit,
    /// The user's input ended (in stage 3: the connection closed).
    Disconnected,
    /// Nothing was typed for longer than the idle timeout.
    Idle,
    /// The stop signal arrived (the server told the task to end), or its `ClientHandle` was
    /// dropped, which closes the signal's channel: nobody is left to stop it properly.
    Stopped,
    /// Every sender of the client's queue is gone: something else removed the client from the
    /// registry. Nothing does that in stage 2; stage 4's server removes clients that fall behind.
    Removed,
}

/// What a client task did, returned when it ends.
#[derive(Debug)]
pub struct ClientLog {
    /// Which client.
    pub id: ClientId,
    /// Its name.
    pub username: Username,
    /// Every message it received, in order.
    pub received: Vec<SharedMessage>,
    /// How many messages it sent.
    pub sent: usize,
    /// How many lines were refused (empty or too long).
    pub rejected: usize,
    /// Why it ended.
    pub exit: Exit,
}

// ANCHOR: client_loop
/// Runs one client until it quits, disconnects, idles out, is stopped or is removed.
pub async fn run_client<S>(
    id: ClientId,
    username: Username,
    mut typed: S,
    mut queue: mpsc::Receiver<SharedMessage>,
    registry: Registry,
    mut stop: oneshot::Receiver<()>,
    idle_timeout: Duration,
) -> ClientLog
where
    S: Stream<Item = String> + Unpin,
{
    let mut log = ClientLog {
        id,
        username,
        received: Vec::new(),
        sent: 0,
        rejected: 0,
        exit: Exit::Removed,
    };
    let mut idle_deadline = Instant::now() + idle_timeout;
    log.exit = loop {
        tokio::select! {
            line = typed.next() => match line {
                Some(line) if line.trim() == "/quit" => break Exit::Quit,
                Some(line) => {
                    idle_deadline = Instant::now() + idle_timeout;
                    match Message::new(log.username.clone(), &line) {
                        Ok(message) => {
                            registry.broadcast(&share(message));
                            log.sent += 1;
                        }
                        Err(_) => log.rejected += 1,
                    }
                }
                None => break Exit::Disconnected,
            },
            message = queue.recv() => match message {
                Some(message) => log.received.push(message),
                None => break Exit::Removed,
            },
            _ = &mut stop => break Exit::Stopped,
            _ = sleep_until(idle_deadline) => break Exit::Idle,
        }
    };
    // Every way out of the loop comes here: leave first (no new messages can arrive), then
    // deliver what was queued before we left.
    registry.leave(id);
    queue.close();
    while let Some(message) = queue.recv().await {
        log.received.push(message);
    }
    log
}
// ANCHOR_END: client_loop

// ANCHOR: handle
/// A running client task, and the means to stop it.
#[derive(Debug)]
pub struct ClientHandle {
    /// Which client.
    pub id: ClientId,
    stop: oneshot::Sender<()>,
    task: JoinHandle<ClientLog>,
}

impl ClientHandle {
    /// Joins `username` to the registry and spawns its task. `typed` is what the user types.
    pub fn spawn<S>(
        registry: &Registry,
        id: ClientId,
        username: Username,
        typed: S,
        queue_capacity: usize,
        idle_timeout: Duration,
    ) -> Result<ClientHandle, crate::registry::JoinRefused>
    where
        S: Stream<Item = String> + Unpin + Send + 'static,
    {
        let queue = registry.join(id, username.clone(), queue_capacity)?;
        let (stop, stop_signal) = oneshot::channel();
        let task = tokio::spawn(run_client(
            id,
            username,
            typed,
            queue,
            registry.clone(),
            stop_signal,
            idle_timeout,
        ));
        Ok(ClientHandle { id, stop, task })
    }

    /// Tells the task to stop, waits for it to end, and returns its log.
    pub async fn stop(self) -> Result<ClientLog, tokio::task::JoinError> {
        // If the task has already ended, nobody is listening: that is fine.
        let _ = self.stop.send(());
        self.task.await
    }

    /// Waits for the task to end by itself.
    pub async fn finished(self) -> Result<ClientLog, tokio::task::JoinError> {
        self.task.await
    }
}
// ANCHOR_END: handle

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_stream::wrappers::ReceiverStream;

    const HOUR: Duration = Duration::from_secs(3600);

    fn name(raw: &str) -> Username {
        Username::parse(raw).unwrap()
    }

    /// A client whose typing we control through the returned sender.
    fn client(registry: &Registry, id: u64, user: &str) -> (ClientHandle, mpsc::Sender<String>) {
        let (keys, typed) = mpsc::channel(16);
        let handle = ClientHandle::spawn(
            registry,
            ClientId::new(id),
            name(user),
            ReceiverStream::new(typed),
            64,
            HOUR,
        )
        .unwrap();
        (handle, keys)
    }

    #[tokio::test]
    async fn quit_leaves_the_registry_and_returns_the_log() {
        let registry = Registry::new();
        let (alice, keys) = client(&registry, 1, "alice");
        keys.send("hello".into()).await.unwrap();
        keys.send("   ".into()).await.unwrap();
        keys.send("/quit".into()).await.unwrap();
        let log = alice.finished().await.unwrap();
        assert_eq!((log.exit, log.sent, log.rejected), (Exit::Quit, 1, 1));
        assert_eq!(log.received.len(), 1, "alice receives her own message too");
        assert!(registry.is_empty());
    }

    #[tokio::test]
    async fn a_closed_input_is_a_disconnect() {
        let registry = Registry::new();
        let (bob, keys) = client(&registry, 2, "bob");
        drop(keys);
        assert_eq!(bob.finished().await.unwrap().exit, Exit::Disconnected);
        assert!(registry.is_empty());
    }

    #[tokio::test]
    async fn stop_ends_the_task_through_its_channel() {
        let registry = Registry::new();
        let (carol, _keys) = client(&registry, 3, "carol");
        let log = carol.stop().await.unwrap();
        assert_eq!(log.exit, Exit::Stopped);
        assert!(registry.is_empty());
    }

    // ANCHOR: paused_idle
    #[tokio::test(start_paused = true)]
    async fn an_idle_client_is_removed_after_the_timeout() {
        let registry = Registry::new();
        let (keys, typed) = mpsc::channel::<String>(1);
        let started = Instant::now();
        let dave = ClientHandle::spawn(
            &registry,
            ClientId::new(4),
            name("dave"),
            ReceiverStream::new(typed),
            8,
            Duration::from_secs(30),
        )
        .unwrap();
        let log = dave.finished().await.unwrap();
        assert_eq!(log.exit, Exit::Idle);
        assert!(
            started.elapsed() >= Duration::from_secs(30),
            "not before the timeout"
        );
        assert!(registry.is_empty());
        drop(keys);
    }
    // ANCHOR_END: paused_idle

    #[tokio::test]
    async fn leaving_still_delivers_what_was_queued() {
        let registry = Registry::new();
        let (typed_tx, typed) = mpsc::channel::<String>(1);
        let queue = registry.join(ClientId::new(5), name("erin"), 8).unwrap();
        for text in ["one", "two"] {
            registry.broadcast(&share(Message::new(name("frank"), text).unwrap()));
        }
        let (stop, stop_signal) = oneshot::channel();
        stop.send(()).unwrap(); // stop at once: the loop may end before reading the queue
        let log = run_client(
            ClientId::new(5),
            name("erin"),
            ReceiverStream::new(typed),
            queue,
            registry.clone(),
            stop_signal,
            HOUR,
        )
        .await;
        let texts: Vec<&str> = log.received.iter().map(|m| m.text()).collect();
        assert_eq!(texts, ["one", "two"]);
        drop(typed_tx);
    }
}
