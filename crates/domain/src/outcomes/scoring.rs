//! Answers to scores, exactly as each questionnaire is published (PRODUCT.md §6). A
//! questionnaire whose score needs every item gives none when one is missing or out of
//! its scale; ONS4's four items are each a measure of their own, so a missing one leaves
//! the others standing.

use super::instruments::{Instrument, Measure};

/// A score as people read it: a whole number without a point, others to two places.
pub fn score_text(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

/// SWEMWBS raw score (7–35) to metric score, by the official conversion table.
const SWEMWBS_METRIC: [f64; 29] = [
    7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36, 16.88, 17.43, 17.98, 18.59, 19.25, 19.98,
    20.73, 21.54, 22.35, 23.21, 24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55, 35.00,
];

/// The SWEMWBS metric score of a raw score, or `None` outside 7–35.
pub fn swemwbs_metric(raw: u8) -> Option<f64> {
    SWEMWBS_METRIC.get(usize::from(raw).checked_sub(7)?).copied()
}

/// Why answers give no score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("expected {expected} answers, got {got}")]
    WrongCount { expected: usize, got: usize },
    #[error("the answer to {item} is not one of its choices")]
    OutOfScale { item: &'static str },
    #[error("every question needs an answer for a score")]
    Incomplete,
}

/// One measure's value from one set of answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub measure: String,
    pub value: f64,
}

/// The measures `answers` give (one per item, in order; `None` unanswered). Every answer
/// given must be on its item's scale.
pub fn score(instrument: Instrument, answers: &[Option<u8>]) -> Result<Vec<Scored>, ScoreError> {
    let items = instrument.items();
    if answers.len() != items.len() {
        return Err(ScoreError::WrongCount { expected: items.len(), got: answers.len() });
    }
    for (item, answer) in items.iter().zip(answers) {
        if answer.is_some_and(|a| !item.scale.allows(a)) {
            return Err(ScoreError::OutOfScale { item: item.key });
        }
    }
    let all = || -> Result<Vec<u8>, ScoreError> {
        items
            .iter()
            .zip(answers)
            .filter(|(item, a)| !(item.optional && a.is_none()))
            .map(|(_, a)| a.ok_or(ScoreError::Incomplete))
            .collect()
    };
    let sum = |v: &[u8]| v.iter().map(|a| f64::from(*a)).sum::<f64>();
    let one = |measure: &str, value: f64| vec![Scored { measure: measure.to_owned(), value }];
    Ok(match instrument {
        // Each item on its own: what was answered is scored.
        Instrument::Ons4 | Instrument::Mycaw => items
            .iter()
            .zip(answers)
            .filter_map(|(item, a)| a.map(|a| Scored { measure: item.key.to_owned(), value: f64::from(a) }))
            .collect(),
        Instrument::Swemwbs => {
            let raw: u8 = all()?.iter().sum();
            one("swemwbs", swemwbs_metric(raw).ok_or(ScoreError::Incomplete)?)
        }
        Instrument::Wemwbs => one("wemwbs", sum(&all()?)),
        Instrument::Ucla3 => one("ucla3", sum(&all()?)),
        Instrument::LonelinessDirect => one("lonely", sum(&all()?)),
        // Very good or good is positive; "don't know" is a response, and counts in the whole.
        Instrument::FriendsAndFamily => {
            one("fft_positive", if matches!(all()?.first(), Some(1 | 2)) { 1.0 } else { 0.0 })
        }
        Instrument::GpAppointments => one("gp_appointments", sum(&all()?)),
    })
}

/// The ONS band of an ONS4 measure's value: for life satisfaction, worthwhile and
/// happiness 0–4 low, 5–6 medium, 7–8 high, 9–10 very high; for anxiety 0–1 very low, 2–3
/// low, 4–5 medium, 6–10 high. `None` for any other measure.
pub fn ons4_band(measure: &str, value: f64) -> Option<&'static str> {
    let v = value.round() as i64;
    match measure {
        "anxiety" => Some(match v {
            ..=1 => "Very low",
            2..=3 => "Low",
            4..=5 => "Medium",
            _ => "High",
        }),
        "life_satisfaction" | "worthwhile" | "happiness" => Some(match v {
            ..=4 => "Low",
            5..=6 => "Medium",
            7..=8 => "High",
            _ => "Very high",
        }),
        _ => None,
    }
}

/// Whether the change from `before` to `after` on `measure` is an improvement of at
/// least `threshold` (the measure's direction decides which way is better).
pub fn improved_by(measure: &Measure, before: f64, after: f64, threshold: f64) -> bool {
    let change = if measure.lower_is_better { before - after } else { after - before };
    change >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(values: &[u8]) -> Vec<Option<u8>> {
        values.iter().map(|v| Some(*v)).collect()
    }

    #[test]
    fn swemwbs_is_scored_by_the_official_table() {
        let vectors = [(7, 7.00), (8, 9.51), (14, 15.32), (21, 19.25), (28, 25.03), (34, 32.55), (35, 35.00)];
        for (raw, metric) in vectors {
            assert_eq!(swemwbs_metric(raw), Some(metric), "raw {raw}");
        }
        assert_eq!((swemwbs_metric(6), swemwbs_metric(36)), (None, None));
        let s = score(Instrument::Swemwbs, &all(&[3, 3, 3, 3, 3, 3, 3])).unwrap();
        assert_eq!(s, [Scored { measure: "swemwbs".into(), value: 19.25 }]);
        let mut missing = all(&[3, 3, 3, 3, 3, 3, 3]);
        missing[4] = None;
        assert_eq!(score(Instrument::Swemwbs, &missing), Err(ScoreError::Incomplete));
        assert_eq!(
            score(Instrument::Swemwbs, &all(&[3, 3, 3, 3, 3, 3, 6])),
            Err(ScoreError::OutOfScale { item: "own_mind" })
        );
        assert_eq!(score(Instrument::Swemwbs, &all(&[3, 3])), Err(ScoreError::WrongCount { expected: 7, got: 2 }));
    }

    #[test]
    fn ons4_items_stand_alone_with_their_bands() {
        let s = score(Instrument::Ons4, &[Some(7), None, Some(4), Some(6)]).unwrap();
        let got: Vec<(&str, f64)> = s.iter().map(|s| (s.measure.as_str(), s.value)).collect();
        assert_eq!(got, [("life_satisfaction", 7.0), ("happiness", 4.0), ("anxiety", 6.0)]);
        let bands: Vec<Option<&str>> =
            [("life_satisfaction", 4.0), ("worthwhile", 5.0), ("happiness", 8.0), ("happiness", 9.0)]
                .iter()
                .map(|(m, v)| ons4_band(m, *v))
                .collect();
        assert_eq!(bands, [Some("Low"), Some("Medium"), Some("High"), Some("Very high")]);
        let anxiety: Vec<Option<&str>> = [1.0, 2.0, 5.0, 6.0].iter().map(|v| ons4_band("anxiety", *v)).collect();
        assert_eq!(anxiety, [Some("Very low"), Some("Low"), Some("Medium"), Some("High")]);
        assert_eq!(ons4_band("swemwbs", 20.0), None);
    }

    #[test]
    fn the_others_are_scored_as_published() {
        let value =
            |i, a: &[Option<u8>]| score(i, a).unwrap().iter().map(|s| (s.measure.clone(), s.value)).collect::<Vec<_>>();
        let p = |v: &[(&str, f64)]| v.iter().map(|(m, x)| ((*m).to_owned(), *x)).collect::<Vec<_>>();
        assert_eq!(value(Instrument::Wemwbs, &all(&[5; 14])), p(&[("wemwbs", 70.0)]));
        assert_eq!(value(Instrument::Ucla3, &all(&[1, 2, 3])), p(&[("ucla3", 6.0)]));
        assert_eq!(value(Instrument::LonelinessDirect, &all(&[4])), p(&[("lonely", 4.0)]));
        // MYCaW's second concern is optional.
        assert_eq!(value(Instrument::Mycaw, &[Some(5), None, Some(3)]), p(&[("concern_1", 5.0), ("wellbeing", 3.0)]));
        let fft: Vec<f64> = (1..=6).map(|a| value(Instrument::FriendsAndFamily, &[Some(a)])[0].1).collect();
        assert_eq!(fft, [1.0, 1.0, 0.0, 0.0, 0.0, 0.0], "very good and good are positive; don't know counts");
        assert_eq!(value(Instrument::GpAppointments, &all(&[4])), p(&[("gp_appointments", 4.0)]));
        assert_eq!(
            score(Instrument::GpAppointments, &all(&[100])),
            Err(ScoreError::OutOfScale { item: "appointments" })
        );
    }

    #[test]
    fn improvement_follows_the_measures_direction() {
        let swemwbs = Instrument::Swemwbs.measures()[0].clone();
        assert!(improved_by(&swemwbs, 17.43, 20.73, 3.0));
        assert!(!improved_by(&swemwbs, 17.43, 19.98, 3.0));
        let lonely = Instrument::Ucla3.measures()[0].clone();
        assert!(improved_by(&lonely, 8.0, 6.0, 1.0) && !improved_by(&lonely, 6.0, 8.0, 1.0));
    }

    proptest! {
        /// Any complete SWEMWBS gives a metric score in 7–35 that rises with the raw score;
        /// any missing item gives none.
        #[test]
        fn swemwbs_scores_complete_answers_only(answers in proptest::collection::vec(1u8..=5, 7), gap in 0usize..7) {
            let raw: u8 = answers.iter().sum();
            let s = score(Instrument::Swemwbs, &all(&answers)).unwrap();
            prop_assert!(s[0].value >= 7.0 && s[0].value <= 35.0);
            prop_assert_eq!(Some(s[0].value), swemwbs_metric(raw));
            if raw < 35 {
                prop_assert!(swemwbs_metric(raw + 1).unwrap() > s[0].value);
            }
            let mut missing = all(&answers);
            missing[gap] = None;
            prop_assert_eq!(score(Instrument::Swemwbs, &missing), Err(ScoreError::Incomplete));
        }

        /// Every score of every questionnaire lies within its measure's range, whatever
        /// answers on the scales are given.
        #[test]
        fn scores_lie_within_their_ranges(seed in proptest::collection::vec(any::<u8>(), 14), skip in any::<u16>()) {
            for instrument in Instrument::ALL {
                let items = instrument.items();
                let answers: Vec<Option<u8>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let choices = item.scale.0;
                        (skip >> i & 1 == 0).then(|| choices[usize::from(seed[i]) % choices.len()].0)
                    })
                    .collect();
                let measures = instrument.measures();
                if let Ok(scored) = score(instrument, &answers) {
                    for s in scored {
                        let m = measures.iter().find(|m| m.key == s.measure).expect("a measure it gives");
                        prop_assert!(s.value >= m.range.0 && s.value <= m.range.1, "{} {}", s.measure, s.value);
                    }
                }
            }
        }
    }
}
