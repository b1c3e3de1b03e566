//! A person's record over its referrals, and changing their details.

use linkwell_domain::people::PersonInput;
use linkwell_domain::{PersonId, ValidationErrors, Version};
use linkwell_store::Db;
use linkwell_store::StoreError;
use linkwell_store::caseload::{ReferralFilter, ReferralOrder, ReferralSummary};
use linkwell_store::people::Person;
use linkwell_store::practices::Practice;

use super::{CaseError, open_person};
use crate::Caller;

/// More referrals than any one person has had.
const REFERRALS_SHOWN: usize = 100;

/// What a person's page shows: their details, their practice, every referral (of the
/// record kept, when this one was merged into it), and who recorded their consents.
pub struct PersonRecord {
    pub person: Person,
    pub practice: Option<Practice>,
    pub referrals: Vec<ReferralSummary>,
    /// The name of the user who recorded the consents, while they are a user here.
    pub consents_recorded_by: Option<String>,
}

/// Open a person's record (audited as a read, for those who may see it).
pub async fn person_record(db: &Db, caller: &Caller, id: PersonId) -> Result<PersonRecord, CaseError> {
    let scope = caller.scope();
    let person = open_person(db, caller, id).await?;
    let filter = ReferralFilter { person: Some(person.merged_into.unwrap_or(person.id)), ..Default::default() };
    let referrals = db.referral_summaries(&scope, &filter, ReferralOrder::NEWEST, None, REFERRALS_SHOWN).await?.items;
    let practice = match person.practice_id {
        Some(id) => Some(db.practice(&scope, id).await?),
        None => None,
    };
    let consents_recorded_by = match person.consents_recorded_by.as_deref().and_then(|id| id.parse().ok()) {
        Some(id) => db.user(&scope, id).await.ok().map(|u| u.display_name),
        None => None,
    };
    Ok(PersonRecord { person, practice, referrals, consents_recorded_by })
}

/// Change the details and consents of a person the caller opened (`open_person`) if the
/// record is still at `version` (a stale
/// one is `Store(Conflict)`). The practice must be the organisation's, and an NHS number
/// another person here holds is refused: the two records are merged instead. Errors name
/// the fields with `prefix` (`person.` in the API's body).
pub async fn update_person(
    db: &Db,
    caller: &Caller,
    person: &Person,
    version: Version,
    input: Result<PersonInput, ValidationErrors>,
    prefix: &str,
) -> Result<Person, CaseError> {
    let mut errors = ValidationErrors::new();
    let input = input.map_err(|e| errors.errors.extend(e.errors)).ok();
    let practice = input.as_ref().and_then(|i| i.practice_id);
    crate::users::check_practice_into(db, &caller.scope(), practice, &format!("{prefix}practice_id"), &mut errors)
        .await?;
    let Some(input) = input.filter(|_| errors.is_empty()) else {
        return Err(CaseError::Invalid(errors));
    };
    match db.update_person(&caller.scope(), &caller.actor(), person.id, version, &input).await {
        Err(StoreError::Duplicate { .. }) => Err(CaseError::Invalid(ValidationErrors::single(
            &format!("{prefix}nhs_number"),
            "Another person in this organisation has this NHS number: merge the records instead",
        ))),
        other => Ok(other?),
    }
}
