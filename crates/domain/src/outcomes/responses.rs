//! A questionnaire as answered, before it is stored: which one, when in the person's
//! support, on what day, and each answer — checked against the questionnaire's own
//! scales, each wrong answer named. An incomplete questionnaire is kept as answered and
//! scored only as far as it can be (SWEMWBS with a gap has no score).

use jiff::civil::Date;

use super::instruments::{Instrument, Timepoint};
use super::scoring::{Scored, score};
use crate::validation::ValidationErrors;

/// A questionnaire as typed on the form or sent to the API, before it is checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResponseFields {
    pub instrument: String,
    pub timepoint: String,
    /// ISO 8601 (`2027-03-31`); empty: today.
    pub answered_on: String,
    /// One per item, in order; empty: not answered.
    pub answers: Vec<String>,
}

/// A questionnaire's answers, valid by construction, with the scores they give.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResponse {
    pub instrument: Instrument,
    /// The definition's version it was given under.
    pub version: u32,
    pub timepoint: Timepoint,
    pub answered_on: Date,
    pub answers: Vec<Option<u8>>,
    pub scores: Vec<Scored>,
}

impl NewResponse {
    /// Check every field at once on `today`, naming each one that is wrong (an answer as
    /// `answers[2]`).
    pub fn parse(f: &ResponseFields, today: Date) -> Result<NewResponse, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let instrument = Instrument::parse(f.instrument.trim()).ok();
        if instrument.is_none() {
            e.add("instrument", "Select a questionnaire");
        }
        let timepoint = Timepoint::parse(f.timepoint.trim()).ok();
        if timepoint.is_none() {
            e.add("timepoint", "Select when in their support it was given");
        }
        let answered_on = match f.answered_on.trim() {
            "" => Some(today),
            d => match d.parse::<Date>() {
                Ok(d) if d <= today => Some(d),
                Ok(_) => {
                    e.add("answered_on", "The day it was answered must be today or in the past");
                    None
                }
                Err(_) => {
                    e.add("answered_on", "Enter the day it was answered as a date, like 2027-03-31");
                    None
                }
            },
        };
        let mut answers = Vec::new();
        if let Some(instrument) = instrument {
            let items = instrument.items();
            if f.answers.len() != items.len() {
                e.add("answers", format!("Answer the {} questions of this questionnaire", items.len()));
            } else {
                for (i, (item, raw)) in items.iter().zip(&f.answers).enumerate() {
                    match raw.trim() {
                        "" => answers.push(None),
                        a => match a.parse::<u8>() {
                            Ok(v) if item.scale.allows(v) => answers.push(Some(v)),
                            _ => e.add(&format!("answers[{i}]"), "Choose one of the answers given"),
                        },
                    }
                }
                // Nothing answered is a slip (a tap on the button), not a questionnaire:
                // kept, it would take the session's place or spend a link.
                if f.answers.iter().all(|a| a.trim().is_empty()) {
                    e.add("answers", "Answer at least one question");
                }
            }
        }
        e.into_result()?;
        let (Some(instrument), Some(timepoint), Some(answered_on)) = (instrument, timepoint, answered_on) else {
            return Err(ValidationErrors::single("instrument", "Select a questionnaire"));
        };
        // Answers on their scales in the right number: only an incomplete questionnaire
        // goes unscored.
        let scores = score(instrument, &answers).unwrap_or_default();
        Ok(NewResponse { instrument, version: instrument.version(), timepoint, answered_on, answers, scores })
    }
}

/// Each case's baseline and latest later score of one measure, as (before, after) pairs
/// for a report: the first baseline, and the latest score given at a later timepoint on or
/// after it. `scores` are (case, timepoint, day answered, value) in any order; a case with
/// no baseline or nothing after it gives no pair.
pub fn baseline_and_latest<K: Ord + Clone>(scores: &[(K, Timepoint, Date, f64)]) -> Vec<(f64, f64)> {
    let mut by_case: std::collections::BTreeMap<K, Vec<(Timepoint, Date, f64)>> = std::collections::BTreeMap::new();
    for (k, t, d, v) in scores {
        by_case.entry(k.clone()).or_default().push((*t, *d, *v));
    }
    by_case
        .into_values()
        .filter_map(|mut s| {
            s.sort_by_key(|(_, d, _)| *d);
            let (_, start, before) = *s.iter().find(|(t, _, _)| *t == Timepoint::Baseline)?;
            let (_, _, after) = *s.iter().rev().find(|(t, d, _)| *t != Timepoint::Baseline && *d >= start)?;
            Some((before, after))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn swemwbs(answers: &[&str]) -> ResponseFields {
        ResponseFields {
            instrument: "swemwbs".into(),
            timepoint: "baseline".into(),
            answered_on: "2027-01-05".into(),
            answers: answers.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn answers_are_checked_on_their_scales_and_scored() {
        let today = date(2027, 1, 6);
        let r = NewResponse::parse(&swemwbs(&["3", "3", "3", "3", "3", "3", "3"]), today).unwrap();
        assert_eq!((r.version, r.answered_on, r.scores.len()), (1, date(2027, 1, 5), 1));
        assert_eq!(r.scores[0].value, 19.25);
        // A gap is kept, unscored.
        let gap = NewResponse::parse(&swemwbs(&["3", "", "3", "3", "3", "3", "3"]), today).unwrap();
        assert_eq!((gap.answers[1], gap.scores.len()), (None, 0));
        let bad = ResponseFields {
            instrument: "swemwbs".into(),
            timepoint: "later".into(),
            answered_on: "2027-01-07".into(),
            answers: ["3", "6", "x", "3", "3", "3", "3"].iter().map(|a| (*a).to_owned()).collect(),
        };
        let e = NewResponse::parse(&bad, today).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["timepoint", "answered_on", "answers[1]", "answers[2]"]);
        let blank = NewResponse::parse(&swemwbs(&["", "", "", "", "", "", ""]), today).unwrap_err();
        assert!(blank.for_field("answers").is_some(), "nothing answered is refused");
        let short = NewResponse::parse(&swemwbs(&["3"]), today).unwrap_err();
        assert!(short.for_field("answers").is_some());
        let unknown = ResponseFields { instrument: "pam13".into(), ..swemwbs(&[]) };
        assert!(NewResponse::parse(&unknown, today).unwrap_err().for_field("instrument").is_some());
    }

    #[test]
    fn each_case_pairs_its_first_baseline_with_its_latest_later_score() {
        let d = |day| date(2027, 1, day);
        let scores = [
            ("a", Timepoint::Review, d(20), 18.0),
            ("a", Timepoint::Baseline, d(5), 15.0),
            ("a", Timepoint::Discharge, d(28), 21.0),
            ("a", Timepoint::Baseline, d(10), 16.0),
            ("b", Timepoint::Baseline, d(5), 20.0),
            ("c", Timepoint::Discharge, d(5), 20.0),
        ];
        assert_eq!(baseline_and_latest(&scores), [(15.0, 21.0)], "b has nothing after; c no baseline");
    }
}
