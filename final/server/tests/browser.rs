//! The end-to-end test with real browsers: two headless Chromium pages and one terminal client
//! chat in one room, see each other's messages and presence, an HTML-looking message renders as
//! text, and after the server restarts, the pages reconnect and catch up. Book: "The web client".
//!
//! It needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`; other paths with `CHROMIUM` and `CHROMEDRIVER`). Without them it
//! says so and passes, so that `cargo test` works on a machine without a browser; with
//! `REQUIRE_BROWSER=1`, as `.ci/run` sets, a missing browser fails the test instead.
//! Screenshots go to `target/browser-screenshots/`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chat_server::{RunningServer, Server, ServerBuilder};
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use roadmap_tests::milestone_binary;
use roadmap_tests::process::Running;
use serde_json::{Value, json};
use support::bounded;

const WAIT: Duration = Duration::from_secs(30);
const XSS: &str = "<img src=x onerror=\"window.xssFired=true\">";

fn program(variable: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    path.exists().then_some(path)
}

/// Chromium and its driver; `None` (the test then passes without running, and says so) when
/// they are missing, unless `REQUIRE_BROWSER` is set, which makes that a failure.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let found = program("CHROMIUM", "/usr/bin/chromium")
        .zip(program("CHROMEDRIVER", "/usr/bin/chromedriver"));
    if found.is_none() {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set, but /usr/bin/chromium or /usr/bin/chromedriver is missing \
             (Debian: apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "browser test skipped: no chromium/chromedriver (set REQUIRE_BROWSER=1 to make this an error)"
        );
    }
    found
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(chromedriver: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    bounded("chromedriver to listen", async {
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    driver
}

/// A fresh headless Chromium, with its own empty profile.
async fn open_browser(driver: &Driver, chromium: &Path, profile: &Path) -> Browser {
    let options = json!({
        "binary": chromium,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            "--window-size=1200,800", format!("--user-data-dir={}", profile.display()),
        ],
    });
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    bounded(
        "a browser session",
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url),
    )
    .await
    .expect("start Chromium through chromedriver")
}

/// Polls a JavaScript expression until it is true (every 100 ms, at most [`WAIT`]).
async fn until(page: &Browser, expression: &str, what: &str) {
    let script = format!("return Boolean({expression});");
    let found = tokio::time::timeout(WAIT, async {
        loop {
            if page.execute(&script, vec![]).await.unwrap() == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    if found.is_err() {
        let shown = page
            .execute("return document.body.innerText;", vec![])
            .await
            .unwrap_or_default();
        panic!("timed out waiting for {what}; the page shows:\n{shown}");
    }
}

/// How many chat messages in the current room's pane have exactly this text.
fn count_messages(text: &str) -> String {
    format!(
        "[...document.querySelectorAll('#messages .message .text')].filter(e => e.textContent === {}).length",
        json!(text)
    )
}

async fn type_into(page: &Browser, field: &str, text: &str) {
    let input = page.find(Locator::Css(field)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn submit(page: &Browser, form: &str) {
    page.find(Locator::Css(&format!(
        "{form} button[type=submit], {form} button:not([type])"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
}

async fn log_in(page: &Browser, addr: SocketAddr, name: &str) {
    page.goto(&format!("http://{addr}/")).await.unwrap();
    type_into(page, "#username", name).await;
    submit(page, "#login").await;
    until(
        page,
        &format!("document.querySelector('#status').textContent.includes('connected as {name}')"),
        "the welcome",
    )
    .await;
    type_into(page, "#join-room", "rust").await;
    submit(page, "#join").await;
    until(
        page,
        "document.querySelector('#joined-rooms li[data-room=\"rust\"]')",
        "the room",
    )
    .await;
}

async fn say(page: &Browser, text: &str) {
    type_into(page, "#text", text).await;
    submit(page, "#send").await;
}

async fn screenshot(page: &Browser, name: &str) {
    let dir = roadmap_tests::workspace_root().join("target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The server, with its message store in `data` (so a restart keeps the history), and a rate
/// limit that lets the test fill a room quickly.
async fn start_server(addr: &str, data: &Path) -> RunningServer {
    let config = ServerBuilder::new()
        .data_dir(Some(data.to_owned()))
        .rate_per_sec(1_000.0)
        .rate_burst(1_000)
        .build()
        .unwrap();
    Server::bind(addr, config).await.unwrap().spawn().unwrap()
}

/// What a browser test starts with: a message store's folder called `name`, a server on a free
/// port keeping its store there, chromedriver, and a folder for the browsers' profiles.
async fn set_up(name: &str, chromedriver: &Path) -> (PathBuf, RunningServer, Driver, PathBuf) {
    let data = support::store_folder(name);
    let server = start_server("127.0.0.1:0", &data).await;
    let driver = start_driver(chromedriver).await;
    let profiles = std::env::temp_dir().join(format!("chat-{name}-{}", std::process::id()));
    (data, server, driver, profiles)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browsers_and_a_terminal_client_chat_and_survive_a_restart() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (data, server, driver, profiles) = set_up("browser", &chromedriver).await;
    let addr = server.local_addr();
    let alice = open_browser(&driver, &chromium, &profiles.join("alice")).await;
    let bob = open_browser(&driver, &chromium, &profiles.join("bob")).await;

    log_in(&alice, addr, "alice").await;
    log_in(&bob, addr, "bob").await;
    let url = server.url();
    // The terminal client is another package's binary: cargo builds it for this test.
    let mut carol = Running::start(
        &milestone_binary("chat-client", "chat-client"),
        &["carol", "--url", &url, "--room", "rust"],
    );
    carol.expect_line("* joined #rust", WAIT);

    // Presence: everyone sees everyone.
    for page in [&alice, &bob] {
        let members = "[...document.querySelectorAll('#members li')].map(e => e.textContent)";
        until(
            page,
            &format!("['alice','bob','carol'].every(n => {members}.includes(n))"),
            "all three members",
        )
        .await;
    }
    until(&alice, "[...document.querySelectorAll('#messages .event')].some(e => e.textContent.includes('carol') && e.textContent.includes('joined'))", "carol's join event").await;

    // Messages, each way.
    say(&alice, "hello from alice").await;
    until(
        &bob,
        &format!("{} === 1", count_messages("hello from alice")),
        "alice's message at bob's",
    )
    .await;
    carol.expect_line("#rust <alice> hello from alice", WAIT);
    carol.type_line("hello from the terminal");
    for page in [&alice, &bob] {
        until(
            page,
            &format!("{} === 1", count_messages("hello from the terminal")),
            "carol's message",
        )
        .await;
    }

    // HTML in a message is text, never markup.
    say(&bob, XSS).await;
    until(
        &alice,
        &format!("{} === 1", count_messages(XSS)),
        "the HTML-looking message, as text",
    )
    .await;
    let injected = alice
        .execute(
            "return [document.querySelectorAll('#messages img').length, window.xssFired === true];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        injected,
        json!([0, false]),
        "no element was created and no script ran"
    );
    screenshot(&alice, "1-alice-chatting").await;
    screenshot(&bob, "1-bob-chatting").await;

    // The server restarts on the same address; the pages notice, reconnect and catch up.
    let report = bounded("the shutdown", server.shutdown()).await;
    assert_eq!(report.connections, 3);
    until(
        &alice,
        "document.querySelector('#status').textContent.includes('reconnecting')",
        "alice reconnecting",
    )
    .await;
    let server = start_server(&addr.to_string(), &data).await;
    carol.expect_line("* connected to", WAIT);
    carol.type_line("after the restart");
    for (page, name) in [(&alice, "alice"), (&bob, "bob")] {
        until(
            page,
            &format!(
                "document.querySelector('#status').textContent.includes('connected as {name}')"
            ),
            "the reconnection",
        )
        .await;
        until(
            page,
            &format!("{} === 1", count_messages("after the restart")),
            "the message sent during the restart",
        )
        .await;
        until(
            page,
            "window.chatState && window.chatState.current === 'rust'",
            "the room rejoined",
        )
        .await;
    }
    say(&alice, "back again").await;
    until(
        &bob,
        &format!("{} === 1", count_messages("back again")),
        "a message after the restart",
    )
    .await;
    carol.expect_line("#rust <alice> back again", WAIT);
    // Nothing was shown twice across the restart.
    for text in [
        "hello from alice",
        "hello from the terminal",
        "after the restart",
    ] {
        let count = bob
            .execute(&format!("return {};", count_messages(text)), vec![])
            .await
            .unwrap();
        assert_eq!(count, json!(1), "{text:?} shown once");
    }
    screenshot(&alice, "2-alice-after-restart").await;
    screenshot(&bob, "2-bob-after-restart").await;

    // Scrollback: a room of 150 messages; joining shows the last 100 (--history), and scrolling
    // to the top brings the 50 before them, in order, then says where the room begins.
    let mut dan = support::Client::hello(&server.url(), "dan").await;
    dan.join("archive").await;
    for n in 0..150 {
        dan.send(json!({"type": "send", "room": "archive", "text": format!("old {n}")}))
            .await;
        dan.recv_type("message").await;
    }
    type_into(&alice, "#join-room", "archive").await;
    submit(&alice, "#join").await;
    until(
        &alice,
        "window.chatState.current === 'archive' && document.querySelectorAll('#messages .message').length >= 100",
        "the archive room with its last 100 messages",
    )
    .await;
    alice
        .execute(
            "document.querySelector('#messages').scrollTop = 0; return null;",
            vec![],
        )
        .await
        .unwrap();
    until(
        &alice,
        "[...document.querySelectorAll('#messages .event')].some(e => e.textContent.includes('The beginning of #archive'))",
        "older messages, back to the beginning",
    )
    .await;
    let texts = alice
        .execute(
            "return [...document.querySelectorAll('#messages .message .text')].map(e => e.textContent);",
            vec![],
        )
        .await
        .unwrap();
    let expected: Vec<String> = (0..150).map(|n| format!("old {n}")).collect();
    assert_eq!(texts, json!(expected), "all 150, each once, oldest first");
    screenshot(&alice, "3-alice-scrolled-back").await;

    assert_eq!(server.stats().refused_origin, 0);
    alice.close().await.unwrap();
    bob.close().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(&profiles);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_signs_up_chats_signed_in_and_signs_out() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (_data, server, driver, profiles) = set_up("browser-accounts", &chromedriver).await;
    let addr = server.local_addr();
    let page = open_browser(&driver, &chromium, &profiles.join("ann")).await;

    // Create an account from the form: the page registers, signs in, and says hello with the
    // token.
    page.goto(&format!("http://{addr}/")).await.unwrap();
    type_into(&page, "#username", "Ann").await;
    type_into(&page, "#password", "long enough").await;
    page.find(Locator::Css("#sign-up"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &page,
        "document.querySelector('#status').textContent.includes('connected as Ann') && !document.querySelector('#sign-out').hidden",
        "signed in as Ann",
    )
    .await;
    let stored = page
        .execute(
            "return [sessionStorage.getItem('chatToken'), document.querySelector('#password').value];",
            vec![],
        )
        .await
        .unwrap();
    let token = stored[0]
        .as_str()
        .expect("a token in sessionStorage")
        .to_owned();
    assert_eq!(stored[1], "", "the password is not left in the form");

    // A message from the page is marked as signed in, for others and on the page itself.
    type_into(&page, "#join-room", "lounge").await;
    submit(&page, "#join").await;
    until(&page, "window.chatState.current === 'lounge'", "the room").await;
    let mut bob = support::Client::hello(&server.url(), "bob").await;
    bob.join("lounge").await;
    say(&page, "signed in hello").await;
    let message = bob.recv_type("message").await;
    assert_eq!(
        (message["username"].as_str(), message["verified"].as_bool()),
        (Some("Ann"), Some(true))
    );
    until(
        &page,
        "document.querySelector('#messages .message .verified')",
        "the ✓ mark",
    )
    .await;
    screenshot(&page, "4-ann-signed-in").await;

    // Signing out: back to the form, nothing kept, and the token refused from then on.
    page.find(Locator::Css("#sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &page,
        "!document.querySelector('#login').hidden && sessionStorage.getItem('chatToken') === null && localStorage.getItem('chatToken') === null",
        "signed out",
    )
    .await;
    let mut again = support::Client::connect(&server.url()).await;
    again.send(json!({"type": "hello", "token": token})).await;
    again.expect_error("unauthorized").await;

    page.close().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(&profiles);
    server.shutdown().await;
}
