//! The HTTP side of the port: routes, the WebSocket upgrade, and the connection limits.
//!
//! Final server — book chapter "The final server", section "Why hyper".
//!
//! One port serves both the WebSocket endpoint (`GET /ws`) and plain HTTP: the web client
//! (`/`, `/app.js`, `/style.css`), `/healthz`, `/metrics`, and the accounts API (`/api/*`, in
//! `api`). So the server speaks HTTP first, with hyper, and hands the connection to
//! tokio-tungstenite after the `101 Switching Protocols` answer. That is the same
//! `WebSocketStream` the stages used, built on the upgraded connection with
//! [`WebSocketStream::from_raw_socket`]; axum would wrap it in a type of its own. The handshake
//! itself is a few header checks and one hash (`derive_accept_key`).
//!
//! An upgrade is refused, with an HTTP status and no socket, when the page that opens it is from
//! an origin that is not allowed (403), when the server is full (503),
//! when the client's address has too many connections (429), and while shutting down (503).
//! A client that is slow to send its request is dropped after `handshake_timeout`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::upgrade::OnUpgrade;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tracing::Instrument;

use super::origin::origin_allowed;
use super::shared::{Full as Refused, Shared, Slot};
use super::{api, connection};
use crate::hub::Peer;
use crate::stats::Refusal;

type Body = Full<Bytes>;

/// Serves one TCP connection: HTTP requests until it upgrades, ends, or takes too long.
pub(crate) async fn serve(socket: TcpStream, addr: SocketAddr, shared: Arc<Shared>) {
    let timeout = shared.config.handshake_timeout;
    let service = {
        let shared = Arc::clone(&shared);
        service_fn(move |request: Request<Incoming>| {
            let shared = Arc::clone(&shared);
            async move {
                // The accounts API reads a body and hashes passwords: it waits; the rest does not.
                let response = if request.uri().path().starts_with("/api/") {
                    api::handle(request, addr, &shared).await
                } else {
                    route(request, addr, &shared)
                };
                Ok::<_, Infallible>(response)
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeout);
    let connection = builder
        .serve_connection(TokioIo::new(socket), service)
        .with_upgrades();
    tokio::pin!(connection);
    // The HTTP part of a connection is short: either it upgrades (and the WebSocket task takes
    // over), or it fetches a page. Past the deadline, or at shutdown, it is asked to finish.
    tokio::select! {
        _ = connection.as_mut() => return,
        () = tokio::time::sleep(timeout) => {}
        () = shared.shutdown.cancelled() => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(shared.config.close_timeout, connection).await;
}

// The web client, embedded in the binary: `cargo run` and a browser are all a user needs.
const INDEX_HTML: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const STYLE_CSS: &str = include_str!("../../web/style.css");

/// What the web client's page may load and connect to: only this server. A script injected
/// despite everything could neither load code from elsewhere nor send data there.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// ANCHOR: route
fn route(request: Request<Incoming>, addr: SocketAddr, shared: &Arc<Shared>) -> Response<Body> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/ws") => upgrade(request, addr, shared),
        (&Method::GET, "/") => page(INDEX_HTML, "text/html; charset=utf-8"),
        (&Method::GET, "/app.js") => page(APP_JS, "text/javascript; charset=utf-8"),
        (&Method::GET, "/style.css") => page(STYLE_CSS, "text/css; charset=utf-8"),
        // No icon: an empty answer, so that browsers do not log a 404 for every page.
        (&Method::GET, "/favicon.ico") => text(StatusCode::NO_CONTENT, ""),
        // HEAD too: some health checkers use it (hyper sends the headers without the body).
        (&Method::GET | &Method::HEAD, "/healthz") if shared.shutdown.is_cancelled() => {
            text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
        }
        (&Method::GET | &Method::HEAD, "/healthz") if !shared.stats.broker_is_up() => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "degraded: redis unreachable\n",
        ),
        (&Method::GET | &Method::HEAD, "/healthz") if !shared.stats.store_is_up() => {
            text(StatusCode::SERVICE_UNAVAILABLE, "degraded: store\n")
        }
        (&Method::GET | &Method::HEAD, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/metrics") => {
            let mut response = Response::new(Full::new(Bytes::from(shared.stats.encode())));
            let format = HeaderValue::from_static(
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            );
            response.headers_mut().insert(header::CONTENT_TYPE, format);
            response
        }
        (_, "/ws" | "/" | "/app.js" | "/style.css" | "/healthz" | "/metrics") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n")
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}
// ANCHOR_END: route

fn page(body: &'static str, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Whether a comma-separated header contains `token` (case-insensitively).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|part| part.trim().eq_ignore_ascii_case(token))
}

// ANCHOR: upgrade
fn upgrade(
    mut request: Request<Incoming>,
    addr: SocketAddr,
    shared: &Arc<Shared>,
) -> Response<Body> {
    let Some(key) = request.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return not_an_upgrade();
    };
    if let Some(refused) = handshake_problem(request.headers()) {
        return refused;
    }
    if !origin_allowed(request.headers(), &shared.config.allowed_origins) {
        shared.stats.refused(Refusal::Origin);
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .map(HeaderValue::as_bytes)
            .unwrap_or_default();
        let origin = String::from_utf8_lossy(origin);
        tracing::warn!(peer = %addr, %origin, "connection refused: origin not allowed");
        return text(
            StatusCode::FORBIDDEN,
            "this page's origin may not open a WebSocket here\n",
        );
    }
    if shared.shutdown.is_cancelled() {
        return retry_later(text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"));
    }
    let slot = match shared.take_slot(addr.ip()) {
        Ok(slot) => slot,
        Err(full) => return refuse_full(full, addr, shared),
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);
    spawn_connection(on_upgrade, slot, addr, shared);
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(value) = HeaderValue::from_str(&accept) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, value);
    }
    response
}

fn not_an_upgrade() -> Response<Body> {
    text(
        StatusCode::BAD_REQUEST,
        "expected a WebSocket upgrade request\n",
    )
}

/// What is wrong with a request that has a `Sec-WebSocket-Key` but is not a WebSocket upgrade
/// this server speaks, as the answer to send; `None` when nothing is.
fn handshake_problem(headers: &HeaderMap) -> Option<Response<Body>> {
    if !has_token(headers, header::CONNECTION, "upgrade")
        || !has_token(headers, header::UPGRADE, "websocket")
    {
        return Some(not_an_upgrade());
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        let mut response = text(StatusCode::UPGRADE_REQUIRED, "only WebSocket version 13\n");
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return Some(response);
    }
    None
}

/// The answer when a connection limit is reached: counted, logged, and "come back later".
fn refuse_full(full: Refused, addr: SocketAddr, shared: &Shared) -> Response<Body> {
    shared.stats.refused(match full {
        Refused::Server => Refusal::ServerFull,
        Refused::Address => Refusal::PerAddress,
    });
    tracing::warn!(peer = %addr, ?full, "connection refused: limit reached");
    retry_later(match full {
        Refused::Server => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "server full, try again later\n",
        ),
        Refused::Address => text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many connections from your address\n",
        ),
    })
}

fn retry_later(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// Starts the connection's task: once hyper has sent the 101, the upgraded socket becomes a
/// `WebSocketStream` with the configured limits, and the connection runs until it ends.
fn spawn_connection(on_upgrade: OnUpgrade, slot: Slot, addr: SocketAddr, shared: &Arc<Shared>) {
    let id = shared.next_id();
    let span = tracing::info_span!("conn", id, peer = %addr, user = tracing::field::Empty);
    let tracker = shared.tracker.clone();
    let shared = Arc::clone(shared);
    let task = async move {
        let upgraded = match tokio::time::timeout(shared.config.handshake_timeout, on_upgrade).await
        {
            Ok(Ok(upgraded)) => upgraded,
            _ => return,
        };
        let config = WebSocketConfig::default()
            .read_buffer_size(shared.config.read_buffer_bytes)
            .write_buffer_size(shared.config.write_buffer_bytes)
            .max_message_size(Some(shared.config.max_message_bytes))
            .max_frame_size(Some(shared.config.max_message_bytes));
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let (peer, queue) = Peer::until(id, shared.config.queue_capacity, &shared.shutdown);
        shared.stats.opened();
        tracing::info!("connected");
        connection::serve(ws, peer, queue, Arc::clone(&shared)).await;
        shared.stats.closed();
        drop(slot); // the connection's place is free once its task is done
    };
    tracker.spawn(task.instrument(span));
}
// ANCHOR_END: upgrade
