//! Signing in from the terminal: the password, read without echo, and `POST /api/login`.
//!
//! Final server — book chapter "Accounts and tokens", section "In the clients".
//!
//! The client has no HTTP library: one request, over one TCP connection, in HTTP/1.1 with
//! `Connection: close`, is a few lines. The server's address is the WebSocket URL's
//! (`ws://host:port/...`); only plain `ws://` is spoken, like the rest of this client.

use std::io::IsTerminal;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most of the server's answer that is read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The longest a sign-in may take.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(15);

/// The password: typed without echo at a terminal, or the first line of standard input when it
/// is not a terminal (a script, a test: `echo "$PASSWORD" | chat-client --login ann`).
pub fn read_password(name: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("password for {name}: "))
            .map_err(|err| format!("cannot read the password: {err}"))
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|err| format!("cannot read the password: {err}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// Signs in at the server of `ws_url`; returns the token. The error is a sentence for the user.
pub async fn sign_in(ws_url: &str, name: &str, password: &str) -> Result<String, String> {
    let authority = ws_url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .filter(|authority| !authority.is_empty())
        .ok_or_else(|| format!("--login needs a ws:// URL, not {ws_url:?}"))?;
    let body = json!({"username": name, "password": password}).to_string();
    let request = format!(
        "POST /api/login HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut socket = TcpStream::connect(authority).await?;
        socket.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        // An answer to a sign-in is small; a server that sends more is not believed further.
        socket
            .take(MAX_ANSWER_BYTES)
            .read_to_string(&mut response)
            .await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(SIGN_IN_TIMEOUT, exchange)
        .await
        .map_err(|_| "the server did not answer the sign-in in time".to_owned())?
        .map_err(|err| format!("cannot reach the server to sign in: {err}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or("the server's answer to the sign-in was not HTTP")?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match (status, answer["token"].as_str()) {
        ("200", Some(token)) => Ok(token.to_owned()),
        _ => Err(format!(
            "signing in failed: {}",
            answer["message"].as_str().unwrap_or(status)
        )),
    }
}
