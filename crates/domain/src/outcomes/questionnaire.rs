//! Any questionnaire a team gives — one built in, or one of the organisation's own at one
//! version — seen one way: its questions and the answers each takes, the measures it
//! gives, and the scores a set of answers gives. Forms, links, records and reports work
//! with this, never with a kind of questionnaire.

use std::sync::Arc;

use super::instruments::{Instrument, Measure};
use super::own::{OwnAnswer, OwnDefinition, OwnScoring};
use super::scoring::{Scored, ons4_band, score};

/// An own questionnaire at one version.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnQuestionnaire {
    /// `own_…`, kept across versions.
    pub code: String,
    pub version: u32,
    pub definition: OwnDefinition,
}

impl OwnQuestionnaire {
    /// The key of the one measure it gives: its code and version (`own_walking_v2`), so
    /// scores under different definitions are never paired, charted or reported as one.
    pub fn measure_key(&self) -> String {
        format!("{}_v{}", self.code, self.version)
    }

    /// Its name, with its version after the first (`Walking (version 2)`).
    pub fn measure_label(&self) -> String {
        match self.version {
            1 => self.definition.name.clone(),
            v => format!("{} (version {v})", self.definition.name),
        }
    }
}

/// A questionnaire, built in or the organisation's own.
#[derive(Debug, Clone, PartialEq)]
pub enum Questionnaire {
    BuiltIn(Instrument),
    Own(Arc<OwnQuestionnaire>),
}

/// What a question takes.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerKind {
    /// One of these values, each with its words.
    One(Vec<(u32, String)>),
    /// Any of these, by their value (1 the first); sent as the values chosen, `1,3`.
    Any(Vec<(u32, String)>),
    /// A whole number from `min` to `max`.
    Count { min: u32, max: u32 },
    /// A licensed instrument's score, from `min` to `max`, to at most two places.
    Score { min: f64, max: f64 },
}

/// One question as a form asks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub text: String,
    pub answer: AnswerKind,
    /// It may be left unanswered and the questionnaire still be scored.
    pub optional: bool,
}

/// A questionnaire's answers, checked: one per question, `None` unanswered; and for a
/// licensed instrument its score alone (no answers are kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    pub values: Vec<Option<u32>>,
    pub licensed_score: Option<f64>,
}

impl Questionnaire {
    pub fn code(&self) -> &str {
        match self {
            Questionnaire::BuiltIn(i) => i.code(),
            Questionnaire::Own(o) => &o.code,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Questionnaire::BuiltIn(i) => i.name(),
            Questionnaire::Own(o) => &o.definition.name,
        }
    }

    /// The version of the definition: answers keep the one they were given under.
    pub fn version(&self) -> u32 {
        match self {
            Questionnaire::BuiltIn(i) => i.version(),
            Questionnaire::Own(o) => o.version,
        }
    }

    pub fn instructions(&self) -> &str {
        match self {
            Questionnaire::BuiltIn(i) => i.instructions(),
            Questionnaire::Own(o) => &o.definition.instructions,
        }
    }

    /// A licensed instrument: only its score is kept.
    pub fn licensed(&self) -> bool {
        matches!(self, Questionnaire::Own(o) if matches!(o.definition.scoring, OwnScoring::LicensedScore { .. }))
    }

    /// Its questions, in order (a licensed instrument's one: its score).
    pub fn questions(&self) -> Vec<Question> {
        match self {
            Questionnaire::BuiltIn(i) => i
                .items()
                .iter()
                .map(|item| {
                    let counted = item.scale.0.iter().all(|(_, label)| label.is_empty());
                    let values = item.scale.0.iter().map(|(v, _)| u32::from(*v));
                    Question {
                        text: item.text.into(),
                        answer: if counted {
                            AnswerKind::Count { min: values.clone().min().unwrap_or(0), max: values.max().unwrap_or(0) }
                        } else {
                            AnswerKind::One(
                                item.scale.0.iter().map(|(v, l)| (u32::from(*v), (*l).to_owned())).collect(),
                            )
                        },
                        optional: item.optional,
                    }
                })
                .collect(),
            Questionnaire::Own(o) => match &o.definition.scoring {
                OwnScoring::LicensedScore { min, max } => vec![Question {
                    text: format!("{} score", o.definition.name),
                    answer: AnswerKind::Score { min: *min, max: *max },
                    optional: false,
                }],
                OwnScoring::Sum { questions } => questions
                    .iter()
                    .map(|q| Question {
                        text: q.text.clone(),
                        answer: match &q.answer {
                            OwnAnswer::Number { min, max } => AnswerKind::Count { min: *min, max: *max },
                            OwnAnswer::Multiple { .. } => AnswerKind::Any(q.answer.choices()),
                            _ => AnswerKind::One(q.answer.choices()),
                        },
                        optional: q.optional,
                    })
                    .collect(),
            },
        }
    }

    /// What it measures, each reported on its own. An own questionnaire gives one
    /// measure, a version's own ([`OwnQuestionnaire::measure_key`]).
    pub fn measures(&self) -> Vec<Measure> {
        match self {
            Questionnaire::BuiltIn(i) => i.measures(),
            Questionnaire::Own(o) => vec![Measure {
                key: o.measure_key().into(),
                label: o.measure_label().into(),
                range: o.definition.range(),
                lower_is_better: o.definition.lower_is_better,
                meaningful_change: o.definition.meaningful_change,
            }],
        }
    }

    /// The label of its measure `key` ("Score" for a key it does not give).
    pub fn measure_label(&self, key: &str) -> String {
        self.measures().into_iter().find(|m| m.key == key).map_or_else(|| "Score".to_owned(), |m| m.label.into())
    }

    /// The band a score of `measure` falls in: ONS4's bands, or an own questionnaire's.
    pub fn band(&self, measure: &str, value: f64) -> Option<String> {
        match self {
            Questionnaire::BuiltIn(_) => ons4_band(measure, value).map(str::to_owned),
            Questionnaire::Own(o) => o.definition.band(value).map(str::to_owned),
        }
    }

    /// Whether its measures have bands.
    pub fn banded(&self) -> bool {
        match self {
            Questionnaire::BuiltIn(i) => i.measures().iter().any(|m| ons4_band(&m.key, 0.0).is_some()),
            Questionnaire::Own(o) => !o.definition.bands.is_empty(),
        }
    }

    /// Each raw answer (one per question, as typed: empty unanswered) checked against its
    /// question; the errors name `answers[N]`. Nothing answered at all is an error: a tap
    /// on the button is not a questionnaire.
    pub fn check_answers(&self, raw: &[String]) -> Result<Answers, crate::ValidationErrors> {
        let questions = self.questions();
        let mut e = crate::ValidationErrors::new();
        if raw.len() != questions.len() {
            e.add("answers", format!("Answer the {} questions of this questionnaire", questions.len()));
            return Err(e);
        }
        if raw.iter().all(|a| a.trim().is_empty()) {
            e.add("answers", if self.licensed() { "Enter the score" } else { "Answer at least one question" });
            return Err(e);
        }
        let mut values = vec![];
        let mut licensed_score = None;
        for (i, (q, a)) in questions.iter().zip(raw).enumerate() {
            let field = format!("answers[{i}]");
            let a = a.trim();
            if a.is_empty() {
                values.push(None);
                continue;
            }
            match &q.answer {
                AnswerKind::One(choices) => match a.parse::<u32>() {
                    Ok(v) if choices.iter().any(|(c, _)| *c == v) => values.push(Some(v)),
                    _ => e.add(&field, "Choose one of the answers given"),
                },
                AnswerKind::Any(choices) => {
                    let mut bits = 0u32;
                    let mut ok = true;
                    for part in a.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        match part.parse::<u32>() {
                            Ok(v) if choices.iter().any(|(c, _)| *c == v) => {
                                bits |= v.checked_sub(1).and_then(|b| 1u32.checked_shl(b)).unwrap_or(0)
                            }
                            _ => ok = false,
                        }
                    }
                    if ok && bits != 0 {
                        values.push(Some(bits));
                    } else {
                        e.add(&field, "Choose from the answers given");
                    }
                }
                AnswerKind::Count { min, max } => match a.parse::<u32>() {
                    Ok(v) if (*min..=*max).contains(&v) => values.push(Some(v)),
                    _ => e.add(&field, format!("Enter a whole number from {min} to {max}")),
                },
                AnswerKind::Score { min, max } => match a.parse::<f64>() {
                    Ok(v) if v.is_finite() && (*min..=*max).contains(&v) && super::own::two_places(v) => {
                        licensed_score = Some(v);
                    }
                    _ => e.add(
                        &field,
                        format!(
                            "Enter the score as a number from {} to {}, to at most two decimal places",
                            super::scoring::score_text(*min),
                            super::scoring::score_text(*max)
                        ),
                    ),
                },
            }
        }
        e.into_result()?;
        if self.licensed() {
            values.clear();
        }
        Ok(Answers { values, licensed_score })
    }

    /// The measures checked `answers` give: none when too incomplete to score.
    pub fn score(&self, answers: &Answers) -> Vec<Scored> {
        match self {
            Questionnaire::BuiltIn(i) => {
                let small: Vec<Option<u8>> =
                    answers.values.iter().map(|v| v.and_then(|v| u8::try_from(v).ok())).collect();
                score(*i, &small).unwrap_or_default()
            }
            Questionnaire::Own(o) => {
                let value = match &o.definition.scoring {
                    OwnScoring::LicensedScore { .. } => answers.licensed_score,
                    OwnScoring::Sum { .. } => o.definition.sum(&answers.values),
                };
                value.map(|value| Scored { measure: o.measure_key(), value }).into_iter().collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::own::{OwnFields, QuestionFields};

    fn raw(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn built_in_and_own_are_answered_and_scored_alike() {
        let swemwbs = Questionnaire::BuiltIn(Instrument::Swemwbs);
        let a = swemwbs.check_answers(&raw(&["3", "3", "3", "3", "3", "3", "3"])).unwrap();
        assert_eq!(swemwbs.score(&a), [Scored { measure: "swemwbs".into(), value: 19.25 }]);
        let e = swemwbs.check_answers(&raw(&["3", "9", "", "3", "3", "3", "3"])).unwrap_err();
        assert_eq!(e.errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["answers[1]"]);

        let fields = OwnFields {
            name: "Walk count".into(),
            scoring: "sum".into(),
            better: "higher".into(),
            questions: vec![
                QuestionFields {
                    text: "Walks last week".into(),
                    answer: "number".into(),
                    min: "0".into(),
                    max: "14".into(),
                    ..Default::default()
                },
                QuestionFields {
                    text: "Who with?".into(),
                    answer: "multiple".into(),
                    options: ["Alone", "A friend", "A group"]
                        .iter()
                        .map(|l| crate::outcomes::own::ChoiceFields { label: (*l).into(), score: "1".into() })
                        .collect(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let own = Questionnaire::Own(Arc::new(OwnQuestionnaire {
            code: "own_walk_count".into(),
            version: 2,
            definition: OwnDefinition::parse(&fields).unwrap(),
        }));
        let a = own.check_answers(&raw(&["4", "1, 3"])).unwrap();
        assert_eq!(a.values, [Some(4), Some(0b101)]);
        assert_eq!(own.score(&a), [Scored { measure: "own_walk_count_v2".into(), value: 6.0 }]);
        let e = own.check_answers(&raw(&["15", "1,4"])).unwrap_err();
        assert_eq!(e.errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["answers[0]", "answers[1]"]);
        assert_eq!(own.measures()[0].range, (1.0, 17.0), "a multiple choice answered scores at least its cheapest");

        let pam = Questionnaire::Own(Arc::new(OwnQuestionnaire {
            code: "own_pam".into(),
            version: 1,
            definition: OwnDefinition::parse(&OwnFields {
                name: "PAM".into(),
                scoring: "licensed_score".into(),
                better: "higher".into(),
                score_min: "0".into(),
                score_max: "100".into(),
                ..Default::default()
            })
            .unwrap(),
        }));
        let a = pam.check_answers(&raw(&["55.2"])).unwrap();
        assert_eq!((a.values.len(), pam.score(&a)), (0, vec![Scored { measure: "own_pam_v1".into(), value: 55.2 }]));
        assert!(pam.check_answers(&raw(&["100.5"])).is_err());
        assert!(pam.check_answers(&raw(&["55.123"])).is_err());
    }
}
