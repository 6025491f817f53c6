//! Tests for exercise 6.7. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::ServerBuilder;
use chat_server::testing::{self, Client};
use serde_json::json;

fn message(user: &str, text: &str, timestamp: &str) -> Value {
    json!({"type": "message", "room": "lobby", "id": 1, "username": user, "text": text, "timestamp": timestamp})
}

#[test]
fn help_unknown_and_ordinary_texts() {
    let mut bot = Bot::new("dicebot", 1);
    assert_eq!(
        bot.on_frame(&message("ann", "  !help ", "t1")).as_deref(),
        Some("commands: !help, !roll NdM (e.g. !roll 2d6), !seen NAME")
    );
    assert_eq!(
        bot.on_frame(&message("ann", "!dance", "t2")).as_deref(),
        Some("unknown command; try !help")
    );
    assert_eq!(bot.on_frame(&message("ann", "hello everyone", "t3")), None);
    assert_eq!(
        bot.on_frame(&message("DiceBot", "!help", "t4")),
        None,
        "never answers itself"
    );
    let presence = json!({"type": "presence", "room": "lobby", "username": "bob", "event": "join"});
    assert_eq!(bot.on_frame(&presence), None);
    assert_eq!(
        bot.on_frame(&json!({"type": "error", "code": "refused"})),
        None
    );
}

/// The dice and the total of a roll's answer, checking its shape.
fn parse_roll(answer: &str, user: &str, spec: &str) -> (Vec<u32>, u32) {
    let prefix = format!("{user} rolled {spec}: ");
    let rest = answer
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{answer:?}"));
    let (dice, total) = rest
        .split_once(" = ")
        .unwrap_or_else(|| panic!("{answer:?}"));
    let dice: Vec<u32> = dice.split(" + ").map(|d| d.parse().unwrap()).collect();
    (dice, total.parse().unwrap())
}

#[test]
fn rolls_are_in_range_and_add_up() {
    let mut bot = Bot::new("dicebot", 42);
    let answer = bot.on_frame(&message("ann", "!roll 3d6", "t")).unwrap();
    let (dice, total) = parse_roll(&answer, "ann", "3d6");
    assert_eq!(dice.len(), 3);
    assert!(dice.iter().all(|d| (1..=6).contains(d)), "{answer}");
    assert_eq!(dice.iter().sum::<u32>(), total);
    let answer = bot.on_frame(&message("bob", "!roll 1d20", "t")).unwrap();
    let (dice, total) = parse_roll(&answer, "bob", "1d20");
    assert_eq!(dice, [total]);
    let mut faces = std::collections::BTreeSet::new();
    for _ in 0..600 {
        let answer = bot.on_frame(&message("ann", "!roll 1d6", "t")).unwrap();
        faces.insert(parse_roll(&answer, "ann", "1d6").1);
    }
    assert_eq!(faces.len(), 6, "every face comes up: {faces:?}");
}

#[test]
fn a_bad_roll_gets_the_usage() {
    let mut bot = Bot::new("dicebot", 1);
    let usage = "usage: !roll NdM, with N from 1 to 10 and M from 2 to 100";
    for bad in [
        "!roll",
        "!roll 11d6",
        "!roll 0d6",
        "!roll 2d1",
        "!roll 2d101",
        "!roll d6",
        "!roll 2x6",
        "!roll two",
    ] {
        assert_eq!(
            bot.on_frame(&message("ann", bad, "t")).as_deref(),
            Some(usage),
            "{bad}"
        );
    }
}

#[test]
fn seen_remembers_each_users_last_message_before_the_question() {
    let mut bot = Bot::new("dicebot", 1);
    assert_eq!(
        bot.on_frame(&message("Ann", "morning", "2026-12-04T08:00:00.000Z")),
        None
    );
    assert_eq!(
        bot.on_frame(&message("Ann", "coffee?", "2026-12-04T08:05:00.000Z")),
        None
    );
    assert_eq!(
        bot.on_frame(&message("bob", "!seen ann", "2026-12-04T09:00:00.000Z"))
            .as_deref(),
        Some("Ann was last seen at 2026-12-04T08:05:00.000Z")
    );
    assert_eq!(
        bot.on_frame(&message("bob", "!seen Carol", "2026-12-04T09:01:00.000Z"))
            .as_deref(),
        Some("I have not seen Carol")
    );
    assert_eq!(
        bot.on_frame(&message("carol", "!seen bob", "2026-12-04T09:02:00.000Z"))
            .as_deref(),
        Some("bob was last seen at 2026-12-04T09:01:00.000Z"),
        "commands count as being seen"
    );
}

#[tokio::test]
async fn the_bot_answers_on_a_real_server() {
    let server = testing::start(ServerBuilder::new()).await;
    let mut ann = Client::hello(&server.url(), "ann").await;
    let joined = ann.join("lobby").await;
    assert_eq!(joined["members"], json!(["ann"]));
    let url = server.url();
    let bot =
        tokio::spawn(async move { run(&url, "dicebot", "lobby", Bot::new("dicebot", 7)).await });
    let arrived = ann.recv_type("presence").await;
    assert_eq!(arrived["username"], "dicebot");

    ann.send(json!({"type": "send", "room": "lobby", "text": "!help"}))
        .await;
    let asked = ann.recv_type("message").await;
    let answer = ann.recv_type("message").await;
    assert_eq!(answer["username"], "dicebot");
    assert!(
        answer["text"].as_str().unwrap().starts_with("commands:"),
        "{answer}"
    );
    ann.send(json!({"type": "send", "room": "lobby", "text": "!seen ann"}))
        .await;
    ann.recv_type("message").await; // the question
    let answer = ann.recv_type("message").await;
    assert_eq!(
        answer["text"].as_str().unwrap(),
        format!(
            "ann was last seen at {}",
            asked["timestamp"].as_str().unwrap()
        )
    );
    server.shutdown().await;
    let ended = testing::bounded("the bot to stop", bot).await;
    assert!(ended.is_ok(), "the bot's task did not panic");
}
