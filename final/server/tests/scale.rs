//! Several instances of the server sharing rooms through a real Redis (book: "Scaling out").
//! Each test starts its own `redis-server` on a free port and two or three servers on port 0.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use chat_server::{RunningServer, ServerBuilder};
use serde_json::{Value, json};
use support::redis::Redis;
use support::{Client, start};

async fn instances(redis: &Redis, count: usize) -> Vec<RunningServer> {
    let mut servers = Vec::new();
    for _ in 0..count {
        servers.push(start(ServerBuilder::new().redis_url(Some(redis.url()))).await);
    }
    servers
}

/// Reads frames until a `message`, skipping presence; returns it.
async fn next_message(client: &mut Client) -> Value {
    loop {
        let frame = client.recv().await;
        if frame["type"] == "message" {
            return frame;
        }
    }
}

async fn say(client: &mut Client, room: &str, text: &str) {
    client
        .send(json!({"type": "send", "room": room, "text": text}))
        .await;
}

#[tokio::test]
async fn clients_on_different_instances_chat_in_one_room() {
    let Some(redis) = Redis::start() else { return };
    let servers = instances(&redis, 3).await;
    let mut clients = Vec::new();
    for (index, server) in servers.iter().enumerate() {
        let mut client = Client::hello(&server.url(), &format!("user{index}")).await;
        client.join("lobby").await;
        clients.push(client);
    }
    // Each one speaks in turn; everyone, the speaker included, hears every message, with ids
    // that go up by one whichever instance gave them.
    let mut last_id = None;
    for speaker in 0..clients.len() {
        say(
            &mut clients[speaker],
            "lobby",
            &format!("hello from {speaker}"),
        )
        .await;
        let mut ids = Vec::new();
        for client in &mut clients {
            let message = next_message(client).await;
            assert_eq!(message["text"], format!("hello from {speaker}"));
            assert_eq!(message["username"], format!("user{speaker}"));
            ids.push(message["id"].as_u64().unwrap());
        }
        assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "{ids:?}");
        if let Some(last) = last_id {
            assert_eq!(ids[0], last + 1, "ids increase by one across instances");
        }
        last_id = Some(ids[0]);
    }
}

#[tokio::test]
async fn presence_and_direct_messages_cross_instances() {
    let Some(redis) = Redis::start() else { return };
    let servers = instances(&redis, 2).await;
    let mut ann = Client::hello(&servers[0].url(), "ann").await;
    ann.join("r").await;
    let mut bob = Client::hello(&servers[1].url(), "bob").await;
    let joined = bob.join("r").await;
    assert_eq!(
        joined["members"],
        json!(["ann", "bob"]),
        "members of every instance"
    );
    let presence = ann.recv_type("presence").await;
    assert_eq!(presence["username"], "bob");
    assert_eq!(presence["event"], "join");
    ann.send(json!({"type": "rooms"})).await;
    let rooms = ann.recv_type("rooms").await;
    assert_eq!(rooms["rooms"], json!([{"name": "r", "members": 2}]));

    bob.send(json!({"type": "direct", "to": "ANN", "text": "psst", "id": 7}))
        .await;
    let copy = bob.recv_type("direct").await;
    assert_eq!(copy["id"], 7);
    assert_eq!(copy["to"], "ann", "the recipient's name as they wrote it");
    let direct = ann.recv_type("direct").await;
    assert_eq!(direct["from"], "bob");
    assert_eq!(direct["to"], "ann");
    assert_eq!(direct["text"], "psst");
    bob.send(json!({"type": "direct", "to": "nobody", "text": "?"}))
        .await;
    bob.expect_error("unknown_user").await;

    bob.send(json!({"type": "leave", "room": "r"})).await;
    bob.recv_type("left").await;
    let presence = ann.recv_type("presence").await;
    assert_eq!(presence["username"], "bob");
    assert_eq!(presence["event"], "leave");
}

#[tokio::test]
async fn a_name_is_unique_across_instances() {
    let Some(redis) = Redis::start() else { return };
    let servers = instances(&redis, 2).await;
    let ann = Client::hello(&servers[0].url(), "ann").await;
    let mut other = Client::connect(&servers[1].url()).await;
    other
        .send(json!({"type": "hello", "username": "ANN"}))
        .await;
    other.expect_error("username_taken").await;
    // A second "ann" on ann's own instance is refused there, and does not free the name.
    let mut twin = Client::connect(&servers[0].url()).await;
    twin.send(json!({"type": "hello", "username": "ann"})).await;
    twin.expect_error("username_taken").await;
    twin.send(json!({"type": "hello", "username": "twin"}))
        .await;
    twin.recv_type("welcome").await; // by now the refused hello is long done
    assert!(name_is_claimed(&redis, "ann").await);
    other
        .send(json!({"type": "hello", "username": "Ann"}))
        .await;
    other.expect_error("username_taken").await;

    // Once ann leaves, the name is free on the other instance too (released by a background
    // task, so the test waits until Redis says so, within its bound).
    assert_eq!(ann.close().await, Some(1000));
    support::bounded("the name released", async {
        while name_is_claimed(&redis, "ann").await {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    other
        .send(json!({"type": "hello", "username": "ann"}))
        .await;
    other.recv_type("welcome").await;
}

/// Whether Redis holds a claim on `name` (names are keyed in lowercase).
async fn name_is_claimed(redis: &Redis, name: &str) -> bool {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let exists: bool = redis::cmd("EXISTS")
        .arg(format!("chat:name:{name}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    exists
}

#[tokio::test]
async fn a_graceful_shutdown_frees_names_and_tells_the_other_instances_at_once() {
    let Some(redis) = Redis::start() else { return };
    let mut servers = instances(&redis, 2).await;
    let mut ann = Client::hello(&servers[0].url(), "ann").await;
    ann.join("r").await;
    let mut bob = Client::hello(&servers[1].url(), "bob").await;
    bob.join("r").await;
    ann.recv_type("presence").await;
    let report = servers.remove(0).shutdown().await;
    assert!(report.drained);
    assert_eq!(ann.until_closed().await.1, Some(1001));
    // Not 30 s later, when the claim would expire: now.
    let presence = bob.recv_type("presence").await;
    assert_eq!(presence["username"], "ann");
    assert_eq!(presence["event"], "leave");
    assert!(!name_is_claimed(&redis, "ann").await);
    let mut again = Client::hello(&servers[0].url(), "ann").await;
    let joined = again.join("r").await;
    assert_eq!(joined["members"], json!(["ann", "bob"]));
}

#[tokio::test]
async fn a_client_resumes_on_another_instance_without_gaps_or_repeats() {
    let Some(redis) = Redis::start() else { return };
    let servers = instances(&redis, 2).await;
    let mut speaker = Client::hello(&servers[0].url(), "speaker").await;
    speaker.join("news").await;
    let mut reader = Client::hello(&servers[0].url(), "reader").await;
    reader.join("news").await;
    speaker.recv_type("presence").await;

    for n in 0..3 {
        say(&mut speaker, "news", &format!("before {n}")).await;
        next_message(&mut speaker).await;
    }
    let mut seen = 0;
    for _ in 0..3 {
        seen = next_message(&mut reader).await["id"].as_u64().unwrap();
    }
    // The reader's connection goes; it comes back through the other instance.
    assert_eq!(reader.close().await, Some(1000));
    for n in 0..4 {
        say(&mut speaker, "news", &format!("missed {n}")).await;
        next_message(&mut speaker).await;
    }
    let mut reader = Client::hello(&servers[1].url(), "reader2").await;
    reader
        .send(json!({"type": "join", "room": "news", "since": seen}))
        .await;
    let joined = reader.recv_type("joined").await;
    let texts = support::history_texts(&joined);
    assert_eq!(texts, ["missed 0", "missed 1", "missed 2", "missed 3"]);
    assert_eq!(joined["truncated"], Value::Null, "{joined}");
    // And what comes next arrives once.
    say(&mut speaker, "news", "after").await;
    let next = next_message(&mut reader).await;
    assert_eq!(next["text"], "after");
}

/// GET /healthz on a server: (status, body).
async fn health(server: &RunningServer) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    support::bounded("the health check", socket.read_to_string(&mut answer))
        .await
        .unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

#[tokio::test]
async fn when_redis_goes_away_clients_stay_and_are_told_then_it_all_comes_back() {
    let Some(redis) = Redis::start() else { return };
    let port = redis.port();
    let servers = instances(&redis, 2).await;
    let mut ann = Client::hello(&servers[0].url(), "ann").await;
    ann.join("r").await;
    let mut cat = Client::hello(&servers[0].url(), "cat").await;
    let mut bob = Client::hello(&servers[1].url(), "bob").await;
    bob.join("r").await;
    ann.recv_type("presence").await;
    say(&mut ann, "r", "before").await;
    assert_eq!(next_message(&mut ann).await["text"], "before");
    assert_eq!(next_message(&mut bob).await["text"], "before");

    // Redis crashes (and, started again without persistence, will have lost everything).
    redis.kill();
    support::eventually("both instances degraded", || {
        servers.iter().all(|server| !server.stats().broker_up)
    })
    .await;
    assert_eq!(
        health(&servers[0]).await,
        (503, "degraded: redis unreachable\n".to_owned())
    );
    // The clients stay connected; what needs Redis is refused with a clear error.
    say(&mut ann, "r", "during").await;
    ann.expect_error("unavailable").await;
    // What needs no other instance still works: a direct message on the same instance.
    ann.send(json!({"type": "direct", "to": "cat", "text": "still here"}))
        .await;
    ann.recv_type("direct").await;
    assert_eq!(cat.recv_type("direct").await["text"], "still here");

    // Redis comes back on the same address: the instances reconnect by themselves, and tell
    // their members that what came meanwhile cannot be vouched for.
    let _redis = Redis::on_port(port);
    support::eventually("both instances healthy again", || {
        servers.iter().all(|server| server.stats().broker_up)
    })
    .await;
    assert_eq!(health(&servers[1]).await.0, 200);
    for client in [&mut ann, &mut bob] {
        let gap = client.recv_type("gap").await;
        assert_eq!(gap["room"], "r");
        assert_eq!(gap["resumed"], 0, "{gap}");
    }
    say(&mut bob, "r", "after").await;
    let after = next_message(&mut ann).await;
    assert_eq!(after["text"], "after");
    assert_eq!(next_message(&mut bob).await["text"], "after");
}

#[tokio::test]
async fn the_subscription_outlives_its_health_pings() {
    // The subscription is pinged every 5 s; a ping answered in an unexpected shape once made
    // every instance drop its subscription, and refuse requests while it came back.
    let Some(redis) = Redis::start() else { return };
    let servers = instances(&redis, 1).await;
    let mut ann = Client::hello(&servers[0].url(), "ann").await;
    ann.join("r").await;
    // Twelve messages, half a second apart: the run spans at least one ping.
    for n in 0..12 {
        say(&mut ann, "r", &format!("tick {n}")).await;
        let message = next_message(&mut ann).await;
        assert_eq!(message["text"], format!("tick {n}"), "{message}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let stats = servers[0].stats();
    assert!(stats.broker_up);
    assert_eq!(stats.subscriptions, 1, "the subscription was never lost");
    assert_eq!(
        stats.errors(chat_server::protocol::ErrorCode::Unavailable),
        0
    );
}

#[test]
fn the_redis_store_passes_the_conformance_suite() {
    let Some(redis) = Redis::start() else { return };
    let store = chat_server::store::RedisStore::connect(&redis.url()).unwrap();
    chat_server::store::conformance::check(&store);
    chat_server::store::check_accounts(&store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrollback_reads_the_rooms_stream_in_redis() {
    let Some(redis) = Redis::start() else { return };
    let builder = || {
        ServerBuilder::new()
            .redis_url(Some(redis.url()))
            .history(30)
            .rate_per_sec(1_000.0)
            .rate_burst(1_000)
    };
    let first = start(builder()).await;
    let mut ann = Client::hello(&first.url(), "ann").await;
    ann.join("r").await;
    let mut sent = Vec::new();
    for n in 0..40 {
        say(&mut ann, "r", &format!("m {n}")).await;
        sent.push(next_message(&mut ann).await);
    }
    // An instance started now holds nothing of the room in memory: what scrollback finds there
    // comes from the room's stream, which keeps the last 30 (--history).
    let second = start(builder()).await;
    let mut bob = Client::hello(&second.url(), "bob").await;
    bob.join("r").await;
    bob.send(json!({"type": "history", "room": "r", "before": sent[35]["id"], "limit": 100}))
        .await;
    let page = bob.recv_type("history").await;
    let texts: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (10..35).map(|n| format!("m {n}")).collect();
    assert_eq!(texts, expected, "the stream's messages before the 36th");
    assert_eq!(page["more"], false, "the stream holds nothing older");
    // The send script stamps each entry with its time, so retention by age reaches them all.
    use chat_server::store::Store;
    let store = chat_server::store::RedisStore::connect(&redis.url()).unwrap();
    assert_eq!(store.prune(&[], usize::MAX, i64::MAX).unwrap(), 30);
}

/// `POST path` with a JSON body; returns the status and the JSON answer.
async fn post_json(
    addr: std::net::SocketAddr,
    path: &str,
    extra: &str,
    body: &Value,
) -> (u16, Value) {
    let headers = format!("Content-Type: application/json\r\n{extra}");
    let (status, _, answer) = support::post(addr, path, &headers, &body.to_string()).await;
    (status, answer)
}

/// Two instances, and the account "ann" registered on the first: the servers, and ann's
/// credentials as a login body.
async fn two_instances_with_ann(redis: &Redis) -> (Vec<RunningServer>, Value) {
    let servers = instances(redis, 2).await;
    let credentials = json!({"username": "ann", "password": "long enough"});
    let (status, _) = post_json(servers[0].local_addr(), "/api/register", "", &credentials).await;
    assert_eq!(status, 201);
    (servers, credentials)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_holds_its_name_on_every_instance() {
    let Some(redis) = Redis::start() else { return };
    let (servers, credentials) = two_instances_with_ann(&redis).await;
    let (one, two) = (servers[0].local_addr(), servers[1].local_addr());
    let (status, _) = post_json(
        two,
        "/api/register",
        "",
        &json!({"username": "ANN", "password": "long enough"}),
    )
    .await;
    assert_eq!(status, 409, "registered on the other instance");

    // A guest on the other instance cannot take the name.
    let mut guest = Client::connect(&servers[1].url()).await;
    guest
        .send(json!({"type": "hello", "username": "Ann"}))
        .await;
    guest.expect_error("name_reserved").await;

    // A token from one instance works on the other; signed out on one, it is refused on both.
    let (status, signed) = post_json(one, "/api/login", "", &credentials).await;
    assert_eq!(status, 200);
    let token = signed["token"].as_str().unwrap().to_owned();
    let mut ann = Client::connect(&servers[1].url()).await;
    ann.send(json!({"type": "hello", "token": token})).await;
    assert_eq!(ann.recv_type("welcome").await["username"], "ann");
    ann.join("r").await;
    ann.send(json!({"type": "send", "room": "r", "text": "hi"}))
        .await;
    assert_eq!(next_message(&mut ann).await["text"], "hi");
    // A second device on the same instance is let in, and is not a second arrival.
    let mut bob = Client::hello(&servers[0].url(), "bob").await;
    bob.join("r").await;
    let mut phone = Client::connect(&servers[1].url()).await;
    phone.send(json!({"type": "hello", "token": token})).await;
    assert_eq!(phone.recv_type("welcome").await["username"], "ann");
    phone.join("r").await;
    phone
        .send(json!({"type": "send", "room": "r", "text": "from the phone"}))
        .await;
    let seen = bob.recv().await;
    assert_eq!(seen["text"], "from the phone", "no second `join`: {seen}");
    assert_eq!(seen["verified"], true, "marked across instances");
    let (status, _) = post_json(
        two,
        "/api/logout",
        &format!("Authorization: Bearer {token}\r\n"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let mut again = Client::connect(&servers[0].url()).await;
    again.send(json!({"type": "hello", "token": token})).await;
    again.expect_error("unauthorized").await;
}

/// Whether Redis lists `name` as a member of `room` from any instance.
async fn listed_in(redis: &Redis, room: &str, name: &str) -> Option<String> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("HGET")
        .arg(format!("chat:room:{room}:members"))
        .arg(name)
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_user_is_one_user_across_instances() {
    let Some(redis) = Redis::start() else { return };
    let (servers, credentials) = two_instances_with_ann(&redis).await;
    let (one, two) = (servers[0].local_addr(), servers[1].local_addr());
    let (_, signed) = post_json(two, "/api/login", "", &credentials).await;
    let token = signed["token"].as_str().unwrap().to_owned();
    let signed_in = |url: String| {
        let token = token.clone();
        async move {
            let mut device = Client::connect(&url).await;
            device.send(json!({"type": "hello", "token": token})).await;
            assert_eq!(device.recv_type("welcome").await["username"], "ann");
            device
        }
    };
    // The laptop on one instance, the phone on the other: both let in.
    let mut laptop = signed_in(servers[0].url()).await;
    let mut phone = signed_in(servers[1].url()).await;
    let mut bob = Client::hello(&servers[0].url(), "bob").await;
    bob.join("r").await;
    let mut cat = Client::hello(&servers[1].url(), "cat").await;
    cat.join("r").await;
    assert_eq!(bob.recv_type("presence").await["username"], "cat");

    // ann arrives once, for everyone, whichever device joins first.
    laptop.join("r").await;
    for watcher in [&mut bob, &mut cat] {
        let arrival = watcher.recv_type("presence").await;
        assert_eq!(
            (arrival["username"].as_str(), arrival["event"].as_str()),
            (Some("ann"), Some("join"))
        );
    }
    let joined = phone.join("r").await;
    assert_eq!(joined["members"], json!(["ann", "bob", "cat"]));
    support::bounded("the phone listed", async {
        while listed_in(&redis, "r", "ann")
            .await
            .is_none_or(|list| !list.contains(' '))
        {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    say(&mut phone, "r", "from the phone").await;
    for watcher in [&mut bob, &mut cat, &mut laptop] {
        let seen = watcher.recv().await;
        assert_eq!(seen["text"], "from the phone", "no second arrival: {seen}");
        assert_eq!(seen["verified"], true);
    }
    assert_eq!(next_message(&mut phone).await["text"], "from the phone");

    // A direct message reaches every device of ann, from either instance; ann's own reach
    // her other device too.
    for (sender, text) in [
        (&mut bob, "to both, from one"),
        (&mut cat, "to both, from two"),
    ] {
        sender
            .send(json!({"type": "direct", "to": "ann", "text": text}))
            .await;
        sender.recv_type("direct").await;
        for device in [&mut laptop, &mut phone] {
            assert_eq!(device.recv_type("direct").await["text"], text);
        }
    }
    laptop
        .send(json!({"type": "direct", "to": "cat", "text": "from the laptop", "id": 1}))
        .await;
    assert_eq!(laptop.recv_type("direct").await["id"], 1);
    assert_eq!(cat.recv_type("direct").await["text"], "from the laptop");
    let copy = phone.recv_type("direct").await;
    assert_eq!(
        (copy["from"].as_str(), copy["to"].as_str()),
        (Some("ann"), Some("cat"))
    );

    // The laptop leaves: ann is still in the room (on the phone), so nobody hears of it.
    laptop.send(json!({"type": "leave", "room": "r"})).await;
    laptop.recv_type("left").await;
    support::bounded("the laptop unlisted", async {
        while listed_in(&redis, "r", "ann")
            .await
            .is_some_and(|list| list.contains(' '))
        {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    say(&mut cat, "r", "still here?").await;
    for watcher in [&mut bob, &mut cat] {
        let seen = watcher.recv().await;
        assert_eq!(
            seen["text"], "still here?",
            "no leave while the phone is in: {seen}"
        );
    }
    // The phone leaves too: now ann has left, once, for everyone.
    phone.send(json!({"type": "leave", "room": "r"})).await;
    for watcher in [&mut bob, &mut cat] {
        let left = watcher.recv_type("presence").await;
        assert_eq!(
            (left["username"].as_str(), left["event"].as_str()),
            (Some("ann"), Some("leave"))
        );
    }

    // Signed out on one instance, the token's connections end on both.
    let (status, _) = post_json(
        one,
        "/api/logout",
        &format!("Authorization: Bearer {token}\r\n"),
        &json!({}),
    )
    .await;
    assert_eq!(status, 204);
    for device in [laptop, phone] {
        let (_, code) = support::bounded("closed", async move {
            let mut device = device;
            device.until_closed().await
        })
        .await;
        assert_eq!(code, Some(4501), "closed as signed out, on every instance");
    }
    // With no device left anywhere, the name's claim is gone.
    support::bounded("the name released", async {
        while name_is_claimed(&redis, "ann").await {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// The `jti` of a token (its middle part is base64url JSON).
fn token_id(token: &str) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(payload).unwrap()).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_that_no_subscription_heard_still_closes_the_connection() {
    let Some(redis) = Redis::start() else { return };
    let (servers, credentials) = two_instances_with_ann(&redis).await;
    let (_, signed) = post_json(servers[0].local_addr(), "/api/login", "", &credentials).await;
    let token = signed["token"].as_str().unwrap().to_owned();
    let mut ann = Client::connect(&servers[1].url()).await;
    ann.send(json!({"type": "hello", "token": token})).await;
    ann.recv_type("welcome").await;
    // Revoked in Redis, as a sign-out on an instance whose publication nobody heard would
    // leave it: no message on the channel at all.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let () = redis::cmd("SET")
        .arg(format!("chat:revoked:{}", token_id(&token)))
        .arg(1)
        .arg("EX")
        .arg(600)
        .query_async(&mut conn)
        .await
        .unwrap();
    // The instance's own check (every NAME_TTL / 3 = 10 s) finds it: at most 10 s, bounded
    // here by 15.
    let closed = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        while let Some(Ok(message)) = ann.ws.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|frame| u16::from(frame.code));
            }
        }
        None
    })
    .await;
    let code = closed.expect("closed within one renewal period");
    assert_eq!(code, Some(4501), "closed as signed out");
}
