//! Accounts over real sockets: register, sign in, say hello with the token, sign out; what is
//! refused and how (book: "Accounts and tokens").
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions, in a test crate

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use chat_server::ServerBuilder;
use chat_server::auth::{Guests, Signer};
use serde_json::{Value, json};
use support::{Client, post, start, store_folder};

/// `chat_api_requests_total` for one endpoint and outcome.
async fn counted(addr: SocketAddr, endpoint: &str, outcome: &str) -> u64 {
    let name = format!("chat_api_requests_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}}");
    support::metric(addr, &name).await
}

const JSON: &str = "Content-Type: application/json\r\n";

async fn register(addr: SocketAddr, username: &str, password: &str) -> (u16, Value) {
    let body = json!({"username": username, "password": password}).to_string();
    let (status, _, body) = post(addr, "/api/register", JSON, &body).await;
    (status, body)
}

async fn login(addr: SocketAddr, username: &str, password: &str) -> (u16, Value) {
    let body = json!({"username": username, "password": password}).to_string();
    let (status, _, body) = post(addr, "/api/login", JSON, &body).await;
    (status, body)
}

/// `POST /api/logout` with `token` in the `Authorization` header; returns the status.
async fn logout(addr: SocketAddr, token: &str) -> u16 {
    let headers = format!("{JSON}Authorization: Bearer {token}\r\n");
    post(addr, "/api/logout", &headers, "{}").await.0
}

/// A connection that says hello with `token`; returns the client and the reply.
async fn hello_with_token(url: &str, token: &str) -> (Client, Value) {
    let mut client = Client::connect(url).await;
    client
        .send(json!({"type": "hello", "token": token, "id": 1}))
        .await;
    let reply = client.recv().await;
    (client, reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_sign_in_say_hello_and_sign_out() {
    let server = start(ServerBuilder::new()).await;
    let addr = server.local_addr();
    assert_eq!(register(addr, "Alice", "correct horse").await.0, 201);
    let (status, body) = register(addr, "alice", "another password").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("username_taken"))
    );
    let (status, body) = register(addr, "bob", "short").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_password"))
    );
    let (status, body) = register(addr, "no spaces", "long enough").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_username"))
    );

    // Signing in says the same for a wrong password and for a name without an account.
    let (status, wrong) = login(addr, "alice", "wrong password").await;
    assert_eq!(status, 401);
    let (status, nobody) = login(addr, "nobody", "wrong password").await;
    assert_eq!(status, 401);
    assert_eq!(wrong, nobody, "nothing tells which names exist");

    let (status, signed) = login(addr, "ALICE", "correct horse").await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["username"], "Alice", "the name as registered");
    assert!(signed["expires_at"].as_str().unwrap().ends_with('Z'));
    let token = signed["token"].as_str().unwrap().to_owned();

    let (mut alice, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["username"], "Alice");
    alice.join("rust").await;

    // A guest cannot take the name, in any case, even while alice is away.
    let mut guest = Client::connect(&server.url()).await;
    guest
        .send(json!({"type": "hello", "username": "aLiCe"}))
        .await;
    guest.expect_error("name_reserved").await;

    // A changed token is refused with a clear code, and the connection stays usable.
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    let (mut other, reply) = hello_with_token(&server.url(), &forged).await;
    assert_eq!(reply["code"], "unauthorized", "{reply}");
    other
        .send(json!({"type": "hello", "username": "carol"}))
        .await;
    other.recv_type("welcome").await;

    // Signing out: the token is refused from then on.
    assert_eq!(logout(addr, &token).await, 204);
    // The connection that said hello with it is closed: the token no longer works anywhere.
    let (_, code) = alice.until_closed().await;
    assert_eq!(code, Some(4501), "closed as signed out");
    let (_, reply) = hello_with_token(&server.url(), &token).await;
    assert_eq!(reply["code"], "unauthorized");
    assert!(
        reply["message"].as_str().unwrap().contains("revoked"),
        "{reply}"
    );
    // Counted on /metrics, by endpoint and outcome.
    assert_eq!(counted(addr, "register", "ok").await, 1);
    assert_eq!(counted(addr, "register", "refused").await, 3);
    assert_eq!(counted(addr, "login", "refused").await, 2);
    assert_eq!(counted(addr, "login", "ok").await, 1);
    assert_eq!(counted(addr, "logout", "ok").await, 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_what_it_should_with_a_status_and_a_reason() {
    let server = start(ServerBuilder::new()).await;
    let addr = server.local_addr();
    let body = json!({"username": "ann", "password": "long enough"}).to_string();
    let (status, _, reply) = post(addr, "/api/register", "", &body).await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (415, Some("bad_request"))
    );
    let (status, _, _) = post(
        addr,
        "/api/register",
        &format!("{JSON}Origin: https://evil.example\r\n"),
        &body,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = post(addr, "/api/register", JSON, &"x".repeat(5_000)).await;
    assert_eq!(status, 413);
    let (status, _, _) = post(addr, "/api/register", JSON, "not json").await;
    assert_eq!(status, 400);
    let (status, _, _) = post(addr, "/api/nothing", JSON, "{}").await;
    assert_eq!(status, 404);
    let (head, _) = support::get(addr, "/api/login").await;
    assert!(head.starts_with("http/1.1 405"), "{head}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_is_held_to_a_rate_with_retry_after() {
    let server = start(ServerBuilder::new()).await;
    let addr = server.local_addr();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..12 {
        let body = json!({"username": "ann", "password": "guess guess"}).to_string();
        let (status, head, _) = post(addr, "/api/login", JSON, &body).await;
        if status == 429 {
            retry_after = head
                .lines()
                .find_map(|line| line.strip_prefix("retry-after: "))
                .map(str::to_owned);
        }
        statuses.push(status);
    }
    // Five guesses at one account, then the account's limit; the address's comes at ten.
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The account's bucket gains one guess every 12 seconds: the wait is at most that.
    let wait: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_guests_denied_only_signed_in_users_chat() {
    let server = start(ServerBuilder::new().guests(Guests::Deny)).await;
    let addr = server.local_addr();
    assert_eq!(register(addr, "ann", "long enough").await.0, 201);
    let mut guest = Client::connect(&server.url()).await;
    guest
        .send(json!({"type": "hello", "username": "visitor"}))
        .await;
    guest.expect_error("unauthorized").await;
    let token = login(addr, "ann", "long enough").await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["type"], "welcome");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_outlive_a_restart_and_the_secret_file_signs_them() {
    // Accounts and the key are in the store: a restart keeps both.
    let dir = store_folder("accounts-restart");
    let builder = || ServerBuilder::new().data_dir(Some(dir.clone()));
    let server = start(builder()).await;
    assert_eq!(
        register(server.local_addr(), "ann", "long enough").await.0,
        201
    );
    let token = login(server.local_addr(), "ann", "long enough").await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    server.shutdown().await;
    let server = start(builder()).await;
    let (_, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["username"], "ann", "{welcome}");
    let (status, _) = register(server.local_addr(), "ANN", "long enough").await;
    assert_eq!(status, 409, "the account is still there");
    server.shutdown().await;

    // An application that has its own users signs tokens with the secret file's key.
    let secret = store_folder("accounts-secret");
    std::fs::create_dir_all(&secret).unwrap();
    let key = vec![42u8; 32];
    std::fs::write(secret.join("key"), &key).unwrap();
    let server = start(ServerBuilder::new().token_secret_file(Some(secret.join("key")))).await;
    let signer = Signer::new(key).unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let (token, _) = signer
        .issue("app-user", now, Duration::from_secs(60))
        .unwrap();
    let (_, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["username"], "app-user", "{welcome}");
    let (expired, _) = signer
        .issue("app-user", now - 3_600, Duration::from_secs(60))
        .unwrap();
    let (_, reply) = hello_with_token(&server.url(), &expired).await;
    assert_eq!(reply["code"], "unauthorized");
    assert!(
        reply["message"].as_str().unwrap().contains("expired"),
        "{reply}"
    );

    // A token checked at `hello` does not outlive its expiry: its connection ends then, with
    // 4503, and the same token is refused from then on. (This one expires within 2 s: the test
    // waits for the server's deadline, not for a guess.)
    let (short, _) = signer
        .issue("app-user", now - 58, Duration::from_secs(60))
        .unwrap();
    let (mut client, welcome) = hello_with_token(&server.url(), &short).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let (_, code) = client.until_closed().await;
    assert_eq!(code, Some(4503), "closed when the token expired");
    let (_, reply) = hello_with_token(&server.url(), &short).await;
    assert_eq!(reply["code"], "unauthorized");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_on_several_devices_is_one_member() {
    let server = start(ServerBuilder::new()).await;
    let addr = server.local_addr();
    assert_eq!(register(addr, "ann", "long enough").await.0, 201);
    let token = login(addr, "ann", "long enough").await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut bob = Client::hello(&server.url(), "bob").await;
    bob.join("r").await;

    // A laptop and a phone: the second is welcome too (a reconnecting client whose old
    // connection the server has not yet seen die is the same case).
    let (mut laptop, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let (mut phone, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    laptop.join("r").await;
    let arrived = bob.recv_type("presence").await;
    assert_eq!(
        (arrived["username"].as_str(), arrived["event"].as_str()),
        (Some("ann"), Some("join"))
    );
    let joined = phone.join("r").await;
    assert_eq!(joined["members"], json!(["ann", "bob"]), "ann once");

    // A message from a device: marked as signed in, to everyone, both of ann's devices included
    // (bob sees no second `join` before it).
    laptop
        .send(json!({"type": "send", "room": "r", "text": "from the laptop"}))
        .await;
    let seen = bob.recv().await;
    assert_eq!(
        seen["type"], "message",
        "no presence for the second device: {seen}"
    );
    assert_eq!(seen["verified"], true);
    for device in [&mut laptop, &mut phone] {
        let message = device.recv_type("message").await;
        assert_eq!(message["text"], "from the laptop");
    }
    bob.send(json!({"type": "send", "room": "r", "text": "guest"}))
        .await;
    let guest = bob.recv_type("message").await;
    assert_eq!(
        guest.get("verified"),
        None,
        "a guest's message is not marked"
    );
    for device in [&mut laptop, &mut phone] {
        assert_eq!(device.recv_type("message").await["text"], "guest");
    }

    // A direct message to ann reaches both devices.
    bob.send(json!({"type": "direct", "to": "ANN", "text": "psst"}))
        .await;
    assert_eq!(bob.recv_type("direct").await["to"], "ann", "bob's copy");
    for device in [&mut laptop, &mut phone] {
        assert_eq!(device.recv_type("direct").await["text"], "psst");
    }

    // ann leaves the room only when her last device does.
    laptop.close().await;
    phone
        .send(json!({"type": "send", "room": "r", "text": "still here"}))
        .await;
    let next = bob.recv().await;
    assert_eq!(
        next["text"], "still here",
        "no `leave` while the phone is in: {next}"
    );
    phone.close().await;
    let left = bob.recv_type("presence").await;
    assert_eq!(
        (left["username"].as_str(), left["event"].as_str()),
        (Some("ann"), Some("leave"))
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_addresses_are_not_counted_but_accounts_are() {
    // `--max-connections-per-ip 0`: every request comes from the proxy; it limits per address.
    let server = start(ServerBuilder::new().max_connections_per_ip(0)).await;
    let addr = server.local_addr();
    for n in 0..12 {
        let (status, _) = register(addr, &format!("user{n}"), "short").await;
        assert_eq!(status, 400, "request {n}: no limit per address");
    }
    let statuses: Vec<u16> = {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(login(addr, "ann", "guess guess").await.0);
        }
        statuses
    };
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 401, 429],
        "the account's limit holds"
    );
    server.shutdown().await;
}

/// Everything the server logs in this test process, at every level, kept in memory.
fn captured_logs() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOGS: std::sync::OnceLock<&'static std::sync::Mutex<Vec<u8>>> =
        std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs: &'static std::sync::Mutex<Vec<u8>> =
            Box::leak(Box::new(std::sync::Mutex::new(Vec::new())));
        let writer = move || Capture(logs);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(writer)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
}

/// A writer into the captured logs.
struct Capture(&'static std::sync::Mutex<Vec<u8>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_and_tokens_never_reach_the_logs() {
    let logs = captured_logs();
    let server = start(ServerBuilder::new()).await;
    let addr = server.local_addr();
    let password = "a very secret phrase 7c1f";
    assert_eq!(register(addr, "zoe", password).await.0, 201);
    assert_eq!(login(addr, "zoe", "a wrong phrase 7c1f").await.0, 401);
    let token = login(addr, "zoe", password).await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, welcome) = hello_with_token(&server.url(), &token).await;
    assert_eq!(welcome["type"], "welcome");
    let mut forged = token.clone();
    forged.insert(10, 'x');
    let (_, refused) = hello_with_token(&server.url(), &forged).await;
    assert_eq!(refused["code"], "unauthorized");
    assert_eq!(logout(addr, &token).await, 204);
    server.shutdown().await;

    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged.contains("zoe"),
        "the test saw the server's logs: {logged}"
    );
    for secret in [
        "secret phrase",
        "wrong phrase",
        token.split('.').nth(2).unwrap(),
    ] {
        assert!(!logged.contains(secret), "{secret:?} was logged");
    }
}
