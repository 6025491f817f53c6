//! The HTTP side of the port: the web client's files, `/metrics`, and the Origin check
//! (book: "The web client" and "Operating the server").
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use chat_server::ServerBuilder;
use serde_json::json;
use support::{Client, bounded, get, start};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

#[tokio::test]
async fn the_web_client_is_served_from_the_binary_with_a_strict_policy() {
    let server = start(ServerBuilder::new()).await;
    let addr = server.local_addr();
    let (head, body) = get(addr, "/").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(
        head.contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{head}"
    );
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(
        body.contains("/app.js") && body.contains("/style.css"),
        "the page loads its script and style"
    );
    let (head, body) = get(addr, "/app.js").await;
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert_eq!(body, include_str!("../web/app.js"));
    let (head, _) = get(addr, "/style.css").await;
    assert!(head.contains("content-type: text/css"), "{head}");
}

#[test]
fn the_web_client_never_inserts_text_as_html() {
    let script = include_str!("../web/app.js");
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ] {
        assert!(
            !script.contains(sink),
            "app.js uses {sink}: text must go in with textContent"
        );
    }
    assert!(
        script.contains("textContent"),
        "app.js inserts text with textContent"
    );
}

#[tokio::test]
async fn metrics_count_connections_messages_errors_and_disconnects() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let mut alice = Client::hello(&url, "alice").await;
    alice.join("r").await;
    alice
        .send(json!({"type": "send", "room": "r", "text": "hi"}))
        .await;
    alice.recv_type("message").await;
    alice
        .send(json!({"type": "send", "room": "nowhere", "text": "hi"}))
        .await;
    alice.expect_error("not_joined").await;
    let bob = Client::hello(&url, "bob").await;
    assert_eq!(bob.close().await, Some(1000));
    support::eventually("bob's close counted", || server.stats().open == 1).await;

    let (head, body) = get(server.local_addr(), "/metrics").await;
    assert!(
        head.contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    for line in [
        "chat_connections 1",
        "chat_connections_accepted_total 2",
        "chat_rooms 1",
        "chat_messages_received_total 1",
        "chat_deliveries_total 1",
        "chat_errors_total{code=\"not_joined\"} 1",
        "chat_errors_total{code=\"rate_limited\"} 0",
        "chat_disconnects_total{code=\"1000\",reason=\"normal\"} 1",
        "chat_disconnects_total{code=\"4008\",reason=\"too_slow\"} 0",
        "chat_connections_refused_total{reason=\"origin\"} 0",
    ] {
        assert!(
            body.lines().any(|l| l == line),
            "{line:?} missing from:\n{body}"
        );
    }
    assert!(
        body.contains("# TYPE chat_queue_depth_frames histogram"),
        "{body}"
    );
    // Every taking of the hub's lock is timed: two hellos, a join, two sends, a departure.
    let count = |name: &str| -> u64 {
        body.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from:\n{body}"))
    };
    let held = count("chat_hub_lock_hold_seconds_count");
    assert!(held >= 6, "{held} takings of the hub's lock");
    assert_eq!(count("chat_hub_lock_wait_seconds_count"), held);
}

async fn connect_from(url: &str, origin: &str) -> Result<(), WsError> {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", HeaderValue::from_str(origin).unwrap());
    bounded("connect", tokio_tungstenite::connect_async(request))
        .await
        .map(drop)
}

fn is_forbidden(result: Result<(), WsError>) -> bool {
    matches!(result, Err(WsError::Http(response)) if response.status() == 403)
}

#[tokio::test]
async fn only_allowed_origins_may_open_a_socket() {
    let server = start(ServerBuilder::new()).await;
    let url = server.url();
    let own = format!("http://{}", server.local_addr());
    connect_from(&url, &own)
        .await
        .expect("the server's own page");
    connect_from(&url, "http://localhost:5173")
        .await
        .expect("a page on this machine, by default");
    assert!(is_forbidden(
        connect_from(&url, "https://evil.example").await
    ));
    assert!(
        is_forbidden(connect_from(&url, "null").await),
        "a file:// page"
    );
    assert!(is_forbidden(
        connect_from(&url, "http://localhost.evil.example").await
    ));
    assert_eq!(server.stats().refused_origin, 3);

    let listed = ServerBuilder::new().allowed_origins(vec!["https://chat.example.com".into()]);
    let server = start(listed).await;
    let url = server.url();
    connect_from(&url, "https://chat.example.com")
        .await
        .expect("listed");
    connect_from(&url, &format!("http://{}", server.local_addr()))
        .await
        .expect("own pages always");
    assert!(
        is_forbidden(connect_from(&url, "http://localhost:5173").await),
        "a list replaces the localhost default"
    );
    Client::connect(&url).await; // no Origin: not a browser
}
