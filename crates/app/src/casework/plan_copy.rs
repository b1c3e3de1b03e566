//! A version of the personalised care and support plan as a document for the person to
//! take home (the PDF download): the plan as agreed, whose it is, who agreed it with them,
//! and the groups and services they are connected to — what the plan page shows.

use linkwell_domain::documents::Document;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::NhsNumber;
use linkwell_domain::plans::PlanCopy;
use linkwell_domain::time::{display_london, display_london_date, from_millis};
use linkwell_store::Db;

use super::{CaseError, open_case};
use crate::Caller;

/// Version `version` of the case's plan (the case opened, and so audited, as its page
/// is); a version that does not exist is not found.
pub async fn plan_copy(db: &Db, caller: &Caller, id: ReferralId, version: i64) -> Result<Document, CaseError> {
    let scope = caller.scope();
    let r = open_case(db, caller, id).await?;
    let versions = db.plan_versions(&scope, r.id).await?;
    let shown = versions.into_iter().find(|v| v.version == version).ok_or(CaseError::NotFound)?;
    let person = db.person(&scope, r.person_id).await?;
    let organisation = db.organisation(&scope).await?;
    let agreed_with = match &shown.saved_by {
        Some(id) => db.users_by_ids(&scope, std::slice::from_ref(id)).await?.into_iter().next().map(|u| u.display_name),
        None => None,
    };
    let connections: Vec<String> = db
        .prescriptions_for_referral(&scope, r.id)
        .await?
        .iter()
        .map(|rx| {
            let outcome = rx.outcome.map(|o| format!("; {}", o.label().to_lowercase())).unwrap_or_default();
            let on = display_london_date(rx.prescribed_on);
            format!("{}: {}, {on}{outcome}", rx.service_name, rx.kind.label().to_lowercase())
        })
        .collect();
    let name = format!("{} {}", person.given_name, person.family_name);
    let nhs_number = person.nhs_number.as_deref().and_then(|n| NhsNumber::parse(n, true).ok()).map(|n| n.to_string());
    let agreed = display_london(from_millis(shown.saved_at));
    Ok(shown.plan.document(&PlanCopy {
        organisation: &organisation.name,
        person_name: &name,
        nhs_number: nhs_number.as_deref(),
        date_of_birth: person.date_of_birth,
        version: shown.version,
        agreed: &agreed,
        agreed_with: agreed_with.as_deref(),
        connections: &connections,
    }))
}

/// The name a downloaded copy of version `version` is saved under (no name or number of
/// the person in it: downloads folders are shared and synced).
pub fn plan_copy_filename(version: i64) -> String {
    format!("care-and-support-plan-version-{version}.pdf")
}
