//! What a report covers: a period of days (inclusive, on the London calendar) and, if
//! chosen, one programme, practice or link worker. Every field is checked at once and
//! each wrong one named.

use jiff::civil::Date;

use crate::ValidationErrors;
use crate::ids::{PracticeId, ProgrammeId, UserId};

/// The longest period a report covers: ten years.
pub const MAX_DAYS: i32 = 3_653;

/// A report's filters as typed (a form's or a query string's).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReportFields {
    /// ISO 8601 (`2026-04-01`); empty: the start of the funding period of the programme
    /// chosen, else of the financial year.
    pub from: String,
    /// ISO 8601; empty: the end of the programme's funding period, else today.
    pub to: String,
    pub programme: String,
    pub practice: String,
    pub worker: String,
}

/// What a report covers, valid by construction: `from` on or before `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFilter {
    pub from: Date,
    pub to: Date,
    pub programme: Option<ProgrammeId>,
    pub practice: Option<PracticeId>,
    pub worker: Option<UserId>,
}

/// The 1 April on or before `day`: the start of its financial year.
pub fn financial_year_start(day: Date) -> Date {
    let year = if day.month() >= 4 { day.year() } else { day.year() - 1 };
    jiff::civil::date(year, 4, 1)
}

fn id<T: std::str::FromStr>(e: &mut ValidationErrors, field: &str, raw: &str, what: &str) -> Option<T> {
    match raw.trim() {
        "" => None,
        v => e.check(field, v.parse::<T>().map_err(|_| format!("Choose a {what} from the list"))),
    }
}

fn day(e: &mut ValidationErrors, field: &str, raw: &str) -> Option<Option<Date>> {
    match raw.trim() {
        "" => Some(None),
        v => e.check(field, v.parse::<Date>().map(Some).map_err(|_| "Enter a date like 2026-04-01")),
    }
}

impl ReportFilter {
    /// Check `f` on `today`; `funding` is the chosen programme's funding period, if it has
    /// one, for dates left empty.
    pub fn parse(
        f: &ReportFields,
        today: Date,
        funding: Option<(Date, Date)>,
    ) -> Result<ReportFilter, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let from = day(&mut e, "from", &f.from);
        let to = day(&mut e, "to", &f.to);
        let programme = id(&mut e, "programme", &f.programme, "programme");
        let practice = id(&mut e, "practice", &f.practice, "practice");
        let worker = id(&mut e, "worker", &f.worker, "link worker");
        e.into_result()?;
        let (Some(from), Some(to)) = (from, to) else { return Err(ValidationErrors::single("from", "Enter a date")) };
        let from = from.or(funding.map(|(f, _)| f)).unwrap_or_else(|| financial_year_start(today));
        let to = to.or(funding.map(|(_, t)| t)).unwrap_or(today);
        if to < from {
            return Err(ValidationErrors::single("to", "The end of the period must be on or after its start"));
        }
        if (to - from).get_days() > MAX_DAYS {
            return Err(ValidationErrors::single("to", "Choose a period of ten years or less"));
        }
        Ok(ReportFilter { from, to, programme, practice, worker })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn empty_dates_take_the_funding_period_else_the_financial_year() {
        let today = date(2027, 2, 10);
        let f = ReportFilter::parse(&ReportFields::default(), today, None).unwrap();
        assert_eq!((f.from, f.to), (date(2026, 4, 1), today));
        let funded = Some((date(2025, 7, 1), date(2026, 6, 30)));
        let f = ReportFilter::parse(&ReportFields::default(), today, funded).unwrap();
        assert_eq!((f.from, f.to), (date(2025, 7, 1), date(2026, 6, 30)));
        let mid = ReportFields { from: "2026-01-01".into(), ..Default::default() };
        assert_eq!(ReportFilter::parse(&mid, today, funded).unwrap().from, date(2026, 1, 1), "a date given wins");
        assert_eq!(financial_year_start(date(2026, 3, 31)), date(2025, 4, 1));
    }

    #[test]
    fn each_wrong_field_is_named() {
        let bad = ReportFields {
            from: "01/04/2026".into(),
            to: "soon".into(),
            programme: "x".into(),
            practice: "y".into(),
            worker: "z".into(),
        };
        let e = ReportFilter::parse(&bad, date(2027, 1, 1), None).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["from", "to", "programme", "practice", "worker"]);
        let backwards = ReportFields { from: "2026-05-01".into(), to: "2026-04-01".into(), ..Default::default() };
        assert!(ReportFilter::parse(&backwards, date(2027, 1, 1), None).unwrap_err().for_field("to").is_some());
        let long = ReportFields { from: "2000-01-01".into(), to: "2026-04-01".into(), ..Default::default() };
        assert!(ReportFilter::parse(&long, date(2027, 1, 1), None).unwrap_err().for_field("to").is_some());
    }
}
