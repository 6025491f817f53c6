//! # Exercise 6.7 — A dice bot
//!
//! Stage 6 — Inside the final server. Book: "Stage 6 — Inside the final server", section "Testing what you add".
//! Check it with `cargo ex check 6.7`, or keep `cargo ex watch` running. Stuck? `cargo ex hint 6.7`.
//!
//! ## Task
//!
//! A bot is just another client. This one sits in a room and answers commands; [`run`] (given)
//! connects it to a server and hands it every frame; you write its brain, [`Bot::on_frame`]:
//! given a frame from the server, the text to say in the room, if any.
//!
//! - Only `message` frames count, and never the bot's own (its name, without regard to case).
//! - `!help` → `commands: !help, !roll NdM (e.g. !roll 2d6), !seen NAME`
//! - `!roll NdM`, N dice of M sides, N from 1 to 10 and M from 2 to 100 →
//!   `ann rolled 2d6: 3 + 5 = 8` (each die from [`Dice::roll`]; one die: `ann rolled 1d20: 17 = 17`).
//!   Anything else after `!roll` → `usage: !roll NdM, with N from 1 to 10 and M from 2 to 100`.
//! - `!seen NAME` → `NAME was last seen at TIMESTAMP`, the `timestamp` of NAME's last message
//!   *before* this one, with NAME as they wrote it; or `I have not seen NAME` (NAME as asked).
//!   Names are compared without regard to case.
//! - Any other text starting with `!` → `unknown command; try !help`, and so is `!help` with
//!   anything after it, or `!seen` without exactly one name after it. Other texts: nothing.
//! - Every message (commands included) counts as its author being seen, after the answer.
//!
//! Commands are the text with the spaces around it trimmed, and words separated by whitespace.
//!
//! ## What you may change
//!
//! Fill in the bodies that say `todo!()`. You may add `use` lines, fields and helper functions; do
//! not change the types or the signatures the tests use. The tests are in `src/tests.rs`: read
//! them, but do not edit them.

use std::collections::HashMap;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The bot's memory: its name, its dice, and whom it has seen.
#[derive(Debug)]
pub struct Bot {
    name: String,
    dice: Dice,
    /// Lowercase name → (the name as written, the timestamp of their last message).
    seen: HashMap<String, (String, String)>,
}

const HELP: &str = "commands: !help, !roll NdM (e.g. !roll 2d6), !seen NAME";
const USAGE: &str = "usage: !roll NdM, with N from 1 to 10 and M from 2 to 100";

impl Bot {
    /// A bot called `name`, with dice seeded with `seed`.
    pub fn new(name: &str, seed: u64) -> Bot {
        Bot {
            name: name.to_owned(),
            dice: Dice::new(seed),
            seen: HashMap::new(),
        }
    }

    /// A frame from the server: the text to say in the room, if any.
    pub fn on_frame(&mut self, frame: &Value) -> Option<String> {
        if frame["type"] != "message" {
            return None;
        }
        let (Some(user), Some(text)) = (frame["username"].as_str(), frame["text"].as_str()) else {
            return None;
        };
        if user.eq_ignore_ascii_case(&self.name) {
            return None;
        }
        let answer = self.answer(user, text);
        let timestamp = frame["timestamp"].as_str().unwrap_or_default();
        self.seen
            .insert(user.to_lowercase(), (user.to_owned(), timestamp.to_owned()));
        answer
    }

    /// The answer to `text` from `user`, if it is a command.
    fn answer(&mut self, user: &str, text: &str) -> Option<String> {
        let mut words = text.split_whitespace();
        let command = words.next()?;
        if !command.starts_with('!') {
            return None;
        }
        Some(match (command, words.next(), words.next()) {
            ("!help", None, _) => HELP.to_owned(),
            ("!roll", Some(spec), None) => {
                self.roll(user, spec).unwrap_or_else(|| USAGE.to_owned())
            }
            ("!roll", _, _) => USAGE.to_owned(),
            ("!seen", Some(name), None) => match self.seen.get(&name.to_lowercase()) {
                Some((name, at)) => format!("{name} was last seen at {at}"),
                None => format!("I have not seen {name}"),
            },
            _ => "unknown command; try !help".to_owned(),
        })
    }

    /// `user rolled NdM: a + b = total`, or `None` for a spec out of bounds.
    fn roll(&mut self, user: &str, spec: &str) -> Option<String> {
        let (count, sides) = spec.split_once('d')?;
        let (count, sides) = (count.parse::<u32>().ok()?, sides.parse::<u32>().ok()?);
        if !(1..=10).contains(&count) || !(2..=100).contains(&sides) {
            return None;
        }
        let dice: Vec<u32> = (0..count).map(|_| self.dice.roll(sides)).collect();
        let total: u32 = dice.iter().sum();
        let shown: Vec<String> = dice.iter().map(u32::to_string).collect();
        Some(format!(
            "{user} rolled {spec}: {} = {total}",
            shown.join(" + ")
        ))
    }
}

/// Dice that roll the same numbers for the same seed (xorshift64*: fast, and plenty for dice).
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// Dice with this seed (any number; 0 is replaced by 1).
    pub fn new(seed: u64) -> Dice {
        Dice(seed.max(1))
    }

    /// One roll of a die with `sides` sides: 1 to `sides`.
    pub fn roll(&mut self, sides: u32) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let random = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        u32::try_from(random % u64::from(sides.max(1))).unwrap_or(0) + 1
    }
}

// ANCHOR: run
/// Connects `bot` to the server at `url` as `name`, joins `room`, and answers there until the
/// connection ends (given: you do not need to change it).
pub async fn run(url: &str, name: &str, room: &str, mut bot: Bot) -> Result<(), String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|err| format!("cannot connect: {err}"))?;
    let hello = json!({"type": "hello", "username": name});
    let join = json!({"type": "join", "room": room});
    for request in [hello, join] {
        ws.send(Message::text(request.to_string()))
            .await
            .map_err(|err| err.to_string())?;
    }
    while let Some(message) = ws.next().await {
        let Message::Text(text) = message.map_err(|err| err.to_string())? else {
            continue; // pings are answered by the library
        };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(reply) = bot.on_frame(&frame) {
            let send = json!({"type": "send", "room": room, "text": reply});
            ws.send(Message::text(send.to_string()))
                .await
                .map_err(|err| err.to_string())?;
        }
    }
    Ok(())
}
// ANCHOR_END: run

#[cfg(test)]
#[path = "../../../../stage6/07-dice-bot/src/tests.rs"]
mod tests;
