//! The accounts API: `POST /api/register`, `/api/login` and `/api/logout`, JSON in and out.
//!
//! Final server — book chapter "Accounts and tokens", section "The API".
//!
//! Each request goes through the same checks before anything is read from the store: the page
//! that sent it must be an allowed origin (as for the WebSocket upgrade: otherwise any web site
//! could register or sign in through its visitors' browsers); the body must be declared as
//! `application/json` (a plain HTML form cannot send that, which is one more wall against
//! cross-site requests) and be at most 4 KiB; and the address must be within its rate limit.
//! Signing in is also limited per account, so that guesses spread over many addresses still
//! hit a wall. Passwords are hashed on a blocking thread, never on the async workers.
//!
//! Every refusal is a status and a JSON body `{"error":"<code>","message":"<sentence>"}`. No
//! answer, and no log line, ever holds a password or a token.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::OwnedSemaphorePermit;

use super::origin::origin_allowed;
use super::shared::Shared;
use crate::auth::{Gate, RegisterError, SignInError, SignOutError};
use crate::broker::Broker;
use crate::store::now_ms;

type Body = Full<Bytes>;

/// The longest a request waits for its turn to hash before it is told to come back.
const HASHING_WAIT: Duration = Duration::from_secs(5);

/// The largest request body accepted.
pub(crate) const MAX_BODY_BYTES: usize = 4 * 1024;

/// What register and login read.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

// ANCHOR: handle
/// Answers one request under `/api/`.
pub(crate) async fn handle(
    request: Request<Incoming>,
    addr: SocketAddr,
    shared: &Arc<Shared>,
) -> Response<Body> {
    let endpoint = match request.uri().path() {
        "/api/register" => "register",
        "/api/login" => "login",
        "/api/logout" => "logout",
        _ => return refuse(StatusCode::NOT_FOUND, "not_found", "no such endpoint"),
    };
    let response = answer(request, addr, shared, endpoint).await;
    shared
        .stats
        .api_answer(endpoint, response.status().as_u16());
    response
}

/// [`handle`] for one of the three endpoints: the checks in order, then the endpoint.
async fn answer(
    request: Request<Incoming>,
    addr: SocketAddr,
    shared: &Arc<Shared>,
    endpoint: &'static str,
) -> Response<Body> {
    if request.method() != Method::POST {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "bad_request", "only POST");
    }
    if !origin_allowed(request.headers(), &shared.config.allowed_origins) {
        return refuse(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "pages from this origin may not use this server",
        );
    }
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_request",
            "send JSON, with Content-Type: application/json",
        );
    }
    // Per address, unless addresses are not counted at all (`--max-connections-per-ip 0`:
    // behind a proxy every request comes from the proxy's address, and the proxy counts).
    let per_address = shared.config.max_connections_per_ip > 0;
    if let (true, Err(wait)) = (
        per_address,
        shared
            .api_per_address
            .try_take(&address_key(addr.ip()), Instant::now()),
    ) {
        return too_many(wait);
    }
    let Some(gate) = shared.gate.clone() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this server has no accounts",
        );
    };
    let bearer = bearer_token(&request);
    let body = match read_body(request, shared.config.handshake_timeout).await {
        Ok(body) => body,
        Err((status, message)) => return refuse(status, "bad_request", message),
    };
    match endpoint {
        "register" => register(gate, &body, shared).await,
        "login" => login(gate, &body, addr.ip(), shared).await,
        _ => logout(gate, bearer, &body, shared).await,
    }
}
// ANCHOR_END: handle

/// A turn to hash a password. Hashing takes 19 MiB and tens of milliseconds: a few at a time,
/// whatever the number of addresses asking, so a crowd of them cannot take all the memory. The
/// permit is moved into the blocking task that hashes, so it is held until the hash is done,
/// even when the client goes away and its request is dropped (a blocking task cannot be
/// cancelled).
async fn turn_to_hash(shared: &Shared) -> Result<OwnedSemaphorePermit, Response<Body>> {
    let permit = Arc::clone(&shared.hashing).acquire_owned();
    match tokio::time::timeout(HASHING_WAIT, permit).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) | Err(_) => {
            let mut response = refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the server is busy signing people in; try again in a moment",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(response)
        }
    }
}

/// The body, at most [`MAX_BODY_BYTES`], within `limit`.
async fn read_body(
    request: Request<Incoming>,
    limit: Duration,
) -> Result<Bytes, (StatusCode, &'static str)> {
    let limited = Limited::new(request.into_body(), MAX_BODY_BYTES);
    match tokio::time::timeout(limit, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is larger than 4 KiB",
        )),
        Ok(Err(_)) | Err(_) => Err((StatusCode::BAD_REQUEST, "the body could not be read")),
    }
}

/// The username and password of a register or login body.
fn credentials(body: &[u8]) -> Option<Credentials> {
    serde_json::from_slice(body).ok()
}

fn bad_credentials() -> Response<Body> {
    refuse(
        StatusCode::BAD_REQUEST,
        "bad_request",
        "send {\"username\":\"…\",\"password\":\"…\"}",
    )
}

async fn register(gate: Arc<Gate>, body: &[u8], shared: &Shared) -> Response<Body> {
    let Some(Credentials { username, password }) = credentials(body) else {
        return bad_credentials();
    };
    let permit = match turn_to_hash(shared).await {
        Ok(permit) => permit,
        Err(busy) => return busy,
    };
    let name = username.clone();
    let made = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        gate.register(&name, &password, now_ms())
    })
    .await;
    match made {
        Ok(Ok(())) => {
            tracing::info!(user = %username, "account registered");
            reply(StatusCode::CREATED, &json!({"username": username}))
        }
        Ok(Err(RegisterError::InvalidUsername(message))) => {
            refuse(StatusCode::BAD_REQUEST, "invalid_username", &message)
        }
        Ok(Err(RegisterError::InvalidPassword(message))) => {
            refuse(StatusCode::BAD_REQUEST, "invalid_password", &message)
        }
        Ok(Err(RegisterError::Taken)) => refuse(
            StatusCode::CONFLICT,
            "username_taken",
            "that name is registered already; choose another",
        ),
        Ok(Err(RegisterError::Failed(message))) => {
            refuse(StatusCode::SERVICE_UNAVAILABLE, "unavailable", &message)
        }
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again"),
    }
}

async fn login(gate: Arc<Gate>, body: &[u8], ip: IpAddr, shared: &Arc<Shared>) -> Response<Body> {
    let Some(Credentials { username, password }) = credentials(body) else {
        return bad_credentials();
    };
    // A name that breaks the naming rules cannot be an account's (the rules are public): no
    // hash, no bucket.
    if crate::names::username_problem(&username).is_some() {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong username or password",
        );
    }
    // Per account too: guesses from many addresses at one account still hit a wall. Every name
    // gets a bucket, whether or not it has an account, so the limit tells nothing either.
    let account = crate::names::username_key(&username);
    if let Err(wait) = shared.api_per_account.try_take(&account, Instant::now()) {
        tracing::warn!(%ip, "sign-ins to one account are being limited");
        return too_many(wait);
    }
    let name = username.clone();
    let signed =
        tokio::task::spawn_blocking(move || gate.sign_in(&name, &password, now_ms())).await;
    match signed {
        Ok(Ok(issued)) => {
            tracing::info!(user = %issued.claims.sub, "signed in");
            let expires = chrono::DateTime::from_timestamp(issued.claims.exp, 0)
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            reply(
                StatusCode::OK,
                &json!({"token": issued.token, "username": issued.claims.sub, "expires_at": expires}),
            )
        }
        Ok(Err(SignInError::Refused)) => {
            tracing::info!(%ip, "a sign-in was refused");
            refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "wrong username or password",
            )
        }
        Ok(Err(SignInError::Failed(message))) => {
            refuse(StatusCode::SERVICE_UNAVAILABLE, "unavailable", &message)
        }
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again"),
    }
}

async fn logout(
    gate: Arc<Gate>,
    bearer: Option<String>,
    body: &[u8],
    shared: &Shared,
) -> Response<Body> {
    // The token in `Authorization: Bearer …`, or as `{"token":"…"}`: never in the URL, where
    // proxies and logs would keep it.
    let token = bearer.or_else(|| {
        serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|body| body["token"].as_str().map(str::to_owned))
    });
    let Some(token) = token else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the token, as Authorization: Bearer <token>",
        );
    };
    let revoked = tokio::task::spawn_blocking(move || gate.sign_out(&token, now_ms())).await;
    match revoked {
        Ok(Ok(token_id)) => {
            // The connections that said hello with this token end now: here at once, and on
            // every other instance when Redis tells them.
            if let Some(token_id) = token_id {
                shared.hub.sign_out(&token_id);
                if let Broker::Redis(redis) = &shared.broker {
                    redis.sign_out(&token_id);
                }
            }
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::NO_CONTENT;
            response
        }
        Ok(Err(SignOutError::Token(err))) => {
            refuse(StatusCode::UNAUTHORIZED, "unauthorized", &err.to_string())
        }
        Ok(Err(SignOutError::Failed(message))) => {
            refuse(StatusCode::SERVICE_UNAVAILABLE, "unavailable", &message)
        }
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "try again"),
    }
}

/// The key of an address's bucket: the address itself for IPv4, its /64 for IPv6, where one
/// machine commonly has a whole /64 to pick addresses from.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
    }
}

fn bearer_token(request: &Request<Incoming>) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

fn reply(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // A token must not be kept by a cache on the way.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    reply(status, &json!({"error": code, "message": message}))
}

/// 429 with `Retry-After`: the whole seconds until the next try may pass.
fn too_many(wait: Duration) -> Response<Body> {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = refuse(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        &format!("too many attempts; try again in {seconds} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
