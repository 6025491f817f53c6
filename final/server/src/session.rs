//! One connection's side of the protocol, without any I/O: requests in, replies queued.
//!
//! Final server — book chapter "The final server", section "One connection".
//!
//! This is exercise 4.6's state machine grown to the full protocol. It takes a decoded frame
//! and the current time, applies the rate limit and the rules, asks the [`Hub`] to do the
//! work, queues the error reply when there is one, and says whether the connection must close.
//! Keeping it free of sockets and clocks is what lets it be tested, and fuzzed, directly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::auth::{Claims, Gate, Guests, TokenError};
use crate::broker::{Broker, REDIS_TIMEOUT, RedisBroker};
use crate::config::Config;
use crate::hook::Hooks;
use crate::hub::{Hub, Peer, Refusal};
use crate::names::{self, TextProblem};
use crate::rate::TokenBucket;
use crate::stats::Stats;
use crate::store::now_ms;
use chat_protocol::{self as protocol, CloseCode, ErrorCode, Request, RequestId};

/// The longest a `history` request waits for the store's disk before it is refused with
/// `unavailable`.
pub const STORE_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Not reached: `apply` turns every `HelloToken` into a `Hello` first.
fn token_not_checked() -> Refusal {
    (
        ErrorCode::Unauthorized,
        "the token could not be checked".into(),
    )
}

fn store_unavailable() -> Refusal {
    (
        ErrorCode::Unavailable,
        "the server's message store did not answer; try again shortly".into(),
    )
}

/// What the connection's task must do after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep going.
    Continue,
    /// Close the connection with this code.
    Close(CloseCode),
}

// ANCHOR: session
/// The protocol state of one connection.
#[derive(Debug)]
pub struct Session {
    peer: Peer,
    broker: Broker,
    /// Accounts and tokens (`None`: every `hello` is a guest's, and tokens are refused).
    gate: Option<Arc<Gate>>,
    name: Option<Arc<str>>,
    /// When the token this session said `hello` with expires (milliseconds since 1970).
    token_expires_ms: Option<i64>,
    /// The server's hooks, run on `send`, `direct` and `join` (book: "Inside the final server").
    hooks: Hooks,
    bucket: TokenBucket,
    max_text_chars: usize,
    rate_abuse_after: u32,
    invalid_in_a_row: u32,
    refused: u32,
    invalid: u32,
}
// ANCHOR_END: session

impl Session {
    /// A connection that has not said hello yet.
    pub fn new(peer: Peer, config: &Config, now: Instant) -> Session {
        Session {
            peer,
            broker: Broker::Memory,
            gate: None,
            name: None,
            token_expires_ms: None,
            hooks: Hooks::default(),
            bucket: TokenBucket::new(config.rate_per_sec, config.rate_burst, now),
            max_text_chars: config.max_text_chars,
            rate_abuse_after: config.rate_abuse_after,
            invalid_in_a_row: config.invalid_in_a_row,
            refused: 0,
            invalid: 0,
        }
    }

    /// The same session, but sending the requests that other instances must agree on through
    /// `broker` (with [`Broker::Memory`], the default, the hub does everything).
    pub fn with_broker(mut self, broker: Broker) -> Session {
        self.broker = broker;
        self
    }

    /// The same session, running `hooks` on what its user asks for.
    pub fn with_hooks(mut self, hooks: Hooks) -> Session {
        self.hooks = hooks;
        self
    }

    /// The same session, checking names and tokens with `gate`.
    pub fn with_gate(mut self, gate: Arc<Gate>) -> Session {
        self.gate = Some(gate);
        self
    }

    /// The username, once `hello` succeeded.
    pub fn username(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// When the token of a signed-in user's session expires (milliseconds since 1970); `None`
    /// for a guest, or before `hello`. The connection ends then (close code 4503): a token is
    /// only checked at `hello`.
    pub fn token_expires_ms(&self) -> Option<i64> {
        self.name.as_ref().and(self.token_expires_ms)
    }

    // ANCHOR: on_text
    /// Handles one text frame. It completes at once unless the session's broker is Redis,
    /// which it may ask (each request bounded by [`REDIS_TIMEOUT`]).
    pub async fn on_text(
        &mut self,
        hub: &Hub,
        stats: &Stats,
        frame: &str,
        now: Instant,
    ) -> Verdict {
        let (id, request) = protocol::decode(frame);
        let request = request.map_err(|err| (err.code, err.message));
        self.handle(hub, stats, id.as_ref(), request, now).await
    }

    /// Handles a binary frame: a request like any other for the limits, and always refused,
    /// since the protocol is JSON text only.
    pub async fn on_binary(&mut self, hub: &Hub, stats: &Stats, now: Instant) -> Verdict {
        let refusal = (
            ErrorCode::BadRequest,
            "binary frames are not part of the protocol: send JSON text".to_owned(),
        );
        self.handle(hub, stats, None, Err(refusal), now).await
    }

    /// The rate limit, then the request, then the count of invalid requests in a row.
    async fn handle(
        &mut self,
        hub: &Hub,
        stats: &Stats,
        id: Option<&RequestId>,
        request: Result<Request, Refusal>,
        now: Instant,
    ) -> Verdict {
        if !self.bucket.try_take(now) {
            self.refused += 1;
            let refusal = (
                ErrorCode::RateLimited,
                "slow down: too many requests".into(),
            );
            self.reply_error(stats, id, refusal);
            return if self.refused >= self.rate_abuse_after {
                Verdict::Close(CloseCode::RateAbuse)
            } else {
                Verdict::Continue
            };
        }
        self.refused = 0;
        let applied = match request {
            Ok(request) => self.apply(hub, request, id).await,
            Err(refusal) => Err(refusal),
        };
        let Err(refusal) = applied else {
            self.invalid = 0;
            return Verdict::Continue;
        };
        let malformed = matches!(refusal.0, ErrorCode::BadRequest | ErrorCode::UnknownType);
        self.reply_error(stats, id, refusal);
        self.invalid = if malformed { self.invalid + 1 } else { 0 };
        if self.invalid >= self.invalid_in_a_row {
            Verdict::Close(CloseCode::Policy)
        } else {
            Verdict::Continue
        }
    }
    // ANCHOR_END: on_text

    // ANCHOR: apply
    async fn apply(
        &mut self,
        hub: &Hub,
        request: Request,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        // `hello` only without a name, anything else only with one.
        let hello = matches!(request, Request::Hello { .. } | Request::HelloToken { .. });
        match (&self.name, hello) {
            (Some(_), true) => {
                return Err((ErrorCode::AlreadyWelcomed, "you already said hello".into()));
            }
            (None, true) | (Some(_), false) => {}
            (None, false) => {
                return Err((
                    ErrorCode::NotWelcomed,
                    "say hello first: {\"type\":\"hello\",\"username\":\"…\"}".into(),
                ));
            }
        }
        // Who the `hello` is for: a guest's name may not be an account's; a token gives the
        // name it was issued for. From here on, both are a `Hello` with a checked name.
        let mut verified = false;
        let mut token_id = None;
        let request = match request {
            Request::Hello { username } => {
                self.may_be_guest(&username).await?;
                // A guest, even after a refused `hello` with a token on this connection.
                self.token_expires_ms = None;
                Request::Hello { username }
            }
            Request::HelloToken { token } => {
                let claims = self.signed_in(token.expose()).await?;
                verified = true;
                token_id = claims.jti;
                self.token_expires_ms = Some(claims.exp.saturating_mul(1000));
                Request::Hello {
                    username: claims.sub,
                }
            }
            other => self.screen(other)?,
        };
        if let Broker::Redis(redis) = &self.broker {
            let redis = Arc::clone(redis);
            // One bound for the whole request, however many round trips it takes. Every
            // await in it comes before the hub is changed, so giving up leaves nothing half
            // done here (a `send` may still have reached Redis: see "Scaling out").
            let signed_in = verified.then_some(token_id.as_deref());
            let applied = self.apply_redis(&redis, hub, request, id, signed_in);
            return tokio::time::timeout(REDIS_TIMEOUT, applied)
                .await
                .unwrap_or_else(|_| {
                    Err((
                        ErrorCode::Unavailable,
                        "the server's message broker did not answer in time; try again shortly"
                            .into(),
                    ))
                });
        }
        let conn = self.peer.id();
        match request {
            Request::Hello { username } if verified => {
                let greeted = hub.hello_signed_in(&self.peer, &username, id, token_id.as_deref());
                self.name = Some(greeted?);
                Ok(())
            }
            Request::Hello { username } => {
                self.name = Some(hub.hello(&self.peer, &username, id)?);
                Ok(())
            }
            Request::HelloToken { .. } => Err(token_not_checked()),
            Request::Join { room, since } => hub.join(conn, &room, since, id),
            Request::Send { room, text } => {
                self.check_text(&text)?;
                hub.send(conn, &room, &text)
            }
            Request::Leave { room } => hub.leave(conn, &room, id),
            Request::Direct { to, text } => {
                self.check_text(&text)?;
                hub.direct(conn, &to, &text, id).map(|_| ())
            }
            Request::Rooms => {
                self.peer.deliver(protocol::encode_rooms(id, &hub.rooms()));
                Ok(())
            }
            Request::History {
                room,
                before,
                limit,
            } => self.history(hub, &room, before, limit, id).await,
        }
    }
    // ANCHOR_END: apply

    // ANCHOR: history
    /// `history` (scrollback): what the hub holds in memory, completed from the store when
    /// there is one. The store is read on a blocking thread, at most [`STORE_READ_TIMEOUT`].
    async fn history(
        &self,
        hub: &Hub,
        room: &str,
        before: Option<u64>,
        limit: usize,
        id: Option<&RequestId>,
    ) -> Result<(), Refusal> {
        let mut older = hub.older(self.peer.id(), room, before, limit)?;
        // With a journal, its store, once the messages recorded before the request are
        // written; without, a store that is written before anyone receives a message (Redis).
        let source = match (older.journal.take(), older.archive.take()) {
            (Some((journal, mark)), _) => Some((journal.store(), Some((journal, mark)))),
            (None, Some(store)) => Some((store, None)),
            (None, None) => None,
        };
        let stored = match source {
            // Enough in memory already: no need for the store.
            Some((store, wait)) if older.cached.len() <= limit => {
                let (name, before) = (room.to_owned(), older.before);
                let read = async move {
                    // Messages the memory let go of may still be on their way to the disk.
                    if let Some((journal, mark)) = wait {
                        journal.written(mark).await;
                    }
                    tokio::task::spawn_blocking(move || store.before(&name, before, limit + 1))
                        .await
                };
                match tokio::time::timeout(STORE_READ_TIMEOUT, read).await {
                    Ok(Ok(Ok(stored))) => stored,
                    Ok(Ok(Err(err))) => {
                        tracing::warn!(%err, "the store could not read a room's history");
                        return Err(store_unavailable());
                    }
                    Ok(Err(_)) | Err(_) => return Err(store_unavailable()),
                }
            }
            _ => Vec::new(),
        };
        let (messages, more) = older.answer(stored, limit);
        let messages: Vec<&Utf8Bytes> = messages.iter().collect();
        self.peer
            .deliver(protocol::encode_history(id, room, &messages, more));
        Ok(())
    }
    // ANCHOR_END: history

    /// [`Session::apply`] when rooms are shared through Redis: the same requests, but `hello`,
    /// `join`, `send`, `rooms` and `direct` to another instance's user go through the broker.
    async fn apply_redis(
        &mut self,
        redis: &RedisBroker,
        hub: &Hub,
        request: Request,
        id: Option<&RequestId>,
        signed_in: Option<Option<&str>>,
    ) -> Result<(), Refusal> {
        let conn = self.peer.id();
        match request {
            Request::Hello { username } => {
                let (verified, token_id) = (signed_in.is_some(), signed_in.flatten());
                let greeted = redis
                    .hello(hub, &self.peer, &username, id, verified, token_id)
                    .await;
                self.name = Some(greeted?);
                Ok(())
            }
            Request::HelloToken { .. } => Err(token_not_checked()),
            Request::Join { room, since } => redis.join(hub, conn, &room, since, id).await,
            Request::Send { room, text } => {
                self.check_text(&text)?;
                redis.send(hub, conn, &room, &text).await
            }
            Request::Leave { room } => hub.leave(conn, &room, id),
            Request::Direct { to, text } => {
                self.check_text(&text)?;
                redis.direct(hub, conn, &to, &text, id).await
            }
            Request::Rooms => {
                let rooms = redis.rooms().await?;
                self.peer.deliver(protocol::encode_rooms(id, &rooms));
                Ok(())
            }
            // From what this instance holds in memory (the last --history messages).
            Request::History {
                room,
                before,
                limit,
            } => self.history(hub, &room, before, limit, id).await,
        }
    }

    /// A guest's `hello`: refused when guests are not allowed, or the name is an account's.
    /// With accounts shared by several instances (Redis), a name not known here is looked up
    /// there, on a blocking thread: another instance may have registered it.
    async fn may_be_guest(&self, username: &str) -> Result<(), Refusal> {
        let Some(gate) = &self.gate else {
            return Ok(());
        };
        if gate.guests() == Guests::Deny {
            return Err((
                ErrorCode::Unauthorized,
                "this server lets only signed-in users chat: sign in, and say hello with your token"
                    .into(),
            ));
        }
        let mut reserved = gate.is_reserved(username);
        if !reserved && gate.is_shared() {
            let (gate, name) = (Arc::clone(gate), username.to_owned());
            let asked = tokio::task::spawn_blocking(move || gate.is_reserved_now(&name));
            reserved = match tokio::time::timeout(STORE_READ_TIMEOUT, asked).await {
                Ok(Ok(Ok(reserved))) => reserved,
                // Cannot tell: a guest may not take a name that might be an account's.
                Ok(Ok(Err(_)) | Err(_)) | Err(_) => return Err(store_unavailable()),
            };
        }
        if reserved {
            return Err((
                ErrorCode::NameReserved,
                format!(
                    "{username:?} belongs to an account: sign in to use it, or choose another name"
                ),
            ));
        }
        Ok(())
    }

    /// A signed-in user's `hello`: what its token says (the name it was issued for, its id), if
    /// the token is good.
    /// Checking it reads the list of revoked tokens, on a blocking thread.
    async fn signed_in(&self, token: &str) -> Result<Claims, Refusal> {
        let Some(gate) = &self.gate else {
            return Err((
                ErrorCode::Unauthorized,
                "this server has no accounts: say hello with a username".into(),
            ));
        };
        let (gate, token) = (Arc::clone(gate), token.to_owned());
        let checked = tokio::task::spawn_blocking(move || gate.check(&token, now_ms()));
        match tokio::time::timeout(STORE_READ_TIMEOUT, checked).await {
            Ok(Ok(Ok(claims))) => Ok(claims),
            // Not the token's fault: the client should keep it and try again.
            Ok(Ok(Err(TokenError::Unavailable))) => {
                Err((ErrorCode::Unavailable, TokenError::Unavailable.to_string()))
            }
            Ok(Ok(Err(err))) => Err((ErrorCode::Unauthorized, err.to_string())),
            Ok(Err(_)) | Err(_) => Err(store_unavailable()),
        }
    }

    // ANCHOR: screen
    /// Runs the server's hooks on a `send`, `direct` or `join` ([`crate::hook`]): the request
    /// as they leave it, or their refusal. Without hooks, the request as it is.
    fn screen(&self, request: Request) -> Result<Request, Refusal> {
        let (Some(user), false) = (&self.name, self.hooks.is_empty()) else {
            return Ok(request);
        };
        let verified = self.token_expires_ms().is_some();
        let refused = |reason| (ErrorCode::Refused, reason);
        Ok(match request {
            Request::Send { room, text } => {
                self.check_text(&text)?; // hooks see only text the server would take
                let screened = self.hooks.screen_send(user, verified, &room, &text);
                let text = screened.map_err(refused)?.unwrap_or(text);
                Request::Send { room, text }
            }
            Request::Direct { to, text } => {
                self.check_text(&text)?;
                let screened = self.hooks.screen_direct(user, verified, &to, &text);
                let text = screened.map_err(refused)?.unwrap_or(text);
                Request::Direct { to, text }
            }
            Request::Join { room, since } => {
                self.hooks
                    .screen_join(user, verified, &room)
                    .map_err(refused)?;
                Request::Join { room, since }
            }
            other => other,
        })
    }
    // ANCHOR_END: screen

    fn check_text(&self, text: &str) -> Result<(), Refusal> {
        match names::text_problem(text, self.max_text_chars) {
            None => Ok(()),
            Some(TextProblem::Empty) => Err((ErrorCode::BadRequest, "the text is empty".into())),
            Some(TextProblem::TooLong) => Err((
                ErrorCode::TextTooLong,
                format!("a text may have at most {} characters", self.max_text_chars),
            )),
            Some(TextProblem::ControlCharacter) => Err((
                ErrorCode::InvalidText,
                "the text contains a control character (only newline and tab are allowed)".into(),
            )),
        }
    }

    fn reply_error(&self, stats: &Stats, id: Option<&RequestId>, (code, message): Refusal) {
        stats.error(code);
        self.peer
            .deliver(protocol::encode_error(id, code, &message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::Outbox;
    use futures_util::FutureExt;

    /// Without a broker a request never waits: its future is ready at the first poll.
    fn ready<T>(future: impl Future<Output = T>) -> T {
        future.now_or_never().expect("no broker, so no waiting")
    }
    use serde_json::Value;

    struct Fixture {
        hub: Hub,
        stats: Stats,
        config: Config,
    }

    impl Fixture {
        fn new(config: Config) -> Fixture {
            Fixture {
                hub: Hub::new(&config, Arc::default()),
                stats: Stats::default(),
                config,
            }
        }

        fn session(&self, id: u64) -> (Session, Outbox) {
            let (peer, queue) = Peer::new(id, 256);
            (Session::new(peer, &self.config, Instant::now()), queue)
        }
    }

    fn replies(queue: &mut Outbox) -> Vec<Value> {
        std::iter::from_fn(|| queue.try_recv())
            .map(|text| serde_json::from_str(text.as_str()).unwrap())
            .collect()
    }

    #[test]
    fn requests_before_hello_are_refused_and_hello_twice_too() {
        let f = Fixture::new(Config::default());
        let (mut s, mut q) = f.session(1);
        let now = Instant::now();
        assert_eq!(
            ready(s.on_text(&f.hub, &f.stats, r#"{"type":"rooms","id":1}"#, now)),
            Verdict::Continue
        );
        assert_eq!(
            ready(s.on_text(
                &f.hub,
                &f.stats,
                r#"{"type":"hello","username":"ann"}"#,
                now
            )),
            Verdict::Continue
        );
        assert_eq!(
            ready(s.on_text(
                &f.hub,
                &f.stats,
                r#"{"type":"hello","username":"bob"}"#,
                now
            )),
            Verdict::Continue
        );
        let codes: Vec<Value> = replies(&mut q)
            .into_iter()
            .map(|r| r["code"].clone())
            .collect();
        assert_eq!(
            codes,
            [
                Value::from("not_welcomed"),
                Value::Null,
                Value::from("already_welcomed")
            ]
        );
        assert_eq!(s.username(), Some("ann"));
    }

    #[test]
    fn a_flood_is_refused_then_closed() {
        let f = Fixture::new(Config {
            rate_burst: 3,
            rate_abuse_after: 5,
            ..Config::default()
        });
        let (mut s, mut q) = f.session(1);
        let now = Instant::now();
        let verdicts: Vec<Verdict> = (0..8)
            .map(|_| ready(s.on_text(&f.hub, &f.stats, r#"{"type":"rooms"}"#, now)))
            .collect();
        assert_eq!(verdicts[..7], [Verdict::Continue; 7]);
        assert_eq!(verdicts[7], Verdict::Close(CloseCode::RateAbuse));
        let codes: Vec<Value> = replies(&mut q)
            .into_iter()
            .map(|r| r["code"].clone())
            .collect();
        assert_eq!(codes.iter().filter(|c| *c == "rate_limited").count(), 5);
    }

    #[test]
    fn garbage_in_a_row_closes_with_policy() {
        let f = Fixture::new(Config {
            invalid_in_a_row: 3,
            ..Config::default()
        });
        let (mut s, _q) = f.session(1);
        let now = Instant::now();
        assert_eq!(
            ready(s.on_text(&f.hub, &f.stats, "x", now)),
            Verdict::Continue
        );
        assert_eq!(ready(s.on_binary(&f.hub, &f.stats, now)), Verdict::Continue);
        assert_eq!(
            ready(s.on_text(&f.hub, &f.stats, "{}", now)),
            Verdict::Close(CloseCode::Policy)
        );
    }
}
