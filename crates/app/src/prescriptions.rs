//! Social prescribing: connecting a person to a listing and following it up, when the
//! person is free (what suggestions are matched against), and the unmet needs recorded
//! when nothing suitable exists. Pages and the API call these; each opens the case first,
//! so a link worker reaches only their own.

use std::collections::BTreeSet;

use linkwell_domain::directory::{PrescriptionInput, PrescriptionOutcome, UnmetNeedInput, WeekSlot};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_domain::{PrescriptionId, ValidationErrors, Version};
use linkwell_store::Db;
use linkwell_store::directory::{Prescription, UnmetNeed};
use linkwell_store::people::Person;
use linkwell_store::referrals::Referral;

use crate::Caller;
use crate::casework::{CaseError, open_case};

/// Whether a referral is open for connecting the person to services.
pub fn open_for_prescribing(status: &ReferralStatus) -> bool {
    matches!(status, ReferralStatus::Accepted | ReferralStatus::Contacting { .. } | ReferralStatus::Active)
}

/// Record that the person on this case (opened by the caller with `open_case`) was
/// connected to a listing: only while the case is open, only to this organisation's listings, and only to one that can be offered now
/// (running and not full). Refusals name `service_id`.
pub async fn prescribe(
    db: &Db,
    caller: &Caller,
    referral: &Referral,
    input: &PrescriptionInput,
) -> Result<Prescription, CaseError> {
    let refuse = |m: String| CaseError::Invalid(ValidationErrors::single("service_id", m));
    if !open_for_prescribing(&referral.status) {
        return Err(refuse(
            "This referral is not open: people are connected to services while their referral is open".into(),
        ));
    }
    let Some(service) = db.services_by_ids(&caller.scope(), &[input.service_id]).await?.pop() else {
        return Err(refuse("Select the service from the directory".into()));
    };
    if !service.is_offered() {
        let why = if service.full { "full" } else { service.status.label() };
        return Err(refuse(format!(
            "{} is {} at the moment: choose another service",
            service.name,
            why.to_lowercase()
        )));
    }
    Ok(db.record_prescription(&caller.scope(), &caller.actor(), referral.id, referral.person_id, input).await?)
}

/// A prescription and its case, for those who work the case.
pub async fn open_prescription(
    db: &Db,
    caller: &Caller,
    id: PrescriptionId,
) -> Result<(Prescription, Referral), CaseError> {
    let rx = db.prescription(&caller.scope(), id).await?;
    let referral = open_case(db, caller, rx.referral_id).await?;
    Ok((rx, referral))
}

/// Record how a prescription (opened by the caller with [`open_prescription`]) is going,
/// if it is still at `version`, and not before the service could have run: the first
/// meeting on or after the day of the connection is read from the listing's schedule
/// (none when its times are not known, or it has gone from the directory).
pub async fn record_outcome(
    db: &Db,
    caller: &Caller,
    rx: &Prescription,
    version: Version,
    outcome: PrescriptionOutcome,
    reason: &str,
) -> Result<Prescription, CaseError> {
    let scope = caller.scope();
    let service = db.services_by_ids(&scope, &[rx.service_id]).await?.pop();
    let first_meeting = service.and_then(|s| s.next_date(rx.prescribed_on));
    let today = crate::today();
    Ok(db
        .record_prescription_outcome(&scope, &caller.actor(), rx.id, version, outcome, reason, today, first_meeting)
        .await?)
}

/// Record a need nothing in the directory meets, from a case (which the caller must work)
/// or on its own.
pub async fn record_unmet_need(
    db: &Db,
    caller: &Caller,
    referral: Option<ReferralId>,
    input: &UnmetNeedInput,
) -> Result<UnmetNeed, CaseError> {
    let referral = match referral {
        Some(id) => Some(open_case(db, caller, id).await?.id),
        None => None,
    };
    Ok(db.record_unmet_need(&caller.scope(), &caller.actor(), referral, input).await?)
}

/// Record when the person (opened by the caller with `open_person`) is free, if their
/// record is still at `version`.
pub async fn set_free_times(
    db: &Db,
    caller: &Caller,
    person: &Person,
    version: Version,
    slots: &BTreeSet<WeekSlot>,
) -> Result<Person, CaseError> {
    Ok(db.set_free_times(&caller.scope(), &caller.actor(), person.id, version, slots).await?)
}
