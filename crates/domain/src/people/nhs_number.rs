use std::fmt;

/// A valid NHS number: ten digits whose tenth is the Modulus 11 check digit of the first
/// nine (weights 10 down to 2; 11 − remainder, where 11 → 0 and 10 means no valid
/// number). Numbers of one repeated digit pass the check but are never issued, so they
/// are refused; the 999 000 0000–999 999 9999 range is reserved for testing and accepted
/// only when the organisation is in test mode.
///
/// Input may contain spaces or hyphens; the digits are stored and shown as `943 476 5919`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber([u8; 10]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("Enter the NHS number")]
    Empty,
    #[error("NHS number must be 10 digits, like 943 476 5919")]
    Format,
    #[error("Enter a valid NHS number: this one fails the check digit, so a digit may be wrong or two swapped")]
    CheckDigit,
    #[error("Enter a valid NHS number: a number of one repeated digit is never issued")]
    NeverIssued,
    #[error("NHS numbers starting 999 are test numbers, accepted only in test mode")]
    TestNumber,
}

/// The check digit for nine digits, or `None` when no valid number has them.
pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
    let sum: u32 = first_nine.iter().zip((2..=10u32).rev()).map(|(d, w)| u32::from(*d) * w).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

impl NhsNumber {
    /// Parse `input`; `test_mode` allows the 999 test range.
    pub fn parse(input: &str, test_mode: bool) -> Result<NhsNumber, NhsNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        let mut digits = [0u8; 10];
        let mut n = 0;
        for c in trimmed.chars() {
            match c {
                '0'..='9' if n < 10 => {
                    digits[n] = c as u8 - b'0';
                    n += 1;
                }
                ' ' | '-' => {}
                _ => return Err(NhsNumberError::Format),
            }
        }
        if n != 10 {
            return Err(NhsNumberError::Format);
        }
        let mut nine = [0u8; 9];
        nine.copy_from_slice(&digits[..9]);
        if check_digit(&nine) != Some(digits[9]) {
            return Err(NhsNumberError::CheckDigit);
        }
        if digits.iter().all(|d| *d == digits[0]) {
            return Err(NhsNumberError::NeverIssued);
        }
        if digits[..3] == [9, 9, 9] && !test_mode {
            return Err(NhsNumberError::TestNumber);
        }
        Ok(NhsNumber(digits))
    }

    /// The ten digits, as stored.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for NhsNumber {
    /// `943 476 5919`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_numbers() {
        let n = NhsNumber::parse("943 476 5919", false).unwrap();
        assert_eq!((n.digits().as_str(), n.to_string().as_str()), ("9434765919", "943 476 5919"));
        assert_eq!(NhsNumber::parse("943-476-5919", false), Ok(n));
        assert_eq!(NhsNumber::parse("9434765918", false), Err(NhsNumberError::CheckDigit));
        assert_eq!(NhsNumber::parse("943476591", false), Err(NhsNumberError::Format));
        assert_eq!(NhsNumber::parse("94347659190", false), Err(NhsNumberError::Format));
        assert_eq!(NhsNumber::parse("943476591X", false), Err(NhsNumberError::Format));
        assert_eq!(NhsNumber::parse("  ", false), Err(NhsNumberError::Empty));
        // 4444444444 passes the check (sum 4·54 = 216, 216 mod 11 = 7, check 4) but is never issued.
        assert_eq!(NhsNumber::parse("4444444444", false), Err(NhsNumberError::NeverIssued));
        // The 999 range is for testing.
        assert_eq!(NhsNumber::parse("999 123 4578", false), Err(NhsNumberError::TestNumber));
        assert!(NhsNumber::parse("999 123 4578", true).is_ok());
    }

    fn with_check(nine: [u8; 9]) -> Option<String> {
        let c = check_digit(&nine)?;
        Some(nine.iter().chain(std::iter::once(&c)).map(|d| char::from(b'0' + d)).collect())
    }

    proptest! {
        /// Any nine digits with their check digit parse (unless never issued or test range),
        /// in any of the accepted spellings, and display as 3-3-4.
        #[test]
        fn valid_numbers_round_trip(nine in proptest::array::uniform9(0u8..10), sep in prop::sample::select(vec!["", " ", "-"])) {
            if let Some(s) = with_check(nine) {
                let spelled = format!("{}{sep}{}{sep}{}", &s[..3], &s[3..6], &s[6..]);
                match NhsNumber::parse(&spelled, true) {
                    Ok(n) => {
                        prop_assert_eq!(n.digits(), s.clone());
                        prop_assert_eq!(n.to_string(), format!("{} {} {}", &s[..3], &s[3..6], &s[6..]));
                    }
                    Err(e) => prop_assert_eq!(e, NhsNumberError::NeverIssued),
                }
            }
        }

        /// Changing any one digit of a valid number makes it fail the check.
        #[test]
        fn one_wrong_digit_is_caught(nine in proptest::array::uniform9(0u8..10), pos in 0usize..10, delta in 1u8..10) {
            if let Some(s) = with_check(nine) {
                let mut b = s.into_bytes();
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
                let wrong = String::from_utf8(b).unwrap();
                prop_assert!(NhsNumber::parse(&wrong, true).is_err());
            }
        }

        /// Swapping two different adjacent digits is caught too.
        #[test]
        fn adjacent_transpositions_are_caught(nine in proptest::array::uniform9(0u8..10), pos in 0usize..9) {
            if let Some(s) = with_check(nine) {
                let mut b = s.into_bytes();
                if b[pos] != b[pos + 1] {
                    b.swap(pos, pos + 1);
                    let swapped = String::from_utf8(b).unwrap();
                    prop_assert!(NhsNumber::parse(&swapped, true).is_err());
                }
            }
        }
    }
}
