//! Bearer secrets: API tokens and one-time password-reset links.
//!
//! The secret is shown once; only its SHA-256 is stored, so a copy of the database does
//! not hand out working tokens. 32 random bytes make a slow hash unnecessary.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly generated secret, with a prefix that says what it is (`lw_` API token,
/// `rs_` reset link) so a leaked one can be recognised by secret scanners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret(String);

/// The stored form of a secret: lower-case hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

impl Secret {
    pub fn generate(prefix: &str) -> Secret {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Secret(format!("{prefix}{}", hex::encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl SecretHash {
    pub fn of(presented: &str) -> SecretHash {
        SecretHash(hex::encode(Sha256::digest(presented.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_hash_stably() {
        let a = Secret::generate("lw_");
        let b = Secret::generate("lw_");
        assert_ne!(a, b);
        assert!(a.expose().starts_with("lw_") && a.expose().len() == 67);
        assert_eq!(a.hash(), SecretHash::of(a.expose()));
        assert_ne!(a.hash(), b.hash());
    }
}
