//! The social prescribing minimum dataset extract: one row a referral, with the data items
//! of the PRSB Social Prescribing Information Standard that a commissioner's dataset asks
//! for — who (pseudonymised: no name, NHS number, date of birth or full postcode), what
//! they were referred for, the support given, and their outcomes at baseline and latest.
//! A pseudonym is the same for the same person in every extract of one organisation, so
//! returning people can be counted, and says nothing of them to anyone else.

use jiff::civil::Date;
use sha2::{Digest, Sha256};

/// The measures whose baseline and latest score each row carries, in column order.
pub const MEASURES: [&str; 10] = [
    "swemwbs",
    "wemwbs",
    "life_satisfaction",
    "worthwhile",
    "happiness",
    "anxiety",
    "ucla3",
    "lonely",
    "gp_appointments",
    "fft_positive",
];

/// A stable pseudonym of record `id` of `kind` in `organisation`: 16 hex digits of a
/// SHA-256 no one outside can recompute without the record's own id.
pub fn pseudonym(organisation: &str, kind: &str, id: &str) -> String {
    let digest = Sha256::digest(format!("linkwell-dataset\u{0}{organisation}\u{0}{kind}\u{0}{id}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The age band of someone born on `born`, on `on`, as the dataset gives ages.
pub fn age_band(born: Date, on: Date) -> &'static str {
    let mut age = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    match age {
        ..=17 => "0-17",
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        65..=74 => "65-74",
        75..=84 => "75-84",
        _ => "85+",
    }
}

/// One referral's row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetRow {
    pub person: String,
    pub referral: String,
    pub age_band: String,
    pub sex: String,
    pub ethnic_category: String,
    pub practice_code: String,
    pub postcode_district: String,
    pub received_on: String,
    pub source: String,
    /// Need codes, `;`-separated.
    pub needs: String,
    pub status: String,
    pub first_contact_on: String,
    pub first_session_on: String,
    pub sessions_attended: u64,
    pub signposted: u64,
    pub referred: u64,
    pub accompanied: u64,
    pub connections_started: u64,
    pub discharged_on: String,
    pub discharge_reason: String,
    /// Per [`MEASURES`], the baseline and latest later score.
    pub outcomes: Vec<(Option<f64>, Option<f64>)>,
}

impl DatasetRow {
    /// The header, in the order [`DatasetRow::cells`] gives.
    pub fn header() -> Vec<String> {
        let mut h: Vec<String> = [
            "person_pseudonym",
            "referral_pseudonym",
            "age_band",
            "sex",
            "ethnic_category",
            "gp_practice_code",
            "postcode_district",
            "referral_received_date",
            "referral_source",
            "reasons_for_referral",
            "referral_status",
            "first_contact_date",
            "first_session_date",
            "sessions_attended",
            "signposted",
            "referred",
            "accompanied",
            "connections_started",
            "discharge_date",
            "discharge_reason",
        ]
        .map(str::to_owned)
        .to_vec();
        for m in MEASURES {
            h.push(format!("{m}_baseline"));
            h.push(format!("{m}_latest"));
        }
        h
    }

    pub fn cells(&self) -> Vec<String> {
        let score = |v: &Option<f64>| v.map(crate::outcomes::scoring::score_text).unwrap_or_default();
        let mut c = vec![
            self.person.clone(),
            self.referral.clone(),
            self.age_band.clone(),
            self.sex.clone(),
            self.ethnic_category.clone(),
            self.practice_code.clone(),
            self.postcode_district.clone(),
            self.received_on.clone(),
            self.source.clone(),
            self.needs.clone(),
            self.status.clone(),
            self.first_contact_on.clone(),
            self.first_session_on.clone(),
            self.sessions_attended.to_string(),
            self.signposted.to_string(),
            self.referred.to_string(),
            self.accompanied.to_string(),
            self.connections_started.to_string(),
            self.discharged_on.clone(),
            self.discharge_reason.clone(),
        ];
        for i in 0..MEASURES.len() {
            let (b, l) = self.outcomes.get(i).copied().unwrap_or((None, None));
            c.push(score(&b));
            c.push(score(&l));
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn ages_are_banded_on_the_day() {
        let born = date(1960, 6, 15);
        assert_eq!(age_band(born, date(2025, 6, 14)), "55-64", "64 the day before");
        assert_eq!(age_band(born, date(2025, 6, 15)), "65-74");
        assert_eq!(age_band(date(2010, 1, 1), date(2026, 1, 1)), "0-17");
        assert_eq!(age_band(date(1930, 1, 1), date(2026, 1, 1)), "85+");
    }

    #[test]
    fn pseudonyms_are_stable_and_tell_nothing_apart() {
        let a = pseudonym("org", "person", "p1");
        assert_eq!(a, pseudonym("org", "person", "p1"));
        assert_eq!(a.len(), 16);
        assert_ne!(a, pseudonym("other", "person", "p1"), "another organisation's differs");
        assert_ne!(a, pseudonym("org", "referral", "p1"));
        let row = DatasetRow { outcomes: vec![(Some(17.43), Some(20.73))], ..Default::default() };
        let cells = row.cells();
        assert_eq!(cells.len(), DatasetRow::header().len());
        assert_eq!((cells[20].as_str(), cells[21].as_str(), cells[22].as_str()), ("17.43", "20.73", ""));
    }
}
