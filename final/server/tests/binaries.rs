//! The two programs a person runs: `chat-server` (flags, its URL line, Ctrl-C) and `chat-client`
//! (commands, and catching up after the server restarts). Book: "Running the server".
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::path::Path;
use std::time::Duration;

use roadmap_tests::milestone_binary;
use roadmap_tests::process::Running;
use serde_json::json;
use support::Client;

const WAIT: Duration = Duration::from_secs(20);

/// The program as a person starts it, with its message store in `data`.
fn start_server(listen: &str, data: &Path) -> (Running, String) {
    let mut server = Running::start(
        env!("CARGO_BIN_EXE_chat-server").as_ref(),
        &[
            "--listen",
            listen,
            "--data-dir",
            data.to_str().expect("a UTF-8 path"),
        ],
    );
    let line = server.expect_line("chat-server listening on ws://", WAIT);
    let url = line
        .split_whitespace()
        .nth(3)
        .expect("the URL is the fourth word")
        .to_owned();
    (server, url)
}

#[test]
fn help_lists_every_option_with_its_environment_variable() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--listen",
        "--max-connections",
        "--max-connections-per-ip",
        "--max-message-bytes",
        "--rate",
        "--hello-timeout",
        "--idle-timeout",
        "--history",
        "--queue-capacity",
        "--allowed-origin",
    ] {
        assert!(help.contains(flag), "{flag} in --help");
    }
    assert!(help.contains("CHAT_MAX_CONNECTIONS"), "env vars are shown");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["--queue-capacity", "0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("queue_capacity must be at least 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_chats_and_catches_up_after_a_server_restart() {
    let data = support::store_folder("binaries");
    let (mut server, url) = start_server("127.0.0.1:0", &data);
    let addr = url
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .to_owned();
    // The terminal client is another package's binary: cargo builds it for this test.
    let mut alice = Running::start(
        &milestone_binary("chat-client", "chat-client"),
        &["alice", "--url", &url, "--room", "rust"],
    );
    alice.expect_line("* connected to", WAIT);
    alice.expect_line("* joined #rust; here: alice", WAIT);

    let mut bob = Client::hello(&url, "bob").await;
    bob.join("rust").await;
    alice.expect_line("* bob joined #rust", WAIT);
    alice.type_line("hello bob");
    assert_eq!(bob.recv_type("message").await["text"], "hello bob");
    bob.send(json!({"type": "send", "room": "rust", "text": "hi alice"}))
        .await;
    alice.expect_line("#rust <bob> hi alice", WAIT);
    bob.recv_type("message").await; // his own copy
    alice.type_line("/msg bob psst");
    assert_eq!(bob.recv_type("direct").await["text"], "psst");
    alice.expect_line("(to bob) psst", WAIT);
    alice.type_line("/rooms");
    alice.expect_line("* rooms: #rust (2)", WAIT);
    // A refused /join changes nothing; an accepted one makes the room the current one.
    alice.type_line("/join Not-Lowercase");
    alice.expect_line("! invalid_room:", WAIT);
    alice.type_line("still in rust");
    assert_eq!(bob.recv_type("message").await["text"], "still in rust");
    alice.type_line("/join go");
    alice.expect_line("* joined #go; here: alice", WAIT);
    alice.type_line("gophers?");
    alice.expect_line("#go <alice> gophers?", WAIT);
    alice.type_line("/room rust");
    alice.expect_line("* now talking in #rust", WAIT);
    // Scrollback: nothing in #rust is older than what alice saw since she joined.
    alice.type_line("/more");
    alice.expect_line("* earlier in #rust:", WAIT);
    alice.expect_line("* (the beginning of #rust)", WAIT);

    // Ctrl-C: the server closes everyone with 1001 and exits with success.
    server.interrupt();
    server.expect_line(
        "chat-server stopped: 2 connection(s) closed, all in time: true",
        WAIT,
    );
    assert!(server.wait_for_exit(WAIT));
    alice.expect_line("* connection lost (1001 server shutting down)", WAIT);

    // A new server on the same address; bob says two things, alice catches up on them exactly once.
    let (_server, _) = start_server(&addr, &data);
    let mut bob = Client::hello(&url, "bob").await;
    bob.join("rust").await;
    bob.send(json!({"type": "send", "room": "rust", "text": "during the restart"}))
        .await;
    alice.expect_line("* connected to", WAIT);
    alice.expect_line("during the restart", WAIT);
    bob.send(json!({"type": "send", "room": "rust", "text": "welcome back"}))
        .await;
    alice.expect_line("welcome back", WAIT);
    let shown = alice
        .seen()
        .iter()
        .filter(|line| line.contains("during the restart"))
        .count();
    assert_eq!(shown, 1, "shown once: {:?}", alice.seen());

    alice.type_line("/leave");
    alice.expect_line("* you left #rust", WAIT);
    alice.type_line("/quit");
    assert!(alice.wait_for_exit(WAIT), "/quit exits with success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_signs_in_and_its_messages_say_so() {
    let data = support::store_folder("client-login");
    let (_server, url) = start_server("127.0.0.1:0", &data);
    let addr: std::net::SocketAddr = url
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .parse()
        .unwrap();
    let credentials = json!({"username": "Ann", "password": "long enough"}).to_string();
    let json_type = "Content-Type: application/json\r\n";
    let (status, _, _) = support::post(addr, "/api/register", json_type, &credentials).await;
    assert_eq!(status, 201);

    // The password comes from the first line of standard input, which is not a terminal here.
    let client = milestone_binary("chat-client", "chat-client");
    let mut ann = Running::start(
        &client,
        &["--login", "ann", "--url", &url, "--room", "rust"],
    );
    ann.type_line("long enough");
    ann.expect_line("* connected to", WAIT);
    assert!(
        ann.seen().iter().any(|line| line.ends_with("as Ann")),
        "{:?}",
        ann.seen()
    );
    ann.expect_line("* joined #rust", WAIT);
    let mut bob = Client::hello(&url, "bob").await;
    bob.join("rust").await;
    ann.type_line("hello from a signed-in terminal");
    let message = bob.recv_type("message").await;
    assert_eq!(
        (message["username"].as_str(), message["verified"].as_bool()),
        (Some("Ann"), Some(true))
    );
    ann.expect_line("#rust <Ann✓> hello from a signed-in terminal", WAIT);
    bob.send(json!({"type": "send", "room": "rust", "text": "hi Ann"}))
        .await;
    ann.expect_line("#rust <bob> hi Ann", WAIT);
    ann.type_line("/quit");
    assert!(ann.wait_for_exit(WAIT));

    // A wrong password (here, none: standard input is empty): a clear line, and status 1.
    let wrong = roadmap_tests::run_bounded(
        std::process::Command::new(&client).args(["--login", "ann", "--url", &url]),
        WAIT,
    );
    assert!(!wrong.success);
    assert!(
        wrong
            .stderr
            .contains("signing in failed: wrong username or password"),
        "{}",
        wrong.stderr
    );
}
