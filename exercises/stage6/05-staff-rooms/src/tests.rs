//! Tests for exercise 6.5. Read them to see what is expected; do not edit them.

use super::*;
use chat_server::testing::{self, Client};
use serde_json::json;

fn join<'a>(user: &'a str, verified: bool, room: &'a str) -> Request<'a> {
    Request {
        user,
        verified,
        action: Action::Join { room },
    }
}

#[test]
fn staff_rooms_are_for_the_signed_in_staff() {
    let hook = StaffRooms::new(&["Ann", "bob"]);
    assert_eq!(hook.check(&join("ann", true, "staff-ops")), Decision::Pass);
    assert_eq!(
        hook.check(&join("BOB", true, "Staff-Lounge")),
        Decision::Pass
    );
    assert_eq!(
        hook.check(&join("ann", false, "staff-ops")),
        Decision::Refuse("sign in to join staff rooms".into()),
        "a guest called ann is not ann"
    );
    assert_eq!(
        hook.check(&join("carol", true, "STAFF-ops")),
        Decision::Refuse("only staff may join staff rooms".into())
    );
}

#[test]
fn other_rooms_and_requests_are_for_everyone() {
    let hook = StaffRooms::new(&["ann"]);
    for room in ["lobby", "staff", "my-staff-room", "staffroom"] {
        assert_eq!(
            hook.check(&join("carol", false, room)),
            Decision::Pass,
            "{room}"
        );
    }
    let send = Request {
        user: "carol",
        verified: false,
        action: Action::Send {
            room: "staff-ops",
            text: "hi",
        },
    };
    assert_eq!(hook.check(&send), Decision::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_cannot_get_in_by_taking_a_free_staff_name() {
    let server = testing::start_with_hook(StaffRooms::new(&["ann", "bob"])).await;
    let token = testing::sign_up(&server, "ann", "long enough").await;
    let mut ann = Client::signed_in(&server.url(), &token).await;
    let joined = ann.join("staff-ops").await;
    assert_eq!(joined["members"], json!(["ann"]));
    // bob has no account yet: a guest may take the name, but not the room.
    let mut fake = Client::hello(&server.url(), "bob").await;
    fake.send(json!({"type": "join", "room": "staff-ops"}))
        .await;
    fake.expect_error("refused").await;
    fake.join("lobby").await;
    server.shutdown().await;
}
