//! A referral's reference, for reading out over the phone: `LW-4K7-Q2M`. Six characters
//! from an alphabet with one of each pair of look-alikes (no O or 0, I, L or 1, S or 5, Z,
//! B, U or V), in two groups of three, so it cannot be read or heard two ways. Typed back,
//! it is read forgivingly: any case, spaces or hyphens anywhere, the `LW` optional.

use std::fmt;

/// The characters a reference is made of: 25, so six of them give 244 million references,
/// each organisation's unique (the store checks).
pub const ALPHABET: &[u8; 25] = b"2346789ACDEFGHJKMNPQRTWXY";

/// A referral's reference; serialised as shown (`LW-4K7-Q2M`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct Reference(String);

impl From<Reference> for String {
    fn from(r: Reference) -> String {
        r.to_string()
    }
}

/// Why typed text is not a reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter the reference as it was given, like LW-4K7-Q2M")]
pub struct NotAReference;

impl Reference {
    /// A new reference at random.
    pub fn random() -> Reference {
        use rand::Rng;
        let mut rng = rand::rng();
        Reference((0..6).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect())
    }

    /// Read a reference as typed or said back.
    pub fn parse(typed: &str) -> Result<Reference, NotAReference> {
        let mut chars: Vec<char> =
            typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if chars.len() == 8 && chars[..2] == ['L', 'W'] {
            chars.drain(..2);
        }
        if chars.len() != 6 {
            return Err(NotAReference);
        }
        chars
            .into_iter()
            .map(|c| c.is_ascii().then_some(c).filter(|c| ALPHABET.contains(&(*c as u8))).ok_or(NotAReference))
            .collect::<Result<String, _>>()
            .map(Reference)
    }

    /// The six characters as stored.
    pub fn as_stored(&self) -> &str {
        &self.0
    }

    /// A reference read back from storage.
    pub fn from_stored(s: &str) -> Result<Reference, NotAReference> {
        (s.len() == 6 && s.bytes().all(|b| ALPHABET.contains(&b))).then(|| Reference(s.to_owned())).ok_or(NotAReference)
    }
}

impl fmt::Display for Reference {
    /// `LW-4K7-Q2M`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LW-{}-{}", &self.0[..3], &self.0[3..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn it_reads_as_given() {
        let r = Reference::from_stored("4K7Q2M").unwrap();
        assert_eq!(r.to_string(), "LW-4K7-Q2M");
        for typed in ["LW-4K7-Q2M", "lw 4k7 q2m", "4K7Q2M", "4k7-q2m", " LW4K7Q2M "] {
            assert_eq!(Reference::parse(typed), Ok(r.clone()), "{typed}");
        }
        for typed in ["", "LW-4K7", "LW-4K7-Q2M-1", "4K7Q2!", "05DD9C7AA5CF", "LW-4K7-Q0M", "4K7Q2É"] {
            assert_eq!(Reference::parse(typed), Err(NotAReference), "{typed}");
        }
    }

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for c in b"0O1IL5SZBUV" {
            assert!(!ALPHABET.contains(c), "{}", *c as char);
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
    }

    proptest! {
        /// Any reference made reads back from how it is shown, in any case and spacing.
        #[test]
        fn shown_references_read_back(_seed in 0u8..255, lower in any::<bool>(), spaced in any::<bool>()) {
            let r = Reference::random();
            let mut shown = r.to_string();
            if lower { shown = shown.to_lowercase(); }
            if spaced { shown = shown.replace('-', " "); }
            prop_assert_eq!(Reference::parse(&shown), Ok(r.clone()));
            prop_assert_eq!(Reference::from_stored(r.as_stored()), Ok(r));
        }
    }
}
