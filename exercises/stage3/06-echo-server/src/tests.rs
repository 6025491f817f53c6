//! Tests for exercise 3.6. Read them to see what is expected; do not edit them.

use super::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(5);
type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind to a free port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_echo(listener));
    addr
}

async fn connect(addr: SocketAddr) -> Client {
    let (client, _) = timeout(
        WAIT,
        tokio_tungstenite::connect_async(format!("ws://{addr}")),
    )
    .await
    .expect("the server did not complete the WebSocket handshake in time")
    .expect("the WebSocket handshake failed");
    client
}

async fn next(client: &mut Client) -> Message {
    loop {
        let frame = timeout(WAIT, client.next())
            .await
            .expect("no reply in time")
            .expect("the server closed the connection")
            .expect("a WebSocket error");
        if !matches!(frame, Message::Ping(_) | Message::Pong(_)) {
            return frame;
        }
    }
}

#[tokio::test]
async fn text_comes_back_prefixed() {
    let mut client = connect(start().await).await;
    client.send(Message::text("hello")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("echo: hello"));
    client.send(Message::text("again")).await.unwrap();
    assert_eq!(
        next(&mut client).await,
        Message::text("echo: again"),
        "the connection keeps serving"
    );
}

#[tokio::test]
async fn binary_comes_back_unchanged() {
    let mut client = connect(start().await).await;
    client
        .send(Message::binary(vec![0, 159, 146, 150]))
        .await
        .unwrap();
    assert_eq!(
        next(&mut client).await,
        Message::binary(vec![0, 159, 146, 150])
    );
}

#[tokio::test]
async fn a_silent_client_does_not_hold_up_the_next() {
    let addr = start().await;
    let _silent = connect(addr).await; // connects and says nothing
    let mut talker = connect(addr).await;
    talker.send(Message::text("am I served?")).await.unwrap();
    assert_eq!(
        next(&mut talker).await,
        Message::text("echo: am I served?"),
        "one task per connection"
    );
}

#[tokio::test]
async fn a_bad_handshake_does_not_stop_the_server() {
    let addr = start().await;
    let mut not_websocket = TcpStream::connect(addr).await.unwrap();
    not_websocket
        .write_all(b"HELLO? this is not HTTP\r\n\r\n")
        .await
        .unwrap();
    drop(not_websocket);
    let mut client = connect(addr).await;
    client.send(Message::text("still up?")).await.unwrap();
    assert_eq!(next(&mut client).await, Message::text("echo: still up?"));
}

#[tokio::test]
async fn a_close_is_answered() {
    let mut client = connect(start().await).await;
    client.send(Message::Close(None)).await.unwrap();
    assert!(
        matches!(next(&mut client).await, Message::Close(_)),
        "the server completes the closing handshake"
    );
}
