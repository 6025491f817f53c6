//! The HTTP side of the port: routes, the WebSocket upgrade, and the connection limits.
//!
//! Final server — book chapter "The final server", section "Why hyper".
//!
//! One port serves both the WebSocket endpoint (`GET /ws`) and plain HTTP pages (`/`,
//! `/healthz`), so the server speaks HTTP first, with hyper, and hands the connection to
//! tokio-tungstenite after the `101 Switching Protocols` answer. That is the same
//! `WebSocketStream` the stages used, built on the upgraded connection with
//! [`WebSocketStream::from_raw_socket`]; axum would wrap it in a type of its own. The handshake
//! itself is a few header checks and one hash (`derive_accept_key`).
//!
//! An upgrade is refused, with an HTTP status and no socket, when the server is full (503),
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
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tracing::Instrument;

use crate::connection;
use crate::hub::Peer;
use crate::server::{Full as Refused, Shared};

type Body = Full<Bytes>;

/// Serves one TCP connection: HTTP requests until it upgrades, ends, or takes too long.
pub(crate) async fn serve(socket: TcpStream, addr: SocketAddr, shared: Arc<Shared>) {
    let timeout = shared.config.handshake_timeout;
    let service = {
        let shared = Arc::clone(&shared);
        service_fn(move |request| {
            let response = route(request, addr, &shared);
            async move { Ok::<_, Infallible>(response) }
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

fn route(request: Request<Incoming>, addr: SocketAddr, shared: &Arc<Shared>) -> Response<Body> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/ws") => upgrade(request, addr, shared),
        (&Method::GET, "/healthz") if shared.shutdown.is_cancelled() => {
            text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
        }
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/") => text(
            StatusCode::OK,
            "This is a Rust Chat Roadmap chat server.\nConnect a WebSocket client to /ws (the book's chapter \"The protocol\" says what to send).\n",
        ),
        (_, "/ws" | "/healthz" | "/") => text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n"),
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
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
    let headers = request.headers();
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return text(
            StatusCode::BAD_REQUEST,
            "expected a WebSocket upgrade request\n",
        );
    };
    if !has_token(headers, header::CONNECTION, "upgrade")
        || !has_token(headers, header::UPGRADE, "websocket")
    {
        return text(
            StatusCode::BAD_REQUEST,
            "expected a WebSocket upgrade request\n",
        );
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
        return response;
    }
    if shared.shutdown.is_cancelled() {
        let mut response = text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    let slot = match shared.take_slot(addr.ip()) {
        Ok(slot) => slot,
        Err(full) => {
            shared.stats.refused(full == Refused::Address);
            tracing::warn!(peer = %addr, ?full, "connection refused: limit reached");
            let mut response = match full {
                Refused::Server => text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "server full, try again later\n",
                ),
                Refused::Address => text(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many connections from your address\n",
                ),
            };
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return response;
        }
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);
    let id = shared.next_id();
    let span = tracing::info_span!("conn", id, peer = %addr, user = tracing::field::Empty);
    let task_shared = Arc::clone(shared);
    shared.tracker.spawn(
        async move {
            let shared = task_shared;
            let upgraded =
                match tokio::time::timeout(shared.config.handshake_timeout, on_upgrade).await {
                    Ok(Ok(upgraded)) => upgraded,
                    _ => return,
                };
            let config = WebSocketConfig::default()
                .read_buffer_size(shared.config.read_buffer_bytes)
                .write_buffer_size(shared.config.write_buffer_bytes)
                .max_message_size(Some(shared.config.max_message_bytes))
                .max_frame_size(Some(shared.config.max_message_bytes));
            let ws = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config),
            )
            .await;
            let (peer, queue) = Peer::new(id, shared.config.queue_capacity);
            shared.stats.opened();
            tracing::info!("connected");
            connection::serve(ws, peer, queue, Arc::clone(&shared)).await;
            shared.stats.closed();
            drop(slot);
        }
        .instrument(span),
    );
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
// ANCHOR_END: upgrade
