//! Stage 2 — Concurrency: the whole in-process chat, on a real multi-threaded runtime.
//!
//! Clients join, send, quit halfway and are stopped while others are still sending; afterwards
//! every client's log must match the transcript exactly (see `simulation::judge`), nobody may be
//! left in the registry, and no task may still be alive (`runtime::alive_tasks_settled`). The simulation runs many times, because
//! a race that loses a message may only show up once in a while.

use std::time::Duration;

use stage2_concurrency::runtime::alive_tasks_settled;
use stage2_concurrency::simulation::{self, Config, Verdict};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_gets_every_message_it_should_every_time() {
    let names = ["ann", "bo", "cy", "di", "ed", "flo", "gus", "hal"];
    for run in 0..25 {
        let config = Config {
            names: names.map(String::from).to_vec(),
            messages_each: 30,
            quitters: 3,
        };
        let report = tokio::time::timeout(Duration::from_secs(30), simulation::run(&config))
            .await
            .unwrap_or_else(|_| panic!("run {run}: the simulation hung"))
            .expect("all names are valid and distinct");

        assert_eq!(
            report.transcript.len(),
            5 * 30 + 3 * 15,
            "run {run}: every valid line is broadcast once"
        );
        for (log, verdict) in &report.clients {
            match (log.username.as_str(), verdict) {
                ("flo" | "gus" | "hal", Verdict::GotEverythingUntilLeaving(n)) => {
                    assert!(
                        *n >= 15,
                        "run {run}: a quitter gets at least its own 15 messages"
                    )
                }
                (_, Verdict::GotEverything) => {}
                (name, other) => panic!("run {run}: {name}: {other:?}"),
            }
        }
        assert_eq!(
            report.still_registered, 0,
            "run {run}: everyone left the registry"
        );
        assert_eq!(
            alive_tasks_settled(Duration::from_secs(5)).await,
            0,
            "run {run}: no task leaked"
        );
    }
}
