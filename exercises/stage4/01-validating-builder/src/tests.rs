//! Tests for exercise 4.1. Read them to see what is expected; do not edit them.

use super::*;

#[test]
fn defaults_with_a_name_build() {
    let settings = RoomBuilder::new().name("rust").build();
    assert_eq!(
        settings,
        Ok(RoomSettings {
            name: "rust".into(),
            max_members: 50,
            motd: None,
            private: false
        }),
        "defaults: 50 members, no motd, public"
    );
}

#[test]
fn every_setting_is_used_and_trimmed() {
    let settings = RoomBuilder::new()
        .name("  lobby ")
        .max_members(80)
        .motd("  be nice  ")
        .private()
        .build();
    assert_eq!(
        settings,
        Ok(RoomSettings {
            name: "lobby".into(),
            max_members: 80,
            motd: Some("be nice".into()),
            private: true
        })
    );
}

#[test]
fn names_are_required_and_limited() {
    assert_eq!(
        RoomBuilder::new().build(),
        Err(SettingsError::BadName),
        "no name at all"
    );
    assert_eq!(
        RoomBuilder::new().name("   ").build(),
        Err(SettingsError::BadName)
    );
    assert!(
        RoomBuilder::new().name(&"é".repeat(24)).build().is_ok(),
        "24 characters is fine"
    );
    assert_eq!(
        RoomBuilder::new().name(&"a".repeat(25)).build(),
        Err(SettingsError::BadName)
    );
}

#[test]
fn member_limits_are_checked() {
    assert_eq!(
        RoomBuilder::new().name("r").max_members(1).build(),
        Err(SettingsError::MemberLimit(1))
    );
    assert_eq!(
        RoomBuilder::new().name("r").max_members(10_001).build(),
        Err(SettingsError::MemberLimit(10_001))
    );
    assert!(
        RoomBuilder::new()
            .name("r")
            .max_members(10_000)
            .build()
            .is_ok()
    );
}

#[test]
fn the_motd_is_optional_and_limited() {
    let blank = RoomBuilder::new().name("r").motd("   ").build().unwrap();
    assert_eq!(blank.motd, None, "an empty motd counts as not set");
    let long = "x".repeat(201);
    assert_eq!(
        RoomBuilder::new().name("r").motd(&long).build(),
        Err(SettingsError::MotdTooLong(201))
    );
}

#[test]
fn private_rooms_are_small() {
    assert_eq!(
        RoomBuilder::new()
            .name("r")
            .private()
            .max_members(101)
            .build(),
        Err(SettingsError::PrivateTooBig)
    );
    assert!(
        RoomBuilder::new()
            .name("r")
            .private()
            .max_members(100)
            .build()
            .is_ok()
    );
    assert!(
        RoomBuilder::new().name("r").private().build().is_ok(),
        "the default 50 is fine for a private room"
    );
}

#[test]
fn rules_are_checked_in_order_and_read_well() {
    let err = RoomBuilder::new()
        .max_members(0)
        .motd(&"x".repeat(500))
        .build()
        .unwrap_err();
    assert_eq!(err, SettingsError::BadName, "the name is checked first");
    let err = RoomBuilder::new()
        .name("r")
        .max_members(0)
        .motd(&"x".repeat(500))
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "a room has 2 to 10000 members, not 0");
}
