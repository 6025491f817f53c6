//! Stage 4 — Architecture: the server over real sockets on 127.0.0.1 port 0.
//! Every wait is bounded, so a hang fails fast.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use stage2_concurrency::Registry;
use stage4_architecture::backoff::Backoff;
use stage4_architecture::terminal::{self, ClientOptions};
use stage4_architecture::{Counters, Observers, Server, ServerBuilder, ShutdownReport};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(10);
type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running server and the means to watch and stop it.
struct Running {
    addr: SocketAddr,
    registry: Registry,
    counters: Arc<Counters>,
    stop: oneshot::Sender<()>,
    done: JoinHandle<ShutdownReport>,
}

async fn start(builder: ServerBuilder) -> Running {
    let counters = Arc::new(Counters::default());
    let mut observers = Observers::new();
    observers.add(counters.clone());
    let server = Server::bind(builder.build().expect("a valid config"), observers)
        .await
        .expect("bind");
    let addr = server.local_addr().expect("bound address");
    let registry = server.registry();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        registry,
        counters,
        stop,
        done,
    }
}

async fn start_default() -> Running {
    start(ServerBuilder::new().addr("127.0.0.1:0")).await
}

async fn connect(addr: SocketAddr) -> Socket {
    let url = format!("ws://{addr}");
    timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .expect("connect timed out")
        .expect("handshake")
        .0
}

async fn say(socket: &mut Socket, username: &str, text: &str) {
    let json = serde_json::json!({ "username": username, "text": text }).to_string();
    socket.send(Frame::text(json)).await.expect("send");
}

/// The next text or close frame.
async fn next_frame(socket: &mut Socket) -> Frame {
    loop {
        let frame = timeout(WAIT, socket.next())
            .await
            .expect("no frame in time")
            .expect("ended")
            .expect("error");
        if matches!(frame, Frame::Text(_) | Frame::Close(_)) {
            return frame;
        }
    }
}

async fn next_text(socket: &mut Socket) -> String {
    match next_frame(socket).await {
        Frame::Text(text) => text.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

async fn close_code(socket: &mut Socket) -> u16 {
    match next_frame(socket).await {
        Frame::Close(Some(frame)) => u16::from(frame.code),
        other => panic!("expected a close frame with a code, got {other:?}"),
    }
}

/// Waits (bounded) for a condition that no event announces, checking every few milliseconds.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn observers_hear_the_whole_lifecycle_and_cleanup_always_runs() {
    let server = start_default().await;
    let mut alice = connect(server.addr).await;
    let mut bob = connect(server.addr).await;
    eventually("both are registered", || server.registry.len() == 2).await;
    assert_eq!(server.counters.connected(), 2);

    say(&mut alice, "alice", "hi").await;
    assert!(next_text(&mut bob).await.contains("\"text\":\"hi\""));
    assert_eq!(server.counters.messages(), 1);

    drop(alice); // vanishes: no close frame
    bob.close(None).await.unwrap(); // leaves properly
    eventually("both are gone", || server.registry.is_empty()).await;
    eventually("two Disconnected events", || {
        server.counters.disconnected() == 2
    })
    .await;
}

#[tokio::test]
async fn the_first_name_sticks_to_the_connection() {
    let server = start_default().await;
    let mut alice = connect(server.addr).await;
    say(&mut alice, "alice", "hello").await;
    assert!(
        next_text(&mut alice)
            .await
            .contains("\"username\":\"alice\"")
    );
    say(&mut alice, "bob", "it's me, bob").await;
    let reply = next_text(&mut alice).await;
    assert!(reply.contains("you joined as alice"), "{reply}");
    say(&mut alice, "alice", "ok, still alice").await;
    assert!(
        next_text(&mut alice).await.contains("still alice"),
        "the connection survives the refusal"
    );
}

#[tokio::test]
async fn shutdown_tells_every_client_1001_and_stops_accepting() {
    let server = start_default().await;
    let mut alice = connect(server.addr).await;
    let mut bob = connect(server.addr).await;
    eventually("both are registered", || server.registry.len() == 2).await;

    let started = Instant::now();
    server.stop.send(()).unwrap();
    assert_eq!(close_code(&mut alice).await, 1001);
    assert_eq!(close_code(&mut bob).await, 1001);
    let report = timeout(WAIT, server.done)
        .await
        .expect("shutdown hung")
        .expect("run panicked");
    assert_eq!(
        report,
        ShutdownReport {
            open_connections: 2,
            closed_in_time: true
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "well within the 5 s grace period"
    );
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no new connections after shutdown"
    );
}

#[tokio::test]
async fn a_client_that_does_not_read_is_disconnected_with_4008() {
    let server = start(ServerBuilder::new().addr("127.0.0.1:0").queue_capacity(32)).await;
    let mut slow = connect(server.addr).await; // never reads until the end
    let mut fast = connect(server.addr).await;
    eventually("both are registered", || server.registry.len() == 2).await;

    // The fast client talks and reads its own messages back in batches, so its queue never
    // fills. The slow one reads nothing: once the kernel's socket buffers are full, its queue
    // fills up and the server drops it.
    let text = "x".repeat(1_900);
    let mut sent = 0;
    while server.counters.too_slow() == 0 {
        assert!(sent < 40_000, "the slow client was never disconnected");
        for _ in 0..20 {
            say(&mut fast, "fast", &text).await;
        }
        for _ in 0..20 {
            next_text(&mut fast).await;
        }
        sent += 20;
    }
    assert_eq!(
        server.counters.too_slow(),
        1,
        "only the slow client was too slow"
    );
    say(&mut fast, "fast", "still here").await;
    while !next_text(&mut fast).await.contains("still here") {}

    // The slow client gets its backlog, then the goodbye.
    let code = timeout(Duration::from_secs(30), async {
        loop {
            if let Frame::Close(close) = next_frame(&mut slow).await {
                return close.map(|c| u16::from(c.code));
            }
        }
    })
    .await
    .expect("the slow client never got its close frame");
    assert_eq!(code, Some(4008));
}

#[tokio::test]
async fn a_client_stuck_in_a_write_does_not_hold_up_shutdown() {
    // A huge queue and a long write timeout: the slow client is neither removed nor timed out,
    // its connection task just sits in a write that cannot finish.
    let builder = ServerBuilder::new()
        .addr("127.0.0.1:0")
        .queue_capacity(100_000)
        .write_timeout(Duration::from_secs(120));
    let server = start(builder).await;
    let _stuck = connect(server.addr).await; // never reads
    let mut fast = connect(server.addr).await;
    eventually("both are registered", || server.registry.len() == 2).await;
    let text = "x".repeat(1_900);
    for _ in 0..300 {
        // About 12 MB in all: far more than the kernel buffers between server and `_stuck`.
        for _ in 0..20 {
            say(&mut fast, "fast", &text).await;
        }
        for _ in 0..20 {
            next_text(&mut fast).await;
        }
    }
    let started = Instant::now();
    server.stop.send(()).unwrap();
    let report = timeout(WAIT, server.done)
        .await
        .expect("shutdown hung")
        .expect("run panicked");
    assert!(
        report.closed_in_time,
        "a stuck write must give way to shutdown: {report:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "within the grace period"
    );
}

#[tokio::test]
async fn the_client_reconnects_after_a_restart_and_sends_what_was_typed_meanwhile() {
    let first = start_default().await;
    let addr = first.addr;
    let (keys, typed) = mpsc::channel(16);
    let (screen, mut shown) = mpsc::channel(64);
    let mut options = ClientOptions::new(format!("ws://{addr}"), "alice");
    options.backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(200));
    let client = tokio::spawn(terminal::run(options, typed, screen));

    let mut expect = async |needle: &str| {
        let found = timeout(WAIT, async {
            while let Some(line) = shown.recv().await {
                if line.contains(needle) {
                    return line;
                }
            }
            panic!("the client stopped before showing {needle:?}");
        });
        found
            .await
            .unwrap_or_else(|_| panic!("the client never showed {needle:?}"))
    };
    expect("* connected to").await;

    first.stop.send(()).unwrap();
    expect("* connection lost (1001 server shutting down)").await;
    timeout(WAIT, first.done)
        .await
        .expect("shutdown hung")
        .expect("run panicked");
    keys.send("typed while the server was down".into())
        .await
        .unwrap();

    // A new server on the same address; the client finds it by itself.
    let second = start(ServerBuilder::new().addr(addr.to_string())).await;
    expect("* connected to").await;
    eventually("the pending line was delivered", || {
        second.counters.messages() == 1
    })
    .await;

    let mut bob = connect(addr).await;
    eventually("bob is registered too", || second.registry.len() == 2).await;
    keys.send("hello again".into()).await.unwrap();
    assert!(next_text(&mut bob).await.contains("hello again"));

    drop(keys); // Ctrl-D
    let end = timeout(WAIT, client)
        .await
        .expect("the client did not quit")
        .expect("client panicked");
    assert_eq!(end, terminal::ClientEnd::InputClosed);
}
