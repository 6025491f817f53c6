//! Stage 1 — Foundations: a guided tour of the chat types, printed to the terminal.
//!
//! Book: chapter 1. Run with `cargo run -p stage1-foundations`. Every section below uses the
//! library of this crate; nothing here talks to a network yet (that is stage 3).

use std::error::Error;
use std::sync::Arc;

use stage1_foundations::command::{self, Command};
use stage1_foundations::error::report;
use stage1_foundations::message::{History, Message, censor, render, share};
use stage1_foundations::{Client, ClientId, Inbox, Transcript, Username, broadcast, broadcast_dyn};

fn main() -> Result<(), Box<dyn Error>> {
    println!("Stage 1 — Foundations: chat types without a network.\n");
    usernames();
    let alice = Username::parse("alice")?;
    ownership(&alice)?;
    sharing(&alice)?;
    commands();
    states()?;
    traits(&alice)?;
    println!("\nAll of this comes back in stage 2, where the same types travel between tasks.");
    Ok(())
}

// ANCHOR: usernames
fn usernames() {
    println!("1. Usernames are checked once, when they enter the program");
    for raw in [
        "  alice ",
        "",
        "bob smith",
        "a_name_that_is_far_too_long_to_be_allowed",
    ] {
        match Username::parse(raw) {
            Ok(name) => println!("   {raw:?} -> accepted as {name}"),
            Err(err) => println!("   {raw:?} -> refused: {err}"),
        }
    }
}
// ANCHOR_END: usernames

// ANCHOR: ownership
fn ownership(alice: &Username) -> Result<(), Box<dyn Error>> {
    println!("\n2. Ownership and borrowing");
    let mut message = Message::new(alice.clone(), "this darn build is slow")?;
    println!("   borrowed to render: {}", render(&message)); // &Message: we keep it
    let replaced = censor(&mut message, "darn"); //           &mut Message: changed in place
    println!(
        "   borrowed mutably to censor {replaced} word: {}",
        message.text()
    );
    let mut history = History::with_capacity(100);
    history.push(message); //                                  Message: moved into the history
    // `message` cannot be used here any more; the history owns it.
    if let Some(latest) = history.latest() {
        println!(
            "   moved into the history, which now holds {} message: {}",
            history.len(),
            latest.text()
        );
    }
    Ok(())
}
// ANCHOR_END: ownership

// ANCHOR: sharing
fn sharing(alice: &Username) -> Result<(), Box<dyn Error>> {
    println!("\n3. One message, many recipients, no copies");
    let message = share(Message::new(alice.clone(), "hello, everyone")?);
    let mut inboxes = Vec::new();
    for name in ["bob", "carol", "dave"] {
        inboxes.push(Inbox::new(Username::parse(name)?, 10));
    }
    let delivery = broadcast(&message, &mut inboxes);
    let same = inboxes
        .iter()
        .all(|inbox| Arc::ptr_eq(&inbox.messages()[0], &message));
    println!(
        "   delivered to {} inboxes; all point at the same message: {same}; Arc::strong_count = {}",
        delivery.delivered,
        Arc::strong_count(&message)
    );
    Ok(())
}
// ANCHOR_END: sharing

// ANCHOR: commands
fn commands() {
    println!("\n4. Commands borrow from the line they were parsed from");
    let lines = [
        "hi all",
        "/join rust",
        "/msg bob see you at 5",
        "/join",
        "/dance",
    ];
    for line in lines {
        match command::parse(line) {
            Ok(Command::Direct { to, text }) => {
                println!("   {line:?} -> direct to {to:?}: {text:?}")
            }
            Ok(command) => println!("   {line:?} -> {command:?}"),
            Err(err) => println!("   {line:?} -> error: {err}"),
        }
    }
}
// ANCHOR_END: commands

// ANCHOR: states
fn states() -> Result<(), Box<dyn Error>> {
    println!("\n5. A connection's life is an enum; illegal moves are refused");
    let mut client = Client::new(ClientId::new(1));
    println!("   client {} starts {}", client.id, client.state.name());
    if let Err(err) = client.state.leave() {
        println!(
            "   leave before joining -> refused: {err} (still {})",
            client.state.name()
        );
    }
    client.state.join(Username::parse("alice")?)?;
    println!(
        "   join as alice -> {} (can send: {})",
        client.state.name(),
        client.state.can_send()
    );
    client.state.leave()?;
    println!(
        "   leave -> {} (can send: {})",
        client.state.name(),
        client.state.can_send()
    );
    client.state.close();
    println!("   close -> {}", client.state.name());
    Ok(())
}
// ANCHOR_END: states

// ANCHOR: traits
fn traits(alice: &Username) -> Result<(), Box<dyn Error>> {
    println!("\n6. One trait, different recipients; one failure does not stop the rest");
    let message = share(Message::new(alice.clone(), "traits make this generic")?);
    let mut roomy = Inbox::new(Username::parse("bob")?, 10);
    let mut full = Inbox::new(Username::parse("eve")?, 0);
    let mut transcript = Transcript::new();
    let delivery = broadcast_dyn(&message, &mut [&mut roomy, &mut full, &mut transcript]);
    println!("   delivered: {}", delivery.delivered);
    for (name, err) in &delivery.failed {
        println!("   not delivered to {name}: {}", report(err));
    }
    print!("   transcript: {}", transcript.as_str());

    println!("\n7. Errors carry their cause");
    if let Err(err) =
        Username::parse("no spaces please").map_err(stage1_foundations::ChatError::from)
    {
        println!("   {}", report(&err));
    }
    Ok(())
}
// ANCHOR_END: traits
