//! A programme: the service a referral is made to, with its session rules and the period
//! its commissioner funds it for.

use jiff::civil::Date;

use crate::sessions::{Minutes, ProgrammeRules};
use crate::time::{DateEntry, civil_date};
use crate::validation::{ValidationErrors, optional_text, required_text};

/// A programme as typed: on the admin page, or in the API's body.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeFields {
    pub name: String,
    pub commissioner: String,
    pub initial_minutes: String,
    pub follow_up_minutes: String,
    pub max_follow_ups: String,
    pub contact_attempt_limit: String,
    /// ISO dates (the admin page's fields are ISO too); both or neither.
    pub funded_from: String,
    pub funded_to: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeInput {
    pub name: String,
    pub commissioner: String,
    pub rules: ProgrammeRules,
    /// The funded period, from before to.
    pub funding: Option<(Date, Date)>,
}

impl ProgrammeInput {
    /// Every problem under its field's name.
    pub fn parse(f: &ProgrammeFields) -> Result<ProgrammeInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = e.check("name", required_text("the programme name", &f.name, 200));
        let commissioner = e.check("commissioner", optional_text("Commissioner", &f.commissioner, 200));
        let rules = parse_rules(f).map_err(|err| e.errors.extend(err.errors)).ok();
        let date = |field: &str, raw: &str, e: &mut ValidationErrors| match raw.trim() {
            "" => None,
            s => e.check(field, civil_date(&DateEntry::Iso(s.to_owned()))),
        };
        let funding = match (date("funded_from", &f.funded_from, &mut e), date("funded_to", &f.funded_to, &mut e)) {
            (Some(from), Some(to)) if from < to => Some((from, to)),
            (Some(_), Some(_)) => {
                e.add("funded_to", "The funding must end after it starts");
                None
            }
            (Some(_), None) if e.for_field("funded_to").is_none() => {
                e.add("funded_to", "Enter when the funding ends");
                None
            }
            (None, Some(_)) if e.for_field("funded_from").is_none() => {
                e.add("funded_from", "Enter when the funding starts");
                None
            }
            _ => None,
        };
        match (name, commissioner, rules) {
            (Some(name), Some(commissioner), Some(rules)) if e.is_empty() => {
                Ok(ProgrammeInput { name, commissioner, rules, funding })
            }
            _ => Err(e),
        }
    }
}

fn parse_rules(f: &ProgrammeFields) -> Result<ProgrammeRules, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let minutes =
        |raw: &str| raw.trim().parse::<u16>().map_err(|_| "Enter a length in minutes, like 45").and_then(Minutes::new);
    let count = |raw: &str, max: u32, what: &str| {
        raw.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or(format!("Enter {what}, a whole number from 0 to {max}"))
    };
    let initial = e.check("initial_minutes", minutes(&f.initial_minutes));
    let follow_up = e.check("follow_up_minutes", minutes(&f.follow_up_minutes));
    let max = e.check("max_follow_ups", count(&f.max_follow_ups, 50, "the number of follow-up sessions"));
    let attempts = e.check(
        "contact_attempt_limit",
        count(&f.contact_attempt_limit, 20, "the number of contact attempts")
            .and_then(|n| if n == 0 { Err("Allow at least 1 contact attempt".to_owned()) } else { Ok(n) }),
    );
    match (initial, follow_up, max, attempts) {
        (Some(initial_length), Some(follow_up_length), Some(max_follow_ups), Some(contact_attempt_limit))
            if e.is_empty() =>
        {
            Ok(ProgrammeRules { initial_length, follow_up_length, max_follow_ups, contact_attempt_limit })
        }
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ProgrammeFields {
        ProgrammeFields {
            name: "Walk and Talk".into(),
            initial_minutes: "45".into(),
            follow_up_minutes: "30".into(),
            max_follow_ups: "5".into(),
            contact_attempt_limit: "3".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_programme_with_its_funded_period() {
        let f = ProgrammeFields { funded_from: "2026-04-01".into(), funded_to: "2027-03-31".into(), ..fields() };
        let p = ProgrammeInput::parse(&f).unwrap();
        assert_eq!(p.funding, Some((jiff::civil::date(2026, 4, 1), jiff::civil::date(2027, 3, 31))));
        assert_eq!(p.rules, ProgrammeRules::default());
    }

    #[test]
    fn every_problem_is_named() {
        let f = ProgrammeFields {
            name: String::new(),
            initial_minutes: "0".into(),
            contact_attempt_limit: "0".into(),
            funded_from: "2027-04-01".into(),
            funded_to: "2026-04-01".into(),
            ..fields()
        };
        let e = ProgrammeInput::parse(&f).unwrap_err();
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["name", "initial_minutes", "contact_attempt_limit", "funded_to"]);
        let e = ProgrammeInput::parse(&ProgrammeFields { funded_from: "2026-04-01".into(), ..fields() }).unwrap_err();
        assert_eq!(e.for_field("funded_to"), Some("Enter when the funding ends"));
        let e = ProgrammeInput::parse(&ProgrammeFields { funded_to: "1 4 2026".into(), ..fields() }).unwrap_err();
        assert_eq!(e.for_field("funded_to"), Some("Enter a real date, like 2027-03-27"));
    }
}
