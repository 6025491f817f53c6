//! The Origin check: which web pages may use this server through their visitors' browsers,
//! for the WebSocket upgrade and for the accounts API alike.
//!
//! Final server — book chapter "The web client", section "The Origin check".

use hyper::header::{self, HeaderMap};

// ANCHOR: origin
/// Whether a browser page from this `Origin` may open a WebSocket here. Browsers send the
/// origin of the page whose script opens the socket, and do not let scripts change it; without
/// this check, any web site a user visits could open a socket to the server in the user's name
/// (cross-site WebSocket hijacking). Programs that are not browsers send no `Origin`, and are
/// not what this check is about.
pub(crate) fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed
        .iter()
        .any(|entry| entry == "*" || entry.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false; // "null" (a file or sandboxed page) and other schemes, unless listed
    };
    // The server's own pages: the page's host and port are the ones this request was sent to.
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    if host.is_some_and(|host| host.eq_ignore_ascii_case(authority)) {
        return true;
    }
    // By default, pages on this machine too, on any port (a developer's own page).
    let name = match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    };
    allowed.is_empty()
        && matches!(
            name.to_ascii_lowercase().as_str(),
            "localhost" | "127.0.0.1" | "[::1]"
        )
}
// ANCHOR_END: origin
