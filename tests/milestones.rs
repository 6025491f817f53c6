//! Each stage's milestone binary runs and prints what its chapter says it prints.
//!
//! Later stages add their servers' end-to-end suites beside this file.

use std::process::Command;
use std::time::Duration;

use roadmap_tests::process::Running;
use roadmap_tests::{assert_contains_all, milestone_binary, run_bounded};

#[test]
fn stage1_tour_runs_and_explains_each_piece() {
    let exe = milestone_binary("stage1-foundations", "stage1-foundations");
    let output = run_bounded(&mut Command::new(exe), Duration::from_secs(30));
    assert!(
        output.success,
        "the stage 1 demo failed:\n{}",
        output.stderr
    );
    assert_contains_all(
        &output.stdout,
        &[
            // One line per section of the chapter, in the demo's own words.
            "1. Usernames are checked once",
            "\"  alice \" -> accepted as alice",
            "\"bob smith\" -> refused: a username cannot contain ' '",
            "2. Ownership and borrowing",
            "borrowed mutably to censor 1 word: this **** build is slow",
            "moved into the history, which now holds 1 message",
            "3. One message, many recipients, no copies",
            "delivered to 3 inboxes; all point at the same message: true; Arc::strong_count = 4",
            "4. Commands borrow from the line they were parsed from",
            "\"/msg bob see you at 5\" -> direct to \"bob\": \"see you at 5\"",
            "\"/join\" -> error: /join needs a room",
            "5. A connection's life is an enum",
            "leave before joining -> refused: cannot leave while connecting (still connecting)",
            "close -> gone",
            "6. One trait, different recipients",
            "not delivered to eve: the inbox of eve is full",
            "7. Errors carry their cause",
            "invalid username: a username cannot contain ' '",
        ],
    );
    let sections = ["1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. "];
    let positions: Vec<usize> = sections
        .iter()
        .filter_map(|s| output.stdout.find(&format!("\n{s}")))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "sections should print in order"
    );
}

#[test]
fn stage2_simulation_runs_and_every_client_gets_its_messages() {
    let exe = milestone_binary("stage2-concurrency", "stage2-concurrency");
    let output = run_bounded(&mut Command::new(exe), Duration::from_secs(60));
    assert!(
        output.success,
        "the stage 2 demo failed:\n{}",
        output.stderr
    );
    assert_contains_all(
        &output.stdout,
        &[
            "1. Tasks are not threads",
            "10000 tasks ran on",
            "2. Channels and slow readers",
            "a subscriber that read late got 4 of 10 and was told it missed 6",
            "an unbounded queue holds 10000",
            "the same with a bounded queue of 64: holds 64, refused 9936",
            "3. Streams: typed lines, cleaned up on the way",
            "tidy() kept 2 of them (blank dropped, stopped at /quit): 4 words",
            "4. The chat: 6 clients send 20 messages each; the last 2 quit halfway",
            "the transcript recorded 100 messages",
            "got all 100 messages, in transcript order",
            "got exactly the first",
            "every client got every message it should: yes",
            "clients still registered: 0",
            "tasks still alive when the tour ends: 0",
        ],
    );
    assert!(!output.stdout.contains("WRONG"), "{}", output.stdout);
    assert_eq!(
        output.stdout.matches("in transcript order").count(),
        4,
        "four clients stay to the end"
    );
}

#[test]
fn stage3_two_terminal_clients_chat_through_the_server() {
    const WAIT: Duration = Duration::from_secs(20);
    let server_exe = milestone_binary("stage3-websockets", "stage3-server");
    let client_exe = milestone_binary("stage3-websockets", "stage3-client");

    let mut server = Running::start(&server_exe, &["127.0.0.1:0"]);
    let listening = server.expect_line("listening on ws://", WAIT);
    let url = listening
        .split_whitespace()
        .last()
        .expect("the line ends with the URL")
        .to_owned();

    let mut bob = Running::start(&client_exe, &["bob", &url]);
    bob.expect_line("connected to", WAIT);
    let mut alice = Running::start(&client_exe, &["alice", &url]);
    alice.expect_line("connected to", WAIT);

    alice.type_line("hello bob");
    assert!(
        bob.expect_line("alice: hello bob", WAIT)
            .ends_with("UTC] alice: hello bob")
    );
    bob.type_line("hi alice");
    alice.expect_line("bob: hi alice", WAIT);
    // Whatever is typed travels as the text of a JSON message, even text that looks like JSON.
    alice.type_line("{\"text\": \"injected\"}");
    bob.expect_line("alice: {\"text\": \"injected\"}", WAIT);

    // A name the server refuses: the client shows the server's error in words.
    let mut stranger = Running::start(&client_exe, &["no spaces allowed", &url]);
    stranger.expect_line("connected to", WAIT);
    stranger.type_line("hi");
    stranger.expect_line("! server says: invalid username", WAIT);
    assert!(stranger.close_stdin_and_wait(WAIT));

    assert!(
        alice.close_stdin_and_wait(WAIT),
        "alice quits cleanly with Ctrl-D"
    );
    assert!(
        bob.close_stdin_and_wait(WAIT),
        "bob quits cleanly with Ctrl-D"
    );
}

#[test]
fn stage4_ctrl_c_stops_the_server_and_the_client_reconnects_to_its_restart() {
    const WAIT: Duration = Duration::from_secs(20);
    let server_exe = milestone_binary("stage4-architecture", "stage4-server");
    let client_exe = milestone_binary("stage4-architecture", "stage4-client");

    let mut server = Running::start(&server_exe, &["127.0.0.1:0"]);
    let url = server
        .expect_line("listening on ws://", WAIT)
        .split_whitespace()
        .last()
        .map(str::to_owned);
    let url = url.expect("the line ends with the URL");
    let addr = url.trim_start_matches("ws://").to_owned();

    let mut alice = Running::start(&client_exe, &["alice", &url]);
    alice.expect_line("* connected to", WAIT);

    server.interrupt(); // Ctrl-C
    server.expect_line(
        "stopped: 1 connection(s) were open; all closed in time: true",
        WAIT,
    );
    assert!(
        server.wait_for_exit(WAIT),
        "the server exits with success after Ctrl-C"
    );
    alice.expect_line("* connection lost (1001 server shutting down)", WAIT);

    let mut restarted = Running::start(&server_exe, &[&addr]);
    restarted.expect_line("listening on ws://", WAIT);
    alice.expect_line("* connected to", WAIT);

    let mut bob = Running::start(&client_exe, &["bob", &url]);
    bob.expect_line("* connected to", WAIT);
    bob.type_line("welcome back");
    alice.expect_line("bob: welcome back", WAIT);

    assert!(alice.close_stdin_and_wait(WAIT));
    assert!(bob.close_stdin_and_wait(WAIT));
    restarted.interrupt();
    assert!(restarted.wait_for_exit(WAIT));
}
