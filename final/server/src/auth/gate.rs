//! The gate: registering, signing in and out, and telling who a connection is. It puts the
//! pure parts ([`password`], [`token`](super::token)) together with where
//! accounts are kept ([`Accounts`]).
//!
//! Final server — book chapter "Accounts and tokens".
//!
//! Every method that hashes a password or reads the store blocks: call it from a thread that
//! may block (`spawn_blocking`). [`Gate::is_reserved`] does not: it reads a set kept in memory,
//! because it is asked at every guest's `hello`, under no lock but its own.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use super::password;
use super::token::{Claims, Signer, TokenError};
use crate::names;
use crate::store::{Account, Accounts, StoreError};

/// Whether people without an account may chat (`--guests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Guests {
    /// Anyone may say `hello` with a free name that is not an account's.
    #[default]
    Allow,
    /// Only signed-in users: `hello` needs a token.
    Deny,
}

/// Why registering failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The username breaks the naming rules.
    #[error("{0}")]
    InvalidUsername(String),
    /// The password is too short or too long.
    #[error("{0}")]
    InvalidPassword(String),
    /// An account of that name exists (without regard to case).
    #[error("that name is registered already")]
    Taken,
    /// The store failed, or hashing did.
    #[error("{0}")]
    Failed(String),
}

/// Why signing in failed. One message for a wrong password and for a name without an account:
/// signing in must not tell which names exist.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong username or password.
    #[error("wrong username or password")]
    Refused,
    /// The store failed, or issuing the token did.
    #[error("{0}")]
    Failed(String),
}

/// Why signing out failed.
#[derive(Debug, thiserror::Error)]
pub enum SignOutError {
    /// The token is not good (then there is nothing to sign out of).
    #[error("{0}")]
    Token(TokenError),
    /// The store could not keep the revocation: the token still works.
    #[error("{0}")]
    Failed(String),
}

/// A token handed out at sign-in. (`Debug` shows the claims, not the token.)
#[derive(Clone)]
pub struct Issued {
    /// The token itself.
    pub token: String,
    /// What it says.
    pub claims: Claims,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// Accounts and tokens, for one server.
#[derive(Debug)]
pub struct Gate {
    accounts: Arc<dyn Accounts>,
    signer: Signer,
    ttl: Duration,
    guests: Guests,
    /// Lowercase names of every account: a guest may not take one.
    reserved: RwLock<HashSet<String>>,
    /// Whether other instances share the accounts (Redis): then `reserved` may miss a name
    /// registered elsewhere, and [`Gate::is_reserved_now`] asks the store.
    shared: bool,
}

impl Gate {
    /// Opens the gate on `accounts`: reads the token key (making one on the first start) and the
    /// names of the accounts. `key`, when given (`--token-secret-file`), is used instead of the
    /// kept one.
    pub fn open(
        accounts: Arc<dyn Accounts>,
        key: Option<Vec<u8>>,
        ttl: Duration,
        guests: Guests,
    ) -> Result<Gate, String> {
        let key = match key {
            Some(key) => key,
            None => {
                let fresh = Signer::fresh_key()?;
                accounts
                    .token_key(&fresh)
                    .map_err(|err| format!("cannot read the token key: {err}"))?
            }
        };
        let signer = Signer::new(key).ok_or_else(|| {
            format!(
                "the token key must have at least {} bytes",
                super::token::MIN_KEY_BYTES
            )
        })?;
        // The stand-in hash for names without an account is made now, not at the first such
        // sign-in (which would then take twice as long as others, and tell).
        password::verify_nobody("");
        let reserved = accounts
            .account_keys()
            .map_err(|err| format!("cannot read the accounts: {err}"))?
            .into_iter()
            .collect();
        Ok(Gate {
            accounts,
            signer,
            ttl,
            guests,
            reserved: RwLock::new(reserved),
            shared: false,
        })
    }

    /// The same gate, for accounts that other instances share (and may add to).
    pub fn shared(mut self) -> Gate {
        self.shared = true;
        self
    }

    /// Whether other instances share the accounts.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Whether `name` belongs to an account, asking the store. Blocking.
    pub fn is_reserved_now(&self, name: &str) -> Result<bool, StoreError> {
        let found = self.accounts.account(name)?.is_some();
        if found {
            self.reserved
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(names::username_key(name));
        }
        Ok(found)
    }

    /// Whether guests may chat.
    pub fn guests(&self) -> Guests {
        self.guests
    }

    /// Whether `name` belongs to an account (without regard to case). Does not block.
    pub fn is_reserved(&self, name: &str) -> bool {
        self.reserved
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&names::username_key(name))
    }

    /// Makes an account. Blocking (hashes the password).
    pub fn register(&self, name: &str, password: &str, now_ms: i64) -> Result<(), RegisterError> {
        if let Some(problem) = names::username_problem(name) {
            return Err(RegisterError::InvalidUsername(problem));
        }
        if let Some(problem) = password::password_problem(password) {
            return Err(RegisterError::InvalidPassword(problem));
        }
        let hash = password::hash(password).map_err(RegisterError::Failed)?;
        let account = Account {
            name: name.to_owned(),
            hash,
            created_ms: now_ms,
        };
        match self.accounts.create_account(&account) {
            Ok(true) => {
                self.reserved
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(names::username_key(name));
                Ok(())
            }
            Ok(false) => Err(RegisterError::Taken),
            Err(err) => Err(RegisterError::Failed(store_failed(&err))),
        }
    }

    /// Signs in: a token for the account, if the password is its own. Blocking (hashes).
    pub fn sign_in(&self, name: &str, password: &str, now_ms: i64) -> Result<Issued, SignInError> {
        let account = self
            .accounts
            .account(name)
            .map_err(|err| SignInError::Failed(store_failed(&err)))?;
        let Some(account) = account else {
            password::verify_nobody(password);
            return Err(SignInError::Refused);
        };
        if !password::verify(password, &account.hash) {
            return Err(SignInError::Refused);
        }
        let (token, claims) = self
            .signer
            .issue(&account.name, now_ms / 1000, self.ttl)
            .map_err(SignInError::Failed)?;
        Ok(Issued { token, claims })
    }

    // ANCHOR: check
    /// Who `token` says its holder is, if it is good and not revoked. Blocking (reads the list
    /// of revoked tokens).
    pub fn check(&self, token: &str, now_ms: i64) -> Result<Claims, TokenError> {
        let claims = self.signer.check(token, now_ms / 1000)?;
        if let Some(jti) = &claims.jti {
            // A store that cannot answer cannot vouch for the token: refused, for now.
            match self.accounts.is_revoked(jti) {
                Ok(false) => {}
                Ok(true) => return Err(TokenError::Revoked),
                Err(err) => {
                    store_failed(&err);
                    return Err(TokenError::Unavailable);
                }
            }
        }
        Ok(claims)
    }
    // ANCHOR_END: check

    /// Signs out: `token` is refused from now on, everywhere the store is shared. Returns its
    /// id, if it has one, so that the connections that said `hello` with it can be closed.
    /// Blocking.
    pub fn sign_out(&self, token: &str, now_ms: i64) -> Result<Option<String>, SignOutError> {
        let claims = self.check(token, now_ms).map_err(|err| match err {
            TokenError::Unavailable => SignOutError::Failed(err.to_string()),
            err => SignOutError::Token(err),
        })?;
        let Some(jti) = claims.jti else {
            // A token made by another program without an id cannot be revoked by itself.
            return Ok(None);
        };
        self.accounts
            .revoke(&jti, claims.exp.saturating_mul(1000), now_ms)
            .map_err(|err| SignOutError::Failed(store_failed(&err)))?;
        Ok(Some(jti))
    }
}

fn store_failed(err: &StoreError) -> String {
    tracing::error!(%err, "the account store failed");
    "the server could not read or write its accounts; try again shortly".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    const NOW_MS: i64 = 1_800_000_000_000;

    fn gate() -> Gate {
        let accounts: Arc<dyn Accounts> = Arc::new(MemoryStore::new());
        Gate::open(accounts, None, Duration::from_secs(3600), Guests::Allow).unwrap()
    }

    #[test]
    fn register_sign_in_check_and_sign_out() {
        let gate = gate();
        gate.register("Alice", "correct horse", NOW_MS).unwrap();
        assert!(gate.is_reserved("alice"));
        assert!(matches!(
            gate.register("ALICE", "another password", NOW_MS),
            Err(RegisterError::Taken)
        ));
        assert!(matches!(
            gate.register("bob", "short", NOW_MS),
            Err(RegisterError::InvalidPassword(_))
        ));
        assert!(matches!(
            gate.sign_in("alice", "wrong password", NOW_MS),
            Err(SignInError::Refused)
        ));
        assert!(matches!(
            gate.sign_in("nobody", "correct horse", NOW_MS),
            Err(SignInError::Refused)
        ));
        let issued = gate.sign_in("alice", "correct horse", NOW_MS).unwrap();
        assert_eq!(issued.claims.sub, "Alice", "the name as registered");
        assert_eq!(gate.check(&issued.token, NOW_MS).unwrap().sub, "Alice");
        gate.sign_out(&issued.token, NOW_MS).unwrap();
        assert!(matches!(
            gate.sign_out(&issued.token, NOW_MS),
            Err(SignOutError::Token(TokenError::Revoked))
        ));
        assert_eq!(gate.check(&issued.token, NOW_MS), Err(TokenError::Revoked));
        assert_eq!(
            gate.check(&issued.token, NOW_MS + 3_600_000),
            Err(TokenError::Expired)
        );
    }
}
