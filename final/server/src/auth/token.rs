//! Tokens: a JSON Web Token signed with HMAC-SHA256 ("HS256"), which says who its holder is and
//! until when.
//!
//! Final server — book chapter "Accounts and tokens", section "Tokens".
//!
//! A token is three base64url parts joined by dots: a header, `{"alg":"HS256","typ":"JWT"}`;
//! the claims, `{"sub":"alice","iat":…,"exp":…,"jti":"…"}`; and the signature, HMAC-SHA256
//! of the first two with the server's key. Anyone can read the claims; only the key's holder
//! can make a signature that matches them, so a token whose claims were changed is refused.
//!
//! Written here rather than with a JWT library because the rules that matter fit on a screen
//! and are the lesson, and the known JWT mistakes are each one line here:
//! - **`alg` confusion**: the header's algorithm is checked to be exactly `HS256`, never taken
//!   from the token to choose how to verify it (`"none"`, or a public-key algorithm whose "key"
//!   an attacker knows, are refused);
//! - **comparing signatures**: [`Mac::verify_slice`] compares in constant time, so how long a
//!   refusal takes says nothing about how much of a forged signature was right;
//! - **expiry**: `exp` is required, and checked;
//! - **revocation**: a token cannot be taken back by itself; its `jti` (a random id) goes on a
//!   list of revoked tokens at sign-out, kept until the token would have expired (the store's
//!   job: this module only reads the claims).

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::names;

/// The header of every token this server makes, and the only one it accepts.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The shortest key accepted: 256 bits, the size of the hash (RFC 7518, section 3.2).
pub const MIN_KEY_BYTES: usize = 32;

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The username, as its owner wrote it.
    pub sub: String,
    /// When it was issued, in seconds since 1970 (optional in tokens made by other programs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// When it expires, in seconds since 1970: required.
    pub exp: i64,
    /// A random id, by which it can be revoked (optional in tokens made by other programs, which
    /// then cannot be revoked one by one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Why a token was refused. The sentences are for the holder; none of them repeats the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url parts, or a part that is not the JSON it should be.
    #[error("the token is not a token of this server (malformed)")]
    Malformed,
    /// The header names another algorithm than HS256.
    #[error("the token is not signed with HS256")]
    Algorithm,
    /// The signature does not match: a changed token, or another key.
    #[error("the token's signature does not match")]
    Signature,
    /// Past its `exp`.
    #[error("the token has expired: sign in again")]
    Expired,
    /// Its `sub` is not a valid username.
    #[error("the token's username is not valid")]
    Username,
    /// Signed out: on the list of revoked tokens.
    #[error("the token was revoked (signed out): sign in again")]
    Revoked,
    /// The list of revoked tokens could not be read: the token is refused for now (it cannot
    /// be vouched for), but it may be good; try again shortly.
    #[error("the server cannot check tokens just now; try again shortly")]
    Unavailable,
}

/// Issues and checks tokens with one key.
pub struct Signer {
    /// HMAC-SHA256 keyed with the server's key, cloned for each token.
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Signer").finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer with `key`; `None` when the key is shorter than [`MIN_KEY_BYTES`].
    pub fn new(key: Vec<u8>) -> Option<Signer> {
        if key.len() < MIN_KEY_BYTES {
            return None;
        }
        let mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
        Some(Signer { mac })
    }

    /// A new random key of [`MIN_KEY_BYTES`], from the operating system.
    pub fn fresh_key() -> Result<Vec<u8>, String> {
        let mut key = vec![0u8; MIN_KEY_BYTES];
        getrandom::fill(&mut key).map_err(|err| format!("no random numbers: {err}"))?;
        Ok(key)
    }

    /// A token for `username`, valid for `ttl` from `now` (seconds since 1970), with a fresh
    /// random `jti`. Returns the token and its claims.
    pub fn issue(
        &self,
        username: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<(String, Claims), String> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|err| format!("no random numbers: {err}"))?;
        let claims = Claims {
            sub: username.to_owned(),
            iat: Some(now),
            exp: now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            jti: Some(Base64UrlUnpadded::encode_string(&id)),
        };
        let body = serde_json::to_string(&claims).map_err(|err| err.to_string())?;
        let signed = format!(
            "{}.{}",
            Base64UrlUnpadded::encode_string(HEADER.as_bytes()),
            Base64UrlUnpadded::encode_string(body.as_bytes())
        );
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        let signature = Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes());
        Ok((format!("{signed}.{signature}"), claims))
    }

    // ANCHOR: check
    /// The claims of `token` if it is well formed, signed with this key, not expired at `now`
    /// (seconds since 1970), and names a valid username. (Whether it was revoked is the
    /// store's to say.)
    pub fn check(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header_part), Some(body), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        #[derive(Deserialize)]
        struct Header {
            alg: String,
            typ: Option<String>,
        }
        let header: Header = decode_json(header_part)?;
        if header.alg != "HS256" || header.typ.as_deref().is_some_and(|typ| typ != "JWT") {
            return Err(TokenError::Algorithm);
        }
        let signature =
            Base64UrlUnpadded::decode_vec(signature).map_err(|_| TokenError::Malformed)?;
        // What was signed: the header and the claims as they are in the token.
        let signed = &token[..header_part.len() + 1 + body.len()];
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::Signature)?;
        let claims: Claims = decode_json(body)?;
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        if names::username_problem(&claims.sub).is_some() {
            return Err(TokenError::Username);
        }
        Ok(claims)
    }
    // ANCHOR_END: check
}

/// A base64url part that holds JSON of type `T`.
fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokenError> {
    let bytes = Base64UrlUnpadded::decode_vec(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

    fn signer(byte: u8) -> Signer {
        Signer::new(vec![byte; 32]).unwrap()
    }

    fn part(json: &str) -> String {
        Base64UrlUnpadded::encode_string(json.as_bytes())
    }

    #[test]
    fn a_token_says_who_until_when() {
        let (token, claims) = signer(1).issue("Alice", NOW, WEEK).unwrap();
        assert_eq!(claims.exp, NOW + 7 * 24 * 3600);
        assert_eq!(signer(1).check(&token, NOW), Ok(claims.clone()));
        assert_eq!(
            signer(1).check(&token, claims.exp),
            Err(TokenError::Expired)
        );
        assert_eq!(
            signer(2).check(&token, NOW),
            Err(TokenError::Signature),
            "another key"
        );
        let (other, _) = signer(1).issue("Alice", NOW, WEEK).unwrap();
        assert_ne!(token, other, "each token has its own jti");
    }

    #[test]
    fn a_changed_token_is_refused() {
        let (token, _) = signer(1).issue("alice", NOW, WEEK).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        // Claims rewritten to say bob, with the original signature.
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            part(&format!(r#"{{"sub":"bob","exp":{}}}"#, NOW + 100)),
            parts[2]
        );
        assert_eq!(signer(1).check(&forged, NOW), Err(TokenError::Signature));
        // `alg: none` with no signature: the classic.
        let none = format!(
            "{}.{}.",
            part(r#"{"alg":"none","typ":"JWT"}"#),
            part(&format!(r#"{{"sub":"bob","exp":{}}}"#, NOW + 100))
        );
        assert_eq!(signer(1).check(&none, NOW), Err(TokenError::Algorithm));
        for garbage in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.??.**",
            &format!("{}.x.y", parts[0]),
        ] {
            assert_eq!(
                signer(1).check(garbage, NOW),
                Err(TokenError::Malformed),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn a_token_made_by_another_program_with_the_key_is_accepted() {
        // What an application that has its own users does (book: "Accounts and tokens"):
        // sub and exp, signed with the server's key.
        let key = vec![7u8; 32];
        let signed = format!(
            "{}.{}",
            part(HEADER),
            part(&format!(r#"{{"sub":"carol","exp":{}}}"#, NOW + 60))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(signed.as_bytes());
        let token = format!(
            "{signed}.{}",
            Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes())
        );
        let claims = Signer::new(key).unwrap().check(&token, NOW).unwrap();
        assert_eq!(claims.sub, "carol");
        assert_eq!(claims.jti, None);
    }

    #[test]
    fn short_keys_and_bad_names_are_refused() {
        assert!(Signer::new(vec![1; 31]).is_none());
        let (token, _) = signer(1).issue("not a name!", NOW, WEEK).unwrap();
        assert_eq!(signer(1).check(&token, NOW), Err(TokenError::Username));
        assert_eq!(
            format!("{:?}", signer(9)),
            "Signer { .. }",
            "Debug never shows the key"
        );
    }
}
