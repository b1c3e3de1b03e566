//! Finding a person: what a search box's text means (an NHS number, a date of birth, a
//! postcode or names), and how names are made comparable. A name is matched through its
//! tokens — each word folded to lower-case ASCII letters — so "Seán O'Neil-Smith" is
//! found by "sean oneil", "smith" or "o'neil". A typo of one letter (left out, added,
//! changed, or two letters swapped) still finds the name: each stored token keeps its
//! one-letter deletions as *variants*, and a typed token matches a stored one when they
//! share a variant (the symmetric-deletion method), confirmed by the edit distance.

use jiff::civil::Date;
use unicode_normalization::UnicodeNormalization;

use super::{NhsNumber, NhsNumberError, Postcode};

/// The most a search box takes.
pub const MAX_QUERY_CHARS: usize = 100;
/// The most names a search takes ("Mary Ann Jones Smith").
pub const MAX_NAME_TOKENS: usize = 4;
/// Tokens longer than this are cut: no name part is longer, and it bounds the variants.
pub const MAX_TOKEN_CHARS: usize = 24;

/// What a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonQuery {
    NhsNumber(NhsNumber),
    DateOfBirth(Date),
    Postcode(Postcode),
    /// Name tokens in the order typed (at least one).
    Name(Vec<String>),
}

impl PersonQuery {
    /// What kind of search this is, for the audit trail (never the text itself).
    pub fn kind(&self) -> &'static str {
        match self {
            PersonQuery::NhsNumber(_) => "nhs_number",
            PersonQuery::DateOfBirth(_) => "date_of_birth",
            PersonQuery::Postcode(_) => "postcode",
            PersonQuery::Name(_) => "name",
        }
    }
}

/// Why a search's text cannot be searched for, in the words the searcher sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Enter a name, NHS number, date of birth or postcode")]
    Empty,
    #[error("Enter {MAX_QUERY_CHARS} characters or fewer")]
    TooLong,
    #[error("{0}")]
    NhsNumber(NhsNumberError),
    #[error("Enter a real date of birth, like 27/3/1961")]
    NoSuchDate,
    #[error("Enter up to {MAX_NAME_TOKENS} names")]
    TooManyNames,
    #[error("Enter a name, an NHS number (10 digits), a date of birth like 27/3/1961, or a postcode like LS1 4AP")]
    Unreadable,
}

impl PersonQuery {
    /// Read a search box. Ten digits (spaces or dashes between them allowed) are an NHS
    /// number and must be a valid one; day, month and year separated by `/`, `-`, `.` or
    /// spaces (or an ISO date) are a date of birth; a full postcode is a postcode; letters
    /// are names. `test_mode` accepts the 999 range of test NHS numbers.
    pub fn parse(input: &str, test_mode: bool) -> Result<PersonQuery, QueryError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(QueryError::Empty);
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let digits = text.chars().filter(char::is_ascii_digit).count();
        if digits == 10 && text.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') {
            return NhsNumber::parse(text, test_mode).map(PersonQuery::NhsNumber).map_err(QueryError::NhsNumber);
        }
        if let Some(date) = date_in(text)? {
            return Ok(PersonQuery::DateOfBirth(date));
        }
        if digits > 0 {
            return Postcode::parse(text).map(PersonQuery::Postcode).map_err(|_| QueryError::Unreadable);
        }
        let tokens = name_tokens(text);
        if tokens.is_empty() {
            return Err(QueryError::Unreadable);
        }
        if tokens.len() > MAX_NAME_TOKENS {
            return Err(QueryError::TooManyNames);
        }
        Ok(PersonQuery::Name(tokens))
    }
}

/// A date typed as day, month and year (or ISO), if the text is one; a date that does
/// not exist (31/2/1990) is an error rather than a name.
fn date_in(text: &str) -> Result<Option<Date>, QueryError> {
    let parts: Vec<&str> = text.split(['/', '-', '.', ' ']).filter(|p| !p.is_empty()).collect();
    if parts.len() != 3 || !parts.iter().all(|p| p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit())) {
        return Ok(None);
    }
    let n = |s: &str| s.parse::<i16>().map_err(|_| QueryError::NoSuchDate);
    let (year, month, day) = if parts[0].len() == 4 {
        (n(parts[0])?, n(parts[1])?, n(parts[2])?)
    } else {
        (n(parts[2])?, n(parts[1])?, n(parts[0])?)
    };
    if year < 1000 {
        return Err(QueryError::NoSuchDate);
    }
    let month = i8::try_from(month).map_err(|_| QueryError::NoSuchDate)?;
    let day = i8::try_from(day).map_err(|_| QueryError::NoSuchDate)?;
    Date::new(year, month, day).map(Some).map_err(|_| QueryError::NoSuchDate)
}

/// A name's tokens: split at spaces, hyphens and commas, each folded to lower-case ASCII
/// letters (accents dropped, apostrophes and other marks left out), empty ones dropped,
/// each cut to [`MAX_TOKEN_CHARS`].
pub fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '-' || c == ',').map(fold_token).filter(|t| !t.is_empty()).collect()
}

/// The tokens of a person's given and family names, each once.
pub fn person_tokens(given: &str, family: &str) -> Vec<String> {
    let mut tokens = name_tokens(given);
    tokens.extend(name_tokens(family));
    tokens.sort();
    tokens.dedup();
    tokens
}

fn fold_token(word: &str) -> String {
    word.nfkd().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_lowercase()).take(MAX_TOKEN_CHARS).collect()
}

/// A token and its one-letter deletions, each once: what a stored token is found by, and
/// what a typed token looks for. Tokens of one or two letters have no deletions (a typo
/// in "Al" would find every "A").
pub fn variants(token: &str) -> Vec<String> {
    let mut out = vec![token.to_owned()];
    if token.len() > 2 {
        out.extend((0..token.len()).map(|i| format!("{}{}", &token[..i], &token[i + 1..])));
    }
    out.sort();
    out.dedup();
    out
}

/// How far a stored token is from a typed one, if it is close enough to be a match: 0 for
/// the same token, 1 for one letter left out, added, changed or swapped with its
/// neighbour (typed tokens of three letters or more).
pub fn distance(typed: &str, stored: &str) -> Option<usize> {
    if typed == stored {
        return Some(0);
    }
    if typed.len() <= 2 {
        return None;
    }
    Some(strsim::damerau_levenshtein(typed, stored)).filter(|d| *d <= 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_search_box_reads_as_what_it_holds() {
        let q = |s: &str| PersonQuery::parse(s, true);
        assert!(matches!(q("943 476 5919"), Ok(PersonQuery::NhsNumber(_))));
        assert!(matches!(q("943-476-5919"), Ok(PersonQuery::NhsNumber(_))));
        assert_eq!(q("943 476 5918"), Err(QueryError::NhsNumber(NhsNumberError::CheckDigit)));
        assert_eq!(q("27/3/1961"), Ok(PersonQuery::DateOfBirth(jiff::civil::date(1961, 3, 27))));
        assert_eq!(q("27 03 1961"), Ok(PersonQuery::DateOfBirth(jiff::civil::date(1961, 3, 27))));
        assert_eq!(q("1961-03-27"), Ok(PersonQuery::DateOfBirth(jiff::civil::date(1961, 3, 27))));
        assert_eq!(q("31/2/1961"), Err(QueryError::NoSuchDate));
        assert_eq!(q("ls1 4ap").map(|p| p.kind()), Ok("postcode"));
        assert_eq!(q("ls1 4a"), Err(QueryError::Unreadable));
        assert_eq!(
            q("  Seán  O'Neil-Smith "),
            Ok(PersonQuery::Name(vec!["sean".into(), "oneil".into(), "smith".into()]))
        );
        assert_eq!(q("a b c d e"), Err(QueryError::TooManyNames));
        assert_eq!(q("   "), Err(QueryError::Empty));
        assert_eq!(q("!!!"), Err(QueryError::Unreadable));
        assert_eq!(q(&"a".repeat(101)), Err(QueryError::TooLong));
    }

    #[test]
    fn one_typo_is_forgiven() {
        for (typed, stored) in
            [("margret", "margaret"), ("mragaret", "margaret"), ("nargaret", "margaret"), ("oakess", "oakes")]
        {
            assert_eq!(distance(typed, stored), Some(1), "{typed}");
            let shared = variants(typed).into_iter().any(|v| variants(stored).contains(&v));
            assert!(shared, "{typed} and {stored} share a variant");
        }
        assert_eq!(distance("margot", "margaret"), None);
        assert_eq!(distance("al", "ali"), None);
    }

    fn token() -> impl Strategy<Value = String> {
        "[a-z]{3,12}"
    }

    proptest! {
        /// Every token one edit away (deletion, insertion, substitution or swap of
        /// neighbours) shares a variant with it and is at distance 1: the index finds
        /// what the distance accepts.
        #[test]
        fn the_variants_find_every_single_typo(t in token(), at in 0usize..12, c in "[a-z]", edit in 0u8..4) {
            let at = at % t.len();
            let mut typed: Vec<char> = t.chars().collect();
            match edit {
                0 => { typed.remove(at); }
                1 => typed.insert(at, c.chars().next().unwrap()),
                2 => typed[at] = c.chars().next().unwrap(),
                _ => if at + 1 < typed.len() { typed.swap(at, at + 1) },
            }
            let typed: String = typed.into_iter().collect();
            prop_assume!(typed.len() > 2);
            let shared = variants(&typed).iter().any(|v| variants(&t).contains(v));
            prop_assert!(shared, "{} / {}", typed, t);
            prop_assert!(distance(&typed, &t).is_some());
        }

        /// Folding is idempotent and leaves only lower-case letters.
        #[test]
        fn tokens_are_folded_letters(name in "\\PC{0,40}") {
            for t in name_tokens(&name) {
                prop_assert!(t.chars().all(|c| c.is_ascii_lowercase()));
                prop_assert_eq!(name_tokens(&t), vec![t.clone()]);
            }
        }
    }
}
