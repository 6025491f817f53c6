//! An in-process chat: clients join, talk, and leave while others are still talking.
//!
//! Stage 2 — Concurrency, book chapter 2, section "The whole simulation".
//!
//! There is no network yet: each client's "keyboard" is a channel the simulation types into.
//! A transcript observer joins first and records every message in the order the registry
//! queued it. Because [`Registry::broadcast`] queues a message for everyone under one lock, every
//! client sees messages in that same order, which gives the simulation an exact check:
//! - a client that stays receives exactly the transcript;
//! - a client that quits halfway receives exactly the beginning of the transcript, up to the
//!   moment it left, including everything it sent itself.

use std::time::Duration;

use stage1_foundations::{ClientId, SharedMessage, Username};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::client::{ClientHandle, ClientLog, Exit};
use crate::registry::{JoinRefused, Registry};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Config {
    /// The clients' names.
    pub names: Vec<String>,
    /// How many messages each client that stays sends.
    pub messages_each: usize,
    /// How many clients (the last ones in `names`) send half their messages, then `/quit`.
    pub quitters: usize,
}

/// How one client's result compares with the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Stayed to the end and received the whole transcript, in order.
    GotEverything,
    /// Quit, and received exactly the first `n` messages of the transcript, its own included.
    GotEverythingUntilLeaving(usize),
    /// Something is wrong: the explanation says what.
    Wrong(String),
}

/// The outcome of a simulation.
#[derive(Debug)]
pub struct Report {
    /// Every message, in the order the registry queued them.
    pub transcript: Vec<SharedMessage>,
    /// Each client's log with its verdict, in the order of `names`.
    pub clients: Vec<(ClientLog, Verdict)>,
    /// Clients left in the registry at the end (should be 0).
    pub still_registered: usize,
}

impl Report {
    /// Whether every client got every message it should.
    pub fn all_correct(&self) -> bool {
        self.clients
            .iter()
            .all(|(_, verdict)| !matches!(verdict, Verdict::Wrong(_)))
    }
}

const TRANSCRIPT: ClientId = ClientId::new(0);
const NEVER_IDLE: Duration = Duration::from_secs(24 * 3600);

// ANCHOR: run
/// Runs the simulation and checks every client's messages against the transcript.
pub async fn run(config: &Config) -> Result<Report, JoinRefused> {
    let registry = Registry::new();
    let quitters_from = config.names.len().saturating_sub(config.quitters);
    let expected_total: usize = (0..config.names.len())
        .map(|i| {
            if i >= quitters_from {
                config.messages_each / 2
            } else {
                config.messages_each
            }
        })
        .sum();

    // The transcript joins first, with room for everything, and reads until it has it all.
    let transcript_queue =
        registry.join(TRANSCRIPT, username("transcript"), expected_total.max(1))?;
    let transcript = tokio::spawn(read_transcript(transcript_queue, expected_total));

    // Every client gets a task, and a keyboard: the sending end of its typed-lines channel.
    let mut clients = Vec::new();
    for (index, name) in config.names.iter().enumerate() {
        let (keyboard, typed) = mpsc::channel(4);
        let id = ClientId::new(index as u64 + 1);
        let handle = ClientHandle::spawn(
            &registry,
            id,
            username(name),
            ReceiverStream::new(typed),
            expected_total.max(1),
            NEVER_IDLE,
        )?;
        clients.push((handle, keyboard));
    }

    // Everyone types in turns; the quitters stop halfway and type /quit.
    for round in 0..config.messages_each {
        for (index, (_, keyboard)) in clients.iter().enumerate() {
            let quitter = index >= quitters_from;
            let line = match (quitter, round) {
                (true, r) if r == config.messages_each / 2 => "/quit".to_owned(),
                (true, r) if r > config.messages_each / 2 => continue,
                _ => format!("{} says #{}", config.names[index], round + 1),
            };
            // A client that quit has dropped its keyboard's other end; that is fine.
            let _ = keyboard.send(line).await;
        }
    }
    if config.messages_each == 0 {
        // No rounds were typed, so nobody has quit yet.
        for (_, keyboard) in &clients[quitters_from..] {
            let _ = keyboard.send("/quit".to_owned()).await;
        }
    }

    // Once the transcript has every message, nothing more is on its way: end the clients that
    // stayed, half of them with the stop signal and half by closing their keyboard.
    let transcript = transcript.await.unwrap_or_default();
    let mut logs = Vec::new();
    for (index, (handle, keyboard)) in clients.into_iter().enumerate() {
        let log = if index < quitters_from && index % 2 == 0 {
            handle.stop().await
        } else {
            drop(keyboard);
            handle.finished().await
        };
        if let Ok(log) = log {
            logs.push(log);
        }
    }
    registry.leave(TRANSCRIPT);

    let clients = logs
        .into_iter()
        .map(|log| {
            let verdict = judge(&log, &transcript);
            (log, verdict)
        })
        .collect();
    Ok(Report {
        transcript,
        clients,
        still_registered: registry.len(),
    })
}
// ANCHOR_END: run

async fn read_transcript(
    mut queue: mpsc::Receiver<SharedMessage>,
    expected: usize,
) -> Vec<SharedMessage> {
    let mut messages = Vec::with_capacity(expected);
    while messages.len() < expected {
        match queue.recv().await {
            Some(message) => messages.push(message),
            None => break,
        }
    }
    messages
}

// ANCHOR: judge
/// Compares what a client received with the transcript.
fn judge(log: &ClientLog, transcript: &[SharedMessage]) -> Verdict {
    let n = log.received.len();
    let same = |a: &SharedMessage, b: &SharedMessage| std::sync::Arc::ptr_eq(a, b);
    if n > transcript.len() || !log.received.iter().zip(transcript).all(|(a, b)| same(a, b)) {
        return Verdict::Wrong(
            "received messages that differ from the transcript, or in another order".into(),
        );
    }
    let own_in_transcript = transcript
        .iter()
        .filter(|m| m.username() == &log.username)
        .count();
    let own_received = log
        .received
        .iter()
        .filter(|m| m.username() == &log.username)
        .count();
    if own_received != own_in_transcript {
        return Verdict::Wrong(format!(
            "received {own_received} of its own {own_in_transcript} messages"
        ));
    }
    match log.exit {
        Exit::Quit => Verdict::GotEverythingUntilLeaving(n),
        _ if n == transcript.len() => Verdict::GotEverything,
        _ => Verdict::Wrong(format!(
            "stayed to the end but received {n} of {} messages",
            transcript.len()
        )),
    }
}
// ANCHOR_END: judge

fn username(name: &str) -> Username {
    // The simulation's own names are fixed and valid; a bad one is a bug in the caller's config,
    // reported as the placeholder name rather than a panic.
    Username::parse(name)
        .unwrap_or_else(|_| Username::parse("invalid-name").unwrap_or_else(|_| unreachable!()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stage1_foundations::Message;
    use stage1_foundations::message::share;

    fn log(name: &str, received: Vec<SharedMessage>, exit: Exit) -> ClientLog {
        ClientLog {
            id: ClientId::new(9),
            username: username(name),
            received,
            sent: 0,
            rejected: 0,
            exit,
        }
    }

    fn said(name: &str, text: &str) -> SharedMessage {
        share(Message::new(username(name), text).unwrap())
    }

    #[test]
    fn judge_catches_a_missing_a_reordered_and_a_foreign_message() {
        let transcript = vec![said("ann", "1"), said("bo", "2"), said("ann", "3")];
        let all = transcript.clone();
        assert_eq!(
            judge(&log("bo", all, Exit::Stopped), &transcript),
            Verdict::GotEverything
        );
        let missing_last = transcript[..2].to_vec();
        assert!(matches!(
            judge(&log("bo", missing_last, Exit::Stopped), &transcript),
            Verdict::Wrong(_)
        ));
        let reordered = vec![
            transcript[1].clone(),
            transcript[0].clone(),
            transcript[2].clone(),
        ];
        assert!(matches!(
            judge(&log("bo", reordered, Exit::Stopped), &transcript),
            Verdict::Wrong(_)
        ));
        let foreign = vec![
            transcript[0].clone(),
            said("bo", "2"),
            transcript[2].clone(),
        ];
        assert!(matches!(
            judge(&log("bo", foreign, Exit::Stopped), &transcript),
            Verdict::Wrong(_)
        ));
    }

    #[test]
    fn judge_requires_a_quitter_to_have_its_own_messages() {
        let transcript = vec![said("ann", "1"), said("bo", "2"), said("ann", "3")];
        let prefix = transcript[..2].to_vec();
        assert_eq!(
            judge(&log("bo", prefix, Exit::Quit), &transcript),
            Verdict::GotEverythingUntilLeaving(2)
        );
        let too_short = transcript[..1].to_vec();
        assert!(matches!(
            judge(&log("bo", too_short, Exit::Quit), &transcript),
            Verdict::Wrong(_)
        ));
    }
}
