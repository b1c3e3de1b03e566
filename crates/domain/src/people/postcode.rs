use std::fmt;

/// A UK postcode in normal form (`LS1 4AP`). The format rules are checked (outward code
/// AN, ANN, AAN, AANN, ANA or AANA with the letter rules for each position; inward code
/// NAA without C, I, K, M, O or V); `GIR 0AA` and the NHS pseudo-postcodes `ZZ99 …` (no
/// fixed abode, not known) are accepted so that everyone is referable. A valid format does
/// not prove the postcode exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "String")]
pub struct Postcode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("Enter a postcode")]
    Empty,
    #[error("Enter a real postcode, like LS1 4AP")]
    Format,
}

const NOT_FIRST: &[u8] = b"QVX";
const NOT_SECOND: &[u8] = b"IJZ";
const THIRD_IN_ANA: &[u8] = b"ABCDEFGHJKSTUW";
const FOURTH_IN_AANA: &[u8] = b"ABEHMNPRVWXY";
const NOT_INWARD: &[u8] = b"CIKMOV";

fn outward_ok(o: &[u8]) -> bool {
    let a = |c: u8| c.is_ascii_uppercase();
    let n = |c: u8| c.is_ascii_digit();
    if o.is_empty() || !a(o[0]) || NOT_FIRST.contains(&o[0]) {
        return false;
    }
    match o.len() {
        2 => n(o[1]),                                                                                        // AN
        3 if n(o[1]) && n(o[2]) => true,                                                                     // ANN
        3 if n(o[1]) && a(o[2]) => THIRD_IN_ANA.contains(&o[2]),                                             // ANA
        3 => a(o[1]) && !NOT_SECOND.contains(&o[1]) && n(o[2]),                                              // AAN
        4 if a(o[1]) && !NOT_SECOND.contains(&o[1]) && n(o[2]) && n(o[3]) => true,                           // AANN
        4 => a(o[1]) && !NOT_SECOND.contains(&o[1]) && n(o[2]) && a(o[3]) && FOURTH_IN_AANA.contains(&o[3]), // AANA
        _ => false,
    }
}

fn inward_ok(i: &[u8]) -> bool {
    i.len() == 3 && i[0].is_ascii_digit() && i[1..].iter().all(|c| c.is_ascii_uppercase() && !NOT_INWARD.contains(c))
}

impl Postcode {
    pub fn parse(input: &str) -> Result<Postcode, PostcodeError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if compact.len() < 5 || compact.len() > 7 || !compact.is_ascii() {
            return Err(PostcodeError::Format);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let ok = (outward == "GIR" && inward == "0AA")
            || (outward == "ZZ99"
                && inward.as_bytes()[0].is_ascii_digit()
                && inward[1..].bytes().all(|c| c.is_ascii_uppercase()))
            || (outward_ok(outward.as_bytes()) && inward_ok(inward.as_bytes()));
        if ok { Ok(Postcode(format!("{outward} {inward}"))) } else { Err(PostcodeError::Format) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code (`LS1`), the district used for distances when the full postcode
    /// has no known location.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or(&self.0)
    }

    /// A pseudo-postcode for no fixed abode or not known: it has no location.
    pub fn is_pseudo(&self) -> bool {
        self.0.starts_with("ZZ99 ")
    }
}

impl From<Postcode> for String {
    fn from(p: Postcode) -> String {
        p.0
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_and_normalises() {
        for (input, normal) in [
            ("ls1 4ap", "LS1 4AP"),   // AAN NAA
            ("M1 1AE", "M1 1AE"),     // AN
            ("B33 8TH", "B33 8TH"),   // ANN
            ("CR2 6XH", "CR2 6XH"),   // AAN
            ("DN55 1PT", "DN55 1PT"), // AANN
            ("W1A 0AX", "W1A 0AX"),   // ANA
            ("EC1A 1BB", "EC1A 1BB"), // AANA
            ("  sw1a2aa ", "SW1A 2AA"),
            ("GIR 0AA", "GIR 0AA"),
            ("zz99 3vz", "ZZ99 3VZ"), // no fixed abode
            ("ZZ99 3WZ", "ZZ99 3WZ"), // not known
        ] {
            assert_eq!(Postcode::parse(input).map(|p| p.to_string()), Ok(normal.to_string()), "{input}");
        }
        assert!(Postcode::parse("ZZ99 3VZ").unwrap().is_pseudo());
        assert_eq!(Postcode::parse("EC1A 1BB").unwrap().outward(), "EC1A");
        assert_eq!(Postcode::parse(""), Err(PostcodeError::Empty));
        for bad in [
            "QA1 1AA",  // Q never first
            "AI1 1AA",  // I never second
            "W1I 0AX",  // I not allowed third in ANA
            "EC1Z 1BB", // Z not allowed fourth in AANA
            "LS1 4CP",  // C never in the inward code
            "LS1 AAP",  // inward starts with a digit
            "LS14AP1", "12345", "LS1 4AÉ",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Format), "{bad}");
        }
    }

    proptest! {
        /// Spacing and case never change the result.
        #[test]
        fn spacing_and_case_do_not_matter(s in "[A-Za-z0-9]{5,7}") {
            let a = Postcode::parse(&s);
            let spaced = format!(" {} {} ", &s[..s.len() - 3], &s[s.len() - 3..]);
            prop_assert_eq!(a.clone(), Postcode::parse(&spaced.to_lowercase()));
            if let Ok(p) = a {
                prop_assert_eq!(Postcode::parse(p.as_str()), Ok(p.clone()));
            }
        }
    }
}
