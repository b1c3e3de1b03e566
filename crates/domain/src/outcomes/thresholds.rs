//! The meaningful-change thresholds of the built-in questionnaires' measures, as an
//! organisation sets them. A report's "improved" share counts the pairs whose change is
//! at least the threshold, so the figure a commissioner is shown depends on it: the
//! published defaults (SWEMWBS 3, from PRODUCT.md §6) are where teams start, and a team
//! that has agreed another with its commissioner sets it here. An own questionnaire keeps
//! its threshold in its definition instead, versioned with it.

use std::collections::BTreeMap;

use super::instruments::{Instrument, Measure};
use super::own::two_places;
use crate::validation::ValidationErrors;

/// The thresholds an organisation has set, by measure key; a measure not here keeps its
/// published default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeaningfulChanges(BTreeMap<String, f64>);

/// A built-in measure a threshold can be set for: one with a published default (the
/// Friends and Family Test and GP appointments are reported as shares and pairs, never
/// as "improved").
pub fn settable() -> Vec<(Instrument, Measure)> {
    Instrument::ALL
        .iter()
        .flat_map(|i| i.measures().into_iter().map(move |m| (*i, m)))
        .filter(|(_, m)| m.meaningful_change.is_some())
        .collect()
}

impl MeaningfulChanges {
    /// Check each measure's typed threshold (`key`, text): blank keeps the default;
    /// otherwise a number more than 0, at most the measure's whole range, to at most two
    /// places. A key that is not a settable measure is named as an error too.
    pub fn parse<'a>(
        typed: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<MeaningfulChanges, ValidationErrors> {
        let measures = settable();
        let mut e = ValidationErrors::default();
        let mut set = BTreeMap::new();
        // Never more errors than there are measures, however many were sent.
        let typed: Vec<(&str, &str)> = typed.into_iter().take(measures.len() + 1).collect();
        if typed.len() > measures.len() {
            let why = format!("Send at most {} thresholds, one for each built-in measure", measures.len());
            return Err(ValidationErrors::single("thresholds", why));
        }
        for (key, raw) in typed {
            let Some((_, m)) = measures.iter().find(|(_, m)| m.key == key) else {
                e.add(key, "There is no built-in measure with this name whose threshold can be set");
                continue;
            };
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let span = m.range.1 - m.range.0;
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 && v <= span && two_places(v) => {
                    set.insert(m.key.to_string(), v);
                }
                _ => e.add(
                    key,
                    format!(
                        "Enter the meaningful change for {} as a number more than 0 and at most {span}, to at most two decimal places",
                        m.label
                    ),
                ),
            }
        }
        e.into_result().map(|()| MeaningfulChanges(set))
    }

    /// The thresholds as stored, trusted: a key or value no longer valid is dropped, so the
    /// published default applies.
    pub fn from_stored(rows: impl IntoIterator<Item = (String, f64)>) -> MeaningfulChanges {
        let measures = settable();
        MeaningfulChanges(
            rows.into_iter()
                .filter(|(k, v)| {
                    measures.iter().any(|(_, m)| m.key == k.as_str() && *v > 0.0 && *v <= m.range.1 - m.range.0)
                })
                .collect(),
        )
    }

    /// The threshold set for `key`, if any.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.get(key).copied()
    }

    /// Every threshold set, by measure key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// `measures` of a built-in questionnaire with these thresholds in place of the
    /// published ones.
    pub fn apply(&self, mut measures: Vec<Measure>) -> Vec<Measure> {
        for m in &mut measures {
            if let (Some(v), Some(_)) = (self.get(&m.key), m.meaningful_change) {
                m.meaningful_change = Some(v);
            }
        }
        measures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_keeps_the_default_and_a_number_replaces_it() {
        let t = MeaningfulChanges::parse([("swemwbs", "2.5"), ("ucla3", " "), ("life_satisfaction", "2")]).unwrap();
        assert_eq!(t.iter().collect::<Vec<_>>(), [("life_satisfaction", 2.0), ("swemwbs", 2.5)]);
        let swemwbs = t.apply(Instrument::Swemwbs.measures());
        assert_eq!(swemwbs[0].meaningful_change, Some(2.5));
        assert_eq!(t.apply(Instrument::Ucla3.measures())[0].meaningful_change, Some(1.0));
        // A measure without a threshold never gains one.
        let fft = MeaningfulChanges::from_stored([("fft_positive".to_string(), 0.5)]);
        assert_eq!(fft, MeaningfulChanges::default());
    }

    #[test]
    fn each_wrong_threshold_is_named() {
        let e = MeaningfulChanges::parse([
            ("swemwbs", "0"),
            ("anxiety", "11"),
            ("ucla3", "1.005"),
            ("gp_appointments", "2"),
        ])
        .unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["swemwbs", "anxiety", "ucla3", "gp_appointments"]);
        assert!(e.errors.iter().any(|f| f.message.contains("at most 10")), "{e:?}");
    }

    #[test]
    fn more_thresholds_than_measures_is_one_error() {
        let keys: Vec<String> = (0..100_000).map(|i| format!("m{i}")).collect();
        let e = MeaningfulChanges::parse(keys.iter().map(|k| (k.as_str(), "1"))).unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].field, "thresholds");
    }

    #[test]
    fn every_settable_measure_has_a_default_within_its_range() {
        let measures = settable();
        assert_eq!(measures.len(), 11);
        for (_, m) in measures {
            let d = m.meaningful_change.unwrap();
            assert!(d > 0.0 && d <= m.range.1 - m.range.0, "{}", m.key);
        }
    }
}
