//! The person's fields of the referral forms (staff, referrers and self-referral) and the
//! person page, read from a form, with their choices.

use linkwell_domain::people::{ContactChannel, EthnicCategory, PersonFields, Sex, Voice};
use linkwell_domain::referrals::{Need, ReferralFields};
use linkwell_domain::time::DateEntry;
use minijinja::Value;
use minijinja::value::Serde;

use super::items;
use crate::error::PageError;
use crate::pages::FormPairs;
use crate::state::AppState;

pub fn person_fields(f: &FormPairs) -> PersonFields {
    PersonFields {
        nhs_number: f.get("nhs_number").into(),
        given_name: f.get("given_name").into(),
        family_name: f.get("family_name").into(),
        date_of_birth: DateEntry::boxes(f.get("dob_day"), f.get("dob_month"), f.get("dob_year")),
        sex: f.get("sex").into(),
        gender_identity: f.get("gender_identity").into(),
        ethnic_category: f.get("ethnic_category").into(),
        postcode: f.get("postcode").into(),
        address: f.get("address").into(),
        phone: f.get("phone").into(),
        email: f.get("email").into(),
        preferred_channel: f.get("preferred_channel").into(),
        access_needs: f.get("access_needs").into(),
        practice_id: f.get("practice_id").into(),
        consent_contact: f.checked("consent_contact"),
        consent_share: f.checked("consent_share"),
        consent_share_practice: f.checked("consent_share_practice"),
        consent_feedback: f.checked("consent_feedback"),
    }
}

pub fn referral_fields(f: &FormPairs) -> ReferralFields {
    ReferralFields {
        source: f.get("source").into(),
        needs: f.all("needs"),
        urgency: f.get("urgency").into(),
        risk_flags: f.get("risk_flags").into(),
        safeguarding: f.checked("safeguarding"),
        free_text: f.get("free_text").into(),
        consent_confirmed: f.checked("consent_confirmed"),
    }
}

/// The choices of the person's fields (shared with the self-referral form).
pub async fn person_choices(
    state: &AppState,
    scope: &linkwell_store::OrgScope,
    form: &FormPairs,
    fixed_practice: Option<linkwell_domain::PracticeId>,
    voice: linkwell_domain::people::Voice,
) -> Result<Value, PageError> {
    let practices = state.db.practices_by_name(scope).await?;
    let one = |name: &str| vec![form.get(name).to_owned()];
    let fixed = fixed_practice.and_then(|id| practices.iter().find(|pr| pr.id == id)).cloned();
    let mut practice_items = vec![minijinja::context! { value => "", text => "Choose a practice" }];
    practice_items.extend(items(practices.iter().map(|pr| (pr.id.to_string(), pr.name.as_str())), &one("practice_id")));
    let mut ethnic = vec![minijinja::context! { value => "", text => "Not recorded" }];
    ethnic.extend(items(EthnicCategory::ALL.iter().map(|e| (e.code(), e.label())), &one("ethnic_category")));
    let consented: Vec<String> = ["consent_contact", "consent_share", "consent_share_practice", "consent_feedback"]
        .iter()
        .filter(|c| form.checked(c))
        .map(|c| c.to_string())
        .collect();
    Ok(minijinja::context! {
        form => form.values(),
        sexes => items(Sex::ALL.iter().map(|s| (s.code(), s.label())), &one("sex")),
        channels => items(ContactChannel::ALL.iter().map(|c| (c.code(), c.label())), &one("preferred_channel")),
        ethnic_categories => ethnic,
        consents => items(match voice {
            Voice::Staff => [
                ("consent_contact", "They agree to be contacted by the service"),
                ("consent_share", "They agree that their details can be shared with community services they are referred to"),
                ("consent_share_practice", "They agree that a summary of their support can be shared with their GP practice"),
                ("consent_feedback", "They agree to be asked for feedback"),
            ],
            Voice::Themselves => [
                ("consent_contact", "I agree to be contacted by the service"),
                ("consent_share", "I agree that my details can be shared with community services I am referred to"),
                ("consent_share_practice", "I agree that a summary of my support can be shared with my GP practice"),
                ("consent_feedback", "I agree to be asked for feedback"),
            ],
        }, &consented),
        practices => practice_items,
        fixed_practice => Serde(fixed),
        needs => items(Need::ALL.iter().map(|n| (n.code(), n.label())), &form.all("needs")),
    })
}
