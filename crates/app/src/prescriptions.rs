//! Social prescribing: suggestions that fit the person, connecting them to a listing and
//! following it up, when the person is free and what applies to them (what suggestions
//! are matched against), and the unmet needs recorded
//! when nothing suitable exists. Pages and the API call these; each opens the case first,
//! so a link worker reaches only their own.

use std::collections::BTreeSet;

use linkwell_domain::directory::{
    Audience, Distance, Fit, Offer, PrescriptionInput, PrescriptionOutcome, Seeker, Term, UnmetNeedInput, WeekSlot,
    age_on, rank, reasons,
};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::Postcode;
use linkwell_domain::referrals::Need;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_domain::{PrescriptionId, ValidationErrors, Version};
use linkwell_store::Db;
use linkwell_store::directory::Located;
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
/// (running and not full). Refusals name `service_id`. A prescription to one of the
/// team's groups also signs the person up to it (links in its message start with
/// `base_url`).
pub async fn prescribe(
    db: &Db,
    caller: &Caller,
    referral: &Referral,
    input: &PrescriptionInput,
    base_url: &str,
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
    let rx = db.record_prescription(&caller.scope(), &caller.actor(), referral.id, referral.person_id, input).await?;
    // A prescription to one of the team's own groups signs the person up to it.
    let person = db.person(&caller.scope(), referral.person_id).await?;
    // The prescription stands either way: a sign-up that fails is told in the log, and the
    // team adds them from the group's page.
    if let Err(e) = crate::groups::members::prescribed(db, caller, service.id, &person, rx.id, base_url).await {
        tracing::warn!(error = %e, "a prescription to a group could not sign the person up");
    }
    Ok(rx)
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

/// Record when the person (opened by the caller with `open_person`) is free and, if given,
/// their circumstances, if their record is still at `version`.
pub async fn set_free_times(
    db: &Db,
    caller: &Caller,
    person: &Person,
    version: Version,
    slots: &BTreeSet<WeekSlot>,
    circumstances: Option<&BTreeSet<Audience>>,
) -> Result<Person, CaseError> {
    Ok(db
        .set_free_times_and_circumstances(&caller.scope(), &caller.actor(), person.id, version, slots, circumstances)
        .await?)
}

/// How many suggestions a person's page shows.
pub const SUGGESTIONS: usize = 10;
/// How many listings the search hands over to be judged: eligibility and ranking are
/// decided here, over more than are shown, so that listings left out still leave ten.
const CANDIDATES: usize = 200;

/// One listing suggested for a person, with why.
pub struct Suggestion {
    pub service: linkwell_store::directory::Service,
    pub fit: Fit,
    pub reasons: Vec<String>,
}

/// What suggestions were made from, and what they are.
pub struct Suggestions {
    /// Best first; none the person is ineligible for.
    pub items: Vec<Suggestion>,
    /// The needs on their open referrals and plans.
    pub needs: Vec<Need>,
    /// Their newest open referral, which a suggestion is prescribed on.
    pub referral: Option<ReferralId>,
    /// Whether their postcode was found (distances are measured from it).
    pub located: bool,
}

/// Suggested listings for a person the caller opened: offered (running, not full), for
/// their needs, when they are free, within `miles` of their postcode; never one they are
/// not eligible for (age, or who it is only for); ranked by needs met, then fit to their
/// free times, then distance — each with the reasons it matched.
pub async fn suggestions(
    db: &Db,
    index: &std::sync::Arc<linkwell_search::DirectoryIndex>,
    caller: &Caller,
    person: &Person,
    miles: f64,
) -> Result<Suggestions, crate::directory::search::SyncError> {
    let scope = caller.scope();
    let today = crate::today();
    let filter = linkwell_store::caseload::ReferralFilter { person: Some(person.id), ..Default::default() };
    let referrals =
        db.referral_summaries(&scope, &filter, linkwell_store::caseload::ReferralOrder::NEWEST, None, 50).await?;
    let open: Vec<_> = referrals.items.iter().filter(|r| open_for_prescribing(&r.status)).collect();
    let mut needs: Vec<Need> = open.iter().flat_map(|r| r.needs.iter().copied()).collect();
    for r in &open {
        if let Some(plan) = db.current_plan(&scope, r.id).await? {
            needs.extend(plan.plan.needs.iter().filter_map(|n| Need::parse(n).ok()));
        }
    }
    needs.sort();
    needs.dedup();
    let located = match person.postcode.as_deref().map(Postcode::parse) {
        Some(Ok(pc)) => db.locate_postcode(&pc).await?,
        _ => None,
    };
    let seeker = Seeker {
        needs: needs.clone(),
        free: person.free_times.iter().copied().collect(),
        age: Some(age_on(person.date_of_birth, today)),
        sex: Some(person.sex),
        circumstances: person.circumstances.clone(),
    };
    let query = linkwell_search::SearchQuery {
        terms: needs.iter().map(|n| Term::Need(*n)).collect(),
        // Not a filter: a listing at another time still ranks, after those that fit.
        age: seeker.age,
        near: located.map(Located::point),
        within_miles: located.map(|_| miles),
        offered_only: true,
        limit: CANDIDATES,
        ..Default::default()
    };
    let found = crate::directory::search::find(db, index, &scope, query).await?;
    let from_district = matches!(located, Some(Located::District(_)));
    let judged: Vec<((linkwell_store::directory::Service, Vec<String>), Fit)> = found
        .into_iter()
        .filter_map(|f| {
            let s = f.service;
            let slots = s.week_slots(today);
            let offer = Offer {
                terms: &s.terms,
                slots: &slots,
                cost: &s.cost,
                minimum_age: s.minimum_age,
                maximum_age: s.maximum_age,
                wheelchair: s.wheelchair,
            };
            let fit = Fit::of(&seeker, offer, f.miles).ok()?;
            let distance = f.miles.map(|m| Distance { miles: m, from_district });
            let why = reasons(&seeker, offer, distance);
            Some(((s, why), fit))
        })
        .collect();
    let items = rank(judged)
        .into_iter()
        .take(SUGGESTIONS)
        .map(|((service, reasons), fit)| Suggestion { service, fit, reasons })
        .collect();
    Ok(Suggestions { items, needs, referral: open.first().map(|r| r.id), located: located.is_some() })
}
