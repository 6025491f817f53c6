//! Stage 5 — many clients over real WebSockets on 127.0.0.1 port 0, against the optimised
//! server: 200 clients, 5 of them sending; every client must receive every message exactly once,
//! in each sender's order. Every wait is bounded.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use stage3_websockets::wire::ChatMessage;
use stage5_testing::optimized::OptimizedServer;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message as Frame;

const CLIENTS: usize = 200;
const SENDERS: usize = 5;
const EACH: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_each_get_every_message_once_in_order() {
    let server = OptimizedServer::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}", server.local_addr().expect("address"));
    tokio::spawn(server.run());

    let mut sockets = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let connect = tokio_tungstenite::connect_async(url.as_str());
        let (socket, _) = timeout(Duration::from_secs(10), connect)
            .await
            .expect("connect in time")
            .expect("handshake");
        sockets.push(socket);
    }
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for socket in sockets {
        let (sink, mut stream) = socket.split();
        writers.push(sink);
        readers.push(tokio::spawn(async move {
            let mut next: HashMap<String, usize> = HashMap::new();
            for _ in 0..SENDERS * EACH {
                let frame = timeout(Duration::from_secs(20), stream.next())
                    .await
                    .expect("a message in time")
                    .expect("open")
                    .expect("no error");
                let Frame::Text(text) = frame else {
                    panic!("expected text, got {frame:?}")
                };
                let message: ChatMessage = serde_json::from_str(&text).expect("a chat message");
                let expected = next.entry(message.username.clone()).or_default();
                assert_eq!(
                    message.text,
                    format!("{} {expected}", message.username),
                    "in order, once each"
                );
                *expected += 1;
            }
            next
        }));
    }
    for round in 0..EACH {
        for (index, sink) in writers.iter_mut().take(SENDERS).enumerate() {
            let json = serde_json::json!({ "username": format!("s{index}"), "text": format!("s{index} {round}") });
            sink.send(Frame::text(json.to_string()))
                .await
                .expect("send");
        }
    }
    for reader in readers {
        let counts = reader.await.expect("a reader failed");
        assert_eq!(counts.len(), SENDERS);
        assert!(counts.values().all(|&n| n == EACH), "{counts:?}");
    }
}
