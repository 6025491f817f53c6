//! The terminal client: lines typed on stdin go out, messages from the server are printed.
//!
//! Stage 3 — WebSockets, book chapter 3, section "The client".
//!
//! The same shape as a server connection, seen from the other end: one task, a `select!` over
//! "a line was typed" and "a frame arrived". When the input ends (Ctrl-D), the client starts the
//! closing handshake and keeps printing until the server has closed too, so nothing already on
//! its way is lost.

use std::error::Error;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::wire::{Incoming, ServerFrame};

/// Where the client connects when no URL is given.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:8080";

/// Any error the client can meet, boxed: the client only reports it and exits.
pub type ClientError = Box<dyn Error + Send + Sync>;

// ANCHOR: render
/// How a frame from the server looks in the terminal.
///
/// Control characters are replaced with `�`: the text comes from other people, and a terminal
/// obeys control sequences (`ESC [2J` clears the screen), so printing them raw would let anyone
/// redraw everyone's terminal.
pub fn render(frame: &str) -> String {
    let line = match serde_json::from_str::<ServerFrame>(frame) {
        Ok(ServerFrame::Chat(message)) => {
            format!(
                "[{} UTC] {}: {}",
                message.timestamp.format("%H:%M:%S"),
                message.username,
                message.text
            )
        }
        Ok(ServerFrame::Error(reply)) => format!("! server says: {}", reply.error),
        Err(_) => format!("? {frame}"),
    };
    line.chars()
        .map(|c| {
            if c.is_control() {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}
// ANCHOR_END: render

// ANCHOR: run
/// Connects to `url` and chats as `username`: every non-empty line of `input` is sent, every
/// frame received is written to `output`.
pub async fn run<R, W>(
    url: &str,
    username: &str,
    input: R,
    mut output: W,
) -> Result<(), ClientError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let (websocket, _response) = tokio_tungstenite::connect_async(url).await?;
    let greeting =
        format!("connected to {url} as {username}; type and press Enter, Ctrl-D to quit\n");
    output.write_all(greeting.as_bytes()).await?;
    output.flush().await?;

    let (mut outgoing, mut incoming) = websocket.split();
    let mut lines = input.lines();
    let mut typing = true;
    loop {
        tokio::select! {
            line = lines.next_line(), if typing => match line? {
                Some(text) if text.trim().is_empty() => {}
                Some(text) => {
                    let json = serde_json::to_string(&Incoming { username: username.to_owned(), text })?;
                    outgoing.send(Frame::text(json)).await?;
                }
                None => {
                    // End of input: say goodbye, but keep reading until the server closes.
                    typing = false;
                    outgoing.close().await?;
                }
            },
            frame = incoming.next() => match frame {
                Some(Ok(Frame::Text(text))) => {
                    output.write_all(format!("{}\n", render(&text)).as_bytes()).await?;
                    output.flush().await?;
                }
                Some(Ok(Frame::Close(_))) | None => break,
                Some(Ok(_)) => {} // pings are answered by tungstenite
                Some(Err(err)) => return Err(err.into()),
            },
        }
    }
    Ok(())
}
// ANCHOR_END: run

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_render_for_people() {
        let chat = r#"{"username":"alice","text":"hi","timestamp":"2026-01-02T12:00:05Z"}"#;
        assert_eq!(render(chat), "[12:00:05 UTC] alice: hi");
        assert_eq!(render(r#"{"error":"nope"}"#), "! server says: nope");
        assert_eq!(render("garbage"), "? garbage");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let attack = serde_json::json!({
            "username": "eve",
            "text": "\u{1b}[2J\u{1b}[31mgotcha\u{7}",
            "timestamp": "2026-01-02T12:00:05Z",
        });
        assert_eq!(
            render(&attack.to_string()),
            "[12:00:05 UTC] eve: \u{fffd}[2J\u{fffd}[31mgotcha\u{fffd}"
        );
    }
}
