//! Tests for exercise 2.1. Read them to see what is expected; do not edit them.

use super::*;
use stage1_foundations::message::share;
use stage1_foundations::{Message, Username};
use std::time::Duration;

fn id(n: u64) -> ClientId {
    ClientId::new(n)
}

fn message(text: &str) -> SharedMessage {
    share(Message::new(Username::parse("alice").unwrap(), text).unwrap())
}

#[test]
fn leave_removes_a_client_once() {
    let registry = Registry::new();
    let _queue = registry.join(id(1), 4);
    assert!(
        registry.leave(id(1)),
        "leave should return true for a registered client"
    );
    assert_eq!(registry.len(), 0);
    assert!(
        !registry.leave(id(1)),
        "leaving twice: the second time there is nothing to remove"
    );
}

#[test]
fn broadcast_queues_one_shared_message_for_everyone() {
    let registry = Registry::new();
    let mut queues: Vec<_> = (1..=3).map(|n| registry.join(id(n), 4)).collect();
    let hello = message("hello");
    let report = registry.broadcast(&hello);
    assert_eq!(
        report,
        Report {
            delivered: 3,
            full: vec![],
            removed: vec![]
        }
    );
    for queue in &mut queues {
        let got = queue
            .try_recv()
            .expect("every queue should hold the message");
        assert!(
            Arc::ptr_eq(&got, &hello),
            "queue an Arc clone of the message, not a copy"
        );
    }
}

#[test]
fn full_queues_are_reported_sorted_and_kept() {
    let registry = Registry::new();
    let _slow: Vec<_> = [7, 3, 5]
        .map(|n| registry.join(id(n), 1))
        .into_iter()
        .collect();
    let _roomy = registry.join(id(1), 10);
    registry.broadcast(&message("fills the small queues"));
    let report = registry.broadcast(&message("does not fit"));
    assert_eq!(report.delivered, 1, "only the roomy queue had space");
    assert_eq!(report.full, [id(3), id(5), id(7)], "full ids, sorted by id");
    assert!(report.removed.is_empty());
    assert_eq!(
        registry.len(),
        4,
        "a full client stays registered: it may catch up"
    );
}

#[test]
fn closed_queues_are_removed() {
    let registry = Registry::new();
    let gone_a = registry.join(id(9), 4);
    let _stays = registry.join(id(2), 4);
    let gone_b = registry.join(id(4), 4);
    drop(gone_a);
    drop(gone_b);
    let report = registry.broadcast(&message("anyone?"));
    assert_eq!(report.delivered, 1);
    assert_eq!(report.removed, [id(4), id(9)], "closed ids, sorted by id");
    assert_eq!(
        registry.len(),
        1,
        "closed clients must be removed from the registry"
    );
    assert_eq!(
        registry.broadcast(&message("again")).removed,
        Vec::<ClientId>::new(),
        "and only once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_come_and_go_while_others_broadcast() {
    let registry = Registry::new();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..4u64 {
        let registry = registry.clone();
        tasks.spawn(async move {
            for round in 0..200u64 {
                let me = id(worker * 1_000 + round);
                let mut queue = registry.join(me, 8);
                tokio::task::yield_now().await;
                assert!(registry.leave(me), "a client that joined can leave");
                while queue.recv().await.is_some() {} // drain what arrived, then see the close
            }
        });
    }
    let broadcaster = registry.clone();
    tasks.spawn(async move {
        for n in 0..500 {
            broadcaster.broadcast(&message(&n.to_string()));
            tokio::task::yield_now().await;
        }
    });
    let all_done = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(result) = tasks.join_next().await {
            result.expect("no task may panic");
        }
    });
    assert!(
        all_done.await.is_ok(),
        "joining, leaving and broadcasting together must not hang"
    );
    assert_eq!(registry.len(), 0, "everyone left");
}
