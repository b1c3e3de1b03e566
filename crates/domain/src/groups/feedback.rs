//! Short feedback after a session: a rating from one to five and a comment. It comes two
//! ways — through a link in the follow-up message sent to each member who came, which
//! works once, or recorded by the facilitator from someone on the day. A follow-up goes
//! only for a session just past: a register corrected weeks later asks nobody how it was.

use jiff::{SignedDuration, Timestamp};

use crate::validation::{ValidationErrors, optional_text};

/// The longest comment kept.
pub const MAX_COMMENT: usize = 1000;

/// How long after a session its follow-up message still goes (a register taken late).
pub const FOLLOW_UP_HOURS: i64 = 48;

/// How long a feedback link works after it was sent.
pub const LINK_DAYS: i64 = 14;

/// How a session went, from 1 (very poor) to 5 (very good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    /// Every rating, worst first, with what the form says of each.
    pub const ALL: [(Rating, &'static str); 5] = [
        (Rating(1), "Very poor"),
        (Rating(2), "Poor"),
        (Rating(3), "All right"),
        (Rating(4), "Good"),
        (Rating(5), "Very good"),
    ];

    /// A stored or typed rating, if it is one of the five.
    pub fn new(n: i64) -> Option<Rating> {
        Rating::ALL.iter().map(|(r, _)| *r).find(|r| i64::from(r.0) == n)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        Rating::ALL.iter().find(|(r, _)| *r == self).map_or("", |(_, l)| l)
    }
}

/// Where a piece of feedback came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackSource {
    /// The member, by the link in the session's follow-up message.
    Link,
    /// Someone on the day, recorded by the facilitator.
    Facilitator,
}

impl FeedbackSource {
    pub fn code(self) -> &'static str {
        match self {
            FeedbackSource::Link => "link",
            FeedbackSource::Facilitator => "facilitator",
        }
    }

    pub fn parse(s: &str) -> Result<FeedbackSource, String> {
        match s {
            "link" => Ok(FeedbackSource::Link),
            "facilitator" => Ok(FeedbackSource::Facilitator),
            other => Err(format!("unknown feedback source {other:?}")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FeedbackSource::Link => "By their link",
            FeedbackSource::Facilitator => "On the day",
        }
    }
}

/// Feedback as typed on the form or sent to the API, before it is checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FeedbackFields {
    /// 1 (very poor) to 5 (very good).
    pub rating: String,
    pub comment: String,
    /// The key of the form it was typed on (recorded on the day): the same form sent
    /// twice records once. Empty for a member's link, which works once anyway.
    pub key: String,
}

/// Feedback, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub rating: Rating,
    pub comment: String,
    pub key: Option<String>,
}

impl Feedback {
    /// Check every field at once, naming each one that is wrong.
    pub fn parse(f: &FeedbackFields) -> Result<Feedback, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let rating = f.rating.trim().parse::<i64>().ok().and_then(Rating::new);
        if rating.is_none() {
            e.add("rating", "Select how the session was, from very poor to very good");
        }
        let comment = e.check("comment", optional_text("The comment", &f.comment, MAX_COMMENT));
        let key = f.key.trim();
        if !key.is_empty() && !super::is_form_key(key) {
            e.add("rating", "Open the register again: this form is not one it gave");
        }
        e.into_result()?;
        let key = (!key.is_empty()).then(|| key.to_owned());
        match rating {
            Some(rating) => Ok(Feedback { rating, comment: comment.unwrap_or_default(), key }),
            None => Err(ValidationErrors::single("rating", "Select how the session was")),
        }
    }
}

/// When the follow-up of a session that ends at `ends` goes, for a register saved at `now`:
/// when it ends (a register taken at the start waits for it), at once for a register saved
/// after, and never for one saved more than two days after.
pub fn follow_up_at(ends: Timestamp, now: Timestamp) -> Option<Timestamp> {
    let since = now.duration_since(ends);
    (since <= SignedDuration::from_hours(FOLLOW_UP_HOURS)).then_some(if since < SignedDuration::ZERO {
        ends
    } else {
        now
    })
}

/// Until when a feedback link sent at `sent` works.
pub fn link_expires(sent: Timestamp) -> Timestamp {
    sent.checked_add(SignedDuration::from_hours(LINK_DAYS * 24)).unwrap_or(Timestamp::MAX)
}

/// The average of `count` ratings that add up to `sum`, to one decimal place; `None`
/// when there are none.
pub fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn feedback_is_checked_naming_each_field() {
        let f = FeedbackFields { rating: " 4 ".into(), comment: " Lovely walk ".into(), key: String::new() };
        let ok = Feedback::parse(&f).unwrap();
        assert_eq!((ok.rating.get(), ok.rating.label(), ok.comment.as_str()), (4, "Good", "Lovely walk"));
        for bad in ["", "0", "6", "4.5", "-1", "five"] {
            let e = Feedback::parse(&FeedbackFields { rating: bad.into(), ..Default::default() }).unwrap_err();
            assert!(e.for_field("rating").is_some(), "{bad:?}");
        }
        let e = Feedback::parse(&FeedbackFields {
            rating: "9".into(),
            comment: "x".repeat(MAX_COMMENT + 1),
            key: String::new(),
        })
        .unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["rating", "comment"]);
        let keyed = FeedbackFields { rating: "3".into(), key: "0a1b2c3d-key".into(), ..Default::default() };
        assert_eq!(Feedback::parse(&keyed).unwrap().key.as_deref(), Some("0a1b2c3d-key"));
        let bad_key = FeedbackFields { rating: "3".into(), key: "<x>".into(), ..Default::default() };
        assert!(Feedback::parse(&bad_key).is_err());
    }

    #[test]
    fn a_follow_up_asks_when_the_session_ends_and_only_just_after() {
        let ends: Timestamp = "2027-01-05T11:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(follow_up_at(ends, at("2027-01-05T10:05:00Z")), Some(ends), "a register taken at the start waits");
        assert_eq!(follow_up_at(ends, ends), Some(ends));
        let late = at("2027-01-07T11:00:00Z");
        assert_eq!(follow_up_at(ends, late), Some(late), "a register saved after goes at once");
        assert_eq!(follow_up_at(ends, at("2027-01-07T11:00:01Z")), None, "a register taken late asks nobody");
        assert_eq!(link_expires(ends), at("2027-01-19T11:00:00Z"));
    }

    #[test]
    fn sources_read_back_as_written() {
        for s in [FeedbackSource::Link, FeedbackSource::Facilitator] {
            assert_eq!(FeedbackSource::parse(s.code()), Ok(s));
        }
        assert!(FeedbackSource::parse("post").is_err());
    }

    proptest! {
        /// The average lies between the lowest and highest rating given.
        #[test]
        fn the_average_lies_within_the_ratings(given in proptest::collection::vec(1i64..=5, 0..50)) {
            let ratings: Vec<Rating> = given.iter().filter_map(|n| Rating::new(*n)).collect();
            let sum = ratings.iter().map(|r| i64::from(r.get())).sum();
            match average(sum, ratings.len() as i64) {
                None => prop_assert!(given.is_empty()),
                Some(a) => {
                    let lo = given.iter().min().copied().unwrap_or(1) as f64;
                    let hi = given.iter().max().copied().unwrap_or(5) as f64;
                    prop_assert!(a >= lo - 0.05 && a <= hi + 0.05);
                }
            }
        }
    }
}
