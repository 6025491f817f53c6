//! What the store keeps for accounts: each account's password hash, the tokens revoked at
//! sign-out, and the key tokens are signed with. The [`Accounts`] trait, which the SQLite and
//! memory stores implement, and [`check`], the suite both pass.
//!
//! Final server — book chapter "Accounts and tokens".
//!
//! Accounts live where the history does, so that a restart keeps them and, with the file, a
//! backup holds both. Names are unique without regard to case (`alice` and `Alice` are one
//! account), as they are for connected users ([`crate::names::username_key`]).

use std::fmt;

use super::api::StoreError;

/// One account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The username, as its owner wrote it.
    pub name: String,
    /// The password's Argon2id hash (a PHC string: never the password).
    pub hash: String,
    /// When it was made, in milliseconds since 1970.
    pub created_ms: i64,
}

/// Where accounts are kept. The methods block, like [`Store`](super::Store)'s.
pub trait Accounts: Send + Sync + fmt::Debug {
    /// Adds `account`; `false` when an account of that name (without regard to case) exists.
    fn create_account(&self, account: &Account) -> Result<bool, StoreError>;

    /// The account called `name` (without regard to case).
    fn account(&self, name: &str) -> Result<Option<Account>, StoreError>;

    /// The lowercase names of every account (see [`crate::names::username_key`]).
    fn account_keys(&self) -> Result<Vec<String>, StoreError>;

    /// Revokes the token whose `jti` this is, until `until_ms` (its expiry: after that it is
    /// refused anyway, and the entry may go). Also forgets entries that have passed theirs.
    fn revoke(&self, jti: &str, until_ms: i64, now_ms: i64) -> Result<(), StoreError>;

    /// Whether the token whose `jti` this is was revoked.
    fn is_revoked(&self, jti: &str) -> Result<bool, StoreError>;

    /// The key tokens are signed with: the one kept, or `fresh`, kept from now on if there was
    /// none (so that every start, and every instance, uses the first one made).
    fn token_key(&self, fresh: &[u8]) -> Result<Vec<u8>, StoreError>;
}

/// The rules every [`Accounts`] backend must follow, on a new, empty one. Panics, naming the
/// rule, on the first one broken.
pub fn check(accounts: &dyn Accounts) {
    let alice = Account {
        name: "Alice".into(),
        hash: "$argon2id$hash-of-alice".into(),
        created_ms: 1,
    };
    assert_eq!(
        accounts.account("alice").expect("account"),
        None,
        "no account yet"
    );
    assert!(
        accounts.create_account(&alice).expect("create"),
        "a new name is free"
    );
    let other = Account {
        name: "ALICE".into(),
        hash: "$argon2id$another".into(),
        created_ms: 2,
    };
    assert!(
        !accounts.create_account(&other).expect("create"),
        "a name is taken without regard to case"
    );
    assert_eq!(
        accounts.account("aLiCe").expect("account"),
        Some(alice),
        "found without regard to case, as it was written"
    );
    assert_eq!(
        accounts.account_keys().expect("keys"),
        ["alice"],
        "lowercase keys"
    );

    // Real times: a backend may let its own clock expire the entries (Redis does).
    let now = super::api::now_ms();
    assert!(
        !accounts.is_revoked("t1").expect("revoked"),
        "nothing revoked yet"
    );
    accounts.revoke("t1", now + 3_600_000, now).expect("revoke");
    assert!(
        accounts.is_revoked("t1").expect("revoked"),
        "revoked until it expires"
    );
    assert!(
        !accounts.is_revoked("t2").expect("revoked"),
        "only that one"
    );

    let first = accounts.token_key(&[1; 32]).expect("key");
    assert_eq!(first, [1; 32], "the first key is kept");
    assert_eq!(
        accounts.token_key(&[2; 32]).expect("key"),
        [1; 32],
        "later starts get the kept key"
    );
}
