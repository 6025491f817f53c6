//! Stage 2 — Concurrency: an in-process chat simulation, printed to the terminal.
//!
//! Book: chapter 2. Run with `cargo run -p stage2-concurrency`. Clients are tokio tasks that
//! talk through the shared registry; there is no network yet (that is stage 3).

use std::error::Error;
use std::time::Duration;

use stage1_foundations::message::share;
use stage1_foundations::{Message, Username};
use stage2_concurrency::channels::{Room, flood_bounded, flood_unbounded, receive_all};
use stage2_concurrency::runtime::{alive_tasks_settled, build_runtime, tasks_on_threads};
use stage2_concurrency::simulation::{self, Config, Verdict};
use stage2_concurrency::streams::{count_words, tidy, typing};

// ANCHOR: main
fn main() -> Result<(), Box<dyn Error>> {
    // What `#[tokio::main]` would do, written out: build a runtime, run one future on it.
    let runtime = build_runtime(2)?;
    runtime.block_on(async {
        tour().await?;
        // Every task was awaited, so nothing is left running on the runtime.
        let alive = alive_tasks_settled(Duration::from_secs(5)).await;
        println!("tasks still alive when the tour ends: {alive}");
        Ok(())
    })
}
// ANCHOR_END: main

async fn tour() -> Result<(), Box<dyn Error>> {
    println!("Stage 2 — Concurrency: many clients at once, no network yet.\n");

    println!("1. Tasks are not threads");
    let threads = tasks_on_threads(10_000).await;
    println!("   10000 tasks ran on {threads} worker threads\n");

    println!("2. Channels and slow readers");
    let hello = share(Message::new(Username::parse("alice")?, "hello")?);
    let room = Room::new(4);
    let slow = room.subscribe();
    for _ in 0..10 {
        room.publish(hello.clone());
    }
    drop(room);
    let received = receive_all(slow).await;
    println!(
        "   broadcast channel of 4: a subscriber that read late got {} of 10 and was told it missed {}",
        received.messages.len(),
        received.missed
    );
    println!(
        "   a client that never reads, sent 10000 messages: an unbounded queue holds {}",
        flood_unbounded(&hello, 10_000)
    );
    let (held, refused) = flood_bounded(&hello, 10_000, 64);
    println!("   the same with a bounded queue of 64: holds {held}, refused {refused}\n");

    // ANCHOR: streams
    println!("3. Streams: typed lines, cleaned up on the way");
    let lines = ["  hello  ", "", "how are you", "/quit", "never read"]
        .map(String::from)
        .to_vec();
    let typed = typing(lines, Duration::from_millis(20));
    let words = count_words(tidy(typed)).await;
    println!(
        "   5 lines typed 20 ms apart; tidy() kept 2 of them (blank dropped, stopped at /quit): {words} words\n"
    );
    // ANCHOR_END: streams

    // ANCHOR: simulate
    let config = Config {
        names: ["alice", "bob", "carol", "dave", "erin", "frank"]
            .map(String::from)
            .to_vec(),
        messages_each: 20,
        quitters: 2,
    };
    println!(
        "4. The chat: {} clients send {} messages each; the last {} quit halfway",
        config.names.len(),
        config.messages_each,
        config.quitters
    );
    let report = simulation::run(&config).await?;
    println!(
        "   the transcript recorded {} messages",
        report.transcript.len()
    );
    for (log, verdict) in &report.clients {
        let what = match verdict {
            Verdict::GotEverything => format!(
                "got all {} messages, in transcript order",
                log.received.len()
            ),
            Verdict::GotEverythingUntilLeaving(n) => {
                format!("got exactly the first {n} messages of the transcript, then left")
            }
            Verdict::Wrong(why) => format!("WRONG: {why}"),
        };
        println!(
            "   {:<6} sent {:>2}, exit {:<13} {what}",
            log.username.as_str(),
            log.sent,
            format!("{:?},", log.exit)
        );
    }
    println!(
        "   every client got every message it should: {}",
        if report.all_correct() { "yes" } else { "NO" }
    );
    println!("   clients still registered: {}", report.still_registered);
    // ANCHOR_END: simulate
    Ok(())
}
