//! Passwords: the rule for a good one, and Argon2id to keep only a hash of it.
//!
//! Final server — book chapter "Accounts and tokens", section "Argon2id".
//!
//! Argon2id is the password hash that won the Password Hashing Competition and that RFC 9106
//! and OWASP recommend: it costs memory as well as time, so that guessing on graphics cards or
//! dedicated chips is not much cheaper than on the server. The parameters are OWASP's first
//! choice, 19 MiB of memory, 2 passes, 1 lane; they are written into each hash (the "PHC string"
//! `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so raising them later still verifies the
//! hashes made before. Each hash has a random salt of its own: two accounts with the same
//! password have different hashes.

use std::ops::RangeInclusive;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// How many characters a password may have: at least 8 (shorter ones are guessed), at most 128
/// (longer ones only cost the server hashing time).
pub const PASSWORD_CHARS: RangeInclusive<usize> = 8..=128;

/// Memory per hash, in KiB (19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;

/// Passes over the memory.
pub const PASSES: u32 = 2;

/// What is wrong with `password`, in a sentence for its owner; `None` when it may be used.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if !PASSWORD_CHARS.contains(&chars) {
        let (least, most) = (PASSWORD_CHARS.start(), PASSWORD_CHARS.end());
        return Some(format!(
            "a password has {least} to {most} characters (this one has {chars})"
        ));
    }
    None
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants that Params accepts; the fallback keeps this free of panics.
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The hash to store for `password`: a PHC string with a fresh random salt. Slow on purpose.
pub fn hash(password: &str) -> Result<String, String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| format!("could not hash the password: {err}"))
}

/// Whether `password` is the one `stored` was made from. Slow on purpose, and as slow for a
/// wrong password as for the right one; a `stored` that is not a hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Spends the time [`verify`] would, for a name that has no account: so that how long a sign-in
/// takes does not tell whether the name exists.
pub fn verify_nobody(password: &str) {
    // A hash of a random password, made once.
    static NOBODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = NOBODY.get_or_init(|| hash("nobody has this password").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_says_how_it_was_made() {
        let stored = hash("correct horse").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct horsE", &stored));
        assert!(!verify("correct horse", "not a hash"));
        assert_ne!(stored, hash("correct horse").unwrap(), "a salt of its own");
    }

    #[test]
    fn passwords_have_8_to_128_characters() {
        assert!(password_problem("1234567").is_some());
        assert!(password_problem("12345678").is_none());
        assert!(
            password_problem(&"é".repeat(128)).is_none(),
            "characters, not bytes"
        );
        assert!(password_problem(&"x".repeat(129)).is_some());
    }
}
