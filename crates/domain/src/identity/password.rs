//! Password policy and hashing.
//!
//! The policy follows NCSC guidance: length, not composition rules, plus a block-list of
//! the most common passwords. Hashing is argon2id with a per-password salt; it is
//! deliberately slow, so callers on an async runtime run it on a blocking thread.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash as Phc};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// The most common passwords and obvious service words. Lower-case; compared after
/// lower-casing the candidate.
const BLOCKED: &[&str] = &[
    "123456789012",
    "1234567890123",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiop12",
    "qwertyuiopasdf",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "administrator",
    "changeme1234",
    "abc123456789",
    "111111111111",
    "000000000000",
    "trustno11234",
    "football1234",
    "monkey123456",
    "sunshine1234",
    "princess1234",
    "linkwell1234",
    "linkwelllinkwell",
    "socialprescribing",
    "nhsnhsnhsnhs",
    "password123!",
    "qwerty123456",
    "aaaaaaaaaaaa",
    "correcthorsebatterystaple",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Password must be {MIN_LENGTH} characters or more")]
    TooShort,
    #[error("Password must be {MAX_LENGTH} characters or fewer")]
    TooLong,
    #[error("Password is too common: choose one that is harder to guess, such as three random words")]
    TooCommon,
    #[error("Password could not be hashed")]
    Hashing,
}

/// Check a new password against the policy. The sign-in name is passed so that a password
/// equal to or containing it is refused as too guessable.
pub fn check_password_policy(password: &str, sign_in_name: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_LENGTH {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    let local = sign_in_name.split('@').next().unwrap_or("").to_lowercase();
    let one_char_repeated = lower.chars().all(|c| lower.starts_with(c));
    if BLOCKED.contains(&lower.as_str()) || one_char_repeated || (local.len() >= 4 && lower.contains(&local)) {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

/// A PHC-format argon2id hash string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

pub fn hash_password(password: &str) -> Result<PasswordHash, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|_| PasswordError::Hashing)
}

pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    match Phc::new(&hash.0) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check_password_policy("short", "a@b.org"), Err(PasswordError::TooShort));
        assert_eq!(check_password_policy("Password1234", "a@b.org"), Err(PasswordError::TooCommon));
        assert_eq!(check_password_policy("zzzzzzzzzzzzzz", "a@b.org"), Err(PasswordError::TooCommon));
        assert_eq!(check_password_policy("jenny.smith-garden", "jenny.smith@b.org"), Err(PasswordError::TooCommon));
        assert_eq!(check_password_policy(&"x".repeat(129), "a@b.org"), Err(PasswordError::TooLong));
        assert_eq!(check_password_policy("orange kettle maple", "a@b.org"), Ok(()));
    }

    #[test]
    fn hash_and_verify() {
        let h = hash_password("orange kettle maple").unwrap();
        assert!(h.0.starts_with("$argon2id$"));
        assert!(verify_password("orange kettle maple", &h));
        assert!(!verify_password("orange kettle maplE", &h));
        assert!(!verify_password("x", &PasswordHash("not a hash".into())));
    }
}
