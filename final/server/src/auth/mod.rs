//! Who someone is: passwords (hashed with Argon2id) and signed tokens (HS256 JSON Web Tokens).
//!
//! Final server — book chapter "Accounts and tokens".
//!
//! Two jobs, one file each, neither doing any I/O: [`password`] turns a password into a hash
//! that can be stored, and checks a password against one; [`token`] issues a token that says
//! "this is alice until then", signed with the server's key, and checks one. [`gate`] puts them
//! together with where accounts, revoked tokens and the key are kept (`crate::store`'s
//! [`Accounts`](crate::store::Accounts)); the HTTP side (`/api/register`, `/api/login`,
//! `/api/logout`) is the network code's. Dependency direction: `password` and `token` use nothing of
//! the crate but the naming rules (`crate::names`); `gate` uses them and the store.
//!
//! Hashing a password is slow on purpose (tens of milliseconds of CPU and 19 MiB of memory):
//! call [`password::hash`] and [`password::verify`] from a thread that may block.

pub mod gate;
pub mod password;
pub mod token;

pub use gate::{Gate, Guests, Issued, RegisterError, SignInError, SignOutError};
pub use password::{PASSWORD_CHARS, password_problem};
pub use token::{Claims, Signer, TokenError};
