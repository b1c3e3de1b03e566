//! Social prescriptions (a person connected to a service, and what came of it) and unmet
//! needs (what the person needed and the directory did not have).

use jiff::civil::Date;
use serde::Deserialize;

use crate::ServiceId;
use crate::people::Postcode;
use crate::people::person::optional;
use crate::referrals::Need;
use crate::validation::{ValidationErrors, optional_text, required_text};

vocabulary!(
    /// How the person was connected to the service.
    PrescriptionKind, "Select how you connected the person to it" {
        Signposted => "signposted", "Signposted (gave them the details)";
        Referred => "referred", "Referred (contacted the service for them)";
        Accompanied => "accompanied", "Accompanied to the first session";
    }
);

vocabulary!(
    /// What came of a social prescription.
    PrescriptionOutcome, "Select what happened" {
        Started => "started", "Started going";
        Attending6Weeks => "attending_6_weeks", "Still attending at 6 weeks";
        DidNotStart => "did_not_start", "Did not start";
        ServiceFull => "service_full", "Service was full";
        ServiceClosed => "service_closed", "Service had closed";
    }
);

impl PrescriptionOutcome {
    /// Whether the prescription still needs following up after this outcome.
    pub fn is_final(self) -> bool {
        self != PrescriptionOutcome::Started
    }
}

/// When a prescription should next be followed up: two weeks after it was made to see
/// whether the person started, six weeks after to see whether they are still going, and
/// never once it has a final outcome.
pub fn follow_up_due(prescribed_on: Date, outcome: Option<PrescriptionOutcome>) -> Option<Date> {
    let days = match outcome {
        None => 14,
        Some(PrescriptionOutcome::Started) => 42,
        Some(_) => return None,
    };
    prescribed_on.checked_add(jiff::Span::new().days(days)).ok()
}

#[derive(Debug, Clone, Default)]
pub struct PrescriptionFields {
    pub service_id: String,
    /// When they were connected: three boxes on the page, ISO 8601 in the API; today if
    /// left empty.
    pub date: crate::time::DateEntry,
    pub kind: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriptionInput {
    pub service_id: ServiceId,
    pub date: Date,
    pub kind: PrescriptionKind,
    pub notes: String,
}

impl PrescriptionInput {
    /// A prescription may be recorded after the event, but not for a future date.
    pub fn parse(f: &PrescriptionFields, today: Date) -> Result<PrescriptionInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let service_id = e.check(
            "service_id",
            f.service_id.trim().parse::<ServiceId>().map_err(|_| "Select the service from the directory"),
        );
        let date = e.check("date", crate::time::optional_civil_date(&f.date)).map(|d| d.unwrap_or(today));
        if date.is_some_and(|d| d > today) {
            e.add("date", "The date must be today or in the past");
        }
        let kind = e.check("kind", PrescriptionKind::parse(&f.kind));
        let notes = e.check("notes", optional_text("Notes", &f.notes, 2000));
        match (service_id, date, kind, notes) {
            (Some(service_id), Some(date), Some(kind), Some(notes)) if e.is_empty() => {
                Ok(PrescriptionInput { service_id, date, kind, notes })
            }
            _ => Err(e),
        }
    }
}

/// Recording an outcome: what happened, when, and for "did not start" why.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutcomeFields {
    pub outcome: String,
    pub reason: String,
}

impl OutcomeFields {
    pub fn parse(&self) -> Result<(PrescriptionOutcome, String), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let outcome = e.check("outcome", PrescriptionOutcome::parse(&self.outcome));
        let reason = match outcome {
            Some(PrescriptionOutcome::DidNotStart) => {
                e.check("reason", required_text("why they did not start", &self.reason, 1000))
            }
            _ => e.check("reason", optional_text("Reason", &self.reason, 1000)),
        };
        match (outcome, reason) {
            (Some(o), Some(r)) if e.is_empty() => Ok((o, r)),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UnmetNeedFields {
    pub need: String,
    pub area: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetNeedInput {
    pub need: Need,
    /// A postcode district or a place name. A full postcode is cut to its district: the
    /// gap report is about areas, and a full postcode can point at a household.
    pub area: String,
    pub notes: String,
}

impl UnmetNeedInput {
    pub fn parse(f: &UnmetNeedFields) -> Result<UnmetNeedInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let need = e.check("need", Need::parse(&f.need));
        let area =
            e.check("area", required_text("the area, like a postcode district (LS8) or a place name", &f.area, 100));
        let area = area.map(|a| match optional(&a, Postcode::parse) {
            Ok(Some(p)) => p.outward().to_owned(),
            _ => a,
        });
        let notes = e.check("notes", optional_text("Notes", &f.notes, 2000));
        match (need, area, notes) {
            (Some(need), Some(area), Some(notes)) if e.is_empty() => Ok(UnmetNeedInput { need, area, notes }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn follow_ups_fall_due_at_two_then_six_weeks() {
        let d = date(2026, 11, 3);
        assert_eq!(follow_up_due(d, None), Some(date(2026, 11, 17)));
        assert_eq!(follow_up_due(d, Some(PrescriptionOutcome::Started)), Some(date(2026, 12, 15)));
        for o in PrescriptionOutcome::ALL.iter().copied().filter(|o| o.is_final()) {
            assert_eq!(follow_up_due(d, Some(o)), None);
        }
    }

    #[test]
    fn prescriptions_outcomes_and_unmet_needs_validate() {
        let today = date(2026, 11, 23);
        let f = PrescriptionFields {
            service_id: ServiceId::new().to_string(),
            kind: "referred".into(),
            ..Default::default()
        };
        assert_eq!(PrescriptionInput::parse(&f, today).map(|p| p.date), Ok(today));
        let e = PrescriptionInput::parse(
            &PrescriptionFields { date: crate::time::DateEntry::boxes("1", "1", "2030"), ..Default::default() },
            today,
        )
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["service_id", "date", "kind"]);
        let e = OutcomeFields { outcome: "did_not_start".into(), reason: String::new() }.parse().unwrap_err();
        assert_eq!(e.for_field("reason"), Some("Enter why they did not start"));
        assert_eq!(
            OutcomeFields { outcome: "started".into(), reason: String::new() }.parse(),
            Ok((PrescriptionOutcome::Started, String::new()))
        );
        let u = UnmetNeedInput::parse(&UnmetNeedFields {
            need: "bereavement".into(),
            area: "ls8 2hh".into(),
            notes: String::new(),
        })
        .unwrap();
        assert_eq!(u.area, "LS8");
        let u = UnmetNeedInput::parse(&UnmetNeedFields {
            need: "bereavement".into(),
            area: "Seacroft".into(),
            notes: String::new(),
        })
        .unwrap();
        assert_eq!(u.area, "Seacroft");
    }
}
