//! A WebSocket client at the byte level, for attacks that a well-behaved library refuses to
//! send: a frame header that announces more than it sends, a message that never ends, a
//! handshake one byte at a time.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::bounded;

/// The upgrade request, as a browser would send it (RFC 6455's sample key).
pub fn upgrade_request(addr: std::net::SocketAddr) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// A client frame: FIN bit, opcode, the given announced length, masked payload.
pub fn frame(fin: bool, opcode: u8, announced: u64, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![if fin { 0x80 } else { 0 } | opcode];
    match announced {
        0..=125 => bytes.push(0x80 | announced as u8),
        126..=0xffff => {
            bytes.push(0x80 | 126);
            bytes.extend_from_slice(&(announced as u16).to_be_bytes());
        }
        _ => {
            bytes.push(0x80 | 127);
            bytes.extend_from_slice(&announced.to_be_bytes());
        }
    }
    let mask = [0x12, 0x34, 0x56, 0x78];
    bytes.extend_from_slice(&mask);
    bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    bytes
}

/// A text frame with the whole payload.
pub fn text(payload: &str) -> Vec<u8> {
    frame(true, 0x1, payload.len() as u64, payload.as_bytes())
}

pub struct Raw {
    pub socket: TcpStream,
    buffer: Vec<u8>,
}

impl Raw {
    /// Connects and completes the upgrade.
    pub async fn upgraded(addr: std::net::SocketAddr) -> Raw {
        let mut socket = TcpStream::connect(addr).await.expect("connect");
        socket
            .write_all(upgrade_request(addr).as_bytes())
            .await
            .expect("send the upgrade");
        let mut raw = Raw {
            socket,
            buffer: Vec::new(),
        };
        let head = raw.read_until_blank_line().await;
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        raw
    }

    async fn read_until_blank_line(&mut self) -> String {
        bounded("the HTTP answer", async {
            loop {
                if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head: Vec<u8> = self.buffer.drain(..end + 4).collect();
                    return String::from_utf8_lossy(&head).into_owned();
                }
                let mut chunk = [0u8; 1024];
                let n = self.socket.read(&mut chunk).await.expect("read");
                assert!(n > 0, "the server closed before answering");
                self.buffer.extend_from_slice(&chunk[..n]);
            }
        })
        .await
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.socket.write_all(bytes).await.expect("send");
    }

    /// Reads server frames until a close frame; returns its code (None: the connection ended
    /// without one). Text frames before it are returned as strings.
    pub async fn until_closed(&mut self) -> (Vec<String>, Option<u16>) {
        let mut texts = Vec::new();
        bounded("the close frame", async {
            loop {
                while let Some((opcode, payload, used)) = parse(&self.buffer) {
                    self.buffer.drain(..used);
                    match opcode {
                        0x1 => texts.push(String::from_utf8_lossy(&payload).into_owned()),
                        0x8 => {
                            return (
                                texts,
                                payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]])),
                            );
                        }
                        _ => {}
                    }
                }
                let mut chunk = [0u8; 4096];
                match self.socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return (texts, None),
                    Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await
    }
}

/// One unmasked server frame from the front of `bytes`: (opcode, payload, bytes used).
fn parse(bytes: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&b0, &b1) = (bytes.first()?, bytes.get(1)?);
    let (len, start) = match b1 & 0x7f {
        126 => (
            u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let payload = bytes.get(start..start + len)?.to_vec();
    Some((b0 & 0x0f, payload, start + len))
}

/// Sends `bytes` one at a time, `gap` apart; stops at the first failed write (the server hung
/// up). Returns how many bytes were written.
pub async fn trickle(socket: &mut TcpStream, bytes: &[u8], gap: Duration) -> usize {
    for (sent, byte) in bytes.iter().enumerate() {
        if socket.write_all(&[*byte]).await.is_err() {
            return sent;
        }
        tokio::time::sleep(gap).await;
    }
    bytes.len()
}
