//! Groups the team runs (PRODUCT.md journey 6): a Walk and Talk every Tuesday at 10:00 in
//! the park, Seated Exercise, a Pain Café. A group is one of the organisation's own
//! directory listings — it stays in the directory, the public directory and the ORUK feed —
//! with what running it week after week needs: who facilitates it, whether people may
//! join from the public directory, what to bring, its risk assessment and where it meets
//! when it rains. What the listing already says is not said again here: how many it
//! takes (its capacity; none, no limit and no waiting list), who it is for (its
//! eligibility) and its access (its accessibility notes). Its sessions come from the
//! listing's schedule ([`sessions`]).

pub mod feedback;
pub mod figures;
pub mod members;
pub mod registers;
pub mod sessions;
pub mod stories;

use jiff::civil::Date;

use crate::validation::ValidationErrors;

/// Whether `key` is a form's key as the group pages make them (8 to 64 letters, digits and
/// hyphens): a register's, or feedback recorded on the day.
pub(crate) fn is_form_key(key: &str) -> bool {
    (8..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The longest free text a group keeps in one field (a risk note, what to bring).
pub const MAX_NOTE: usize = 2000;

/// What running a group needs, beside its listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupSettings {
    /// Whether people may join from the public directory, without a referral.
    pub public_join: bool,
    pub what_to_bring: String,
    /// The risk assessment's summary, and when it is to be reviewed.
    pub risk_assessment: String,
    pub risk_review_due: Option<Date>,
    /// Where it meets when the weather rules the usual venue out ("the church hall on
    /// Otley Road"); empty: it is called off instead.
    pub wet_weather: String,
}

/// A group's settings as typed on the form or sent to the API, before they are checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct GroupFields {
    pub public_join: bool,
    pub what_to_bring: String,
    pub risk_assessment: String,
    /// ISO 8601 (`2027-03-31`), or empty.
    pub risk_review_due: String,
    pub wet_weather: String,
}

impl GroupSettings {
    /// Check every field at once, naming each one that is wrong.
    pub fn parse(f: &GroupFields) -> Result<GroupSettings, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut note = |field: &'static str, label: &str, text: &str| {
            let text = text.trim();
            if text.chars().count() > MAX_NOTE {
                errors.add(field, format!("{label} must be {MAX_NOTE} characters or fewer"));
            }
            text.to_owned()
        };
        let what_to_bring = note("what_to_bring", "What to bring", &f.what_to_bring);
        let risk_assessment = note("risk_assessment", "The risk assessment", &f.risk_assessment);
        let wet_weather = note("wet_weather", "The wet-weather venue", &f.wet_weather);
        let risk_review_due = match f.risk_review_due.trim() {
            "" => None,
            d => d
                .parse::<Date>()
                .map_err(|_| errors.add("risk_review_due", "Enter the review date as a date, like 2027-03-31"))
                .ok(),
        };
        errors.into_result()?;
        Ok(GroupSettings { public_join: f.public_join, what_to_bring, risk_assessment, risk_review_due, wet_weather })
    }

    /// The risk assessment is due a review on or before `today`.
    pub fn risk_review_overdue(&self, today: Date) -> bool {
        self.risk_review_due.is_some_and(|d| d <= today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> GroupFields {
        GroupFields { what_to_bring: "Water and a coat".into(), ..Default::default() }
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let long = "x".repeat(MAX_NOTE + 1);
        let f = GroupFields {
            what_to_bring: long.clone(),
            wet_weather: long,
            risk_review_due: "31/03/2027".into(),
            ..Default::default()
        };
        let e = GroupSettings::parse(&f).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["what_to_bring", "wet_weather", "risk_review_due"]);
        // At the most, and trimmed, it is kept.
        let f = GroupFields { what_to_bring: format!(" {} ", "x".repeat(MAX_NOTE)), ..fields() };
        assert_eq!(GroupSettings::parse(&f).map(|s| s.what_to_bring.len()), Ok(MAX_NOTE));
    }

    #[test]
    fn a_review_date_makes_the_assessment_due() {
        let s = GroupSettings::parse(&GroupFields { risk_review_due: "2027-03-31".into(), ..fields() }).unwrap();
        assert!(!s.risk_review_overdue(jiff::civil::date(2027, 3, 30)));
        assert!(s.risk_review_overdue(jiff::civil::date(2027, 3, 31)));
        let none = GroupSettings::parse(&fields()).unwrap();
        assert!(!none.risk_review_overdue(jiff::civil::date(2099, 1, 1)));
    }
}
