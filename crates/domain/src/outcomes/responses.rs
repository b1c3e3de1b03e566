//! A questionnaire as answered, before it is stored: which one, when in the person's
//! support, on what day, and each answer — checked against the questionnaire's own
//! scales, each wrong answer named. An incomplete questionnaire is kept as answered and
//! scored only as far as it can be (SWEMWBS with a gap has no score).

use jiff::civil::Date;

use super::instruments::Timepoint;
use super::questionnaire::Questionnaire;
use super::scoring::Scored;
use crate::validation::ValidationErrors;

/// A questionnaire as typed on the form or sent to the API, before it is checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResponseFields {
    pub instrument: String,
    pub timepoint: String,
    /// ISO 8601 (`2027-03-31`); empty: today.
    pub answered_on: String,
    /// One per question, in order; empty: not answered. A multiple choice's are the
    /// values chosen, `1,3`; a licensed instrument's one, its score.
    pub answers: Vec<String>,
    /// The version of the questionnaire the answers were given to (a form's); empty: the
    /// latest. Another version is refused: the answers may mean something else in it.
    pub version: String,
}

/// A questionnaire's answers, valid by construction, with the scores they give.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResponse {
    pub questionnaire: Questionnaire,
    pub timepoint: Timepoint,
    pub answered_on: Date,
    /// One per question, `None` unanswered; none for a licensed instrument, whose score
    /// alone is kept.
    pub answers: Vec<Option<u32>>,
    pub scores: Vec<Scored>,
}

impl NewResponse {
    /// Check every field at once on `today`, naming each one that is wrong (an answer as
    /// `answers[2]`). `questionnaire` is the one `f.instrument` names, `None` for a code
    /// the organisation has no questionnaire under.
    pub fn parse(
        questionnaire: Option<&Questionnaire>,
        f: &ResponseFields,
        today: Date,
    ) -> Result<NewResponse, ValidationErrors> {
        let mut e = ValidationErrors::new();
        match questionnaire {
            None => e.add("instrument", "Select a questionnaire"),
            Some(q) if !f.version.trim().is_empty() && f.version.trim() != q.version().to_string() => e.add(
                "instrument",
                "This questionnaire was changed while the form was open: check the answers against it and save again",
            ),
            Some(_) => {}
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
        let answers = match questionnaire.map(|q| q.check_answers(&f.answers)) {
            Some(Err(errors)) => {
                e.errors.extend(errors.errors);
                None
            }
            Some(Ok(a)) => Some(a),
            None => None,
        };
        e.into_result()?;
        let (Some(questionnaire), Some(timepoint), Some(answered_on), Some(answers)) =
            (questionnaire, timepoint, answered_on, answers)
        else {
            return Err(ValidationErrors::single("instrument", "Select a questionnaire"));
        };
        // Only an incomplete questionnaire goes unscored.
        let scores = questionnaire.score(&answers);
        Ok(NewResponse {
            questionnaire: questionnaire.clone(),
            timepoint,
            answered_on,
            answers: answers.values,
            scores,
        })
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
    use crate::outcomes::instruments::Instrument;
    use jiff::civil::date;

    const SWEMWBS: Questionnaire = Questionnaire::BuiltIn(Instrument::Swemwbs);

    fn swemwbs(answers: &[&str]) -> ResponseFields {
        ResponseFields {
            instrument: "swemwbs".into(),
            timepoint: "baseline".into(),
            answered_on: "2027-01-05".into(),
            answers: answers.iter().map(|a| (*a).to_owned()).collect(),
            version: String::new(),
        }
    }

    #[test]
    fn answers_are_checked_on_their_scales_and_scored() {
        let today = date(2027, 1, 6);
        let r = NewResponse::parse(Some(&SWEMWBS), &swemwbs(&["3", "3", "3", "3", "3", "3", "3"]), today).unwrap();
        assert_eq!((r.questionnaire.version(), r.answered_on, r.scores.len()), (1, date(2027, 1, 5), 1));
        assert_eq!(r.scores[0].value, 19.25);
        // A gap is kept, unscored.
        let gap = NewResponse::parse(Some(&SWEMWBS), &swemwbs(&["3", "", "3", "3", "3", "3", "3"]), today).unwrap();
        assert_eq!((gap.answers[1], gap.scores.len()), (None, 0));
        let bad = ResponseFields {
            instrument: "swemwbs".into(),
            timepoint: "later".into(),
            answered_on: "2027-01-07".into(),
            answers: ["3", "6", "x", "3", "3", "3", "3"].iter().map(|a| (*a).to_owned()).collect(),
            version: String::new(),
        };
        let e = NewResponse::parse(Some(&SWEMWBS), &bad, today).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["timepoint", "answered_on", "answers[1]", "answers[2]"]);
        let blank = NewResponse::parse(Some(&SWEMWBS), &swemwbs(&["", "", "", "", "", "", ""]), today).unwrap_err();
        assert!(blank.for_field("answers").is_some(), "nothing answered is refused");
        let short = NewResponse::parse(Some(&SWEMWBS), &swemwbs(&["3"]), today).unwrap_err();
        assert!(short.for_field("answers").is_some());
        let stale = ResponseFields { version: "2".into(), ..swemwbs(&["3", "3", "3", "3", "3", "3", "3"]) };
        assert!(NewResponse::parse(Some(&SWEMWBS), &stale, today).unwrap_err().for_field("instrument").is_some());
        let unknown = NewResponse::parse(None, &swemwbs(&["3"]), today).unwrap_err();
        assert!(unknown.for_field("instrument").is_some());
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
