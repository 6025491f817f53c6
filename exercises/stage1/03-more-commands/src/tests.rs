//! Tests for exercise 1.3. Read them to see what is expected; do not edit them.

use super::*;

fn missing(command: &'static str, argument: &'static str) -> Result<Command<'static>, ParseError> {
    Err(ParseError::MissingArgument { command, argument })
}

#[test]
fn plain_text_and_empty_lines() {
    assert_eq!(
        parse("  hello world  "),
        Ok(Command::Say("hello world")),
        "text without '/' is said, trimmed"
    );
    assert_eq!(parse(""), Err(ParseError::Empty));
    assert_eq!(
        parse("   "),
        Err(ParseError::Empty),
        "a line of spaces is empty"
    );
}

#[test]
fn nick_takes_the_first_word() {
    assert_eq!(parse("/nick alice"), Ok(Command::Nick("alice")));
    assert_eq!(
        parse("/nick   bob  the builder"),
        Ok(Command::Nick("bob")),
        "only the first word is the name"
    );
    assert_eq!(parse("/nick"), missing("/nick", "name"));
    assert_eq!(parse("/nick   "), missing("/nick", "name"));
}

#[test]
fn me_takes_the_rest_of_the_line() {
    assert_eq!(
        parse("/me waves at everyone "),
        Ok(Command::Me("waves at everyone"))
    );
    assert_eq!(parse("/me"), missing("/me", "text"));
}

#[test]
fn topic_text_is_optional() {
    assert_eq!(
        parse("/topic"),
        Ok(Command::Topic(None)),
        "no text means: show the topic"
    );
    assert_eq!(parse("/topic   "), Ok(Command::Topic(None)));
    assert_eq!(
        parse("/topic Rust 2024 is out"),
        Ok(Command::Topic(Some("Rust 2024 is out")))
    );
}

#[test]
fn kick_has_a_user_and_maybe_a_reason() {
    assert_eq!(
        parse("/kick eve"),
        Ok(Command::Kick {
            user: "eve",
            reason: None
        })
    );
    assert_eq!(
        parse("/kick eve  spamming links "),
        Ok(Command::Kick {
            user: "eve",
            reason: Some("spamming links")
        })
    );
    assert_eq!(parse("/kick"), missing("/kick", "user"));
}

#[test]
fn command_names_ignore_case() {
    assert_eq!(parse("/NICK alice"), Ok(Command::Nick("alice")));
    assert_eq!(parse("/Topic"), Ok(Command::Topic(None)));
    assert_eq!(
        parse("/ME"),
        missing("/me", "text"),
        "errors name the command in lowercase"
    );
}

#[test]
fn unknown_commands_are_errors() {
    assert_eq!(
        parse("/dance now"),
        Err(ParseError::UnknownCommand("/dance".to_owned()))
    );
    assert_eq!(parse("/"), Err(ParseError::UnknownCommand("/".to_owned())));
}

#[test]
fn results_borrow_from_the_line() {
    let line = String::from("/kick mallory for being rude");
    let command = parse(&line);
    let Ok(Command::Kick {
        user,
        reason: Some(reason),
    }) = command
    else {
        panic!("expected a kick with a reason, got {command:?}");
    };
    let range = line.as_ptr() as usize..line.as_ptr() as usize + line.len();
    assert!(
        range.contains(&(user.as_ptr() as usize)),
        "user must be a slice of the line"
    );
    assert!(
        range.contains(&(reason.as_ptr() as usize)),
        "reason must be a slice of the line"
    );
}
