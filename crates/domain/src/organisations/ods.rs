use std::fmt;

/// An Organisation Data Service code of a GP practice: one letter (the region or
/// country: A–Y in England, W Wales, …) followed by five digits, e.g. `A81001`.
/// Branch surgeries and other ODS organisation types use other shapes, which Linkwell
/// does not take as practices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OdsCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OdsCodeError {
    #[error("Enter the practice's ODS code")]
    Empty,
    #[error("ODS code must be a letter followed by 5 digits, like A81001")]
    Format,
}

impl OdsCode {
    pub fn parse(input: &str) -> Result<Self, OdsCodeError> {
        let s: String = input.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(OdsCodeError::Empty);
        }
        let b = s.as_bytes();
        if b.len() == 6 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
            Ok(Self(s))
        } else {
            Err(OdsCodeError::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OdsCode {
    type Error = OdsCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OdsCode> for String {
    fn from(c: OdsCode) -> String {
        c.0
    }
}

impl fmt::Display for OdsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_letter_and_five_digits_is_valid(l in "[A-Za-z]", d in "[0-9]{5}") {
            let code = OdsCode::parse(&format!(" {l}{d} ")).unwrap();
            prop_assert_eq!(code.as_str(), format!("{}{d}", l.to_ascii_uppercase()));
        }

        #[test]
        fn other_shapes_are_refused(s in "[A-Z0-9]{0,5}|[A-Z0-9]{7,9}|[0-9][0-9A-Z]{5}|[A-Z]{2}[0-9]{4}") {
            prop_assert!(OdsCode::parse(&s).is_err());
        }
    }
}
