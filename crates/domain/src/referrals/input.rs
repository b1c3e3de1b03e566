//! A new referral's fields, validated once for the referral form, the self-referral form,
//! the JSON API and FHIR intake.

use super::{Need, ReferralSource, Urgency};
use crate::identity::Role;
use crate::validation::ValidationErrors;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReferralFields {
    pub source: String,
    /// Need codes, one or more.
    pub needs: Vec<String>,
    pub urgency: String,
    pub risk_flags: String,
    pub safeguarding: bool,
    pub free_text: String,
    pub consent_confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralInput {
    pub source: ReferralSource,
    pub needs: Vec<Need>,
    pub urgency: Urgency,
    /// Risks the link worker must know before contact (e.g. "do not visit alone").
    pub risk_flags: String,
    pub safeguarding: bool,
    pub free_text: String,
    pub consent_confirmed: bool,
}

impl ReferralInput {
    pub fn parse(f: &ReferralFields) -> Result<ReferralInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let source = e.check("source", ReferralSource::parse(&f.source));
        let mut needs = Vec::new();
        for n in &f.needs {
            match Need::parse(n) {
                Ok(n) if !needs.contains(&n) => needs.push(n),
                Ok(_) => {}
                Err(m) => {
                    e.add("needs", m);
                    break;
                }
            }
        }
        if f.needs.is_empty() {
            e.add("needs", "Select at least one reason for the referral");
        }
        let urgency = e.check("urgency", Urgency::parse(&f.urgency));
        if f.risk_flags.chars().count() > 1000 {
            e.add("risk_flags", "Risks must be 1000 characters or fewer");
        }
        if f.free_text.chars().count() > 4000 {
            e.add("free_text", "Further information must be 4000 characters or fewer");
        }
        if !f.consent_confirmed {
            e.add("consent_confirmed", "Confirm that the person agreed to be referred");
        }
        match (source, urgency) {
            (Some(source), Some(urgency)) if e.is_empty() => Ok(ReferralInput {
                source,
                needs,
                urgency,
                risk_flags: f.risk_flags.trim().to_owned(),
                safeguarding: f.safeguarding,
                free_text: f.free_text.trim().to_owned(),
                consent_confirmed: true,
            }),
            _ => Err(e),
        }
    }

    /// As `parse`, for a referral made by someone in `role`: a source that role may not
    /// give (see [`ReferralSource::open_to`]) is treated as none chosen.
    pub fn parse_by(role: Role, f: &ReferralFields) -> Result<ReferralInput, ValidationErrors> {
        match ReferralSource::parse(&f.source) {
            Ok(source) if !source.open_to(role) => Self::parse(&ReferralFields { source: String::new(), ..f.clone() }),
            _ => Self::parse(f),
        }
    }
}

impl ReferralSource {
    /// Whether someone in `role` may say a referral came from here: a referrer refers from
    /// primary care, never as the person themselves or another agency.
    pub fn open_to(self, role: Role) -> bool {
        role != Role::Referrer || !matches!(self, ReferralSource::SelfReferral | ReferralSource::OtherAgency)
    }

    /// The sources someone in `role` may choose from, in the form's order.
    pub fn open_to_role(role: Role) -> Vec<ReferralSource> {
        ReferralSource::ALL.iter().copied().filter(|s| s.open_to(role)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referral_fields() {
        let ok = ReferralFields {
            source: "gp".into(),
            needs: vec!["loneliness".into(), "money_debt".into(), "loneliness".into()],
            urgency: "routine".into(),
            consent_confirmed: true,
            ..Default::default()
        };
        let r = ReferralInput::parse(&ok).unwrap();
        assert_eq!(r.needs, vec![Need::Loneliness, Need::MoneyDebt]);
        let e = ReferralInput::parse(&ReferralFields::default()).unwrap_err();
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["source", "needs", "urgency", "consent_confirmed"]);
        let bad = ReferralFields { needs: vec!["astrology".into()], ..ok };
        assert_eq!(ReferralInput::parse(&bad).unwrap_err().for_field("needs"), Some("Select a need from the list"));
    }
}

/// More follow-up sessions than the programme allows, for one referral, with the
/// coordinator's reason: 1 to 10 at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpExtension {
    pub extra: std::num::NonZeroU32,
    pub reason: String,
}

impl FollowUpExtension {
    /// Errors are named `extra` and `extension_reason`.
    pub fn parse(extra: &str, reason: &str) -> Result<FollowUpExtension, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let extra = e.check(
            "extra",
            extra
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=10).contains(n))
                .and_then(std::num::NonZeroU32::new)
                .ok_or("Enter how many more follow-ups, from 1 to 10"),
        );
        let reason = e.check(
            "extension_reason",
            crate::validation::required_text("the reason for more follow-ups", reason, 1000),
        );
        match (extra, reason) {
            (Some(extra), Some(reason)) if e.is_empty() => Ok(FollowUpExtension { extra, reason }),
            _ => Err(e),
        }
    }
}
