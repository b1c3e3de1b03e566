//! Who people are in Linkwell: roles, sign-in names, passwords and API tokens.

mod email;
mod password;
mod role;
mod secret;

pub use email::{EmailAddress, EmailError};
pub use password::{
    PasswordError, PasswordHash, check_password_policy, hash_password, verify_password,
};
pub use role::{Role, RoleError};
pub use secret::{Secret, SecretHash};

/// Failed sign-ins allowed before an account is locked for a while.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// How long an account stays locked after too many failed sign-ins, in minutes.
pub const LOCKOUT_MINUTES: i64 = 15;
