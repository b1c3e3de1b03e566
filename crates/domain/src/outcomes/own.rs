//! An organisation's own questionnaires: questions on a Likert scale, as a number, or as a
//! single or multiple choice, their answers' scores summed into one measure; or a licensed
//! instrument (the Patient Activation Measure, say) of which only the licensed score is
//! kept, never its items, which are the licensor's. Each change is a new version: answers
//! keep the definition they were given under, so an old score never changes meaning.
//!
//! A definition is checked here, every field named (`questions[2].options[1].score`), and
//! stored as JSON; [`OwnDefinition`] is valid by construction.

use crate::validation::{ValidationErrors, optional_text, required_text};

/// The most questions a questionnaire has.
pub const MAX_QUESTIONS: usize = 40;
/// The most answers a choice offers (a multiple choice's are kept as bits of one number).
pub const MAX_OPTIONS: usize = 12;
/// The most bands a measure has.
pub const MAX_BANDS: usize = 8;
/// The highest number a question or a score takes: a questionnaire's sum stays exact.
pub const MAX_VALUE: u32 = 10_000;

/// How an own questionnaire gives its score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OwnScoring {
    /// Its questions' scores added up; incomplete (a required question unanswered), none.
    Sum { questions: Vec<OwnQuestion> },
    /// A licensed instrument's score, typed in from its own scoring, from `min` to `max`.
    LicensedScore { min: f64, max: f64 },
}

/// One question of an own questionnaire.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OwnQuestion {
    pub text: String,
    pub answer: OwnAnswer,
    /// Whether it may be left unanswered and the questionnaire still be scored.
    pub optional: bool,
}

/// What a question takes, and what each answer scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OwnAnswer {
    /// One of an ordered scale, scoring `first_score`, the next one more, and so on.
    Likert { labels: Vec<String>, first_score: u32 },
    /// A whole number from `min` to `max`, scoring itself.
    Number { min: u32, max: u32 },
    /// One of these, scoring its score.
    Single { options: Vec<Choice> },
    /// Any of these, scoring the sum of those chosen.
    Multiple { options: Vec<Choice> },
}

/// An answer of a choice, with what it scores.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    pub label: String,
    pub score: u32,
}

/// From `from` up (to the next band's start) a score reads as `label`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Band {
    pub from: f64,
    pub label: String,
}

/// An own questionnaire's definition at one version, valid by construction.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OwnDefinition {
    pub name: String,
    /// What the person is told before the questions.
    pub instructions: String,
    pub scoring: OwnScoring,
    pub lower_is_better: bool,
    /// The smallest change for one person that counts as meaningful; none, no share
    /// improving is reported.
    pub meaningful_change: Option<f64>,
    /// In order of `from`, rising.
    pub bands: Vec<Band>,
}

impl OwnAnswer {
    /// Its answers as a form offers them: each a value (its place, from 1) with its words;
    /// empty for a number.
    pub fn choices(&self) -> Vec<(u32, String)> {
        let numbered = |labels: Vec<String>| labels.into_iter().zip(1..).map(|(l, n)| (n, l)).collect();
        match self {
            OwnAnswer::Likert { labels, .. } => numbered(labels.clone()),
            OwnAnswer::Single { options } | OwnAnswer::Multiple { options } => {
                numbered(options.iter().map(|o| o.label.clone()).collect())
            }
            OwnAnswer::Number { .. } => vec![],
        }
    }

    /// Whether `value` is an answer it takes: a place for a scale or single choice, the
    /// places chosen as bits (bit 0 the first) for a multiple choice, the number itself.
    pub fn allows(&self, value: u32) -> bool {
        match self {
            OwnAnswer::Likert { labels, .. } => (1..=labels.len() as u32).contains(&value),
            OwnAnswer::Single { options } => (1..=options.len() as u32).contains(&value),
            OwnAnswer::Multiple { options } => value != 0 && value.checked_shr(options.len() as u32).unwrap_or(0) == 0,
            OwnAnswer::Number { min, max } => (*min..=*max).contains(&value),
        }
    }

    /// What the answer `value` (one it [allows](Self::allows)) scores.
    pub fn score(&self, value: u32) -> u32 {
        let at = |n: u32| n.checked_sub(1).map(|i| i as usize);
        match self {
            OwnAnswer::Likert { first_score, .. } => first_score + value.saturating_sub(1),
            OwnAnswer::Single { options } => at(value).and_then(|i| options.get(i)).map_or(0, |o| o.score),
            OwnAnswer::Multiple { options } => options
                .iter()
                .enumerate()
                .filter(|(i, _)| value.checked_shr(*i as u32).unwrap_or(0) & 1 == 1)
                .map(|(_, o)| o.score)
                .sum(),
            OwnAnswer::Number { .. } => value,
        }
    }

    /// The lowest and highest it can score.
    pub fn range(&self) -> (u32, u32) {
        match self {
            OwnAnswer::Likert { labels, first_score } => {
                (*first_score, first_score + (labels.len() as u32).saturating_sub(1))
            }
            OwnAnswer::Single { options } => {
                (options.iter().map(|o| o.score).min().unwrap_or(0), options.iter().map(|o| o.score).max().unwrap_or(0))
            }
            // At least one chosen: the least is the cheapest option alone.
            OwnAnswer::Multiple { options } => {
                (options.iter().map(|o| o.score).min().unwrap_or(0), options.iter().map(|o| o.score).sum())
            }
            OwnAnswer::Number { min, max } => (*min, *max),
        }
    }
}

impl OwnDefinition {
    /// The lowest and highest score it gives.
    pub fn range(&self) -> (f64, f64) {
        match &self.scoring {
            OwnScoring::LicensedScore { min, max } => (*min, *max),
            OwnScoring::Sum { questions } => questions.iter().fold((0.0, 0.0), |(lo, hi), q| {
                let (a, b) = q.answer.range();
                // An optional question left out adds nothing.
                (lo + if q.optional { 0.0 } else { f64::from(a) }, hi + f64::from(b))
            }),
        }
    }

    /// The band `value` falls in, if the definition has bands.
    pub fn band(&self, value: f64) -> Option<&str> {
        self.bands.iter().rev().find(|b| value >= b.from).map(|b| b.label.as_str())
    }

    /// The score of `answers` (one per question, `None` unanswered; each one the question
    /// allows), or `None` when a required question is unanswered.
    pub fn sum(&self, answers: &[Option<u32>]) -> Option<f64> {
        let OwnScoring::Sum { questions } = &self.scoring else { return None };
        if answers.len() != questions.len() {
            return None;
        }
        let mut total = 0.0;
        for (q, a) in questions.iter().zip(answers) {
            match a {
                Some(v) if q.answer.allows(*v) => total += f64::from(q.answer.score(*v)),
                Some(_) => return None,
                None if q.optional => {}
                None => return None,
            }
        }
        Some(total)
    }
}

/// A definition as typed on the form or sent to the API, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct OwnFields {
    pub name: String,
    pub instructions: String,
    /// `sum` (questions whose scores add up) or `licensed_score` (only a licensed
    /// instrument's score is kept).
    pub scoring: String,
    /// `higher` or `lower`: which way a score is better.
    pub better: String,
    /// Empty: no meaningful-change threshold.
    pub meaningful_change: String,
    /// A licensed score's lowest and highest.
    pub score_min: String,
    pub score_max: String,
    pub bands: Vec<BandFields>,
    pub questions: Vec<QuestionFields>,
}

#[derive(Debug, Clone, Default)]
pub struct BandFields {
    /// The lowest score in the band.
    pub from: String,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct QuestionFields {
    pub text: String,
    /// `likert`, `number`, `single` or `multiple`.
    pub answer: String,
    /// A scale's labels, lowest score first, or a choice's answers with their scores.
    pub options: Vec<ChoiceFields>,
    /// What a scale's first label scores (then one more each); empty: 1.
    pub first_score: String,
    /// A number's lowest and highest.
    pub min: String,
    pub max: String,
    pub optional: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ChoiceFields {
    pub label: String,
    /// A choice's score; a scale's labels take theirs in order.
    pub score: String,
}

/// A whole number from 0 to [`MAX_VALUE`].
fn whole(e: &mut ValidationErrors, field: &str, raw: &str, what: &str) -> Option<u32> {
    match raw.trim().parse::<u32>() {
        Ok(v) if v <= MAX_VALUE => Some(v),
        _ => {
            e.add(field, format!("Enter {what} as a whole number from 0 to {MAX_VALUE}"));
            None
        }
    }
}

/// Whether `v` has at most two decimal places (as typed: 67.1 is 6709.999… hundredths).
pub fn two_places(v: f64) -> bool {
    let hundredths = v * 100.0;
    (hundredths - hundredths.round()).abs() < 1e-6
}

/// A score to at most two places, from 0 to [`MAX_VALUE`].
fn decimal(e: &mut ValidationErrors, field: &str, raw: &str, what: &str) -> Option<f64> {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=f64::from(MAX_VALUE)).contains(&v) && two_places(v) => Some(v),
        _ => {
            e.add(field, format!("Enter {what} as a number from 0 to {MAX_VALUE}, to at most two decimal places"));
            None
        }
    }
}

fn question(e: &mut ValidationErrors, i: usize, q: &QuestionFields) -> Option<OwnQuestion> {
    let at = |f: &str| format!("questions[{i}].{f}");
    let text = e.check(&at("text"), required_text("the question", &q.text, 300));
    let options = |e: &mut ValidationErrors, scored: bool| -> Option<Vec<Choice>> {
        let given: Vec<(usize, &ChoiceFields)> = q
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| !(o.label.trim().is_empty() && o.score.trim().is_empty()))
            .collect();
        if given.len() < 2 || given.len() > MAX_OPTIONS {
            e.add(&at("options"), format!("Enter from 2 to {MAX_OPTIONS} answers"));
            return None;
        }
        let mut out = vec![];
        let mut ok = true;
        for (n, o) in given {
            let label =
                e.check(&format!("questions[{i}].options[{n}].label"), required_text("the answer", &o.label, 120));
            let field = format!("questions[{i}].options[{n}].score");
            let score = if scored {
                whole(e, &field, &o.score, "the answer's score")
            } else if !o.score.trim().is_empty() {
                // A scale scores in order: a score typed beside it would be silently dropped.
                e.add(&field, "A scale's answers score in order: leave out the score");
                None
            } else {
                Some(0)
            };
            match (label, score) {
                (Some(label), Some(score)) => out.push(Choice { label, score }),
                _ => ok = false,
            }
        }
        let mut labels: Vec<String> = out.iter().map(|c| c.label.to_lowercase()).collect();
        labels.sort_unstable();
        if labels.windows(2).any(|w| w[0] == w[1]) {
            e.add(&at("options"), "Give each answer different words");
            ok = false;
        }
        ok.then_some(out)
    };
    let answer = match q.answer.trim() {
        "likert" => {
            let labels = options(e, false).map(|o| o.into_iter().map(|c| c.label).collect::<Vec<_>>());
            let first = match q.first_score.trim() {
                "" => Some(1),
                raw => whole(e, &at("first_score"), raw, "the first answer's score"),
            };
            Some(OwnAnswer::Likert { labels: labels?, first_score: first? })
        }
        "number" => {
            let min = whole(e, &at("min"), &q.min, "the lowest number");
            let max = whole(e, &at("max"), &q.max, "the highest number");
            match (min, max) {
                (Some(min), Some(max)) if min < max => Some(OwnAnswer::Number { min, max }),
                (Some(_), Some(_)) => {
                    e.add(&at("max"), "The highest number must be more than the lowest");
                    None
                }
                _ => None,
            }
        }
        "single" => options(e, true).map(|options| OwnAnswer::Single { options }),
        "multiple" => options(e, true).map(|options| OwnAnswer::Multiple { options }),
        _ => {
            e.add(&at("answer"), "Select how the question is answered");
            None
        }
    };
    Some(OwnQuestion { text: text?, answer: answer?, optional: q.optional })
}

impl OwnDefinition {
    /// Check every field at once, naming each one that is wrong.
    pub fn parse(f: &OwnFields) -> Result<OwnDefinition, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = e.check("name", required_text("the questionnaire's name", &f.name, 120));
        let instructions = e.check("instructions", optional_text("Instructions", &f.instructions, 2000));
        let lower_is_better = match f.better.trim() {
            "higher" => Some(false),
            "lower" => Some(true),
            _ => {
                e.add("better", "Select whether a higher or a lower score is better");
                None
            }
        };
        let meaningful_change = match f.meaningful_change.trim() {
            "" => Some(None),
            raw => match decimal(&mut e, "meaningful_change", raw, "the meaningful change") {
                Some(v) if v > 0.0 => Some(Some(v)),
                Some(_) => {
                    e.add("meaningful_change", "The meaningful change must be more than 0");
                    None
                }
                None => None,
            },
        };
        let scoring = match f.scoring.trim() {
            "sum" => {
                let given: Vec<(usize, &QuestionFields)> = f
                    .questions
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| !(q.text.trim().is_empty() && q.answer.trim().is_empty()))
                    .collect();
                if given.is_empty() || given.len() > MAX_QUESTIONS {
                    e.add("questions", format!("Enter from 1 to {MAX_QUESTIONS} questions"));
                    None
                } else {
                    let questions: Vec<Option<OwnQuestion>> =
                        given.iter().map(|(i, q)| question(&mut e, *i, q)).collect();
                    let questions: Option<Vec<OwnQuestion>> = questions.into_iter().collect();
                    if questions.as_ref().is_some_and(|qs| qs.iter().all(|q| q.optional)) {
                        e.add("questions", "At least one question must be required, or no answers would still score");
                    }
                    questions.map(|questions| OwnScoring::Sum { questions })
                }
            }
            "licensed_score" => {
                if f.questions.iter().any(|q| !q.text.trim().is_empty()) {
                    e.add("questions", "A licensed questionnaire keeps only its score: remove its questions");
                }
                let min = decimal(&mut e, "score_min", &f.score_min, "the lowest score");
                let max = decimal(&mut e, "score_max", &f.score_max, "the highest score");
                match (min, max) {
                    (Some(min), Some(max)) if min < max => Some(OwnScoring::LicensedScore { min, max }),
                    (Some(_), Some(_)) => {
                        e.add("score_max", "The highest score must be more than the lowest");
                        None
                    }
                    _ => None,
                }
            }
            _ => {
                e.add("scoring", "Select how it is scored");
                None
            }
        };
        let given: Vec<(usize, &BandFields)> = f
            .bands
            .iter()
            .enumerate()
            .filter(|(_, b)| !(b.from.trim().is_empty() && b.label.trim().is_empty()))
            .collect();
        let mut bands = vec![];
        if given.len() > MAX_BANDS {
            e.add("bands", format!("Enter no more than {MAX_BANDS} bands"));
        } else {
            for (n, b) in given {
                let from = decimal(&mut e, &format!("bands[{n}].from"), &b.from, "where the band starts");
                let label = e.check(&format!("bands[{n}].label"), required_text("the band's name", &b.label, 60));
                if let (Some(from), Some(label)) = (from, label) {
                    bands.push(Band { from, label });
                }
            }
            if bands.windows(2).any(|w| w[0].from >= w[1].from) {
                e.add("bands", "List the bands from the lowest score up, each starting higher than the one before");
            }
        }
        e.into_result()?;
        let (Some(name), Some(instructions), Some(lower_is_better), Some(meaningful_change), Some(scoring)) =
            (name, instructions, lower_is_better, meaningful_change, scoring)
        else {
            return Err(ValidationErrors::single("name", "Enter the questionnaire's name"));
        };
        Ok(OwnDefinition { name, instructions, scoring, lower_is_better, meaningful_change, bands })
    }

    /// The fields that give this definition back, to start a new version from.
    pub fn fields(&self) -> OwnFields {
        let text = |v: f64| crate::outcomes::scoring::score_text(v);
        let (scoring, questions, (score_min, score_max)) = match &self.scoring {
            OwnScoring::Sum { questions } => ("sum", questions.clone(), (String::new(), String::new())),
            OwnScoring::LicensedScore { min, max } => ("licensed_score", vec![], (text(*min), text(*max))),
        };
        OwnFields {
            name: self.name.clone(),
            instructions: self.instructions.clone(),
            scoring: scoring.into(),
            better: if self.lower_is_better { "lower" } else { "higher" }.into(),
            meaningful_change: self.meaningful_change.map(text).unwrap_or_default(),
            score_min,
            score_max,
            bands: self.bands.iter().map(|b| BandFields { from: text(b.from), label: b.label.clone() }).collect(),
            questions: questions
                .iter()
                .map(|q| {
                    let choices = |o: &[Choice]| {
                        o.iter().map(|c| ChoiceFields { label: c.label.clone(), score: c.score.to_string() }).collect()
                    };
                    let mut f = QuestionFields { text: q.text.clone(), optional: q.optional, ..Default::default() };
                    match &q.answer {
                        OwnAnswer::Likert { labels, first_score } => {
                            f.answer = "likert".into();
                            f.options = labels
                                .iter()
                                .map(|l| ChoiceFields { label: l.clone(), score: String::new() })
                                .collect();
                            f.first_score = first_score.to_string();
                        }
                        OwnAnswer::Number { min, max } => {
                            f.answer = "number".into();
                            f.min = min.to_string();
                            f.max = max.to_string();
                        }
                        OwnAnswer::Single { options } => {
                            f.answer = "single".into();
                            f.options = choices(options);
                        }
                        OwnAnswer::Multiple { options } => {
                            f.answer = "multiple".into();
                            f.options = choices(options);
                        }
                    }
                    f
                })
                .collect(),
        }
    }
}

/// The code an own questionnaire is recorded under, from its name: `own_` and the name's
/// letters and digits, lower case, words joined by `_` (never a built-in's code).
pub fn code_of(name: &str) -> String {
    let mut code = String::from("own");
    let mut gap = true;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            if gap {
                code.push('_');
            }
            code.push(c);
            gap = false;
        } else {
            gap = true;
        }
        if code.len() >= 40 {
            break;
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn choice(label: &str, score: &str) -> ChoiceFields {
        ChoiceFields { label: label.into(), score: score.into() }
    }

    fn garden() -> OwnFields {
        OwnFields {
            name: "Garden confidence".into(),
            instructions: "About the last month.".into(),
            scoring: "sum".into(),
            better: "higher".into(),
            meaningful_change: "2".into(),
            bands: vec![
                BandFields { from: "0".into(), label: "Low".into() },
                BandFields { from: "8".into(), label: "High".into() },
            ],
            questions: vec![
                QuestionFields {
                    text: "I feel confident outdoors".into(),
                    answer: "likert".into(),
                    options: vec![choice("Never", ""), choice("Sometimes", ""), choice("Often", "")],
                    first_score: "0".into(),
                    ..Default::default()
                },
                QuestionFields {
                    text: "Days outside last week".into(),
                    answer: "number".into(),
                    min: "0".into(),
                    max: "7".into(),
                    ..Default::default()
                },
                QuestionFields {
                    text: "Do you grow food?".into(),
                    answer: "single".into(),
                    options: vec![choice("Yes", "2"), choice("No", "0")],
                    ..Default::default()
                },
                QuestionFields {
                    text: "What did you do?".into(),
                    answer: "multiple".into(),
                    options: vec![choice("Dig", "1"), choice("Sow", "1"), choice("Harvest", "2")],
                    optional: true,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_definition_is_checked_and_scores_by_its_sum() {
        let d = OwnDefinition::parse(&garden()).unwrap();
        assert_eq!(d.range(), (0.0, 2.0 + 7.0 + 2.0 + 4.0));
        // Often (2) + 5 days + Yes (2) + Sow and Harvest (1 + 2).
        assert_eq!(d.sum(&[Some(3), Some(5), Some(1), Some(0b110)]), Some(12.0));
        // The optional question left out.
        assert_eq!(d.sum(&[Some(1), Some(0), Some(2), None]), Some(0.0));
        assert_eq!(d.sum(&[Some(1), None, Some(2), None]), None, "a required one unanswered: no score");
        assert_eq!(d.sum(&[Some(4), Some(0), Some(2), None]), None, "off the scale: no score");
        assert_eq!((d.band(7.5), d.band(8.0)), (Some("Low"), Some("High")));
        assert_eq!(OwnDefinition::parse(&d.fields()).unwrap(), d, "its fields give it back");
    }

    #[test]
    fn each_wrong_field_is_named() {
        let mut f = garden();
        f.better = "up".into();
        f.meaningful_change = "0".into();
        f.questions[0].options = vec![choice("Never", "")];
        f.questions[1].max = "0".into();
        f.questions[2].options[1] = choice("No", "-1");
        f.questions[3].answer = "essay".into();
        f.bands[1].from = "-3".into();
        let e = OwnDefinition::parse(&f).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "better",
                "meaningful_change",
                "questions[0].options",
                "questions[1].max",
                "questions[2].options[1].score",
                "questions[3].answer",
                "bands[1].from"
            ]
        );
        let mut scored_scale = garden();
        scored_scale.questions[0].options[1].score = "5".into();
        scored_scale.questions[2].options = vec![choice("apple", "1"), choice("Banana", "2"), choice("APPLE", "3")];
        let e = OwnDefinition::parse(&scored_scale).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["questions[0].options[1].score", "questions[2].options"]);
        let none = OwnFields { questions: vec![], ..garden() };
        assert!(OwnDefinition::parse(&none).unwrap_err().for_field("questions").is_some());
        let licensed = OwnFields {
            name: "Patient Activation Measure".into(),
            scoring: "licensed_score".into(),
            better: "higher".into(),
            score_min: "0".into(),
            score_max: "100".into(),
            ..Default::default()
        };
        let pam = OwnDefinition::parse(&licensed).unwrap();
        assert_eq!((pam.range(), pam.sum(&[])), ((0.0, 100.0), None));
        let with_items = OwnFields { questions: garden().questions, ..licensed };
        assert!(OwnDefinition::parse(&with_items).unwrap_err().for_field("questions").is_some());
    }

    #[test]
    fn codes_come_from_names() {
        assert_eq!(code_of("Garden confidence!"), "own_garden_confidence");
        assert_eq!(code_of("  PAM-13 "), "own_pam_13");
        assert_eq!(code_of("Ünïcode"), "own_n_code");
        assert!(code_of(&"a ".repeat(100)).len() <= 41);
    }

    proptest! {
        /// Any complete set of answers scores within the definition's range; leaving a
        /// required question out never scores.
        #[test]
        fn sums_stay_in_range(a in 1u32..=3, b in 0u32..=7, c in 1u32..=2, d in 0u32..8, gap in 0usize..3) {
            let def = OwnDefinition::parse(&garden()).unwrap();
            let multiple = (d != 0).then_some(d);
            let answers = [Some(a), Some(b), Some(c), multiple];
            let s = def.sum(&answers).unwrap();
            let (lo, hi) = def.range();
            prop_assert!(lo <= s && s <= hi);
            let mut missing = answers;
            missing[gap] = None;
            prop_assert_eq!(def.sum(&missing), None);
        }
    }
}
